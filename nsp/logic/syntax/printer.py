"""One iterative printer for the infix syntaxes, driven by a :class:`Dialect` table.

Parenthesisation (the same in every dialect, so output never depends on precedence subtleties):
a binary or n-ary operand of a connective is parenthesised; a quantified formula is
parenthesised unless it is the whole formula or the body of a quantifier; the operand of ¬ is
parenthesised unless it is an atom, a negation or ⊤/⊥. Output is linear in the formula's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from nsp.logic.ir import Node

BINARY = frozenset({"and", "or", "implies", "iff", "xor"})
QUANT = frozenset({"forall", "exists"})


@dataclass(frozen=True)
class Dialect:
    """How one syntax spells each construct.

    ``quant(kind, var_names) -> (prefix, needs_paren_body)`` renders a quantifier prefix;
    ``app(name, arg_texts)`` is filled by the printer with already-printed argument strings only
    for leaves; compound terms are emitted piecewise with ``open_args``/``sep``/``close_args``.
    """

    ops: dict  # kind -> infix symbol with surrounding spaces, e.g. {"and": " ∧ "}
    neg: str
    top: str
    bottom: str
    eq: str
    quant: Callable[[str, tuple], str]
    body_paren: bool = True  # parenthesise a binary quantifier body
    open_args: str = "("
    arg_sep: str = ", "
    close_args: str = ")"
    curried: bool = False  # Lean-style application: "f a b"
    var_name: Callable[[str], str] = field(default=lambda n: n)
    sym_name: Callable[[str], str] = field(default=lambda n: n)


def render(node: Node, d: Dialect) -> str:
    """Print ``node`` in dialect ``d`` (names already made safe by the caller)."""
    out: list[str] = []
    stack: list = [(node, "top")]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        n, ctx = item
        k = n.kind
        if k == "var":
            out.append(d.var_name(n.payload))
        elif k == "const":
            out.append(d.sym_name(n.payload))
        elif k in ("app", "atom"):
            _push_app(stack, out, n, d, ctx)
        elif k == "top":
            out.append(d.top)
        elif k == "bottom":
            out.append(d.bottom)
        elif k == "eq":
            wrap = ctx == "neg"
            parts = [(n.children[0], "term"), d.eq, (n.children[1], "term")]
            _push(stack, parts, wrap)
        elif k == "not":
            child = n.children[0]
            parts = [d.neg, (child, "neg")]
            _push(stack, parts, False)
        elif k in BINARY:
            sym = d.ops[k]
            parts: list = []
            for i, c in enumerate(n.children):
                if i:
                    parts.append(sym)
                parts.append((c, "operand"))
            _push(stack, parts, ctx in ("operand", "neg", "qbody_paren"))
        elif k in QUANT:
            body = n.children[0]
            body_ctx = "qbody_paren" if d.body_paren else "qbody"
            parts = [d.quant(k, n.payload), (body, body_ctx)]
            _push(stack, parts, ctx in ("operand", "neg"))
        else:  # pragma: no cover - the IR has no other kinds
            raise TypeError(f"cannot print node kind {k!r}")
    return "".join(out)


def _push(stack: list, parts: list, wrap: bool) -> None:
    if wrap:
        parts = ["(", *parts, ")"]
    stack.extend(reversed(parts))


def _push_app(stack: list, out: list, n: Node, d: Dialect, ctx: str) -> None:
    name = d.sym_name(n.payload)
    if not n.children:
        out.append(name)
        return
    if d.curried:
        parts: list = [name]
        for c in n.children:
            parts.append(" ")
            parts.append((c, "arg"))
        _push(stack, parts, ctx in ("arg", "neg"))
        return
    parts = [name, d.open_args]
    for i, c in enumerate(n.children):
        if i:
            parts.append(d.arg_sep)
        parts.append((c, "term"))
    parts.append(d.close_args)
    _push(stack, parts, False)
