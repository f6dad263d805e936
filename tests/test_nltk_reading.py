"""NLTK text read as NLTK reads it (LINC feeds Prover9 through nltk.sem.logic), checked on the real
LINC samples in ../shared/data/linc against NLTK itself and against LINC's Prover9 verdicts."""

from __future__ import annotations

import json

import pytest
from nltk.sem import logic as nltk_logic

from examples import NLTK_READINGS
from nsp.eval.agreement import compare
from nsp.logic.analysis import free_vars
from nsp.logic.ir import And, App, Atom, Const, Eq, Exists, Forall, Iff, Implies, Not, Or, Var
from nsp.logic.syntax import parse, write
from nsp.logic.walk import rebuild_if_changed, transform
from tests.conftest import SHARED
from tests.test_syntax import renamed_injectively

LINC = SHARED / "linc"


@pytest.fixture(scope="module")
def linc():
    if not (LINC / "gpt35-folio-replay.jsonl").exists():
        pytest.skip(f"shared data not found at {LINC} (clone next to ../shared)")
    return LINC


@pytest.mark.parametrize("case", NLTK_READINGS, ids=str)
def test_nltk_readings_of_real_samples(case):
    parsed = parse(case.nltk, fallback="nltk")
    assert (parsed.syntax, write(parsed.formula, "folio")) == ("nltk", case.folio)
    assert tuple(r.kind for r in parsed.repairs) == case.repairs


def _nltk_term(e):
    if isinstance(e, nltk_logic.ApplicationExpression):
        f, args = e.uncurry()
        return App(str(f.variable), tuple(_nltk_term(a) for a in args))
    if isinstance(e, (nltk_logic.IndividualVariableExpression, nltk_logic.EventVariableExpression)):
        return Var(str(e.variable))
    if not isinstance(e, nltk_logic.AbstractVariableExpression):
        raise TypeError(f"a formula where NLTK wants a term: {e}")
    return Const(str(e.variable))


_BINARY = {nltk_logic.AndExpression: And, nltk_logic.OrExpression: Or, nltk_logic.ImpExpression: Implies,
           nltk_logic.IffExpression: Iff}


def _nltk_formula(e):
    """NLTK's parse of a formula as nsp IR (recursion is fine: these formulas are shallow)."""
    if isinstance(e, nltk_logic.AllExpression):
        return Forall(str(e.variable), _nltk_formula(e.term))
    if isinstance(e, nltk_logic.ExistsExpression):
        return Exists(str(e.variable), _nltk_formula(e.term))
    if isinstance(e, nltk_logic.NegatedExpression):
        return Not(_nltk_formula(e.term))
    if type(e) in _BINARY:
        return _BINARY[type(e)](_nltk_formula(e.first), _nltk_formula(e.second))
    if isinstance(e, nltk_logic.EqualityExpression):
        return Eq(_nltk_term(e.first), _nltk_term(e.second))
    if isinstance(e, nltk_logic.ApplicationExpression):
        f, args = e.uncurry()
        return Atom(str(f.variable), tuple(_nltk_term(a) for a in args))
    return Atom(str(e.variable), ())


def _flat(node):
    """∧ and ∨ chains flattened (NLTK nests them pairwise, nsp keeps a chain)."""
    def step(n, cs):
        if n.kind in ("and", "or"):
            return (And if n.kind == "and" else Or)(*[g for c in cs for g in (c.children if c.kind == n.kind else [c])])
        return rebuild_if_changed(n, cs)
    return transform(node, step)


def test_every_linc_formula_nltk_reads_nsp_reads_the_same(linc):
    compared = 0
    for line in (linc / "gpt35-folio-replay.jsonl").read_text(encoding="utf-8").splitlines():
        for sample in json.loads(line)["samples"]:
            for text in sample:
                try:
                    theirs = _nltk_formula(nltk_logic.Expression.fromstring(text))
                except (nltk_logic.LogicalExpressionException, TypeError):
                    continue  # NLTK does not read it (or reads a formula as a term)
                if text.startswith("Symptoms(Monkeypox, ["):
                    continue  # NLTK reads '[Fever' as a name; Prover9 then rejects it, and so does nsp
                ours = parse(text, fallback="nltk")
                if any(r.kind == "function-connective" for r in ours.repairs):
                    continue  # Exists(y, P(y)) is nsp's lenient ∃y P(y); NLTK reads a predicate 'Exists'
                fv = free_vars(theirs)
                theirs = Forall(tuple(sorted(fv)), theirs) if fv else theirs
                # names may differ one-to-one: nsp reads "Walden" as walden, NLTK as '"Walden"'
                assert renamed_injectively(_flat(theirs), _flat(ours.formula)), text
                compared += 1
    assert compared > 11_000


def test_linc_samples_agree_with_prover9_and_the_vote_beats_linc(linc):
    ag = compare(linc / "gpt35-folio-dataset.jsonl", linc / "gpt35-folio-replay.jsonl", linc / "gpt35-folio-prover9.json")
    assert ag.reference_read_nsp_not == 0  # every sample Prover9 read, nsp reads
    assert ag.both_decided > 1_300 and ag.rate >= 0.99
    # every remaining disagreement has a reason nsp can name (one is LINC's preprocessing, see the bench)
    assert sum(d.reason.startswith("a different reading") for d in ag.disagreements) <= 1
    assert ag.accuracy("evidence") >= 0.66 > 0.626  # LINC's own vote on these samples: 62.6 %
    assert ag.accuracy("evidence") > ag.accuracy("majority")
    assert ag.accuracy("proof") >= 0.70 > ag.accuracy("evidence")  # the default: 128/182
