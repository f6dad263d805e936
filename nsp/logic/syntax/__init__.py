"""Reading and writing formulas.

Read: ``folio`` (unicode, FOLIO's), ``nltk`` (LINC/NLTK ASCII), ``tptp`` (FOF), or ``auto``.
Write: those three plus ``smtlib`` (SMT-LIB 2 term) and ``lean`` (Lean 4 proposition).
Strict reading rejects malformed text with a :class:`FormulaSyntaxError`; lenient reading (the
default) repairs known quirks first and reports each :class:`Repair`. Strict reading also refuses
the quirks that happen to be grammatical (``∀xDog(x)``, ``Not(Dog(rex))``), so text that strict
reading accepts is read the same way, with no repairs, by lenient reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from nsp.logic.analysis import free_vars
from nsp.logic.ir import Forall, Node
from nsp.logic.syntax.detect import SYNTAXES_READ, detect_syntax
from nsp.logic.syntax.errors import FormulaSyntaxError
from nsp.logic.syntax.folio import write_folio
from nsp.logic.syntax.lean import write_lean
from nsp.logic.syntax.nltk import write_nltk
from nsp.logic.syntax.reader import MAX_CHARS, parse_strict
from nsp.logic.syntax.repair import Repair, normalise_text, repair
from nsp.logic.syntax.smtlib import write_smtlib
from nsp.logic.syntax.tptp import write_tptp

WRITERS = {
    "folio": write_folio, "nltk": write_nltk, "tptp": write_tptp, "smtlib": write_smtlib, "lean": write_lean,
}
SYNTAXES_WRITTEN = tuple(WRITERS)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A formula read from text, the syntax it was read as, and the repairs lenient mode made."""

    formula: Node
    syntax: str
    repairs: tuple[Repair, ...] = ()
    name: str | None = None  # TPTP annotated formulas: fof(name, role, ...)
    role: str | None = None
    closed: tuple[str, ...] = ()  # NLTK free variables that reading closed with ∀ (Prover9's reading)


def parse(text: str, syntax: str = "auto", strict: bool = False, fallback: str = "folio") -> Parsed:
    """Read one formula. ``syntax``: folio, nltk, tptp or auto (``fallback`` where the text itself
    does not tell, e.g. the syntax of the other formulas of its problem). Raises FormulaSyntaxError."""
    if not isinstance(text, str):
        raise TypeError("formula text must be a str")
    text = normalise_text(text)
    if syntax == "auto":
        syntax = detect_syntax(text, fallback)
    if syntax not in SYNTAXES_READ:
        raise ValueError(f"cannot read syntax {syntax!r}; choose one of {', '.join(SYNTAXES_READ)} or auto")
    repairs: list[Repair] = []
    if strict:
        result = parse_strict(text, syntax)
    elif syntax == "tptp":
        try:
            result = parse_strict(text, syntax)
        except FormulaSyntaxError as err:
            result = _lenient_tptp(text, err, repairs)
    else:
        result, repairs = _lenient(text, syntax)
    name = role = None
    if isinstance(result, tuple):
        _, name, role, result = result
    fv = free_vars(result)
    closed: tuple[str, ...] = ()
    if fv and syntax == "nltk":  # NLTK's free variables, universally closed as Prover9 reads them
        closed = tuple(sorted(fv))
        result = Forall(closed, result)
    elif fv:
        names = ", ".join(sorted(fv))
        if strict:
            raise FormulaSyntaxError(f"unbound variable(s) {names}", text, 1, 1, "a closed formula")
        repairs.append(Repair(1, "free-variable", f"closed unbound variable(s) {names} with ∀"))
        result = Forall(tuple(sorted(fv)), result)
    return Parsed(result, syntax, tuple(repairs), name, role, closed)


def _lenient(text: str, syntax: str) -> tuple[Node | tuple, list[Repair]]:
    """Repair, then read strictly; when the repaired text fails, report the original's error."""
    if len(text) > MAX_CHARS:
        return parse_strict(text, syntax), []  # raises the length error
    fixed, repairs = repair(text, syntax)
    if not repairs:
        return parse_strict(text, syntax), []
    try:
        return parse_strict(fixed, syntax), repairs
    except FormulaSyntaxError:
        return parse_strict(text, syntax), []  # raises the error against the user's own text


def _lenient_tptp(text: str, err: FormulaSyntaxError, repairs: list) -> Node:
    fixed = text.rstrip()
    depth = 0
    out = []
    for i, ch in enumerate(fixed):
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                repairs.append(Repair(i + 1, "parenthesis", "dropped a ')' that closes nothing"))
                continue
            depth -= 1
        out.append(ch)
    fixed = "".join(out)
    if depth:
        repairs.append(Repair(len(text), "parenthesis", f"added {depth} missing ')' at the end"))
        fixed += ")" * depth
    if not repairs:
        raise err
    try:
        return parse_strict(fixed, "tptp")
    except FormulaSyntaxError:
        raise err from None


def parse_formula(text: str, syntax: str = "auto", strict: bool = False) -> Node:
    """Just the formula of :func:`parse`."""
    return parse(text, syntax, strict).formula


def write(node: Node, syntax: str = "folio") -> str:
    """``node`` as text in ``syntax`` (folio, nltk, tptp, smtlib or lean)."""
    try:
        writer = WRITERS[syntax]
    except KeyError:
        raise ValueError(f"cannot write syntax {syntax!r}; choose one of {', '.join(WRITERS)}") from None
    return writer(node)


__all__ = [
    "Parsed", "parse", "parse_formula", "write", "detect_syntax", "FormulaSyntaxError", "Repair",
    "SYNTAXES_READ", "SYNTAXES_WRITTEN",
]
