"""Proof-step actions: each action's conclusions, the Z3 step check, incremental generation.

Real formulas, real Z3 (every step a state accepts is checked from exactly its parents).
"""

from __future__ import annotations

import random

import pytest

from nsp.logic.canon import content_id
from nsp.logic.ir import Not
from nsp.logic.syntax import parse
from synth.actions import all_steps, complement, match
from synth.mcts import checked
from synth.state import ProofState
from synth.stepcheck import StepChecker


def F(text: str):
    return parse(text, "folio", strict=True).formula


def state(premises: list[str], goal: str) -> ProofState:
    return ProofState.initial([F(p) for p in premises], F(goal))


def conclusions(st: ProofState, action: str) -> set[str]:
    return {str(s.conclusion) for s in st.steps() if s.action == action}


def step_to(st: ProofState, action: str, conclusion: str):
    want = content_id(F(conclusion)) if conclusion not in ("⊥",) else None
    for s in st.steps():
        if s.action == action and s.conclusion_id == want:
            return s
    raise AssertionError(f"no {action} step to {conclusion}; have {[str(s.conclusion) for s in st.steps() if s.action == action]}")


CHECKER = StepChecker()


@pytest.mark.parametrize("premises, goal, action, expected", [
    (["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "Animal(rex)", "modus_ponens", "Animal(rex)"),
    (["∀x ((Big(x) ∧ Chase(x, dog)) → Kind(x))", "Big(bob)", "Chase(bob, dog)", "Chase(ann, dog)"],
     "Kind(bob)", "modus_ponens", "Kind(bob)"),
    (["(Smart(dave) ∧ Kind(dave)) → Quiet(dave)", "Smart(dave)", "Kind(dave)"], "Quiet(dave)",
     "modus_ponens", "Quiet(dave)"),
    (["∀x (Dog(x) → Animal(x))", "¬Animal(tom)"], "¬Dog(tom)", "contraposition", "¬Dog(tom)"),
    (["∀x ((Red(x) ∧ Cold(x)) → Round(x))", "Red(bob)", "¬Round(bob)"], "¬Cold(bob)", "contraposition", "¬Cold(bob)"),
    (["Red(bob) ∧ Cold(bob)"], "Cold(bob)", "and_elim", "Cold(bob)"),
    (["Red(bob)", "Cold(bob)"], "Red(bob) ∧ Cold(bob)", "and_intro", "Red(bob) ∧ Cold(bob)"),
    (["Red(bob) ∨ Blue(bob)", "¬Red(bob)"], "Blue(bob)", "disjunctive_syllogism", "Blue(bob)"),
    (["Red(bob) ∨ Blue(bob)", "∀x (Red(x) → Bright(x))", "∀x (Blue(x) → Bright(x))"], "Bright(bob)",
     "case_split", "Bright(bob)"),
    (["bob = robert", "Tall(bob)"], "Tall(robert)", "eq_subst", "Tall(robert)"),
    (["∀x ∀y (Likes(x, y) → Knows(x, y))", "Likes(ann, bob)"], "Knows(ann, bob)", "instantiate",
     "∀y (Likes(ann, y) → Knows(ann, y))"),
])
def test_action_gives_its_conclusion_and_z3_accepts_it(premises, goal, action, expected):
    st = state(premises, goal)
    step = step_to(st, action, expected)
    assert checked(CHECKER, st, step)
    nxt = st.after(step)
    assert content_id(F(expected)) in nxt.facts


def test_z3_refuses_a_step_that_does_not_follow():
    st = state(["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "Animal(rex)")
    good = step_to(st, "modus_ponens", "Animal(rex)")
    bad = type(good)(good.action, good.parents, F("Plant(rex)"), content_id(F("Plant(rex)")), None)
    checker = StepChecker()
    assert not checked(checker, st, bad)
    assert checker.stats.refused == 1


def test_step_checks_are_cached_by_content_ids():
    checker = StepChecker()
    p1, p2 = F("∀x (Dog(x) → Animal(x))"), F("Dog(rex)")
    assert checker.entails([p1, p2], F("Animal(rex)"))
    assert checker.entails([p2, p1], F("Animal(rex)"))  # other order: the same question
    assert checker.entails([F("∀y (Dog(y) → Animal(y))"), p2], F("Animal(rex)"))  # alpha-renamed
    assert (checker.stats.checks, checker.stats.hits) == (1, 2)


def test_proof_by_contradiction_assumes_and_discharges():
    # only a hypothetical argument works: P(a) would give both Q(a) and ¬Q(a)
    st = state(["∀x (P(x) → Q(x))", "∀x (P(x) → ¬Q(x))"], "¬P(a)")
    assume = [s for s in st.steps() if s.action == "assume" and str(s.conclusion) == "P(a)"][0]
    st = st.after(assume)
    assert st.hypothesis == assume.conclusion_id and checked(CHECKER, st, assume)
    for concl in ("Q(a)", "¬Q(a)"):
        s = step_to(st, "modus_ponens", concl)
        assert s.hyp == assume.conclusion_id  # it rests on the hypothesis
        assert checked(CHECKER, st, s)
        st = st.after(s)
    done = [s for s in st.steps() if s.action == "contradiction"]
    assert done and str(done[0].conclusion) == "¬P(a)" and done[0].hyp is None
    assert checked(CHECKER, st, done[0])
    st = st.after(done[0])
    assert st.verdict == "True"
    # in the graph, what rested on P(a) is recorded as P(a) → X, and every step verifies
    from nsp.graph.provenance import to_json
    from nsp.graph.verify import Checker, prover

    g = st.proof_graph([F("∀x (P(x) → Q(x))"), F("∀x (P(x) → ¬Q(x))")])
    formulas = {d["formula"] for _, d in g.nodes(data=True)}
    assert "P(a) → Q(a)" in formulas and "P(a) → ¬Q(a)" in formulas
    chk = Checker(prover("z3"), 10.0)
    chk.check(to_json(g))
    assert chk.report.passed, chk.report.failures


def test_lemma_action_offers_library_lemmas():
    st = ProofState.initial([F("P(a)")], F("Q(a)"), lemmas=[F("∀x (P(x) → Q(x))")])
    assert conclusions(st, "lemma") == {"∀x (P(x) → Q(x))"}


def test_known_conclusions_are_not_offered():
    st = state(["∀x (Dog(x) → Animal(x))", "Dog(rex)", "Animal(rex)"], "Animal(rex)")
    assert "Animal(rex)" not in conclusions(st, "modus_ponens")
    assert st.verdict == "True"


def test_match_binds_consistently():
    pat, metas = F("∀x Likes(x, x)").children[0], frozenset({"x"})
    assert match(pat, F("Likes(ann, ann)"), metas, {}) is not None
    assert match(pat, F("Likes(ann, bob)"), metas, {}) is None
    assert complement(complement(F("P(a)"))) == F("P(a)")
    assert complement(F("P(a)")) == Not(F("P(a)"))


def _keys(steps):
    return {(s.conclusion_id, s.hyp) for s in steps}


@pytest.mark.parametrize("seed", range(6))
def test_incremental_steps_equal_steps_from_scratch(seed):
    """Semi-naive generation (parent's steps + steps using the new fact) must offer exactly
    the conclusions a from-scratch generation offers, along random paths."""
    premises = [
        "∀x ((Red(x) ∧ Cold(x)) → Round(x))", "∀x (Round(x) → ¬Kind(x))", "∀x (Big(x) → Red(x))",
        "∀x ∀y ((Chase(x, y) ∧ Big(y)) → Cold(x))", "Big(bob)", "Chase(bob, bob)", "Chase(ann, bob)",
        "Red(ann) ∨ Blue(ann)", "¬Blue(ann)", "ann = anne", "(Red(ann) ∧ Cold(ann)) → Happy(ann)",
    ]
    st = state(premises, "Kind(ann)")
    rng = random.Random(seed)
    for _ in range(8):
        steps = st.steps()
        assert _keys(steps) == _keys(all_steps(st.view))
        if not steps or st.verdict:
            break
        st = st.after(rng.choice(steps))
