"""NLTK / LINC / Prover9-style ASCII: ``all x.(P(x) -> -Q(x))``, ``exists x y.``, ``&``, ``|``.

NLTK has no exclusive-or and no truth constants, so the writer spells ``A ⊕ B`` as
``-(A <-> B)`` and ⊤/⊥ as ``(all x.x = x)`` / ``-(all x.x = x)`` (LINC's convention); the
reader accepts ``<~>`` for ⊕ and ``⊤``/``⊥`` as extensions. Names outside ``[A-Za-z0-9_]``, and
the quantifier words ``all``, ``forall``, ``exists``, ``exist``, ``some``, are replaced injectively.
"""

from __future__ import annotations

import re

from nsp.logic.analysis import all_names, constants, fresh_name
from nsp.logic.ir import Eq, Forall, Iff, Node, Not, Var
from nsp.logic.syntax.grammars import NLTK_VARIABLE
from nsp.logic.syntax.names import bound_names, name_map, regex_fix, separate_vars_from_constants
from nsp.logic.syntax.printer import Dialect, render
from nsp.logic.walk import transform, rebuild_if_changed

_VALID = re.compile(r"^[A-Za-z0-9_]+$")
_VARIABLE = re.compile(NLTK_VARIABLE)
KEYWORDS = frozenset({"all", "forall", "exists", "exist", "some", "iota", "not", "and", "or", "implies", "iff"})
_clean = regex_fix(r"[^A-Za-z0-9_]+")


def _fix(name: str) -> str:
    name = _clean(name)
    # a bare 'forall' would start a quantifier; a constant 'a' would read as a free variable
    return name + "_" if name in KEYWORDS or _VARIABLE.fullmatch(name) else name


def desugar_for_nltk(node: Node) -> Node:
    """Replace ⊕, ⊤ and ⊥ by the NLTK spellings above (what NLTK round trips give back)."""
    taken = set(all_names(node))
    v = fresh_name("x", taken)
    top = Forall((v,), Eq(Var(v), Var(v)))

    def step(n: Node, cs: tuple) -> Node:
        if n.kind == "xor":
            return Not(Iff(*cs))
        if n.kind == "top":
            return top
        if n.kind == "bottom":
            return Not(top)
        return rebuild_if_changed(n, cs)

    return transform(node, step)


def write_nltk(node: Node) -> str:
    node = separate_vars_from_constants(desugar_for_nltk(node))
    bound, consts = bound_names(node), constants(node)

    def valid(n: str) -> bool:  # NLTK quantifies only variable-form names, and reads those as variables
        if not _VALID.match(n) or n in KEYWORDS:
            return False
        if n in bound or n in consts:
            return bool(_VARIABLE.fullmatch(n)) == (n in bound)
        return True

    names = name_map(all_names(node), valid, lambda n: "x" if n in bound else _fix(n))

    def quant(kind, vs):
        return ("all " if kind == "forall" else "exists ") + " ".join(names[v] for v in vs) + "."

    d = Dialect(
        ops={"and": " & ", "or": " | ", "implies": " -> ", "iff": " <-> ", "xor": " <~> "},
        neg="-", top="⊤", bottom="⊥", eq=" = ", quant=quant, arg_sep=",",
        var_name=names.__getitem__, sym_name=names.__getitem__,
    )
    return render(node, d)
