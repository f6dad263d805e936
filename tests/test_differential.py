"""Differential test: Z3 and the E prover must never decide a random problem differently.

1,000 seeded problems from :mod:`nsp.logic.generate`, each decided by both provers (2 s each,
on two worker processes; about a minute on two cores). The shares asserted below keep the test
from passing vacuously: both provers must decide most problems, and every outcome must occur.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter

import pytest

from nsp.logic.analysis import free_vars, signature
from nsp.logic.generate import Signature, random_formula, random_problem
from nsp.logic.syntax import write
from provers.crosscheck import cross_check, cross_check_many
from provers.outcome import Outcome

needs_e = pytest.mark.skipif(shutil.which("eprover") is None, reason="E prover not installed (apt-get install eprover)")

N_PROBLEMS = 1000
TIMEOUT = 2.0


# ---------------------------------------------------------------- the generator itself


def test_random_problem_is_deterministic_and_closed():
    a, b = random_problem(7), random_problem(7)
    assert a.premises == b.premises and a.conclusion == b.conclusion
    assert a.id == "random-7"
    assert random_problem(8).formulas != a.formulas
    for seed in range(200):
        p = random_problem(seed)
        signature(p.formulas)  # one arity per symbol, or SignatureError
        assert all(not free_vars(f) for f in p.formulas), seed
        assert p.premise_texts == tuple(write(f, "folio") for f in p.premises)


def test_random_formula_uses_only_its_rng_and_signature():
    sig = Signature(unary=("A",), binary=("B",), constants=("k",), function="g", equality=True)
    random.seed(1)
    state = random.getstate()
    first = [random_formula(random.Random(s), 4, sig) for s in range(5)]
    random_problem(5)
    assert random.getstate() == state  # the global generator is never touched
    random.seed(12345)
    assert [random_formula(random.Random(s), 4, sig) for s in range(5)] == first
    names = set()
    for f in (random_formula(random.Random(s), 4, sig) for s in range(300)):
        assert not free_vars(f)
        names |= set(signature([f]))
    assert names == {"A", "B", "k", "g"}


def test_random_formula_rejects_bad_depth():
    with pytest.raises(ValueError, match="depth"):
        random_formula(random.Random(0), -1, Signature())


# ---------------------------------------------------------------- Z3 against E


@needs_e
@pytest.mark.eprover
def test_cross_check_reports_both_verdicts():
    p = random_problem(0)
    cc = cross_check(p.premises, p.conclusion, timeout=5)
    assert cc.z3.prover == "z3" and cc.e is not None and cc.e.prover == "eprover"
    data = cc.to_json()
    assert data["agree"] is cc.agree and data["z3"]["outcome"] == cc.z3.outcome.value


def test_cross_check_without_e(monkeypatch):
    monkeypatch.setenv("NSP_EPROVER", "/nonexistent/eprover")
    p = random_problem(1)
    cc = cross_check(p.premises, p.conclusion, timeout=5)
    assert cc.e is None and cc.agree is None
    assert "apt-get install eprover" in cc.missing
    assert cc.outcome == cc.z3.outcome
    assert cc.to_json()["eprover"] is None


@needs_e
@pytest.mark.eprover
@pytest.mark.timeout(900)  # about a minute on an idle machine; generous for a busy one
def test_z3_and_e_agree_on_random_problems():
    problems = [random_problem(seed) for seed in range(N_PROBLEMS)]
    checks = cross_check_many([(p.premises, p.conclusion) for p in problems], TIMEOUT, workers=2)
    disagreements = [
        f"{p.id}: z3 {c.z3.outcome}, eprover {c.e.outcome}\n  premises: {list(p.premise_texts)}\n"
        f"  conclusion: {p.conclusion_text}"
        for p, c in zip(problems, checks) if c.agree is False
    ]
    assert not disagreements, "\n".join(disagreements)
    z3_out = Counter(c.z3.outcome for c in checks)
    e_out = Counter(c.e.outcome for c in checks)
    both = sum(c.agree is True for c in checks)
    assert N_PROBLEMS - z3_out[Outcome.UNKNOWN] > N_PROBLEMS // 2, z3_out
    assert N_PROBLEMS - e_out[Outcome.UNKNOWN] > N_PROBLEMS // 2, e_out
    assert both > N_PROBLEMS // 2
    agreed = Counter(c.z3.outcome for c in checks if c.agree)
    for outcome in (Outcome.TRUE, Outcome.FALSE, Outcome.UNCERTAIN):
        assert agreed[outcome] >= N_PROBLEMS // 10, agreed
    assert agreed[Outcome.INCONSISTENT] >= N_PROBLEMS // 50, agreed
