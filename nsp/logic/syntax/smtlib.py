"""SMT-LIB 2 output: terms over one uninterpreted sort ``U``, and whole entailment scripts.

``smtlib_script(premises, conclusion)`` declares the sort and every symbol, asserts the premises
and the negated conclusion, and ends with ``(check-sat)``: ``unsat`` means the conclusion follows.
"""

from __future__ import annotations

import re
from typing import Sequence

from nsp.logic.analysis import signature
from nsp.logic.ir import Node

_SIMPLE = re.compile(r"^[A-Za-z~!@$%^&*_+=<>.?/\-][A-Za-z0-9~!@$%^&*_+=<>.?/\-]*$")
_RESERVED = frozenset(
    "_ ! as let exists forall match par assert check-sat declare-fun declare-sort define-fun "
    "true false not and or xor => = distinct ite".split()
)
_OPS = {"not": "not", "and": "and", "or": "or", "implies": "=>", "iff": "=", "xor": "xor", "eq": "="}


def smt_symbol(name: str) -> str:
    if _SIMPLE.match(name) and name not in _RESERVED:
        return name
    return "|" + name.replace("|", "_").replace("\\", "_") + "|"


def write_smtlib(node: Node, sort: str = "U") -> str:
    """``node`` as an SMT-LIB 2 term (iterative, linear in size)."""
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
    for sym in sig.values():
        rng = "Bool" if sym.kind == "predicate" else sort
        args = " ".join([sort] * sym.arity)
        lines.append(f"(declare-fun {smt_symbol(sym.name)} ({args}) {rng})")
    for i, p in enumerate(premises, 1):
        lines.append(f"(assert (! {write_smtlib(p, sort)} :named premise{i}))")
    if conclusion is not None:
        lines.append(f"(assert (not {write_smtlib(conclusion, sort)}))")
    lines.append("(check-sat)")
    return "\n".join(lines) + "\n"
