"""Guess which syntax a piece of formula text is written in."""

from __future__ import annotations

import re

_FOLIO = re.compile(r"[∀∃¬∧∨→↔⊕≠⊤⊥]")
_TPTP = re.compile(r"^\s*(fof|tff|cnf)\s*\(|[!?]\s*\[|<=>|=>|<~>|~|\$(true|false)|'[^']*'\s*\(")
_NLTK = re.compile(r"\b(all|exists|exist|some|forall)\s+\w+(\s+\w+)*\s*\.|->|<->|&|\||(^|[\s(])-|!=")

SYNTAXES_READ = ("folio", "nltk", "tptp")


def detect_syntax(text: str) -> str:
    """'folio' for unicode connectives, 'tptp' for TPTP operators or quantifiers, 'nltk' for
    ASCII ``all x.``/``->``/``&``, and 'folio' when nothing tells (plain atoms read the same)."""
    if _FOLIO.search(text):
        return "folio"
    if _TPTP.search(text):
        return "tptp"
    if _NLTK.search(text):
        return "nltk"
    return "folio"
