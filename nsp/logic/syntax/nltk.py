"""NLTK / LINC / Prover9-style ASCII: ``all x.(P(x) -> -Q(x))``, ``exists x y.``, ``&``, ``|``.

NLTK has no exclusive-or and no truth constants, so the writer spells ``A ⊕ B`` as
``-(A <-> B)`` and ⊤/⊥ as ``(all x.x = x)`` / ``-(all x.x = x)`` (LINC's convention); the
reader accepts ``<~>`` for ⊕ and ``⊤``/``⊥`` as extensions. Names outside ``[A-Za-z0-9_]``, and
the quantifier words ``all``, ``forall``, ``exists``, ``exist``, ``some``, are replaced injectively.
"""

from __future__ import annotations

import re

from nsp.logic.analysis import all_names, fresh_name
from nsp.logic.ir import Eq, Forall, Iff, Node, Not, Var
from nsp.logic.syntax.names import name_map, regex_fix, separate_vars_from_constants
from nsp.logic.syntax.printer import Dialect, render
from nsp.logic.walk import transform, rebuild_if_changed

_VALID = re.compile(r"^[A-Za-z0-9_]+$")
KEYWORDS = frozenset({"all", "forall", "exists", "exist", "some"})
_clean = regex_fix(r"[^A-Za-z0-9_]+")


def _fix(name: str) -> str:
    name = _clean(name)
    return name + "_" if name in KEYWORDS else name  # a bare 'forall' would start a quantifier


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
    names = name_map(all_names(node), lambda n: bool(_VALID.match(n)) and n not in KEYWORDS, _fix)

    def quant(kind, vs):
        return ("all " if kind == "forall" else "exists ") + " ".join(names[v] for v in vs) + "."

    d = Dialect(
        ops={"and": " & ", "or": " | ", "implies": " -> ", "iff": " <-> ", "xor": " <~> "},
        neg="-", top="⊤", bottom="⊥", eq=" = ", quant=quant, arg_sep=",",
        var_name=names.__getitem__, sym_name=names.__getitem__,
    )
    return render(node, d)
