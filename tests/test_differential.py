"""Differential test: Z3, the E prover and cvc5 must never decide a random problem differently.

1,000 seeded problems from :mod:`nsp.logic.generate`, each decided by all three provers (2 s
each, on two worker processes; about a minute on two idle cores, E's processes being most of
it); a larger run over 5,000 more seeds is marked slow. A problem counts when two or more
provers decide it; then all of those must agree. The shares asserted below keep the test from
passing vacuously: every prover must decide most problems, and every outcome must occur.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter

import pytest

from nsp.logic.analysis import free_vars, signature
from nsp.logic.generate import Signature, random_formula, random_problem
from nsp.logic.syntax import write
from provers import base
from provers.crosscheck import CrossCheck, cross_check, cross_check_many
from provers.outcome import Outcome, Verdict

needs_e = pytest.mark.skipif(shutil.which("eprover") is None, reason="E prover not installed (apt-get install eprover)")
needs_cvc5 = pytest.mark.skipif(not base.available(["cvc5"]), reason="cvc5 not installed (pip install cvc5)")

N_PROBLEMS = 1000
N_SLOW = 5000  # seeds N_PROBLEMS .. N_PROBLEMS + N_SLOW - 1, in the slow run
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


# ---------------------------------------------------------------- Z3, E and cvc5


@needs_cvc5
@needs_e
@pytest.mark.eprover
def test_cross_check_reports_every_verdict():
    p = random_problem(0)
    cc = cross_check(p.premises, p.conclusion, timeout=5)
    assert [v.prover for v in cc.verdicts] == ["z3", "eprover", "cvc5"] and not cc.missing
    assert cc.e is not None and cc.cvc5 is not None and set(cc.decided) == {"z3", "eprover", "cvc5"}
    data = cc.to_json()
    assert data["agree"] is cc.agree is True and data["verdicts"]["z3"]["outcome"] == cc.z3.outcome.value
    assert data["outcome"] == cc.z3.outcome.value == cc.e.outcome.value == cc.cvc5.outcome.value


@needs_cvc5
def test_cross_check_without_e(monkeypatch):
    monkeypatch.setenv("NSP_EPROVER", "/nonexistent/eprover")
    p = random_problem(1)
    cc = cross_check(p.premises, p.conclusion, timeout=5)
    assert cc.e is None and cc.cvc5 is not None and cc.agree is True  # Z3 and cvc5 still compared
    assert len(cc.missing) == 1 and "apt-get install eprover" in cc.missing[0]
    assert cc.outcome == cc.z3.outcome
    assert "eprover" not in cc.to_json()["verdicts"]


def test_cross_check_with_z3_alone(monkeypatch):
    monkeypatch.setenv("NSP_EPROVER", "/nonexistent/eprover")
    monkeypatch.setitem(base._REGISTRY, "cvc5", "nsp_no_such_module:Cvc5Prover")
    p = random_problem(2)
    cc = cross_check(p.premises, p.conclusion, timeout=5)
    assert cc.verdicts == (cc.z3,) and len(cc.missing) == 2 and cc.agree is None
    assert cc.outcome == cc.z3.outcome


def test_agreement_is_over_the_provers_that_decided():
    def v(outcome, prover):
        return Verdict(outcome, prover)

    T, F, U = Outcome.TRUE, Outcome.FALSE, Outcome.UNKNOWN
    assert CrossCheck((v(T, "z3"), v(U, "eprover"), v(T, "cvc5"))).agree is True
    assert CrossCheck((v(T, "z3"), v(T, "eprover"), v(F, "cvc5"))).agree is False
    assert CrossCheck((v(T, "z3"), v(T, "eprover"), v(F, "cvc5"))).outcome is U
    assert CrossCheck((v(U, "z3"), v(U, "eprover"), v(F, "cvc5"))).agree is None
    assert CrossCheck((v(U, "z3"), v(U, "eprover"), v(F, "cvc5"))).outcome is F


def _differential(seeds: range) -> None:
    problems = [random_problem(seed) for seed in seeds]
    checks = cross_check_many([(p.premises, p.conclusion) for p in problems], TIMEOUT, workers=2)
    n = len(problems)
    assert all(not c.missing for c in checks), checks[0].missing
    compared = [c for c in checks if len(c.decided) >= 2]
    disagreements = [
        f"{p.id}: " + ", ".join(f"{v.prover} {v.outcome}" for v in c.verdicts)
        + f"\n  premises: {list(p.premise_texts)}\n  conclusion: {p.conclusion_text}"
        for p, c in zip(problems, checks) if c.agree is False
    ]
    assert not disagreements, "\n".join(disagreements)
    assert len(compared) >= n * 99 // 100 and all(c.agree for c in compared)
    for name in ("z3", "eprover", "cvc5"):
        decided = sum(1 for c in checks if name in c.decided)
        assert decided > n // 2, (name, decided)
    assert sum(1 for c in checks if len(c.decided) == 3) > n // 2
    agreed = Counter(c.outcome for c in compared)
    for outcome in (Outcome.TRUE, Outcome.FALSE, Outcome.UNCERTAIN):
        assert agreed[outcome] >= n // 10, agreed
    assert agreed[Outcome.INCONSISTENT] >= n // 50, agreed


@needs_cvc5
@needs_e
@pytest.mark.eprover
@pytest.mark.timeout(900)  # about a minute on an idle machine; generous for a busy one
def test_z3_e_and_cvc5_agree_on_random_problems():
    _differential(range(N_PROBLEMS))


@needs_cvc5
@needs_e
@pytest.mark.eprover
@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_z3_e_and_cvc5_agree_on_more_random_problems():
    _differential(range(N_PROBLEMS, N_PROBLEMS + N_SLOW))
