"""TPTP first-order form: ``![X] : (dog(X) => animal(X))``, ``~``, ``&``, ``|``, ``<=>``, ``<~>``.

Variables print as upper-case words (``x`` becomes ``X``, kept distinct); any other name that is
not a TPTP lower word is single-quoted (``'Dog'``, ``'c++'``), so symbols survive a round trip
exactly and variables survive up to renaming.
"""

from __future__ import annotations

import re

from nsp.logic.analysis import fresh_name
from nsp.logic.ir import Node
from nsp.logic.syntax.names import bound_names
from nsp.logic.syntax.printer import Dialect, render
from nsp.logic.walk import postorder

_LOWER_WORD = re.compile(r"^[a-z][A-Za-z0-9_]*$")
_UPPER_WORD = re.compile(r"^[A-Z][A-Za-z0-9_]*$")


def quote_functor(name: str) -> str:
    if _LOWER_WORD.match(name) and name not in ("fof", "tff"):  # bare fof( starts an annotated formula
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def variable_map(names) -> dict[str, str]:
    """Injective map from variable names to TPTP upper words."""
    out, taken = {}, set()
    for n in sorted(names):
        cand = n if _UPPER_WORD.match(n) else re.sub(r"[^A-Za-z0-9_]", "_", n)
        cand = cand[:1].upper() + cand[1:] if cand[:1].isalpha() else "V" + cand
        cand = fresh_name(cand, taken)
        taken.add(cand)
        out[n] = cand
    return out


def write_tptp(node: Node) -> str:
    """``node`` as a TPTP FOF formula (no ``fof(...)`` wrapper)."""
    var_names = bound_names(node) | {n.payload for n in postorder(node) if n.kind == "var"}
    vmap = variable_map(var_names)

    def quant(kind, vs):
        return ("! [" if kind == "forall" else "? [") + ", ".join(vmap[v] for v in vs) + "] : "

    d = Dialect(
        ops={"and": " & ", "or": " | ", "implies": " => ", "iff": " <=> ", "xor": " <~> "},
        neg="~ ", top="$true", bottom="$false", eq=" = ", quant=quant, arg_sep=",",
        var_name=vmap.__getitem__, sym_name=quote_functor,
    )
    return render(node, d)


def fof(name: str, role: str, node: Node) -> str:
    """One annotated formula: ``fof(name, role, formula).``"""
    return f"fof({name}, {role}, {write_tptp(node)})."
