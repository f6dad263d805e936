"""Positions, the law catalogue, lemma application and verified mutation, on real formulas with
real Z3 calls."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from nsp.graph.verify import Checker, prover
from nsp.logic.canon import content_id
from nsp.logic.ir import Atom, Const, Forall, Implies, Var
from nsp.logic.syntax import parse_formula, write
from provers.outcome import Outcome
from provers.z3_bridge import decide
from synth.apply import implications, match, replacement
from synth.item import run_item
from synth.laws import LAWS, rewrites
from synth.mutate import candidates, mutate_theorem, schedule, seeded_rng
from synth.positions import node_at, replace_at, sites
from synth.theorems import (Budget, Theorem, entailed_literals, establish, ground_atoms, statement,
                            theorems_from_premises)

FOLIO = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "folio" / "folio-train.jsonl"
needs_folio = pytest.mark.skipif(not FOLIO.exists(), reason=f"shared data not found at {FOLIO}")
BUDGET = Budget()


def f(text: str):
    return parse_formula(text, "folio", strict=True)


def folio_stories(n: int) -> list[list[str]]:
    out, seen = [], set()
    with FOLIO.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["story_id"] not in seen:
                seen.add(row["story_id"])
                out.append(row["premises-FOL"])
            if len(out) >= n:
                break
    return out


def valid(formula) -> bool:
    return decide([], formula, timeout=10, explain=False).outcome is Outcome.TRUE


def entails(premises, goal) -> bool:
    return decide(list(premises), goal, timeout=10, explain=False).outcome in (Outcome.TRUE, Outcome.INCONSISTENT)


# ---------------------------------------------------------------- positions


def test_sites_paths_polarity_and_binders():
    g = f("(∀x (Dog(x) → ¬Cat(x))) ∧ (A(a) ↔ B(a))")
    got = {s.path: (str(s.node), s.polarity, s.bound) for s in sites(g)}
    assert got[()] == (str(g), 1, ())
    assert got[(0, 0, 0)] == ("Dog(x)", -1, ("x",))
    assert got[(0, 0, 1)] == ("¬Cat(x)", 1, ("x",))
    assert got[(0, 0, 1, 0)] == ("Cat(x)", -1, ("x",))
    assert got[(1, 0)] == ("A(a)", 0, ())
    # pre-order, and only formula positions (no terms)
    assert [s.path for s in sites(g)][:3] == [(), (0,), (0, 0)]
    assert all(not s.node.is_term for s in sites(g))


def test_replace_at_and_node_at():
    g = f("(∀x (Dog(x) → ¬Cat(x))) ∧ P(a)")
    new = replace_at(g, (0, 0, 1, 0), f("Bird(b)"))
    assert new == f("(∀x (Dog(x) → ¬Bird(b))) ∧ P(a)")
    assert node_at(new, (0, 0, 1, 0)) == f("Bird(b)")
    assert replace_at(g, (), f("Q(c)")) == f("Q(c)")
    assert g == f("(∀x (Dog(x) → ¬Cat(x))) ∧ P(a)")  # the original is untouched


def test_deep_formula_positions_do_not_recurse():
    node = Atom("P", (Const("a"),))
    for _ in range(5_000):
        node = Implies(Atom("Q", (Const("a"),)), node)
    deepest = max(sites(node), key=lambda s: len(s.path))
    assert len(deepest.path) == 5_000
    assert replace_at(node, deepest.path, Atom("R", ())) != node


# ---------------------------------------------------------------- laws

LAW_EXAMPLES = [
    ("double_negation", "¬¬P(a)", "P(a)"),
    ("double_negation", "P(a)", "¬¬P(a)"),
    ("de_morgan", "¬(P(a) ∧ ¬Q(a))", "¬P(a) ∨ Q(a)"),
    ("de_morgan", "¬P(a) ∧ ¬Q(a)", "¬(P(a) ∨ Q(a))"),
    ("contraposition", "P(a) → ¬Q(a)", "Q(a) → ¬P(a)"),
    ("implication_as_or", "P(a) → Q(a)", "¬P(a) ∨ Q(a)"),
    ("implication_as_or", "P(a) ∨ Q(a) ∨ R(a)", "¬P(a) → Q(a) ∨ R(a)"),
    ("iff_expansion", "P(a) ↔ Q(a)", "(P(a) → Q(a)) ∧ (Q(a) → P(a))"),
    ("iff_expansion", "(P(a) → Q(a)) ∧ (Q(a) → P(a))", "P(a) ↔ Q(a)"),
    ("xor_expansion", "P(a) ⊕ Q(a)", "¬(P(a) ↔ Q(a))"),
    ("xor_expansion", "P(a) ⊕ Q(a)", "(P(a) ∧ ¬Q(a)) ∨ (¬P(a) ∧ Q(a))"),
    ("distributivity", "P(a) ∧ (Q(a) ∨ R(a))", "(P(a) ∧ Q(a)) ∨ (P(a) ∧ R(a))"),
    ("distributivity", "(P(a) ∨ Q(a)) ∧ (P(a) ∨ R(a))", "P(a) ∨ (Q(a) ∧ R(a))"),
    ("quantifier_negation", "¬∀x P(x)", "∃x ¬P(x)"),
    ("quantifier_negation", "∀x ¬P(x)", "¬∃x P(x)"),
    ("quantifier_distribution", "∀x (P(x) ∧ Q(a))", "(∀x P(x)) ∧ Q(a)"),
    ("quantifier_distribution", "(∃x P(x)) ∨ (∃x Q(x))", "∃x (P(x) ∨ Q(x))"),
    ("quantifier_scope", "∀x (Q(a) → P(x))", "Q(a) → ∀x P(x)"),
    ("quantifier_scope", "∃x (Q(a) ∧ P(x))", "Q(a) ∧ ∃x P(x)"),
    ("commutativity", "P(a) ∧ Q(a) ∧ R(a)", "Q(a) ∧ P(a) ∧ R(a)"),
    ("commutativity", "a = b", "b = a"),
    ("associativity", "P(a) ∧ (Q(a) ∧ R(a))", "P(a) ∧ Q(a) ∧ R(a)"),
    ("associativity", "P(a) ∨ Q(a) ∨ R(a)", "(P(a) ∨ Q(a)) ∨ R(a)"),
]


@pytest.mark.parametrize("law,before,after", LAW_EXAMPLES)
def test_law_examples(law, before, after):
    got = [new for name, new in rewrites(f(before)) if name == law]
    assert f(after) in got
    assert valid(f(f"({before}) ↔ ({after})"))


@needs_folio
def test_every_law_instance_on_folio_is_valid():
    """Up to 6 instances of each law, met on real FOLIO premises, are valid per Z3."""
    per_law: dict[str, list] = {name: [] for name in LAWS}
    for premises in folio_stories(80):
        for text in premises:
            for site in sites(parse_formula(text, "folio")):
                for name, new in rewrites(site.node):
                    if len(per_law[name]) < 6:
                        per_law[name].append((site.node, new))
    assert sum(map(len, per_law.values())) >= 40
    for name, pairs in per_law.items():
        for old, new in pairs:
            from synth.mutate import law_instance

            assert valid(law_instance(old, new)), (name, str(old), str(new))


def test_unsound_quantifier_moves_are_not_offered():
    # ∀x (P(x) → Q(x)) is not (P(x) → ∀x Q(x)): x is free in the antecedent
    assert not [n for law, n in rewrites(f("∀x (P(x) → Q(x))")) if law == "quantifier_scope"]
    # ∀x (P(x) ∨ Q(x)) does not distribute
    assert not [n for law, n in rewrites(f("∀x (P(x) ∨ Q(x))")) if law == "quantifier_distribution"]


# ---------------------------------------------------------------- lemmas and matching


def test_implications_read_off_lemmas():
    imps = implications(f("∀x (Dog(x) → Animal(x))"))
    assert [(str(i.ante), str(i.cons)) for i in imps] == [("Dog(x)", "Animal(x)"), ("¬Animal(x)", "¬Dog(x)")]
    assert {(str(i.ante), str(i.cons)) for i in implications(f("∀x (P(x) ⊕ Q(x))"))} == {
        ("P(x)", "¬Q(x)"), ("Q(x)", "¬P(x)"), ("¬P(x)", "Q(x)"), ("¬Q(x)", "P(x)")}
    assert implications(f("P(a) ∧ Q(a)")) == []
    for lemma in ["∀x (P(x) → Q(x))", "∀x (P(x) ↔ ¬Q(x))", "∀x (P(x) ∨ Q(x))", "∀x (P(x) ⊕ Q(x))"]:
        for imp in implications(f(lemma)):
            assert entails([f(lemma)], Forall(imp.vars, Implies(imp.ante, imp.cons)))


def test_match_binds_pattern_variables_consistently():
    assert match(f("∀x R(x, x)").body, f("R(a, a)"), ("x",)) == {"x": Const("a")}
    assert match(f("∀x R(x, x)").body, f("R(a, b)"), ("x",)) is None
    # a pattern variable may not capture a variable bound inside the pattern
    pat = f("∀y ∃z R(y, z)").body
    assert match(pat, f("∃z R(z, z)"), ("y",)) is None
    assert match(pat, f("∃z R(a, z)"), ("y",)) == {"y": Const("a")}


def test_replacement_stronger_and_weaker_with_capture_avoidance():
    imp = implications(f("∀x (Dog(x) → Animal(x))"))[0]
    assert replacement(imp, f("Animal(rex)"), stronger=True) == f("Dog(rex)")
    assert replacement(imp, f("Dog(rex)"), stronger=False) == f("Animal(rex)")
    assert replacement(imp, f("Cat(rex)"), stronger=False) is None
    # the antecedent has a bound y; the matched term is the context's variable y
    imp = implications(f("∀x ((∃y Owns(y, x)) → Pet(x))"))[0]
    psi = replacement(imp, Atom("Pet", (Var("y"),)), stronger=True)
    assert psi.kind == "exists" and psi.vars != ("y",)  # renamed apart, so y stays free
    assert "y" in {str(a) for a in psi.body.args}


# ---------------------------------------------------------------- theorems


def test_entailed_literals_are_the_backbone():
    premises = [f("∀x (Dog(x) → Animal(x))"), f("Dog(rex)"), f("¬Animal(tom)"), f("Cat(tom) ∨ Dog(tom)")]
    lits = entailed_literals(premises, ground_atoms(premises), BUDGET)
    assert set(map(str, lits)) == {"Dog(rex)", "Animal(rex)", "¬Animal(tom)", "¬Dog(tom)", "Cat(tom)"}
    for lit in lits:
        assert entails(premises, lit)


def test_theorems_from_premises_holdout_and_literals():
    premises = [f("∀x (Dog(x) → Animal(x))"), f("Dog(rex)"), f("Animal(rex)"), f("∀x (Animal(x) → Mortal(x))")]
    thms = theorems_from_premises(premises, BUDGET)
    by_source = {t.source: t for t in thms}
    assert "holdout:p3" in by_source and by_source["holdout:p3"].conclusion == f("Animal(rex)")
    assert "holdout:p2" not in by_source  # nothing proves Dog(rex) without it
    lits = [str(t.conclusion) for t in thms if t.source == "literal"]
    assert "Mortal(rex)" in lits and "Dog(rex)" not in lits  # premises are not literal theorems
    for t in thms:
        assert decide(list(t.premises), t.conclusion, explain=False).outcome is Outcome.TRUE
        assert decide([t.premises[i] for i in t.used], t.conclusion, explain=False).outcome is Outcome.TRUE


def test_inconsistent_premises_give_no_theorems():
    assert theorems_from_premises([f("P(a)"), f("¬P(a)"), f("∀x (P(x) → Q(x))")], BUDGET) == []


# ---------------------------------------------------------------- mutation


def _theorem(premises, conclusion) -> Theorem:
    thm, verdict = establish([f(p) for p in premises], f(conclusion), "given", BUDGET)
    assert thm is not None, verdict
    return thm


def test_mutants_are_verified_and_claims_hold():
    thm = _theorem(["∀x (Dog(x) → Animal(x))", "∀x (Animal(x) → ¬Plant(x))", "Dog(rex) ∨ Cat(rex)",
                    "∀x (Cat(x) → Animal(x))"], "¬Plant(rex) ∧ Animal(rex)")
    lemmas = list(thm.premises)
    mutants, stats = mutate_theorem(thm, lemmas, 12, seeded_rng(0, "t"), BUDGET, set())
    assert len(mutants) >= 8 and stats.kept == len(mutants)
    kinds = {m.candidate.kind for m in mutants}
    assert kinds == {"rewrite", "apply"}
    ids = [content_id(m.statement) for m in mutants]
    assert len(ids) == len(set(ids)) and content_id(thm.statement) not in ids
    for m in mutants:
        c = m.candidate
        assert decide(list(m.premises), m.conclusion, explain=False).outcome is Outcome.TRUE
        if c.claim == "equivalent":
            assert entails([thm.statement], m.statement) and entails([m.statement], thm.statement)
        elif c.claim == "stronger-hypothesis":
            assert entails([m.premises[c.index], c.lemma], thm.premises[c.index])
        else:
            assert c.claim == "weaker-goal"
            assert entails([thm.conclusion, c.lemma], m.conclusion)
        assert entails([thm.statement, c.lemma], m.statement)


def test_rejected_mutants_are_counted_not_kept():
    # Strengthening the hypothesis R(a) to Q(a) by the lemma ∀x (Q(x) → R(x)) contradicts ¬Q(a).
    thm = _theorem(["∀x (Q(x) → R(x))", "R(a)", "¬Q(a)"], "R(a) ∨ S(a)")
    mutants, stats = mutate_theorem(thm, list(thm.premises), 50, seeded_rng(0, "r"), BUDGET, set())
    assert stats.rejected.get("Inconsistent", 0) >= 1
    assert stats.tried == stats.kept + sum(stats.rejected.values())
    for m in mutants:
        assert f("Q(a)") not in m.premises


def test_schedule_is_seeded_and_stratified():
    thm = _theorem(["∀x (Dog(x) → Animal(x))", "Dog(rex) ∧ Cat(rex)"], "Dog(rex) ∨ Bird(rex)")
    cands = candidates(thm, list(thm.premises))
    assert {c.kind for c in cands} == {"rewrite", "apply"}
    a = schedule(cands, seeded_rng(1, "x"))
    assert a == schedule(cands, seeded_rng(1, "x"))
    assert sorted(map(id, a)) == sorted(map(id, cands))
    lanes = {(c.kind, c.target) for c in cands}
    assert len(lanes) >= 3
    assert {(c.kind, c.target) for c in a[: len(lanes)]} == lanes  # lanes take turns
    orders = {tuple(map(id, schedule(cands, seeded_rng(s, "x")))) for s in range(5)}
    assert len(orders) > 1
    assert seeded_rng(7, "a").random() == random.Random(
        int.from_bytes(__import__("hashlib").sha256(b"7|a").digest()[:8], "big")).random()


@needs_folio
def test_run_item_on_folio_story_records_verify_independently():
    premises = folio_stories(5)[2]  # story 463: eels, fish, plants
    item = {"id": "s463", "kind": "folio", "syntax": "folio", "premises": premises, "conclusions": []}
    out = run_item(item, per_theorem=3, seed=0, budget=BUDGET)
    assert out["errors"] == [] and out["records"]
    assert out["stats"]["kept"] == len(out["records"])
    again = run_item(item, per_theorem=3, seed=0, budget=BUDGET)
    assert again["records"] == out["records"]  # the same seed, the same records
    other = run_item(item, per_theorem=3, seed=1, budget=BUDGET)
    assert [r["id"] for r in other["records"]] != [r["id"] for r in out["records"]]
    checker = Checker(prover("z3"))
    for rec in out["records"]:
        checker.check(rec["graph"])
        m = parse_formula(rec["conclusion"], "folio", strict=True)
        prem = [parse_formula(p, "folio", strict=True) for p in rec["premises"]]
        assert decide(prem, m, explain=False).outcome is Outcome.TRUE
        assert rec["verdict"] == "True" and rec["lean"] and "conjecture" in rec["tptp"]
        tptp_goal = rec["tptp"].splitlines()[-1]
        assert content_id(parse_formula(tptp_goal, "tptp")) == content_id(m)
        assert content_id(statement(prem, m)) == rec["mutant_id"]
        roles = {n["id"]: n["role"] for n in rec["graph"]["nodes"]}
        nodes = rec["nodes"]
        goal = rec["position"]["target"] == "conclusion"
        assert roles[nodes["mutant"]] == "mutant" and roles[nodes["theorem"]] == ("mutant" if goal else "theorem")
        assert roles[nodes["parent"]] == ("theorem" if goal else "premise")
        assert (nodes["theorem"] == nodes["mutant"]) == goal
        assert nodes["theorem"] == content_id(m)
    assert checker.report.passed, [x.describe() for x in checker.report.failures]
    assert checker.report.ok["entailment"] >= 1 and checker.report.ok["rewrite"] >= 1
    assert {r["position"]["target"] for r in out["records"]} == {"premise", "conclusion"}


def test_run_item_reports_non_theorems_and_bad_formulas():
    bad = run_item({"id": "b", "kind": "theorem", "premises": ["P(a)"], "conclusions": ["Q(a)"]}, 2, 0, BUDGET)
    assert bad["records"] == [] and bad["errors"][0]["kind"] == "not-a-theorem"
    assert "Uncertain" in bad["errors"][0]["error"]
    broken = run_item({"id": "c", "kind": "theorem", "premises": ["P(a) ∧"], "conclusions": ["P(a)"]}, 2, 0, BUDGET)
    assert broken["errors"][0]["kind"] == "syntax"


def test_lean_statement_curries_hypotheses():
    from synth.item import lean_statement

    text = lean_statement([f("∀x (Dog(x) → Animal(x))"), f("Dog(rex)")], f("Animal(rex)"))
    assert text == "(∀ x : U, Dog x → Animal x) → (Dog rex → Animal rex)"
    assert write(f("Dog(rex)"), "lean") in text
