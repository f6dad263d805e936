"""Synthetic NL→FOL training pairs (``nsp train --synthetic N``), correct by construction.

Each pair starts from a FOL shape (fact, negated fact, relation, ∀ with →/∧/∨/¬, ∃, ⊕, ¬∃,
relative clauses, conditionals about a named individual) written as an English template, filled
from a vocabulary drawn from the FOLIO train-split pool (:mod:`nsp.parse.prompts`): unary
predicates that are one noun or one adjective, binary ones that are one verb, constants that are
one capitalised name. The FOL of a sentence is what the controlled-English parser
(:mod:`nsp.parse.english`) reads in it, so a pair exists only when the parser reads the sentence,
and unambiguously; that also checks the verbalisation and gives the names the parser's
one-name-per-lemma rule, the naming the model should learn. Deterministic in ``seed``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache

from lemminflect import getInflection

from nsp.parse import lexicon as lx
from nsp.parse.english import Unparsed, parse_one
from nsp.parse.prompts import Example, load_pool

# {N}/{N2}: singular noun, {P}/{P2}: its plural, {A}/{A2}/{A3}: adjective, {V}: verb (base form),
# {Vs}: 3rd person singular, {c}/{c2}: a name. "an" is fixed up after filling.
TEMPLATES = (
    "All {P} are {P2}.", "All {P} are {A}.", "Every {N} is a {N2}.", "Every {N} is {A}.",
    "No {P} are {A}.", "No {N} is a {N2}.", "Some {P} are {A}.", "Some {P} are not {A}.",
    "{c} is a {N}.", "{c} is {A}.", "{c} is not {A}.", "{c} is not a {N}.",
    "{c} {Vs} {c2}.", "{c} does not {V} {c2}.", "{c} is {A} and {A2}.", "{c} is a {N} and {A}.",
    "{c} is either {A} or {A2}.", "{c} is either a {N} or a {N2}.",
    "{c} is either {A} or {A2}, but not both.", "{c} is neither {A} nor {A2}.",
    "If someone is a {N}, then they are {A}.", "If someone is {A} and {A2}, then they are a {N}.",
    "If something is a {N}, then it is not {A}.", "If someone {Vs} {c}, then they are {A}.",
    "If {c} is {A}, then {c} is a {N}.", "If {c} is a {N}, then {c} {Vs} {c2}.",
    "All {P} who are {A} are {P2}.", "All {P} who {V} {c} are {A}.", "All {A} {P} are {P2}.",
    "All {A} {P} are {A2}.", "Every {N} that is {A} is a {N2}.", "No {A} {N} is a {N2}.",
    "Every {N} is either {A} or {A2}.", "All {P} are either {P2} or {A}.",
    "Everyone who is a {N} is {A}.", "Everyone who {Vs} {c} is a {N}.",
    "There is a {N} who is {A}.", "There is no {N} that is {A}.", "Some {P} {V} {c}.",
    "All {P} {V} {c}.", "No {P} {V} {c}.", "{A} {P} are {A2}.", "{A}, {A2} {P} are {P2}.",
    "If a {N} is {A}, then it is {A2}.", "All {P} are {A} or {A2}.", "All {P} are {A} and {A2}.",
    "{c} is a {A} {N}.", "{c} is not a {A} {N}.", "{c} {Vs} a {N}.", "Everything that is {A} is {A2}.",
)


@dataclass(frozen=True)
class Vocabulary:
    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    verbs: tuple[str, ...]
    names: tuple[str, ...]


_LIGHT_VERBS = frozenset({"be", "do", "have", "get", "make"})
_PRED = re.compile(r"\b([A-Z][a-z]+)\((\w+)(?:,\s*(\w+))?\)")


@lru_cache(maxsize=1)
def folio_vocabulary() -> Vocabulary:
    """Nouns, adjectives, verbs and names used in the FOLIO train-split pool (sorted, distinct).

    A word is kept only when the pool's English uses it and its dictionary class is clear: a
    singular noun that is not also an adjective or verb, an adjective that is not also a noun, a
    verb in its base form that is not also an adjective (nor be/do/have/get/make), a name that is no dictionary word."""
    nouns, adjectives, verbs, names = set(), set(), set(), set()
    for e in load_pool():
        words = set(re.findall(r"[a-z]+", e.english.lower()))
        for m in _PRED.finditer(e.fol):
            w, binary = m.group(1).lower(), m.group(3) is not None
            pos = lx.lemmas(w)
            if binary:
                if "VERB" in pos and "ADJ" not in pos and w in pos["VERB"] and w not in _LIGHT_VERBS:
                    verbs.add(w)
            elif "ADJ" in pos and "NOUN" not in pos and "VERB" not in pos and w in words:
                adjectives.add(w)
            elif "NOUN" in pos and "ADJ" not in pos and "VERB" not in pos and lx.noun_lemma(w) == w \
                    and (w in words or _plural(w) in words):
                nouns.add(w)
        for name in re.findall(r"\b[A-Z][a-z]{2,}\b", e.english):
            if name.lower() in e.fol and not lx.lemmas(name.lower()):
                names.add(name)
    return Vocabulary(*(tuple(sorted(s)) for s in (nouns, adjectives, verbs, names)))


def _plural(noun: str) -> str:
    return (getInflection(noun, "NNS") or (noun + "s",))[0]


def _third_person(verb: str) -> str:
    return (getInflection(verb, "VBZ") or (verb + "s",))[0]


def _fill(template: str, vocab: Vocabulary, rng: random.Random) -> str:
    n = rng.sample(vocab.nouns, 2)
    a = rng.sample(vocab.adjectives, 3)
    c = rng.sample(vocab.names, 2)
    v = rng.choice(vocab.verbs)
    text = template.format(N=n[0], N2=n[1], P=_plural(n[0]), P2=_plural(n[1]), A=a[0], A2=a[1], A3=a[2],
                           V=v, Vs=_third_person(v), c=c[0], c2=c[1])
    text = re.sub(r"\b([Aa]) (?=[aeiou])", r"\1n ", text)
    return text[:1].upper() + text[1:]


def synthetic_pairs(n: int, seed: int = 0, vocab: Vocabulary | None = None) -> list[Example]:
    """Up to ``n`` distinct (English, FOLIO-syntax FOL) pairs, the same ones for the same seed.

    Templates are used in turn, so every shape is represented; a filled sentence the parser does
    not read is skipped (tries are capped at 20 n)."""
    from nsp.logic.syntax import write

    vocab = vocab or folio_vocabulary()
    if min(len(vocab.nouns), len(vocab.adjectives), len(vocab.names)) < 3 or not vocab.verbs:
        raise ValueError("the vocabulary is too small to fill the templates")
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[Example] = []
    for attempt in range(20 * n):
        if len(out) >= n:
            break
        sentence = _fill(TEMPLATES[attempt % len(TEMPLATES)], vocab, rng)
        if sentence in seen:
            continue
        seen.add(sentence)
        try:
            formula = parse_one(sentence)
        except Unparsed:
            continue
        out.append(Example(sentence, write(formula, "folio"), "synthetic"))
    return out
