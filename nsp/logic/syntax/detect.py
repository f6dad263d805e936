"""Guess which syntax a piece of formula text is written in."""

from __future__ import annotations

import re

_FOLIO = re.compile(r"[∀∃¬∧∨→↔⊕≠⊤⊥]")
_TPTP = re.compile(
    r"^\s*(fof|tff|cnf)\s*\([^,()]*,\s*\w+\s*,|[!?]\s*\[|<=>|=>|<~>|~|\$(true|false)|'[^']*'\s*\("
)
_QUOTED = re.compile(r"'[^']+'")
_NLTK = re.compile(r"\b(all|exists|exist|some|forall)\s+\w+(\s+\w+)*\s*\.|->|<->|&|\||(^|[\s(])-|!=")

SYNTAXES_READ = ("folio", "nltk", "tptp")


def detect_syntax(text: str, fallback: str = "folio") -> str:
    """'folio' for unicode connectives, 'tptp' for TPTP operators or quantifiers, 'nltk' for
    ASCII ``all x.``/``->``/``&``, and ``fallback`` when nothing tells (plain atoms).
    Single-quoted names (``p('A')``) are TPTP when the text reads as TPTP; in FOLIO or NLTK
    text they are a quirk (``Likes('mr smith', bob)``) that lenient reading repairs."""
    if _FOLIO.search(text):
        return "folio"
    if _TPTP.search(text) or (_QUOTED.search(text) and _reads_as_tptp(text)):
        return "tptp"
    if _NLTK.search(text):
        return "nltk"
    return fallback


def _reads_as_tptp(text: str) -> bool:
    from nsp.logic.syntax.errors import FormulaSyntaxError
    from nsp.logic.syntax.reader import parse_strict

    try:
        parse_strict(text, "tptp")
    except FormulaSyntaxError:
        return False
    return True
