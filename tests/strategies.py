"""Hypothesis strategies for IR formulas.

``formulas(pools)`` draws *closed* formulas over every node kind (atoms of arity 0-3, =, ¬, ∧, ∨,
→, ↔, ⊕, ∀, ∃, ⊤, ⊥, function terms), with bound variables drawn from ``pools.variables``
and every other name from the other pools. ``POOLS`` holds one :class:`Pools` per syntax whose
names that syntax can spell exactly (so a round trip must give back the same names):

* ``folio``: FOLIO identifiers, including the awkward ones annotators use (``Risk-averse``,
  ``mr.smith``, ``c++``, ``2021``) and names that are keywords elsewhere (``theorem``, ``assert``);
* ``nltk``: ``[A-Za-z0-9_]+`` minus NLTK's quantifier words;
* ``tptp``: any printable text for symbols (single-quoted by the writer), any name for variables
  (renamed to upper-case words by the writer, so equality there is up to alpha-renaming);
* ``auto``: names that survive every writer unchanged, for syntax detection.

In FOLIO and NLTK constants and variables share one namespace, so the variable pool is kept
disjoint from the constant pool (a writer would otherwise rename a bound variable).
``signature_formulas()`` draws over one fixed, consistent signature, for solver tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import strategies as st

from nsp.logic.ir import (
    And, App, Atom, Bottom, Const, Eq, Exists, Forall, Iff, Implies, Not, Or, Top, Var, Xor,
)
from nsp.logic.syntax.grammars import FOLIO_NAME
from nsp.logic.syntax.nltk import KEYWORDS as NLTK_KEYWORDS
from nsp.logic.syntax.repair import FUNCTION_CONNECTIVES

VARIABLES = ("x", "y", "z", "w", "x1", "x2")
FOLIO_VARIABLES = VARIABLES + ("xP", "v1", "y-2")  # xP: the glued shape lenient reading splits


def _not_connective(name: str) -> bool:
    # Lenient reading rewrites Not(...), And(...), Exists(...) ... (repair 5): such predicate
    # names only round-trip strictly, so the lenient pools leave them out.
    return name.lower() not in FUNCTION_CONNECTIVES


@dataclass(frozen=True)
class Pools:
    """Name strategies for one syntax."""

    predicates: st.SearchStrategy
    functions: st.SearchStrategy
    constants: st.SearchStrategy
    variables: st.SearchStrategy


_WORD = st.text(st.sampled_from("abcxyzABCPQ019_"), min_size=1, max_size=4)


def _folio_names() -> st.SearchStrategy:
    """Names matching FOLIO_NAME, built piecewise (much faster than ``from_regex``)."""
    inner = st.lists(st.tuples(st.sampled_from("-."), _WORD), max_size=2)
    name = st.builds(lambda w, rest, plus: w + "".join(a + b for a, b in rest) + "+" * plus,
                     _WORD, inner, st.integers(0, 2))
    return name.filter(lambda n: re.fullmatch(FOLIO_NAME, n) is not None)


def _folio_pools() -> Pools:
    regex = _folio_names()
    preds = st.sampled_from(
        ["Dog", "Risk-averse", "P", "Likes", "theorem", "fun", "assert", "Co-Produced", "A1", "2021",
         "Sci.fi", "x", "all", "Omega"]
    ) | regex
    consts = st.sampled_from(
        ["a", "mr.smith", "c++", "a+", "2021", "gpt-3", "Jess", "theorem", "assert", "fun", "U",
         "lg-34", "k-12and", "def", "true", "forall"]
    ) | regex
    return Pools(
        predicates=preds.filter(_not_connective),
        functions=(st.sampled_from(["f", "father-of", "g2", "lambda", "U"]) | regex).filter(_not_connective),
        constants=consts.filter(lambda n: n not in FOLIO_VARIABLES),
        variables=st.sampled_from(FOLIO_VARIABLES),
    )


def _nltk_pools() -> Pools:
    regex = st.text(st.sampled_from("abcxyzABCPQ019_"), min_size=1, max_size=8).filter(
        lambda n: n not in NLTK_KEYWORDS)
    return Pools(
        predicates=(st.sampled_from(["Dog", "P", "Likes", "theorem", "assert", "2021", "_"]) | regex).filter(
            _not_connective),
        functions=(st.sampled_from(["f", "g2", "fun"]) | regex).filter(_not_connective),
        constants=(st.sampled_from(["a", "b", "2021", "Jess", "lambda", "def"]) | regex).filter(
            lambda n: n not in VARIABLES),
        variables=st.sampled_from(VARIABLES),
    )


# Printable text: ASCII (quotes and backslashes included) and a few non-ASCII letters. No control
# characters and no characters that Unicode normalisation (done on every read) would change.
_TPTP_ALPHABET = st.sampled_from(
    list("abcXYZ019_ -+.'\\\"|()[],:;!?$%&*/<=>@^`{}~") + ["é", "ß", "α", "∀", "→", "«", "»"]
)


def _tptp_pools() -> Pools:
    text = st.text(_TPTP_ALPHABET, min_size=1, max_size=8)
    words = st.sampled_from(["p", "Dog", "fof", "tff", "cnf", "2021", "c++", "X", "$true", "a b"])
    return Pools(
        predicates=words | text,
        functions=words | text,
        constants=words | text,
        variables=st.sampled_from(["x", "X", "Y1", "x-1", "'", "v"]) | text,
    )


def _auto_pools() -> Pools:
    # Lower-case symbol names are what every writer prints bare; upper-case ones are quoted in
    # TPTP, which auto detection must still recognise.
    return Pools(
        predicates=st.sampled_from(["p", "q", "Dog", "R2", "likes"]),
        functions=st.sampled_from(["f", "g"]),
        constants=st.sampled_from(["a", "b", "tom", "B", "2021"]),
        variables=st.sampled_from(["x", "y", "z"]),
    )


POOLS = {"folio": _folio_pools(), "nltk": _nltk_pools(), "tptp": _tptp_pools(), "auto": _auto_pools()}


def _terms(draw, pools: Pools, bound: tuple, depth: int):
    choices = ["const"] + (["var", "var"] if bound else []) + (["app"] if depth > 0 else [])
    kind = draw(st.sampled_from(choices))
    if kind == "var":
        return Var(draw(st.sampled_from(bound)))
    if kind == "const":
        return Const(draw(pools.constants))
    n = draw(st.integers(1, 2))
    return App(draw(pools.functions), [_terms(draw, pools, bound, depth - 1) for _ in range(n)])


def _formula(draw, pools: Pools, bound: tuple, depth: int):
    leaves = ["atom", "atom", "atom", "eq", "top", "bottom"]
    inner = ["not", "and", "or", "implies", "iff", "xor", "forall", "exists", "forall", "exists"]
    kind = draw(st.sampled_from(leaves + (inner if depth > 0 else [])))
    if kind == "atom":
        n = draw(st.integers(0, 3))
        return Atom(draw(pools.predicates), [_terms(draw, pools, bound, 1) for _ in range(n)])
    if kind == "eq":
        return Eq(_terms(draw, pools, bound, 1), _terms(draw, pools, bound, 1))
    if kind == "top":
        return Top()
    if kind == "bottom":
        return Bottom()
    if kind == "not":
        return Not(_formula(draw, pools, bound, depth - 1))
    if kind in ("and", "or"):
        n = draw(st.integers(2, 3))
        ops = [_formula(draw, pools, bound, depth - 1) for _ in range(n)]
        return And(*ops) if kind == "and" else Or(*ops)
    if kind in ("implies", "iff", "xor"):
        cls = {"implies": Implies, "iff": Iff, "xor": Xor}[kind]
        return cls(_formula(draw, pools, bound, depth - 1), _formula(draw, pools, bound, depth - 1))
    names = tuple(draw(st.lists(pools.variables, min_size=1, max_size=2, unique=True)))
    body = _formula(draw, pools, bound + names, depth - 1)
    return (Forall if kind == "forall" else Exists)(names, body)


@st.composite
def formulas(draw, pools: Pools, max_depth: int = 4):
    """A closed formula whose names come from ``pools``."""
    return _formula(draw, pools, (), draw(st.integers(0, max_depth)))


# ---------------------------------------------------------------- one fixed signature

SIGNATURE_PREDICATES = {"P": 1, "Q": 1, "R": 2, "S": 0}
SIGNATURE_FUNCTIONS = {"f": 1, "g": 2}
SIGNATURE_CONSTANTS = ("a", "b", "c")


def _sig_term(draw, bound: tuple, depth: int):
    choices = ["const"] + (["var", "var"] if bound else []) + (["f", "g"] if depth > 0 else [])
    kind = draw(st.sampled_from(choices))
    if kind == "var":
        return Var(draw(st.sampled_from(bound)))
    if kind == "const":
        return Const(draw(st.sampled_from(SIGNATURE_CONSTANTS)))
    return App(kind, [_sig_term(draw, bound, depth - 1) for _ in range(SIGNATURE_FUNCTIONS[kind])])


def _sig_formula(draw, bound: tuple, depth: int):
    kinds = ["atom", "atom", "eq"] + (
        ["not", "and", "or", "implies", "iff", "xor", "forall", "exists"] if depth > 0 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "atom":
        pred = draw(st.sampled_from(sorted(SIGNATURE_PREDICATES)))
        return Atom(pred, [_sig_term(draw, bound, 1) for _ in range(SIGNATURE_PREDICATES[pred])])
    if kind == "eq":
        return Eq(_sig_term(draw, bound, 1), _sig_term(draw, bound, 1))
    if kind == "not":
        return Not(_sig_formula(draw, bound, depth - 1))
    if kind in ("and", "or"):
        a, b = _sig_formula(draw, bound, depth - 1), _sig_formula(draw, bound, depth - 1)
        return And(a, b) if kind == "and" else Or(a, b)
    if kind in ("implies", "iff", "xor"):
        cls = {"implies": Implies, "iff": Iff, "xor": Xor}[kind]
        return cls(_sig_formula(draw, bound, depth - 1), _sig_formula(draw, bound, depth - 1))
    v = draw(st.sampled_from(["x", "y", "z"]))
    return (Forall if kind == "forall" else Exists)(v, _sig_formula(draw, bound + (v,), depth - 1))


@st.composite
def signature_formulas(draw, max_depth: int = 3):
    """A closed formula over P/1, Q/1, R/2, S/0, f/1, g/2 and constants a, b, c."""
    return _sig_formula(draw, (), draw(st.integers(0, max_depth)))
