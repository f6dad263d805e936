"""Lean 4 propositions: ``∀ x : U, Dog x → Animal x`` over an opaque domain type ``U``.

Names that are not plain Lean identifiers, or that are Lean keywords, are written with Lean's
escape ``«...»``. ⊕ is written ``¬(A ↔ B)`` (core Lean has no Prop-level xor without Mathlib).
"""

from __future__ import annotations

from nsp.logic.ir import Iff, Node, Not
from nsp.logic.syntax.names import rename_bound_apart
from nsp.logic.syntax.printer import Dialect, render
from nsp.logic.walk import postorder, rebuild_if_changed, transform

LEAN_KEYWORDS = frozenset(
    """abbrev at axiom by calc class def deriving do else end example exists export extends fun
    forall have if import in inductive infix infixl infixr instance let local macro match mutual
    namespace noncomputable notation open partial postfix prefix private protected rec return
    section set_option show structure suffices syntax then theorem this universe unsafe variable
    where with Prop Sort Type True False Not And Or Iff Eq Exists fun λ Π Σ sorry
    from using mut for unless try catch finally break continue nomatch nofun opaque omit include
    termination_by decreasing_by attribute scoped elab elab_rules macro_rules declare_syntax_cat
    initialize builtin_initialize prelude renaming hiding generalizing only global
    lemma obtain show_term fun_prop admit""".split()
)


# Lean 4's identifier characters (``Lean.isIdFirst``/``isIdRest`` in Init/Meta): ASCII letters
# and ``_``, Greek except λ Π Σ, Coptic, polytonic Greek, the Letterlike block and mathematical
# alphanumerics; later characters add digits, ``'``, ``!``, ``?`` and subscripts. (Recent Lean
# versions also accept Latin-1 letters; this is the older, smaller set every version accepts.)
def is_letter_like(c: str) -> bool:
    v = ord(c)
    return (
        (0x3B1 <= v <= 0x3C9 and v != 0x3BB)
        or (0x391 <= v <= 0x3A9 and v not in (0x3A0, 0x3A3))
        or 0x3CA <= v <= 0x3FB
        or 0x1F00 <= v <= 0x1FFE
        or 0x2100 <= v <= 0x214F
        or 0x1D49C <= v <= 0x1D59F
    )


def is_subscript_alnum(c: str) -> bool:
    v = ord(c)
    return 0x2080 <= v <= 0x2089 or 0x2090 <= v <= 0x209C or 0x1D62 <= v <= 0x1D6A


def is_id_first(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z") or c == "_" or is_letter_like(c)


def is_id_rest(c: str) -> bool:
    return is_id_first(c) or ("0" <= c <= "9") or c in "'!?" or is_subscript_alnum(c)


def is_plain_ident(name: str) -> bool:
    """``name`` is one unescaped Lean 4 identifier component that is not a keyword or ``_``."""
    return (
        bool(name) and name != "_" and is_id_first(name[0]) and all(is_id_rest(c) for c in name[1:])
        and name not in LEAN_KEYWORDS
    )


def lean_name(name: str) -> str:
    """A Lean 4 identifier spelling ``name``: itself when legal, else ``«name»``."""
    if is_plain_ident(name):
        return name
    cleaned = name.replace("«", "_").replace("»", "_").replace("\n", " ")
    return f"«{cleaned}»"


def desugar_xor(node: Node) -> Node:
    return transform(node, lambda n, cs: Not(Iff(*cs)) if n.kind == "xor" else rebuild_if_changed(n, cs))


def write_lean(node: Node, domain: str = "U") -> str:
    """``node`` as a Lean 4 proposition whose symbols are declared elsewhere by the same names."""
    symbols, has_xor = set(), False
    for n in postorder(node):
        if n.kind in ("const", "app", "atom"):
            symbols.add(n.payload)
        elif n.kind == "xor":
            has_xor = True
    node = rename_bound_apart(desugar_xor(node) if has_xor else node, symbols | LEAN_KEYWORDS | {domain})

    def quant(kind, vs):
        q = "∀" if kind == "forall" else "∃"
        return f"{q} " + " ".join(lean_name(v) for v in vs) + f" : {domain}, "

    d = Dialect(
        ops={"and": " ∧ ", "or": " ∨ ", "implies": " → ", "iff": " ↔ ", "xor": " ⊕ "},
        neg="¬", top="True", bottom="False", eq=" = ", quant=quant, body_paren=False,
        curried=True, var_name=lean_name, sym_name=lean_name,
    )
    return render(node, d)



