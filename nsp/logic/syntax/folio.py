"""FOLIO's unicode syntax: ``∀x (Drinks(x) → Dependent(x))``, ``¬``, ``∧``, ``∨``, ``⊕``, ``↔``."""

from __future__ import annotations

import re

from nsp.logic.analysis import all_names
from nsp.logic.ir import Node
from nsp.logic.syntax.grammars import FOLIO_NAME
from nsp.logic.syntax.names import name_map, regex_fix, separate_vars_from_constants
from nsp.logic.syntax.printer import Dialect, render

_VALID = re.compile(rf"^{FOLIO_NAME}$")
_fix = regex_fix(r"\W+")


def _dialect(names: dict) -> Dialect:
    def quant(kind, vs):
        q = "∀" if kind == "forall" else "∃"
        return " ".join(f"{q}{names[v]}" for v in vs) + " "

    return Dialect(
        ops={"and": " ∧ ", "or": " ∨ ", "implies": " → ", "iff": " ↔ ", "xor": " ⊕ "},
        neg="¬", top="⊤", bottom="⊥", eq=" = ", quant=quant,
        var_name=names.__getitem__, sym_name=names.__getitem__,
    )


def write_folio(node: Node) -> str:
    """``node`` in FOLIO syntax; names FOLIO cannot spell are replaced injectively."""
    node = separate_vars_from_constants(node)
    names = name_map(all_names(node), lambda n: bool(_VALID.match(n)), _fix)
    return render(node, _dialect(names))
