"""Search that knows when to stop: ``nsp synth search`` decides each problem with Z3 first and
spends only a small budget (``negative_budget`` proof states) on problems with no proof to find
(Uncertain) or with inconsistent premises; every record says why its tree ended.

Real ProofWriter dev items (every label), the real English→FOL parser, real Z3. Budgets are
asserted as node and simulation counts, never as time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nsp.logic.syntax import parse
from synth.search import (END_INCONSISTENT, END_UNCERTAIN, NEGATIVE_BUDGET, SearchParams, read_problems,
                          run_search_job, search_problem, translate_item)

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "data" / "proofwriter" / "dev.json"
needs_dev = pytest.mark.skipif(not DEV.exists(), reason=f"shared data not found at {DEV}")
SAMPLE = 24  # the first 24 items of ProofWriter dev, True, False and Uncertain (fixed)
ENDS = {"solved", "budget", "exhausted", END_UNCERTAIN, END_INCONSISTENT}


def F(text: str):
    return parse(text, "folio", strict=True).formula


@pytest.fixture(scope="module")
def runs() -> list[tuple[dict, object, object]]:
    """(item, result with the old behaviour (no decision, full budget), result with the default)."""
    if not DEV.exists():
        pytest.skip(f"shared data not found at {DEV}")
    items, errors = read_problems(DEV)
    assert not errors
    out = []
    for item in items[:SAMPLE]:
        premises, conclusion = translate_item(item)
        before, _ = search_problem(premises, conclusion, SearchParams(negative_budget=0), item["id"])
        after, _ = search_problem(premises, conclusion, SearchParams(), item["id"])
        out.append((item, before, after))
    return out


@needs_dev
def test_the_sample_has_every_kind_of_problem(runs):
    decided = [after.decided["outcome"] for _, _, after in runs]
    assert decided.count("True") >= 4 and decided.count("False") >= 4
    assert decided.count("Uncertain") >= 6 and decided.count("Inconsistent") >= 1
    labels = {item["label"] for item, _, _ in runs}
    assert labels == {"True", "False", "Uncertain"}


@needs_dev
def test_the_solved_set_is_unchanged(runs):
    before = {item["id"]: b.verdict for item, b, _ in runs if b.verdict is not None}
    after = {item["id"]: a.verdict for item, _, a in runs if a.verdict is not None}
    assert before == after and len(after) >= 8
    # a problem the prover decides True or False is searched exactly as before
    for item, b, a in runs:
        if a.decided["outcome"] in ("True", "False"):
            assert a.tree == b.tree and a.simulations == b.simulations, item["id"]


@needs_dev
def test_every_record_says_why_its_tree_ended(runs):
    for item, b, a in runs:
        assert b.decided is None and b.end in {"solved", "budget", "exhausted"}
        assert a.end in ENDS and a.decided["prover"] == "z3" and a.decided["rlimit"] > 0
        outcome = a.decided["outcome"]
        if a.verdict is not None:
            assert a.end == "solved" and outcome in (a.verdict, "Inconsistent"), item["id"]
        elif outcome == "Uncertain":
            assert a.end == END_UNCERTAIN and b.end == "budget", item["id"]
        elif outcome == "Inconsistent":
            assert a.end == END_INCONSISTENT, item["id"]
        else:
            assert a.end in ("budget", "exhausted"), item["id"]


@needs_dev
def test_uncertain_problems_stop_within_the_small_budget(runs):
    negatives = [(item, b, a) for item, b, a in runs if a.decided["outcome"] in ("Uncertain", "Inconsistent")]
    assert negatives
    for item, b, a in negatives:
        assert len(a.tree) <= NEGATIVE_BUDGET and a.stats["nodes"] <= NEGATIVE_BUDGET, item["id"]
        assert a.simulations <= NEGATIVE_BUDGET and a.stats["stop"] == "budget"
        # the tree is still data: a root and children with their actions
        assert a.tree[0]["parent"] is None and all(r["action"] for r in a.tree[1:]) and len(a.tree) > 1
        # the old behaviour spent the whole budget on it
        assert b.simulations == 200 and len(b.tree) > 10 * NEGATIVE_BUDGET, item["id"]


@needs_dev
@pytest.mark.parametrize("strategy", ["mcts", "beam"])
@pytest.mark.parametrize("budget", [1, 3, 25])
def test_the_budget_is_a_bound_on_tree_nodes(runs, strategy, budget):
    item = next(item for item, _, a in runs if a.decided["outcome"] == "Uncertain")
    premises, conclusion = translate_item(item)
    r, graph = search_problem(premises, conclusion, SearchParams(strategy=strategy, negative_budget=budget), item["id"])
    assert graph is None and r.end == END_UNCERTAIN
    assert len(r.tree) == r.stats["nodes"] == budget  # ProofWriter trees are wide: the budget is reached


def test_inconsistent_premises_get_the_small_budget():
    premises = [F("∀x (Bird(x) → Flies(x))"), F("Bird(tweety)"), F("¬Flies(tweety)"), F("∀x (Flies(x) → Light(x))")]
    r, _ = search_problem(premises, F("Heavy(tweety)"), SearchParams(), "odd")
    assert r.decided["outcome"] == "Inconsistent"
    assert r.end in ("solved", END_INCONSISTENT) and len(r.tree) <= NEGATIVE_BUDGET
    full, _ = search_problem(premises, F("Heavy(tweety)"), SearchParams(negative_budget=0), "odd")
    assert full.decided is None


def test_an_undecided_problem_gets_the_full_budget():
    # an rlimit of 1 unit decides nothing: the prover answers Unknown and the search is not cut short
    premises = [F("∀x (Dog(x) → Animal(x))"), F("Dog(rex)")]
    r, _ = search_problem(premises, F("Cat(rex)"), SearchParams(simulations=30, rlimit=1), "open")
    assert r.decided["outcome"] == "Unknown" and "rlimit" in r.decided["reason"]
    assert r.end in ("budget", "exhausted") and r.end != END_UNCERTAIN
    small, _ = search_problem(premises, F("Cat(rex)"), SearchParams(simulations=30), "open")
    assert small.decided["outcome"] == "Uncertain" and small.end == END_UNCERTAIN


@needs_dev
def test_job_records_and_counts_end_reasons(tmp_path):
    src = tmp_path / "pw.json"
    src.write_text(json.dumps(json.loads(DEV.read_text(encoding="utf-8"))[:8]), encoding="utf-8")
    out = tmp_path / "trees.jsonl"
    r = run_search_job(src, out, SearchParams(), progress=False)
    trees = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(trees) == 8 and all(t["end"] in ENDS and t["decided"]["outcome"] for t in trees)
    assert all(t["cpu_seconds"] >= 0 for t in trees)
    ends = {}
    for t in trees:
        ends[t["end"]] = ends.get(t["end"], 0) + 1
    assert r.ends == ends and END_UNCERTAIN in ends and "solved" in ends
    assert json.loads((tmp_path / "trees.stats.json").read_text())["ends"] == ends


def test_cli_option_default_and_bad_value(tmp_path):
    from nsp.cli import main

    search = main.commands["synth"].commands["search"]
    opt = next(p for p in search.params if p.name == "negative_budget")
    assert opt.default == NEGATIVE_BUDGET
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({"id": "a", "premises": ["P(a)"], "conclusion": "Q(a)"}) + "\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "nsp.cli", "synth", "search", str(src), "-o", str(tmp_path / "o.jsonl"),
                          "--negative-budget", "-1"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--negative-budget" in bad.stderr
    ok = subprocess.run([sys.executable, "-m", "nsp.cli", "synth", "search", str(src), "-o", str(tmp_path / "o.jsonl"),
                         "--negative-budget", "3", "--no-progress"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    rec = json.loads((tmp_path / "o.jsonl").read_text())
    assert rec["end"] == END_UNCERTAIN and rec["decided"]["outcome"] == "Uncertain" and len(rec["tree"]) <= 3
