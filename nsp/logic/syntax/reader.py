"""Strict reading: text in one syntax to an IR formula, or a :class:`FormulaSyntaxError`."""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from nsp.logic.ir import IRError, Node, Var
from nsp.logic.syntax.errors import FormulaSyntaxError
from nsp.logic.syntax.grammars import NLTK_VARIABLE, parser
from nsp.logic.syntax.repair import FUNCTION_CONNECTIVES
from nsp.logic.walk import Descend, Done, postorder, scoped
from nsp.logic.analysis import _quant, _rebuild

MAX_CHARS = 1_000_000  # a formula longer than this is refused before parsing
# A FOLIO quantifier whose variable is glued to a predicate: ∀xDog(x) (lenient reading splits it).
_GLUED = re.compile(r"([∀∃])\s*([a-z][0-9]*)([A-Z][A-Za-z0-9_]*)\(")

_READABLE = {
    "LPAR": "'('", "RPAR": "')'", "COMMA": "','", "LSQB": "'['", "RSQB": "']'", "COLON": "':'",
    "DOT": "'.'", "NAME": "a name", "VARIABLE": "a variable", "QUOTED": "a quoted name",
    "$END": "end of formula", "QUANT": "a quantifier", "FOF": "fof(",
}


def _describe_terminals(syntax: str, names) -> str:
    names = set(names)
    if {"NAME", "LPAR", "NOT"} <= names:
        return "a formula"
    if {"NAME", "LPAR"} <= names and "NOT" not in names and "RPAR" not in names:
        return "a formula"
    lark = parser(syntax)
    out = []
    for n in sorted(names):
        if n in _READABLE:
            out.append(_READABLE[n])
            continue
        try:
            pat = lark.get_terminal(n).pattern
            out.append(f"'{pat.value}'" if pat.type == "str" else n.lower())
        except KeyError:
            out.append(n.lower())
    out = sorted(set(out))
    if len(out) > 8:
        out = out[:8] + ["..."]
    return " or ".join(out)


def _token_text(tok) -> str:
    if tok.type == "$END":
        return "end of formula"
    text = str(tok)
    return repr(text if len(text) <= 20 else text[:20] + "…")


def parse_strict(text: str, syntax: str) -> Node | tuple:
    """Parse ``text`` in ``syntax`` ('folio', 'nltk' or 'tptp') with no repairs.

    Returns a formula, or for a TPTP annotated formula a tuple
    ``("annotated", name, role, formula)``.
    """
    if len(text) > MAX_CHARS:
        raise FormulaSyntaxError(
            f"formula is too long ({len(text):,} characters; the limit is {MAX_CHARS:,})", text[:200], 1, 1
        )
    if not text.strip():
        raise FormulaSyntaxError("empty formula", text, 1, 1, "a formula")
    glued = _GLUED.search(text) if syntax == "folio" else None
    if glued:  # ∀xDog(x) would read as ∀xDog (x): a vacuous quantifier over the proposition x
        at = glued.start(2)
        line, col = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        raise FormulaSyntaxError(
            f"quantified variable '{glued[2]}{glued[3]}' runs into '('", text, line, col,
            f"a space between the variable and the formula, as in '{glued[1]}{glued[2]} {glued[3]}(...)'")
    try:
        result = parser(syntax).parse(text)
    except UnexpectedEOF as e:
        line, col = _end_position(text)
        raise FormulaSyntaxError("unexpected end of formula", text, line, col,
                                 _describe_terminals(syntax, e.expected)) from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            line, col = _end_position(text)
            msg = "unexpected end of formula"
        else:
            line, col = e.line, e.column
            msg = f"unexpected {_token_text(e.token)}"
        raise FormulaSyntaxError(msg, text, line, col, _describe_terminals(syntax, e.accepts or e.expected)) from None
    except UnexpectedCharacters as e:
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else "?"
        raise FormulaSyntaxError(f"unexpected character {ch!r}", text, e.line, e.column,
                                 _describe_terminals(syntax, e.allowed or ())) from None
    except UnexpectedInput as e:  # pragma: no cover - other lark input errors
        raise FormulaSyntaxError(str(e).splitlines()[0], text, getattr(e, "line", 1) or 1,
                                 getattr(e, "column", 1) or 1) from None
    except (VisitError, IRError, ValueError) as e:
        inner = e.orig_exc if isinstance(e, VisitError) else e
        raise FormulaSyntaxError(str(inner), text, 1, 1) from None
    if isinstance(result, tuple):
        kind, name, role, formula = result
        return (kind, name, role, resolve_names(formula, syntax))
    result = resolve_names(result, syntax)
    if syntax != "tptp":
        _reject_function_connectives(result, text, syntax)
    return result


_CONNECTIVE_SPELLING = {
    "folio": {"NOT": "'¬φ'", "AND": "'φ ∧ ψ'", "OR": "'φ ∨ ψ'", "IMP": "'φ → ψ'", "IFF": "'φ ↔ ψ'",
              "XOR": "'φ ⊕ ψ'", "FORALL": "'∀x φ'", "EXISTS": "'∃x φ'"},
    "nltk": {"NOT": "'-φ'", "AND": "'φ & ψ'", "OR": "'φ | ψ'", "IMP": "'φ -> ψ'", "IFF": "'φ <-> ψ'",
             "XOR": "'φ <~> ψ'", "FORALL": "'all x.φ'", "EXISTS": "'exists x.φ'"},
}


def _function_connective(n: Node) -> str | None:
    """The connective an atom such as ``Not(Dog(rex))`` spells, when lenient reading would read it
    as one (see repair 5): its arguments are compound terms, i.e. formulas written as terms."""
    role = FUNCTION_CONNECTIVES.get(n.payload.lower()) if n.kind == "atom" else None
    if role is None:
        return None
    compound = [c.kind == "app" for c in n.children]
    if role in ("FORALL", "EXISTS"):
        ok = len(compound) >= 2 and compound[-1] and not any(compound[:-1])
    elif role == "NOT":
        ok = compound == [True]
    elif role in ("AND", "OR"):
        ok = len(compound) >= 2 and all(compound)
    else:
        ok = len(compound) == 2 and all(compound)
    return role if ok else None


def _reject_function_connectives(node: Node, text: str, syntax: str) -> None:
    """Strict reading refuses what lenient reading would rewrite, so the two never disagree
    silently about what a text means."""
    for n in postorder(node):
        role = _function_connective(n)
        if role is None:
            continue
        m = re.search(rf"(?<![A-Za-z0-9_.+-]){re.escape(n.payload)}\s*\(", text)
        at = m.start() if m else 0
        line, col = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        raise FormulaSyntaxError(f"connective written as a function: '{n.payload}(...)'", text, line, col,
                                 _CONNECTIVE_SPELLING[syntax][role])


def _end_position(text: str) -> tuple[int, int]:
    lines = text.rstrip().splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


_NLTK_VARIABLE = re.compile(NLTK_VARIABLE)


def resolve_names(node: Node, syntax: str) -> Node:
    """In FOLIO and NLTK text a name bound by an enclosing quantifier is a variable; in NLTK text
    a free name of NLTK's variable form is one too (left free: :func:`nsp.logic.syntax.parse`
    closes it with ∀, Prover9's reading)."""
    if syntax == "tptp":
        return node
    free_var = _NLTK_VARIABLE.fullmatch if syntax == "nltk" else (lambda name: False)

    def visit(n: Node, bound: frozenset):
        if n.kind == "const":
            return Done(Var(n.payload) if n.payload in bound or free_var(n.payload) else n)
        if not n.children:
            return Done(n)
        if n.kind in ("forall", "exists"):
            inner = bound | frozenset(n.payload)
            return Descend((inner,), lambda cs, k=n.kind, vs=n.payload: _quant(k, vs, cs[0]))
        return Descend((bound,) * len(n.children), lambda cs, n=n: _rebuild(n, cs))

    return scoped(node, frozenset(), visit)

