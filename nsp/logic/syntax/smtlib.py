"""SMT-LIB 2 output: terms over one uninterpreted sort ``U``, and whole entailment scripts.

``smtlib_script(premises, conclusion)`` declares the sort and every symbol, asserts the premises
and the negated conclusion, and ends with ``(check-sat)``: ``unsat`` means the conclusion follows.
"""

from __future__ import annotations

import re
from typing import Sequence

from nsp.logic.analysis import signature
from nsp.logic.ir import Node
from nsp.logic.syntax.names import rename_bound_apart
from nsp.logic.walk import postorder

_SIMPLE = re.compile(r"^[A-Za-z~!@$%^&*_+=<>.?/\-][A-Za-z0-9~!@$%^&*_+=<>.?/\-]*$")
# SMT-LIB reserved words, and Z3 built-ins that refuse a user declaration with our sorts. Quoting
# does not help (``|and|`` is the symbol ``and``), so these names are renamed: see smt_symbol.
_RESERVED = frozenset(
    "_ ! as let exists forall match par lambda BINARY DECIMAL HEXADECIMAL NUMERAL STRING "
    "assert check-sat declare-fun declare-sort define-fun root-obj "
    "true false not and or xor => = distinct ite iff < <= > >= re.all seq.unit set.union "
    "partial-order linear-order tree-order piecewise-linear-order".split()
)
_OPS = {"not": "not", "and": "and", "or": "or", "implies": "=>", "iff": "=", "xor": "xor", "eq": "="}


def smt_symbol(name: str) -> str:
    """An SMT-LIB symbol for ``name``, injective over all names.

    A simple symbol is itself; other names are ``|quoted|``. Reserved or built-in names, names
    starting with ``'`` and names holding ``|`` or ``\\`` (which quoting cannot hold) become
    ``|'...|`` with ``'`` written ``''``, ``|`` written ``'p`` and ``\\`` written ``'b``.
    """
    if name in _RESERVED or name.startswith("'") or "|" in name or "\\" in name:
        name = "'" + name.replace("'", "''").replace("|", "'p").replace("\\", "'b")
    elif _SIMPLE.match(name):
        return name
    return "|" + name + "|"


def write_smtlib(node: Node, sort: str = "U") -> str:
    """``node`` as an SMT-LIB 2 term (iterative, linear in size).

    A bound variable named like a symbol of ``node`` is renamed: in SMT-LIB it would shadow it.
    """
    node = rename_bound_apart(node, {n.payload for n in postorder(node) if n.kind in ("const", "app", "atom")})
    out: list[str] = []
    stack: list = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, str):
            out.append(n)
            continue
        k = n.kind
        if k in ("var", "const"):
            out.append(smt_symbol(n.payload))
        elif k == "top":
            out.append("true")
        elif k == "bottom":
            out.append("false")
        elif k in ("app", "atom"):
            if not n.children:
                out.append(smt_symbol(n.payload))
            else:
                _call(stack, smt_symbol(n.payload), n.children)
        elif k in ("forall", "exists"):
            binders = " ".join(f"({smt_symbol(v)} {sort})" for v in n.payload)
            stack.extend([")", n.children[0], f"({k} ({binders}) "])
        else:
            _call(stack, _OPS[k], n.children)
    return "".join(out)


def _call(stack: list, head: str, args) -> None:
    parts: list = [f"({head}"]
    for a in args:
        parts.extend([" ", a])
    parts.append(")")
    stack.extend(reversed(parts))


def smtlib_script(premises: Sequence[Node], conclusion: Node | None = None, sort: str = "U") -> str:
    """A complete SMT-LIB 2 script deciding ``premises ⊢ conclusion`` (unsat = entailed)."""
    formulas = list(premises) + ([conclusion] if conclusion is not None else [])
    sig = signature(formulas)
    lines = ["(set-option :produce-unsat-cores true)",
             f"(declare-sort {sort} 0)"]
    declared = set()
    for sym in sig.values():
        rng = "Bool" if sym.kind == "predicate" else sort
        args = " ".join([sort] * sym.arity)
        declared.add(smt_symbol(sym.name))
        lines.append(f"(declare-fun {smt_symbol(sym.name)} ({args}) {rng})")
    label = "premise"  # premise names must not be declared symbols
    while any(d.startswith(label) for d in declared):
        label += "_"
    for i, p in enumerate(premises, 1):
        lines.append(f"(assert (! {write_smtlib(p, sort)} :named {label}{i}))")
    if conclusion is not None:
        lines.append(f"(assert (not {write_smtlib(conclusion, sort)}))")
    lines.append("(check-sat)")
    return "\n".join(lines) + "\n"
