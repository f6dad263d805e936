"""Controlled English to first-order logic, without a model.

``parse_sentences(sentences)`` reads the sentences of ONE problem together: every name is a
function of lemmas only, so a concept has one symbol in all sentences ("Bob is big.", "Big things
are round.", "If someone is big ..." all use ``Big``), and problem-wide checks (one arity per
symbol, whether "person" is a real predicate) run over the whole problem. A sentence outside the
grammar, or one with two readings that differ, gets ``formula=None`` and a ``reason``: a wrong
formula is worse than none, so the parser never guesses.

The parser is a hand-written backtracking recursive-descent matcher over word tokens (not lark):
the word classes it needs (adjective, plural noun, verb form, name) depend on the position in the
sentence and on a dictionary (lemminflect), the grammar threads number agreement and discourse
referents (pronouns), and it enumerates *every* parse so that an ambiguous sentence is detected
and refused. The grammar (``[x]`` optional, ``x*`` repeated, ``|`` alternatives, all tried)::

    sentence    := existential | conditional | quantified | "either" clauses "or" clauses | clauses
    existential := "there" copula ("a"|"an"|"no") restrictor             ∃x R(x) / ¬∃x R(x)
    conditional := "if" clauses ("," ["then"] | "then") clauses         ∀ indefinites (A → C)
    clauses     := clause (conn clause)*        conn: and | or | , and | , or (one kind only)
    clause      := subject vp
    subject     := Name | "the" noun+ | pronoun | "someone" | "something" | ("a"|"an") nominal
    quantified  := ("all"|"every"|"each"|"any") restrictor vp          ∀x (R → VP)
                 | "no" restrictor vp                                   ∀x (R → ¬VP)
                 | "some" restrictor vp                                 ∃x (R ∧ VP)
                 | restrictor-plural vp          (bare plural: "Red, cold things are round")
                 | ("everyone"|"someone"|...) "who"|"that" vp vp        ∀x (VP1 → VP2)
    restrictor  := (adjective [","])* noun+ [("who"|"that"|"which") vp]
    vp          := vp-atom (conn vp-atom')*     (vp-atom': the copula may be elided:
                                                 "is red and not white", "is a Y or a Z")
    vp-atom     := copula ["not"] complement | copula "not" complement ("or" complement)+
                 | copula "either" complement "or" (complement | vp-atom) [[","] "but not both"]
                 | copula ("neither" … "nor" | "both" … "and") complement
                 | ("does"|"do") "not" verb-phrase | verb-phrase
                 | "either" vp-atom "or" vp-atom | "neither" vp-atom "nor" vp-atom
    complement  := adjective [prep object] | participle "by" object (passive) | prep object
                 | ("a"|"an") restrictor | plural restrictor
    verb-phrase := verb [prep] object | verb          (dictionary verbs only; no modals)
    object      := Name | "the" noun+ | pronoun | ("a"|"an") restrictor   (∃y)
                 | bare noun+ ("knows magic": one unary predicate KnowMagic)

Semantics, on ProofWriter's and PrOntoQA's language (names: :mod:`nsp.parse.lexicon`)::

    Bob is big.                               Big(bob)
    The cat does not chase the dog.           ¬Chase(cat, dog)
    If someone is big and they chase the dog then the dog is kind.
                                              ∀x (Big(x) ∧ Chase(x, dog) → Kind(dog))
    Red, cold things are round.               ∀x (Red(x) ∧ Cold(x) → Round(x))
    Wumpuses are not tumpuses.                ∀x (Wumpus(x) → ¬Tumpus(x))
    Every wumpus is a tumpus or a yumpus.     ∀x (Wumpus(x) → Tumpus(x) ∨ Yumpus(x))
    No dog is red.                            ∀x (Dog(x) → ¬Red(x))
    Bob is either red or blue but not both.   Red(bob) ⊕ Blue(bob)

FOLIO-style additions: "is in Germany" → In(s, germany); "is produced by AOC" → Produce(aoc, s)
(the active relation); "is located in X" → LocateIn(s, x); "products sold in JD" (reduced
relative); "If a bird is ..., then the bird ..." (the definite refers back to the indefinite).
Noun phrases: leading adjectives and participles are predicates of their own, the rest is one
compound ("professional basketball players" → Professional(x) ∧ BasketballPlayer(x)).
Refused: modal verbs, "is not A and B" (scope), "plays guitar and bass" (elided object or
complement?), main-clause "someone ..." (FOLIO uses it generically), "the company named AOC".

"things", "people", "someone", "something" restrict nothing. "person"/"people" becomes the
predicate ``Person`` only when the problem itself says of something that it is (not) a person.
Plain "either A or B" (without "but not both") is read inclusively (∨); "neither A nor B" is
¬A ∧ ¬B. A pronoun refers to the only indefinite ("someone") of the sentence's if-clause, or,
when there is none, to its only named individual; otherwise the sentence is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterator, Sequence

from nsp.logic.analysis import (
    SignatureError, constants, free_vars, rename_bound, separate_clashes, signature, substitute,
)
from nsp.logic.canon import alpha_equal
from nsp.logic.ir import And, Atom, Const, Exists, Forall, Implies, Node, Not, Or, Term, Var, Xor, conj
from nsp.logic.walk import fold, postorder, preorder
from nsp.parse import lexicon as lx
from nsp.parse.lexicon import Token

SYMBOLIC = "symbolic"
MAX_STEPS = 20_000  # grammar steps per sentence before giving up (pathological inputs)
MAX_TOKENS = 60


@dataclass(frozen=True)
class SentenceParse:
    """One sentence and its formula (``None`` when unparsed); ``source`` is "symbolic" or ""."""

    sentence: str
    formula: Node | None
    source: str
    reason: str = ""


# ---------------------------------------------------------------- sentences


_SPLIT = re.compile(r"(?<=[.!?])[\"”']?\s+(?=[\"“'(]?[A-Z0-9])")


_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|e\.g|i\.e|Inc|Ltd|Co)|\b[A-Z])\.$")


def split_sentences(text: str) -> list[str]:
    """Sentences of a Logic-LM ``context`` string: split after . ! ? before a capital or digit,
    except after a common abbreviation or an initial ("Mr. Smith", "Ann J. Land")."""
    out: list[str] = []
    for piece in _SPLIT.split(text.strip()):
        piece = piece.strip()
        if not piece:
            continue
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def parse_sentences(sentences: Sequence[str]) -> list[SentenceParse]:
    """Parse the sentences of ONE problem with problem-wide consistent names (see module doc)."""
    person_is_predicate = any(_PERSON_FACT.search(s) for s in sentences)
    results: list[SentenceParse] = []
    for s in sentences:
        f, reason = _parse_cached(s, person_is_predicate) if isinstance(s, str) else (None, "not a string")
        results.append(SentenceParse(s, f, SYMBOLIC) if f is not None else SentenceParse(s, None, "", reason))
    return _consistent_arities(results)


@lru_cache(maxsize=65536)
def _parse_cached(sentence: str, person_is_predicate: bool) -> tuple[Node | None, str]:
    """parse_one as a value (formula, "") or (None, reason); the same sentence recurs across
    problems, and a parse depends only on the sentence and the problem-wide person flag."""
    try:
        return parse_one(sentence, person_is_predicate), ""
    except Unparsed as e:
        return None, str(e)


_PERSON_FACT = re.compile(r"\b(?:is|are|was|were)\s+(?:not\s+)?(?:an?\s+)?(?:person|people|persons)\b", re.I)


def _consistent_arities(results: list[SentenceParse]) -> list[SentenceParse]:
    """One arity per symbol across the problem: a later use of a name with another arity
    (``Eat(x)`` after ``Eat(x, y)``) is renamed, the same way in every sentence."""
    parsed = [(i, r.formula) for i, r in enumerate(results) if r.formula is not None]
    try:
        signature([f for _, f in parsed])
        return results
    except SignatureError:
        pass
    fixed, _notes = separate_clashes([f for _, f in parsed])
    out = list(results)
    for (i, _), f in zip(parsed, fixed):
        out[i] = SentenceParse(results[i].sentence, f, SYMBOLIC)
    return out


class Unparsed(ValueError):
    """The sentence is outside the grammar (or ambiguous); the message says why."""


def parse_one(sentence: str, person_is_predicate: bool = False) -> Node:
    """The formula of one sentence on its own; raises :class:`Unparsed`."""
    if not isinstance(sentence, str) or not sentence.strip():
        raise Unparsed("empty sentence")
    tokens = lx.tokenize(sentence)
    if not tokens:
        raise Unparsed("no words")
    if len(tokens) > MAX_TOKENS:
        raise Unparsed(f"too long for the grammar ({len(tokens)} words)")
    parser = _Parser(tokens, person_is_predicate)
    found: list[Node] = []
    try:
        for f, j in parser.statement(0):
            if j != len(tokens):
                continue
            f = _finish(f)
            if f is None:
                continue
            if not found:
                found.append(f)
            elif not alpha_equal(found[0], f):
                raise Unparsed(f"ambiguous: reads as {found[0]} and as {f}")
    except _OutOfSteps:
        raise Unparsed("too many readings to explore") from None
    except Unparsed:
        raise
    except ValueError as e:  # a word that makes no symbol name, an IR shape error
        raise Unparsed(f"cannot build a formula: {e}") from None
    if not found:
        raise Unparsed(f"outside the grammar (best reading stops at {parser.stuck_at()!r})")
    return found[0]


def _finish(f: Node) -> Node | None:
    """Rename the parser's placeholder variables x, y, z, ... in binder order; None if any
    placeholder is left free (a pronoun or indefinite the statement did not bind)."""
    if f is None or free_vars(f):
        return None
    order: list[str] = []
    for n in preorder(f):
        if n.kind in ("forall", "exists"):
            for v in n.payload:
                if v not in order:
                    order.append(v)
    names = ["x", "y", "z", "w", "u", "v"]
    mapping = {v: (names[k] if k < len(names) else f"x{k}") for k, v in enumerate(order)}
    return _flatten(rename_bound(f, mapping))


def _flatten(f: Node) -> Node:
    """Nested ∧ in ∧ (and ∨ in ∨) made flat: (A ∧ B) ∧ C is A ∧ B ∧ C."""

    def step(n: Node, cs: tuple) -> Node:
        if n.kind in ("and", "or") and any(c.kind == n.kind for c in cs):
            flat = [g for c in cs for g in (c.children if c.kind == n.kind else (c,))]
            return type(n)(*flat)
        return n if all(a is b for a, b in zip(n.children, cs)) else n.rebuild(cs)

    return fold(f, step)


# ---------------------------------------------------------------- the grammar

PRON = Var("_pron")

VPFn = Callable[[Term], Node]


@dataclass(frozen=True)
class _Subject:
    term: Term
    restr: Node | None
    number: str
    kind: str  # name | definite | pronoun | someone | indefinite


class _OutOfSteps(Exception):
    pass


def _atom(words, *args: Term) -> Node:
    return Atom(lx.pred_name(words), args)


def _neg(f: Node) -> Node:
    return f.body if f.kind == "not" else Not(f)


class _Parser:
    """Enumerates the readings of one token list; each nonterminal is a generator of
    (value, next position) pairs, in preference order."""

    def __init__(self, tokens: list[Token], person_is_predicate: bool):
        self.t = tokens
        self.n = len(tokens)
        self.person = person_is_predicate
        self.steps = 0
        self.furthest = 0
        self.last_nominal = ""

    # -- helpers

    def low(self, i: int) -> str:
        return self.t[i].low if i < self.n else ""

    def tick(self, i: int) -> None:
        self.steps += 1
        self.furthest = max(self.furthest, i)
        if self.steps > MAX_STEPS:
            raise _OutOfSteps

    def stuck_at(self) -> str:
        return " ".join(t.text for t in self.t[self.furthest : self.furthest + 4]) or "<end>"

    def word(self, i: int) -> str:
        """The token as a name part: lower case unless an acronym (NBA)."""
        tok = self.t[i]
        if tok.text.isupper() and len(tok.text) > 1:
            return tok.text
        return tok.low

    # -- statements

    def statement(self, i: int) -> Iterator[tuple[Node, int]]:
        yield from self.existential(i)
        yield from self.conditional(i)
        yield from self.quantified(i)
        yield from self.either_clauses(i)
        for f, j in self.clauses(i):
            f = self.close_plain(f)
            if f is not None:
                yield f, j

    def close_plain(self, f: Node) -> Node | None:
        """A statement with no conditional and no quantifier must be closed: a free "someone"
        ("Someone is either a Yale or a Harvard student": existential, or FOLIO's generic
        "everyone"?), a pronoun with no antecedent, or a bare "a N" are refused."""
        return None if _free_placeholders(f) else f

    def existential(self, i: int):
        """"There is a N [that VP]" (∃x N(x)), "There are N-plural", "There is/are no N" (¬∃)."""
        if self.low(i) != "there" or self.low(i + 1) not in lx.COPULA:
            return
        number = lx.COPULA[self.low(i + 1)]
        j = i + 2
        neg = self.low(j) == "no"
        if neg:
            j += 1
            number = "any"
        elif number == "sg":
            if self.low(j) not in ("a", "an"):
                return
            j += 1
        for var, r, k in self.restrictor(j, number, i):
            if r is not None:
                f = self.bind(Exists, var, r)
                yield (Not(f) if neg else f), k

    def conditional(self, i: int):
        self.tick(i)
        if self.low(i) != "if":
            return
        for a, j in self.clauses(i + 1):
            k = j
            if self.low(k) == ",":
                k += 1
            if self.low(k) == "then":
                k += 1
            elif k == j:
                continue  # "If A B" without a comma or "then" is not a sentence we read
            for c, m in self.clauses(k):
                f = _conditional(a, c)
                if f is not None:
                    yield f, m

    def either_clauses(self, i: int):
        if self.low(i) != "either":
            return
        for a, j in self.clauses(i + 1):
            if self.low(j) != "or":
                continue
            for b, k in self.clauses(j + 1):
                f, m = self.xor_tail(a, b, k)
                f = self.close_plain(f)
                if f is not None:
                    yield f, m

    def xor_tail(self, a: Node, b: Node, k: int) -> tuple[Node, int]:
        """``a ∨ b``, or ``a ⊕ b`` when "[,] but not both" follows at ``k``."""
        m = k + 1 if self.low(k) == "," else k
        if [self.low(m + d) for d in range(3)] == ["but", "not", "both"]:
            return Xor(a, b), m + 3
        return Or(a, b), k

    def clauses(self, i: int):
        for first, j in self.clause(i):
            yield from self.more_clauses([first], None, j)

    def more_clauses(self, items: list[Node], conn: str | None, j: int):
        for c, k in self.connective(j):
            if conn is not None and c != conn:
                continue
            for f, m in self.clause(k):
                yield from self.more_clauses(items + [f], c, m)
        if conn is None:
            yield items[0], j
        elif conn == "and":
            yield And(*items), j
        else:
            yield Or(*items), j

    def connective(self, j: int, commas: bool = False) -> Iterator[tuple[str, int]]:
        """"and", "or", ", and", ", or"; with ``commas``, also a bare list comma ","."""
        w = self.low(j)
        if w in ("and", "or"):
            yield w, j + 1
        elif w == "," and self.low(j + 1) in ("and", "or"):
            yield self.low(j + 1), j + 2
        elif w == "," and commas:
            yield ",", j + 1

    def clause(self, i: int):
        self.tick(i)
        for s, j in self.subject(i):
            for vp, k in self.vp(j, s.number):
                yield conj([s.restr, vp(s.term)] if s.restr is not None else [vp(s.term)]), k

    # -- quantified statements

    def quantified(self, i: int):
        self.tick(i)
        w = self.low(i)
        if w in ("all", "every", "each", "any"):
            number = {"all": "pl", "any": "any"}.get(w, "sg")
            for var, r, j in self.restrictor(i + 1, number, i):
                for vp, k in self.vp(j, number):
                    yield self.universal(var, r, vp(var)), k
        elif w == "no":
            for number in ("sg", "pl"):
                for var, r, j in self.restrictor(i + 1, number, i):
                    for vp, k in self.vp(j, number):
                        yield self.universal(var, r, _neg(vp(var))), k
        elif w == "some":
            for number in ("pl", "sg"):
                for var, r, j in self.restrictor(i + 1, number, i):
                    for vp, k in self.vp(j, number):
                        body = vp(var) if r is None else And(r, vp(var))
                        yield self.bind(Exists, var, body), k
        elif w in lx.UNIVERSAL_PRONOUNS or (w in lx.INDEFINITE_PRONOUNS and self.low(i + 1) in ("who", "that")):
            var = Var(f"_q{i}")
            j = i + 1
            if self.low(j) in ("who", "that"):
                for rel, k in self.vp(j + 1, "sg"):
                    for vp, m in self.vp(k, "sg"):
                        yield self.universal(var, rel(var), vp(var)), m
            elif w in lx.UNIVERSAL_PRONOUNS:
                for vp, m in self.vp(j, "sg"):
                    yield self.universal(var, None, vp(var)), m
        else:
            # bare plural: "Red, cold things are round.", "Wumpuses are not tumpuses."
            for var, r, j in self.restrictor(i, "pl", i):
                for vp, k in self.vp(j, "pl"):
                    yield self.universal(var, r, vp(var)), k

    def universal(self, var: Var, r: Node | None, body: Node) -> Node:
        body = _resolve_pronoun(body, var)
        return self.bind(Forall, var, body if r is None else Implies(r, body))

    @staticmethod
    def bind(q, var: Var, body: Node) -> Node:
        return q((var.name,), body)

    def restrictor(self, i: int, number: str, at: int):
        """(variable, restriction or None, next) for "red, cold things", "quiet people who are
        kind", "wumpuses", "NBA players"; ``number`` is the head noun's (sg, pl or any)."""
        self.tick(i)
        var = Var(f"_q{at}")
        for words, j in self.nominal(i, number):
            r = self.nominal_formula(words, var)
            if r is False:
                continue
            self.last_nominal = lx.const_name([self.word(k) for k, _ in words])
            rel_number = number if number != "any" else "sg"
            if self.low(j) in ("who", "that", "which"):
                for rel, k in self.vp(j + 1, rel_number):
                    yield var, (rel(var) if r is None else And(r, rel(var))), k
            else:
                yield var, r, j
                if j < self.n and lx.participle_lemma(self.low(j)) and self.low(j + 1) in lx.PREPOSITIONS:
                    # "products sold in JD": a reduced relative clause (that are sold in JD)
                    for rel, k in self.complement(j, rel_number):
                        yield var, (rel(var) if r is None else And(r, rel(var))), k

    def nominal(self, i: int, number: str) -> Iterator[tuple[list[tuple[int, bool]], int]]:
        """Modifier/head runs: ([(token index, comma follows)], next), longest first.
        The last word is the head, and carries the number."""
        run: list[tuple[int, bool]] = []
        j = i
        while j < self.n and lx.is_content(self.t[j]):
            # a comma joins two words of the run only when another word follows it
            comma = self.low(j + 1) == "," and j + 2 < self.n and lx.is_content(self.t[j + 2])
            run.append((j, comma))
            j += 2 if comma else 1
        for end in range(len(run), 0, -1):
            words = run[:end]
            if words[-1][1]:
                continue  # the head is not followed by a comma
            head = self.t[words[-1][0]].low
            if not self._head_number_ok(head, number):
                continue
            yield words, words[-1][0] + 1

    def _head_number_ok(self, head: str, number: str) -> bool:
        plural = head in lx.GENERIC_PLURAL or lx.is_plural_noun(head)
        if number == "pl":
            return plural
        if number == "sg":
            return not plural
        return True

    def nominal_formula(self, words: list[tuple[int, bool]], var: Term):
        """The restriction a nominal puts on ``var``: None when it restricts nothing
        ("things"), False when the words cannot form a nominal."""
        head_i = words[-1][0]
        head = self.t[head_i].low
        mods = words[:-1]
        generic = (head in lx.GENERIC_PLURAL or head in lx.GENERIC_SINGULAR) and not (
            self.person and head in ("people", "person", "persons")
        )
        if any(comma for _, comma in mods):
            # "red, cold things": a comma list is a list of adjectives
            if not all(lx.can_be(self.t[k].low, "ADJ") for k, _ in mods):
                return False
        atoms: list[Node] = []
        if generic:
            if not mods:
                return None
            for k, _ in mods:
                if not lx.can_be(self.t[k].low, "ADJ") and self.t[k].low not in ("non",):
                    return False
                atoms.append(_atom([self.word(k)], var))
            return conj(atoms)
        for pos, (m, _) in enumerate(mods):
            w = self.t[m].low
            if w in lx.GENERIC_PLURAL or w in lx.GENERIC_SINGULAR:
                return False  # "people taking classes" is a reduced relative clause
            if pos > 0 and (self._reduced_relative(m) or (w.endswith("ing") and not lx.can_be(w, "ADJ"))):
                return False  # "a student learning piano", "a company named AOC"
        # leading intersective adjectives are predicates of their own; the rest is a compound
        k = 0
        while k < len(mods) and self._intersective(mods[k][0]):
            atoms.append(_atom([self.word(mods[k][0])], var))
            k += 1
        if any(comma for _, comma in mods[k:]):
            return False
        compound = [self.word(m) for m, _ in mods[k:]] + [self.head_lemma(head_i)]
        atoms.append(_atom(compound, var))
        return conj(atoms)

    def _reduced_relative(self, k: int) -> bool:
        """Is the word at ``k`` (not first in its noun phrase) a verb form that starts a reduced
        relative clause ("playing Hamlet", "named AOC") rather than part of a compound noun?"""
        w = self.t[k].low
        if lx.can_be(w, "ADJ") or lx.can_be(w, "NOUN"):
            return False
        return w.endswith("ing") or lx.participle_lemma(w) is not None

    def _intersective(self, i: int) -> bool:
        """A modifier that is a predicate of its own: an adjective or a participle
        ("sanctioned businesses", "unsanctioned businesses"), unless non-intersective."""
        w = self.t[i].low
        if w in lx.NON_INTERSECTIVE or (self.t[i].cap and i > 0):
            return False
        if lx.can_be(w, "ADJ") or lx.participle_lemma(w) is not None:
            return True
        return not lx.lemmas(w) and w.endswith("ed")

    def head_lemma(self, i: int) -> str:
        tok = self.t[i]
        if tok.text.isupper() and len(tok.text) > 1:
            return tok.text
        return lx.noun_lemma(tok.low)

    # -- noun phrases

    def subject(self, i: int) -> Iterator[tuple[_Subject, int]]:
        self.tick(i)
        w = self.low(i)
        if w in lx.PRONOUNS:
            yield _Subject(PRON, None, lx.PRONOUNS[w], "pronoun"), i + 1
            return
        if w in lx.INDEFINITE_PRONOUNS:
            yield _Subject(Var(f"_i{i}"), None, "sg", "someone"), i + 1
            return
        if w in ("a", "an"):
            for v, r, j in self.restrictor(i + 1, "sg", i):
                # the variable's name carries the nominal, so "the bird" can refer back to it
                var = Var(f"_a{i}~{self.last_nominal}")
                yield _Subject(var, _rename_var(r, v, var), "sg", "indefinite"), j
            return
        for term, j in self.term(i):
            yield _Subject(term, None, "sg", "name"), j

    def term(self, i: int) -> Iterator[tuple[Term, int]]:
        """A name ("Bob", "Ernest Pohl") or a definite description ("the bald eagle")."""
        w = self.low(i)
        if w == "the":
            j = i + 1
            while j < self.n and lx.is_content(self.t[j]):
                j += 1
            for end in range(j, i + 1, -1):
                head = self.t[end - 1].low
                if lx.is_plural_noun(head) or any(self._reduced_relative(k) for k in range(i + 2, end)):
                    continue  # plural, or "the actor playing Hamlet", "the company named AOC"
                yield Const(lx.const_name([self.word(k) for k in range(i + 1, end)])), end
            return
        j = i
        while j < self.n and self.t[j].cap and lx.is_content(self.t[j]):
            j += 1
        if j > i:
            yield Const(lx.const_name([self.t[k].text for k in range(i, j)])), j

    # -- verb phrases

    def vp(self, i: int, number: str) -> Iterator[tuple[VPFn, int]]:
        for first, j, tag in self.vp_atom(i, number, elided=False):
            yield from self.more_vp([first], None, j, number, tag)

    def more_vp(self, items: list, conn: str | None, j: int, number: str, last: str, sep: str = ""):
        """Coordinated verb phrases: "A and B", "A or B", "A, B, and C" (one connective kind)."""
        for c, k in self.connective(j, commas=True):
            if c != "," and conn is not None and c != conn:
                continue
            for f, m, tag in self.vp_atom(k, number, elided=True):
                if tag == "elided" and last not in ("copula", "elided"):
                    # "is not A and B": does "not" cover B? "plays guitar and bass" is not
                    # "plays guitar and is bass". Refuse to guess.
                    continue
                if tag == "elided-not" and last not in ("copula", "elided", "negated-copula", "elided-not"):
                    continue
                yield from self.more_vp(items + [f], conn if c == "," else c, m, number, tag, c)
        if conn is None and len(items) == 1:
            yield items[0], j
        elif conn is not None and sep != ",":
            op = And if conn == "and" else Or
            fs = tuple(items)
            yield (lambda s, fs=fs, op=op: op(*[f(s) for f in fs])), j

    def vp_atom(self, i: int, number: str, elided: bool) -> Iterator[tuple[VPFn, int, str]]:
        """(function of the subject, next, tag). Tags: "copula" (is A), "negated-copula"
        (is not A), "negated-verb" (does not V), "verb" (V), "elided" / "elided-not" (A / not A
        with the copula left out: "is red and not white", "is a Y or a Z")."""
        self.tick(i)
        w = self.low(i)
        if w in lx.COPULA and lx.agrees(lx.COPULA[w], number):
            tag = "negated-copula" if self.low(i + 1) == "not" else "copula"
            for f, j in self.copula_rest(i + 1, number):
                yield f, j, tag
        if w in lx.DO and lx.agrees(lx.DO[w], number) and self.low(i + 1) == "not":
            for vp, j in self.verb_phrase(i + 2, "base"):
                yield (lambda s, vp=vp: _neg(vp(s))), j, "negated-verb"
        for f, j in self.verb_phrase(i, number):
            yield f, j, "verb"
        if w in ("either", "neither") and not elided:
            # "either enjoys X or loves Y", "neither plans nor is creative"
            link = "or" if w == "either" else "nor"
            for a, k, _ in self.vp_atom(i + 1, number, elided=False):
                if self.low(k) != link:
                    continue
                for b, m, _ in self.vp_atom(k + 1, number, elided=False):
                    if w == "either":
                        for g, n2 in self.either_tail(a, b, m):
                            yield g, n2, "verb"
                    else:
                        yield (lambda s, a=a, b=b: And(_neg(a(s)), _neg(b(s)))), m, "verb"
        if elided:
            if w == "not":
                for c, j in self.complement(i + 1, number):
                    yield (lambda s, c=c: _neg(c(s))), j, "elided-not"
            else:
                for c, j in self.complement(i, number):
                    yield c, j, "elided"

    def copula_rest(self, i: int, number: str):
        neg = self.low(i) == "not"
        j = i + 1 if neg else i
        w = self.low(j)
        if w == "either" and not neg:
            for a, k in self.complement(j + 1, number):
                if self.low(k) != "or":
                    continue
                # "is either A or B", "is either a commuter or has an office"
                seconds = list(self.complement(k + 1, number))
                seconds += [(b, m) for b, m, _ in self.vp_atom(k + 1, number, elided=False)]
                for b, m in seconds:
                    yield from self.either_tail(a, b, m)
            return
        if w == "neither" and not neg:
            for a, k in self.complement(j + 1, number):
                if self.low(k) != "nor":
                    continue
                for b, m in self.complement(k + 1, number):
                    yield (lambda s, a=a, b=b: And(_neg(a(s)), _neg(b(s)))), m
            return
        if w == "both" and not neg:
            for a, k in self.complement(j + 1, number):
                if self.low(k) != "and":
                    continue
                for b, m in self.complement(k + 1, number):
                    yield (lambda s, a=a, b=b: And(a(s), b(s))), m
            return
        for c, k in self.complement(j, number):
            if not neg:
                yield c, k
                continue
            yield (lambda s, c=c: _neg(c(s))), k
            # "is not a pirate or a toddler": ¬(Pirate ∨ Toddler)
            yield from self.negated_alternatives([c], k, number)

    def negated_alternatives(self, cs: list, k: int, number: str):
        """"is not A or B" (¬(A ∨ B)); also "is not A, B, or C"."""
        for c, m in self.connective(k, commas=True):
            if c not in ("or", ","):
                continue
            for b, n2 in self.complement(m, number):
                fs = tuple(cs + [b])
                if c == "or":
                    yield (lambda s, fs=fs: Not(Or(*[f(s) for f in fs]))), n2
                yield from self.negated_alternatives(cs + [b], n2, number)

    def either_tail(self, a: VPFn, b: VPFn, m: int):
        """A ∨ B, or A ⊕ B when "[,] but not both" follows at ``m``."""
        n2 = m + 1 if self.low(m) == "," else m
        if [self.low(n2 + d) for d in range(3)] == ["but", "not", "both"]:
            yield (lambda s, a=a, b=b: Xor(a(s), b(s))), n2 + 3
        else:
            yield (lambda s, a=a, b=b: Or(a(s), b(s))), m

    def complement(self, i: int, number: str) -> Iterator[tuple[VPFn, int]]:
        """What follows a copula: an adjective, "a(n) nominal", or a plural noun."""
        self.tick(i)
        if i >= self.n:
            return
        tok = self.t[i]
        w = tok.low
        if w in ("a", "an"):
            if number == "pl":
                return
            for var, r, j in self.restrictor(i + 1, "sg", i):
                if r is None:
                    continue  # "is a thing"
                yield (lambda s, r=r, var=var: _rename_var(r, var, s)), j
            return
        if w in lx.PREPOSITIONS:
            # "is in Germany": In(s, germany)
            yield from self.object(i + 1, [w])
            return
        if not lx.is_content(tok) or (tok.cap and i > 0):
            return
        if number != "sg":
            # "are tumpuses", "are big animals", "are flea beetles"
            var = Var(f"_c{i}")
            for words, j in self.nominal(i, "pl"):
                r = self.nominal_formula(words, var)
                if r:
                    yield (lambda s, r=r, var=var: _rename_var(r, var, s)), j
        if lx.is_plural_noun(w):
            return
        if any(form != "any" for _, form in lx.verb_forms(w)) and not (
            lx.can_be(w, "ADJ") or lx.can_be(w, "NOUN") or lx.can_be(w, "ADV")
        ):
            return  # "is sees": a present-tense verb is not an adjective
        prep = self.low(i + 1)
        if prep in lx.PREPOSITIONS:
            lemma = lx.participle_lemma(w)
            if prep == "by" and lemma:
                # "is produced by AOC": the active relation Produce(aoc, s)
                yield from self.object(i + 2, [lemma], passive=True)
            else:
                # "is located in Portland" (LocateIn, as "located in" after an elided copula
                # reads as a past-tense verb too), "is born in" (BornIn), "is bad at"
                stem = lemma if lemma and w.endswith("ed") else w
                yield from self.object(i + 2, [stem, prep])
        yield (lambda s, w=w: _atom([w], s)), i + 1

    def verb_phrase(self, i: int, number: str) -> Iterator[tuple[VPFn, int]]:
        """verb [prep] [object]: "chases the dog", "visit the bald eagle", "lives in Paris",
        "owns a car", "knows magic", "flies"."""
        self.tick(i)
        if i >= self.n:
            return
        tok = self.t[i]
        w = tok.low
        if (w in lx.FUNCTION_WORDS and w not in ("has", "have", "had")) or (tok.cap and i > 0) or not w.isalpha():
            return  # copulas, do, modals ("can", "will"), ...
        for lemma, form in lx.verb_forms(w):
            if number == "base":
                if form != "pl":
                    continue
            elif not lx.agrees(form, number):
                continue
            for obj, j in self.object(i + 1, [lemma]):
                if lemma in lx.DITRANSITIVE and self.low(i + 1) == "the" and j - i > 3:
                    continue  # "costs the renter money": two objects, not one
                yield obj, j
            if self.low(i + 1) in lx.PREPOSITIONS:
                yield from self.object(i + 2, [lemma, self.low(i + 1)])
            yield (lambda s, name=(lemma,): _atom(name, s)), i + 1

    def object(self, i: int, name: list[str], passive: bool = False) -> Iterator[tuple[VPFn, int]]:
        """The relation ``name`` between the subject and the object at ``i``, as a function of
        the subject: Name / "the N" (Rel(s, o)), "a N" (∃y (N(y) ∧ Rel(s, y))), or a bare noun
        ("knows magic": the unary KnowMagic(s)). ``passive`` swaps the arguments (Rel(o, s))."""
        def rel(s: Term, o: Term) -> Node:
            return _atom(name, o, s) if passive else _atom(name, s, o)

        for t, j in self.term(i):
            yield (lambda s, t=t: rel(s, t)), j
        w = self.low(i)
        if w in lx.PRONOUNS and w != "they":
            yield (lambda s: rel(s, PRON)), i + 1
        elif w in ("a", "an"):
            for var, r, j in self.restrictor(i + 1, "sg", i):
                ev = Var(f"_e{i}")
                yield (lambda s, r=r, var=var, ev=ev: Exists(
                    (ev.name,), conj([x for x in (_rename_var(r, var, ev), rel(s, ev)) if x is not None])
                )), j
        elif not passive and i < self.n and lx.is_content(self.t[i]) and not self.t[i].cap:
            # a bare noun phrase: lower-case content words, the last one a noun
            j = i
            while j < self.n and lx.is_content(self.t[j]) and not self.t[j].cap:
                j += 1
            for end in range(j, i, -1):
                last = self.t[end - 1].low
                if not lx.can_be(last, "NOUN") and lx.lemmas(last):
                    continue
                words = name + [self.word(k) for k in range(i, end - 1)] + [lx.noun_lemma(last)]
                yield (lambda s, words=words: _atom(words, s)), end


# ---------------------------------------------------------------- statement builders


def _placeholders(f: Node) -> list[str]:
    """Placeholder variables occurring in ``f``, in token order."""
    names = {n.payload for n in postorder(f) if n.kind == "var" and n.payload.startswith("_")}
    names.discard("_pron")
    return sorted(names, key=lambda v: (int(re.match(r"_[a-z]+(\d+)", v).group(1)), v))


def _free_placeholders(f: Node) -> list[str]:
    fv = free_vars(f)
    return [v for v in _placeholders(f) if v in fv] + (["_pron"] if "_pron" in fv else [])


def _rename_var(r: Node | None, old: Var, new: Term) -> Node | None:
    if r is None:
        return None
    return substitute(r, {old.name: new})


def _const_to_var(f: Node, const: str, var: str) -> Node:
    """``f`` with the constant ``const`` replaced by the variable ``var`` (free in ``f``)."""

    def step(n: Node, cs: tuple) -> Node:
        if n.kind == "const" and n.payload == const:
            return Var(var)
        return n if all(a is b for a, b in zip(n.children, cs)) else n.rebuild(cs)

    return fold(f, step)


def _resolve_pronoun(f: Node, antecedent: Term) -> Node:
    if "_pron" not in free_vars(f):
        return f
    return substitute(f, {"_pron": antecedent})


def _conditional(a: Node, c: Node) -> Node | None:
    """∀ (indefinites of the if-clause) (a → c), with pronouns resolved (see module doc)."""
    indefs = [v for v in _placeholders(a) if v in free_vars(a)]
    for v in indefs:
        if "~" in v:  # "If a bird is small, then the bird is kinetic"
            a, c = _const_to_var(a, v.split("~", 1)[1], v), _const_to_var(c, v.split("~", 1)[1], v)
    if "_pron" in free_vars(a) or "_pron" in free_vars(c):
        if len(indefs) == 1:
            ante: Term = Var(indefs[0])
        elif not indefs:
            consts = sorted(constants(a))
            if len(consts) != 1:
                return None
            ante = Const(consts[0])
        else:
            return None
        a, c = _resolve_pronoun(a, ante), _resolve_pronoun(c, ante)
    extra = [v for v in _placeholders(c) if v in free_vars(c) and v not in indefs]
    if any(not v.startswith("_i") for v in extra):
        return None  # "then a dog is red": no reading we trust
    if extra:
        c = Exists(tuple(extra), c)
    body = Implies(a, c)
    return Forall(tuple(indefs), body) if indefs else body
