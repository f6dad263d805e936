"""Lean 4 propositions: ``∀ x : U, Dog x → Animal x`` over an opaque domain type ``U``.

Names that are not plain Lean identifiers, or that are Lean keywords, are written with Lean's
escape ``«...»``. ⊕ is written ``¬(A ↔ B)`` (core Lean has no Prop-level xor without Mathlib).
"""

from __future__ import annotations

import re


from nsp.logic.ir import Iff, Node, Not
from nsp.logic.syntax.names import rename_bound_apart
from nsp.logic.syntax.printer import Dialect, render
from nsp.logic.walk import postorder, rebuild_if_changed, transform

LEAN_KEYWORDS = frozenset(
    """abbrev at axiom by calc class def deriving do else end example exists export extends fun
    forall have if import in inductive infix infixl infixr instance let local macro match mutual
    namespace noncomputable notation open partial postfix prefix private protected rec return
    section set_option show structure suffices syntax then theorem this universe unsafe variable
    where with Prop Sort Type True False Not And Or Iff Eq Exists fun λ Π Σ sorry""".split()
)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_']*$")


def lean_name(name: str) -> str:
    """A Lean 4 identifier spelling ``name``: itself when legal, else ``«name»``."""
    if _IDENT.match(name) and name not in LEAN_KEYWORDS:
        return name
    cleaned = name.replace("«", "_").replace("»", "_")
    return f"«{cleaned}»"


def desugar_xor(node: Node) -> Node:
    return transform(node, lambda n, cs: Not(Iff(*cs)) if n.kind == "xor" else rebuild_if_changed(n, cs))


def write_lean(node: Node, domain: str = "U") -> str:
    """``node`` as a Lean 4 proposition whose symbols are declared elsewhere by the same names."""
    symbols = {n.payload for n in postorder(node) if n.kind in ("const", "app", "atom")}
    node = rename_bound_apart(desugar_xor(node), symbols | LEAN_KEYWORDS | {domain})

    def quant(kind, vs):
        q = "∀" if kind == "forall" else "∃"
        return f"{q} " + " ".join(lean_name(v) for v in vs) + f" : {domain}, "

    d = Dialect(
        ops={"and": " ∧ ", "or": " ∨ ", "implies": " → ", "iff": " ↔ ", "xor": " ⊕ "},
        neg="¬", top="True", bottom="False", eq=" = ", quant=quant, body_paren=False,
        curried=True, var_name=lean_name, sym_name=lean_name,
    )
    return render(node, d)



