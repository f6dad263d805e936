"""Words for the controlled-English parser: tokens, closed word classes, lemmas and symbol names.

Lemmas come from lemminflect (dictionary + out-of-vocabulary rules, offline, deterministic):
``chases`` → chase, ``wumpuses`` → wumpus, ``mice`` → mouse, ``people`` → person.
Names are built from lemmas only, so one concept has one name in every sentence:
predicates are UpperCamel (``bald eagle`` → ``BaldEagle``), constants lowerCamel
(``The bald eagle`` → ``baldEagle``, ``Dave`` → ``dave``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from lemminflect import getAllInflections, getAllLemmas, getLemma

# ---------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    """One word or punctuation mark; ``low`` is its lower-case form, ``cap`` whether it was
    written with a capital letter (an initial capital at the start of a sentence still counts)."""

    text: str
    low: str
    cap: bool
    index: int


_CONTRACTIONS = {
    "doesn't": ("does", "not"), "don't": ("do", "not"), "didn't": ("did", "not"),
    "isn't": ("is", "not"), "aren't": ("are", "not"), "wasn't": ("was", "not"),
    "weren't": ("were", "not"),
}
_TOKEN = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|\S")


def tokenize(sentence: str) -> list[Token]:
    """Words and punctuation of one sentence; the final full stop (or ! ?) is dropped."""
    text = unicodedata.normalize("NFC", sentence).strip()
    text = re.sub(r"[.!?]+\s*$", "", text)
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        word = m.group().replace("’", "'")
        parts = _CONTRACTIONS.get(word.lower())
        if parts:
            first = parts[0].capitalize() if word[0].isupper() else parts[0]
            words = (first, parts[1])
        else:
            words = (word,)
        for w in words:
            out.append(Token(w, w.lower(), w[0].isupper(), len(out)))
    return out


# ---------------------------------------------------------------- closed classes

COPULA = {"is": "sg", "are": "pl", "was": "sg", "were": "pl"}
DO = {"does": "sg", "do": "pl", "did": "any"}
PRONOUNS = {"it": "sg", "he": "sg", "she": "sg", "they": "pl"}
# Heads that restrict nothing: "red things", "quiet people", "someone who is big".
GENERIC_PLURAL = {"things", "people", "ones", "persons", "individuals", "beings", "objects"}
GENERIC_SINGULAR = {"thing", "person", "one", "individual", "being", "object"}
INDEFINITE_PRONOUNS = {"something", "someone", "somebody"}
UNIVERSAL_PRONOUNS = {"everything", "everyone", "everybody", "anything", "anyone", "anybody"}
# Non-intersective adjectives: a former president is not a president.
NON_INTERSECTIVE = {
    "former", "fake", "alleged", "would-be", "potential", "possible", "so-called", "ex",
    "counterfeit", "false", "imaginary", "toy", "mock", "pseudo", "supposed", "future", "past",
}
PREPOSITIONS = {
    "in", "on", "at", "by", "for", "with", "from", "to", "of", "into", "onto", "about", "under",
    "over", "near", "behind", "between", "among", "against", "through", "without", "within",
    "during", "before", "after", "around", "across", "toward", "towards", "upon",
}
FUNCTION_WORDS = (
    set(COPULA) | set(DO) | set(PRONOUNS) | INDEFINITE_PRONOUNS | UNIVERSAL_PRONOUNS | PREPOSITIONS
    | {
        "the", "a", "an", "if", "then", "and", "or", "not", "no", "all", "every", "each", "some",
        "who", "whom", "whose", "that", "which", "either", "neither", "nor", "both", "but", "there",
        "than", "any", "none", "only", "also", "be", "been", "being", "am", "this", "these",
        "those", "when", "whenever", "unless", "so", "as", "its", "their", "his", "her", "them",
        "him", "never", "nothing", "nobody", "can", "will", "would", "should", "must", "may",
        "might", "could", "shall", "has", "have", "had", "what", "where", "why", "how", "more",
        "most", "less", "least", "very", "same", "other", "another", "such", "because", "while",
        "although", "though", "yet", "many", "much", "few", "several", "one", "two", "three",
    }
)
PUNCTUATION = {",", ";", ":", "(", ")", '"', "“", "”", "-", "'"}


def is_content(tok: Token) -> bool:
    """A word that may name a concept: not punctuation, not a function word, and with a
    letter or digit that survives in a symbol name."""
    return tok.low not in FUNCTION_WORDS and tok.low[:1].isalnum() and bool(_clean(tok.low))


# ---------------------------------------------------------------- lemmas and word classes


@lru_cache(maxsize=None)
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's dictionary lemmas by universal POS tag ({} for an unknown word)."""
    return getAllLemmas(word)


def can_be(word: str, upos: str) -> bool:
    return upos in lemmas(word)


@lru_cache(maxsize=None)
def noun_lemma(word: str) -> str:
    """Singular of a noun (``people`` → person, unknown words by rule: ``wumpuses`` → wumpus)."""
    if word in ("people", "persons"):
        return "person"
    known = lemmas(word).get("NOUN")
    if known:
        # Prefer the lemma that differs from the word (glasses → glass), else the word itself.
        return next((lemma for lemma in known if lemma != word), known[0])
    return getLemma(word, upos="NOUN")[0]


def is_plural_noun(word: str) -> bool:
    """A plural noun form: its noun lemma differs from it and it is not also an adjective
    (``nervous`` is an adjective, not the plural of *nervou*)."""
    if word in ("people", "persons"):
        return True
    if can_be(word, "ADJ") or can_be(word, "ADV"):
        return False
    if lemmas(word) and not can_be(word, "NOUN"):
        return False  # a known verb form such as "sees" is not a noun
    return noun_lemma(word) != word


@lru_cache(maxsize=None)
def verb_forms(word: str) -> tuple[tuple[str, str], ...]:
    """(lemma, number) readings of ``word`` as a finite or base verb form.

    number: ``sg`` (3rd person present: chases), ``pl`` (base/present plural: chase),
    ``any`` (past tense: chased). Only dictionary verbs count: the grammar never guesses a verb.
    """
    out = []
    for lemma in lemmas(word).get("VERB", ()):
        infl = getAllInflections(lemma, upos="VERB")
        if word in infl.get("VBZ", ()):
            out.append((lemma, "sg"))
        if word in infl.get("VBP", ()) or word in infl.get("VB", ()) or word == lemma:
            out.append((lemma, "pl"))
        if word in infl.get("VBD", ()):
            out.append((lemma, "any"))
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=None)
def participle_lemma(word: str) -> str | None:
    """Lemma of a past participle (``written`` → write), else None."""
    for lemma in lemmas(word).get("VERB", ()):
        infl = getAllInflections(lemma, upos="VERB")
        if word in infl.get("VBN", ()) or (word in infl.get("VBD", ()) and word.endswith("ed")):
            return lemma
    return None


def agrees(a: str, b: str) -> bool:
    """Do two numbers (sg / pl / any) agree?"""
    return a == "any" or b == "any" or a == b


# ---------------------------------------------------------------- names


def _clean(word: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode())


def _part(word: str) -> str:
    """One word of a name: acronyms (NBA, IQ) as written, otherwise capitalised lower case, so
    "TikTok" and "Tiktok" give one name."""
    w = _clean(word)
    if len(w) > 1 and w.isupper():
        return w
    return w[:1].upper() + w[1:].lower()


def pred_name(words: list[str] | tuple[str, ...]) -> str:
    """UpperCamel predicate name from lemmas: [bald, eagle] → BaldEagle, [NBA, player] → NBAPlayer."""
    name = "".join(_part(w) for w in words)
    if not name:
        raise ValueError(f"no name in {words!r}")
    return name if name[0].isalpha() else "P" + name


def const_name(words: list[str] | tuple[str, ...]) -> str:
    """lowerCamel constant name: [bald, eagle] → baldEagle, [Dave] → dave, [TikTok] → tiktok."""
    parts = [_clean(w).lower() for w in words]
    parts = [p for p in parts if p]
    if not parts:
        raise ValueError(f"no name in {words!r}")
    name = parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    return name if name[0].isalpha() else "c" + name


# Verbs that take two objects: "cost the renter money" is not Cost(x, renterMoney).
DITRANSITIVE = {
    "give", "cost", "send", "tell", "show", "offer", "teach", "bring", "buy", "lend", "pay", "hand",
    "owe", "grant", "award", "sell", "promise", "charge", "save", "feed", "serve", "deny",
}
