"""MCTS and beam proof search on real ProofWriter items; the batch job and its outputs.

Real data (ProofWriter dev, Logic-LM packaging), the real English→FOL parser, real Z3; proof
graphs are checked by the independent checker (``nsp graph verify``) and turned into Lean.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nsp.graph.provenance import from_json, to_json
from nsp.graph.verify import Checker, prover
from nsp.logic.syntax import parse
from provers.lean.proof import proof_to_lean
from synth.mcts import SearchConfig
from synth.policy import OverlapPolicy, ScorerPolicy, UniformPolicy
from synth.search import SearchParams, process_item, read_problems, run_search_job, search_problem, translate_item

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "data" / "proofwriter" / "dev.json"
needs_dev = pytest.mark.skipif(not DEV.exists(), reason=f"shared data not found at {DEV}")
SLICE = 40  # the first 40 True/False items of ProofWriter dev (fixed)


def F(text: str):
    return parse(text, "folio", strict=True).formula


@pytest.fixture(scope="module")
def dev_slice() -> list[dict]:
    if not DEV.exists():
        pytest.skip(f"shared data not found at {DEV}")
    items, errors = read_problems(DEV, decided_only=True)
    assert not errors
    return items[:SLICE]


@pytest.fixture(scope="module")
def slice_results(dev_slice):
    out = []
    params = SearchParams(simulations=200)
    for item in dev_slice:
        premises, conclusion = translate_item(item)
        result, graph = search_problem(premises, conclusion, params, item["id"])
        out.append((item, premises, result, graph))
    return out


@needs_dev
def test_mcts_solves_a_fixed_proofwriter_slice(slice_results):
    solved = [r for item, _, r, _ in slice_results if r.verdict == item["label"]]
    wrong = [item["id"] for item, _, r, _ in slice_results if r.verdict not in (None, item["label"])]
    assert not wrong, f"verdicts disagree with the gold label: {wrong}"
    assert len(solved) / len(slice_results) >= 0.95
    assert max(r.simulations for _, _, r, _ in slice_results) <= 200


@needs_dev
def test_every_proof_passes_the_independent_checker(slice_results):
    checker = Checker(prover("z3"), 10.0)
    for _, _, _, graph in slice_results:
        if graph is not None:
            checker.check(to_json(graph))
    assert checker.report.passed, checker.report.failures[:3]
    assert checker.report.ok["entailment"] > 0


@needs_dev
def test_proofs_become_lean_have_steps_without_sorry(slice_results):
    complete = 0
    for item, _, result, graph in slice_results[:15]:
        if graph is None:
            continue
        lean = proof_to_lean(graph, graph.graph["goal"], problem_id=item["id"])
        assert lean.text.count("have s") == sum(1 for n in graph if graph.in_degree(n) > 0)
        complete += lean.complete
        assert "theorem" in lean.text
    assert complete >= 14


@needs_dev
def test_lean_accepts_the_proofs(slice_results):
    from provers.lean.check import Proved, check_text
    from provers.lean.toolchain import NO_TOOLCHAIN, find_toolchain

    if find_toolchain() is None:
        pytest.skip(NO_TOOLCHAIN)
    for item, _, _, graph in slice_results[:3]:
        lean = proof_to_lean(graph, graph.graph["goal"], problem_id=item["id"])
        result = check_text(lean.text, theorem="NSP.nsp_goal", timeout=120)
        assert isinstance(result, Proved), result


@needs_dev
def test_proof_graph_is_minimal_and_labelled(slice_results):
    for item, premises, result, graph in slice_results:
        if graph is None:
            continue
        goal = graph.graph["goal"]
        # every fact of the proof is used by the goal: nothing dangles
        for n in graph:
            assert n == goal or graph.out_degree(n) > 0
        assert graph.nodes[goal]["role"] in ("theorem", "premise")
        for n, d in graph.nodes(data=True):
            if d["role"] == "premise":
                assert d["rule"] == "given" and d["label"].startswith("p")
            else:
                assert d["rule"] in ("entailment", "law") and d["checked_by"] == "z3"


@needs_dev
def test_tree_records_are_consistent(slice_results):
    for _, _, result, _ in slice_results[:10]:
        tree = result.tree
        assert tree[0]["parent"] is None and tree[0]["visits"] == result.simulations
        by_id = {r["node"]: r for r in tree}
        kids: dict[int, list[dict]] = {}
        for r in tree[1:]:
            kids.setdefault(r["parent"], []).append(r)
            assert r["action"]["name"] and r["action"]["conclusion"] and 0.0 < r["prior"] <= 1.0
            assert r["depth"] == by_id[r["parent"]]["depth"] + 1
        for parent, children in kids.items():
            assert sum(c["visits"] for c in children) <= by_id[parent]["visits"]
            assert sum(c["prior"] for c in children) <= 1.0 + 1e-6
        solved = [r for r in tree if r["verdict"] is not None]
        if result.verdict is not None:
            assert solved and all(r["reward"] == 1.0 for r in solved)


@needs_dev
def test_search_is_reproducible(dev_slice):
    item = dev_slice[1]
    premises, conclusion = translate_item(item)
    runs = [search_problem(premises, conclusion, SearchParams(simulations=60, seed=7), item["id"])[0] for _ in range(2)]
    assert runs[0].tree == runs[1].tree and runs[0].verdict == runs[1].verdict


@needs_dev
def test_full_budget_grows_a_richer_tree_and_keeps_the_smallest_proof(dev_slice, slice_results):
    item, premises, first, _ = next(r for r in slice_results if r[2].proof_steps >= 3)
    conclusion = translate_item(item)[1]
    full, graph = search_problem(premises, conclusion, SearchParams(simulations=80, full_budget=True), item["id"])
    assert full.simulations == 80 and len(full.tree) > len(first.tree)
    assert full.verdict == first.verdict and full.proof_steps <= first.proof_steps
    assert sum(1 for r in full.tree if r["reward"] == 1.0) >= 1
    checker = Checker(prover("z3"), 10.0)
    checker.check(to_json(graph))
    assert checker.report.passed


@needs_dev
def test_beam_search_solves_the_slice(dev_slice):
    params = SearchParams(strategy="beam", beam_width=8, max_rounds=12)
    good = 0
    for item in dev_slice[:20]:
        premises, conclusion = translate_item(item)
        result, graph = search_problem(premises, conclusion, params, item["id"])
        good += result.verdict == item["label"]
        if graph is not None:
            checker = Checker(prover("z3"), 10.0)
            checker.check(to_json(graph))
            assert checker.report.passed
    assert good >= 18


def test_uniform_and_scorer_policies_solve_a_small_problem():
    premises = [F("∀x (Dog(x) → Animal(x))"), F("∀x (Animal(x) → ¬Plant(x))"), F("Dog(rex)"), F("Cat(tom)")]
    goal = F("¬Plant(rex)")
    for policy in (UniformPolicy(), OverlapPolicy()):
        result, graph = search_problem(premises, goal, SearchParams(simulations=100), "dogs", policy=policy)
        assert result.verdict == "True" and result.proof_steps == 2
    seen = []

    def scorer(goal_text, facts, steps):
        seen.append((goal_text, len(facts), len(steps)))
        return [5.0 if "rex" in s else 0.0 for s in steps]

    result, _ = search_problem(premises, goal, SearchParams(simulations=50), "dogs", policy=ScorerPolicy(scorer))
    assert result.verdict == "True" and seen and seen[0][0] == "¬Plant(rex)"


def test_a_false_conclusion_is_refuted():
    premises = [F("∀x (Round(x) → ¬Kind(x))"), F("Round(bob)")]
    result, graph = search_problem(premises, F("Kind(bob)"), SearchParams(simulations=50), "neg")
    assert result.verdict == "False"
    assert graph.nodes[graph.graph["goal"]]["formula"] == "¬Kind(bob)"


def test_an_unprovable_conclusion_stays_unsolved():
    premises = [F("∀x (Dog(x) → Animal(x))"), F("Dog(rex)")]
    result, graph = search_problem(premises, F("Cat(rex)"), SearchParams(simulations=30), "open")
    assert result.verdict is None and graph is None and result.simulations <= 30


# ---------------------------------------------------------------- the batch job


def _strip(rec: dict) -> dict:
    rec = dict(rec)
    rec.pop("seconds", None)
    rec.pop("cpu_seconds", None)
    return rec


def _write_slice(tmp_path: Path, n: int) -> Path:
    rows = json.loads(DEV.read_text(encoding="utf-8"))
    path = tmp_path / "pw.json"
    path.write_text(json.dumps(rows[:n]), encoding="utf-8")
    return path


@needs_dev
def test_job_outputs_and_verify_cli(tmp_path):
    src = _write_slice(tmp_path, 10)
    out = tmp_path / "trees.jsonl"
    r = run_search_job(src, out, SearchParams(simulations=100, decided_only=True), workers=2, progress=False)
    assert r.items == sum(1 for row in json.loads(src.read_text()) if row["answer"] in ("A", "B"))
    assert r.solved == r.items and r.correct == r.labelled == r.items and r.errors == 0
    trees = [json.loads(l) for l in out.read_text().splitlines()]
    assert [t["id"] for t in trees] == [it["id"] for it in read_problems(src, True)[0]]
    assert all({"state", "parent", "action", "prior", "visits", "q", "reward"} <= set(t["tree"][0]) for t in trees)
    proofs = tmp_path / "trees.proofs.jsonl"
    cli = subprocess.run([sys.executable, "-m", "nsp.cli", "graph", "verify", str(proofs)],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "0 failed" in cli.stdout + cli.stderr
    graph = from_json(json.loads(proofs.read_text().splitlines()[0])["graph"])
    assert proof_to_lean(graph, graph.graph["goal"]).complete
    stats = json.loads((tmp_path / "trees.stats.json").read_text())
    assert stats["solved"] == r.solved


def test_job_reports_bad_problems(tmp_path):
    src = tmp_path / "theorems.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in [
        {"id": "ok", "premises": ["∀x (Man(x) → Mortal(x))", "Man(socrates)"], "conclusion": "Mortal(socrates)"},
        {"id": "tptp", "premises": ["![X] : (man(X) => mortal(X))", "man(plato)"], "conclusion": "mortal(plato)"},
        {"id": "open", "premises": ["P(a)"], "conclusion": "Q(a)"},
        {"id": "broken", "premises": ["P(a) ∧"], "conclusion": "P(a)"},
    ]) + "\nnot json\n", encoding="utf-8")
    out = tmp_path / "t.jsonl"
    r = run_search_job(src, out, SearchParams(simulations=30), progress=False)
    trees = {json.loads(l)["id"]: json.loads(l) for l in out.read_text().splitlines()}
    assert trees["ok"]["verdict"] == "True" and trees["tptp"]["verdict"] == "True"
    assert trees["open"]["verdict"] is None
    errors = [json.loads(l) for l in (tmp_path / "t.errors.jsonl").read_text().splitlines()]
    assert {e["id"] for e in errors} == {"broken", "line-5"} and r.errors == 2
    # the same command again is a no-op with the same output
    before = out.read_bytes()
    again = run_search_job(src, out, SearchParams(simulations=30), progress=False)
    assert again.items_run == 0 and out.read_bytes() == before


@needs_dev
def test_job_resumes_after_kill_without_loss_or_duplicates(tmp_path):
    src = _write_slice(tmp_path, 60)
    ref = tmp_path / "ref.jsonl"
    run_search_job(src, ref, SearchParams(simulations=80, decided_only=True), progress=False)
    out = tmp_path / "out.jsonl"
    journal = tmp_path / "out.jsonl.journal"
    cmd = [sys.executable, "-m", "nsp.cli", "synth", "search", str(src), "-o", str(out), "--simulations", "80",
           "--decided-only", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if journal.exists() and len(journal.read_bytes().splitlines()) >= 6:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the job finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    entries = journal.read_bytes().count(b"\n") - 1  # complete lines after the header
    assert 0 < entries < len(want := [_strip(json.loads(l)) for l in ref.read_text().splitlines()])
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    got = [_strip(json.loads(l)) for l in out.read_text().splitlines()]
    assert got == want  # nothing lost, nothing twice, same records as an uninterrupted run
    assert f"({len(want) - entries} run now)" in done.stderr


def test_config_defaults_are_recorded():
    cfg = SearchConfig()
    assert cfg.to_json()["simulations"] == 200 and cfg.reduce_orders


def test_process_item_never_raises():
    entry = process_item({"id": "x", "kind": "theorem", "premises": ["P(a) ∧"], "conclusion": "P(a)"}, {})
    assert entry["errors"] and entry["errors"][0]["kind"] == "bad-input"


def test_missing_ray_is_a_clean_error(tmp_path, monkeypatch):
    from synth.batch import MissingDependency

    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({"id": "a", "premises": ["P(a)"], "conclusion": "P(a)"}) + "\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependency, match="Ray is not installed"):
        run_search_job(src, tmp_path / "o.jsonl", SearchParams(), ray="local", progress=False)


@pytest.mark.slow
def test_ray_runs_the_same_job(tmp_path):
    pytest.importorskip("ray")
    src = tmp_path / "t.jsonl"
    src.write_text("\n".join(json.dumps({"id": f"p{i}", "premises": ["∀x (P(x) → Q(x))", f"P(c{i})"],
                                         "conclusion": f"Q(c{i})"}) for i in range(6)) + "\n", encoding="utf-8")
    local = run_search_job(src, tmp_path / "local.jsonl", SearchParams(simulations=20), progress=False)
    remote = run_search_job(src, tmp_path / "ray.jsonl", SearchParams(simulations=20), workers=2, ray="local",
                            progress=False)
    assert local.solved == remote.solved == 6
    a = [_strip(json.loads(l)) for l in (tmp_path / "local.jsonl").read_text().splitlines()]
    b = [_strip(json.loads(l)) for l in (tmp_path / "ray.jsonl").read_text().splitlines()]
    assert a == b
