"""Benchmark: step-level proof search on ProofWriter dev (True/False items).

    python bench/bench_search.py [--limit N] [--simulations N] [--workers W]
                                 [--configs mcts:overlap,beam:overlap,mcts:uniform] [--seed S]

Each configuration (strategy:policy) runs the batch job (:mod:`synth.search`, the code behind
``nsp synth search``) over the dev items whose gold label is True or False. Every proof graph
is then re-checked by the independent checker (:class:`nsp.graph.verify.Checker`, Z3) and
turned into Lean 4 (:func:`provers.lean.proof.proof_to_lean`; "complete" = no ``sorry``). A
problem counts as *solved* when the search found a proof, its verdict is the gold label, and
every step of the graph passes the checker.

Depth. Every dev id says D5 (the depth bound of the split it was drawn from), so it says
nothing about an item. Each item's depth is measured instead: the number of rounds of
breadth-first forward chaining (every modus ponens and ∧ step available, all applied at once
per round; negated atoms are literals like any other) until the conclusion or its negation is
derived — ProofWriter's own notion of proof depth (0: it is a premise). Items no round reaches
(they need classical reasoning, e.g. contraposition) are counted as "unreached". The share
solved is reported per depth.

Times are wall-clock per problem as the job records them (search only; translation from
English and checking are not included) and the job's wall time; the load average at start and
end goes into the JSON (other work on the machine inflates every time).
Writes bench/results/search.json atomically and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nsp.graph.provenance import from_json  # noqa: E402
from nsp.graph.verify import Checker, prover  # noqa: E402
from nsp.records import write_atomic  # noqa: E402
from provers.lean.proof import proof_to_lean  # noqa: E402
from synth.actions import all_steps  # noqa: E402
from synth.search import SearchParams, read_problems, run_search_job, translate_item  # noqa: E402
from synth.state import ProofState  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "proofwriter" / "dev.json"
RESULTS = ROOT / "bench" / "results" / "search.json"
FORWARD = frozenset({"modus_ponens", "and_elim", "and_intro"})
MAX_ROUNDS = 12


def chaining_depth(premises, conclusion) -> int | None:
    """Rounds of breadth-first forward chaining until the conclusion or its negation is a fact."""
    st = ProofState.initial(premises, conclusion)
    for rounds in range(MAX_ROUNDS + 1):
        if st.verdict is not None:
            return rounds
        steps = [s for s in all_steps(st.view) if s.action in FORWARD]
        if not steps:
            return None
        for s in steps:
            if s.conclusion_id not in st.facts:
                st = st.after(s)
        st = ProofState.initial([f.formula for f in st.facts.values()], conclusion)
    return None


def summarise(values: list[float]) -> dict:
    if not values:
        return {}
    vs = sorted(values)
    return {"mean": round(statistics.fmean(vs), 4), "median": round(statistics.median(vs), 4),
            "p95": round(vs[min(len(vs) - 1, int(0.95 * len(vs)))], 4), "max": round(vs[-1], 4)}


def run_config(strategy: str, policy: str, args, depth: dict, workdir: Path) -> dict:
    out = workdir / f"{strategy}-{policy}.jsonl"
    params = SearchParams(strategy=strategy, policy=policy, simulations=args.simulations, seed=args.seed,
                          decided_only=True, limit=args.limit)
    start = time.monotonic()
    job = run_search_job(DEV, out, params, workers=args.workers, progress=True, fresh=True)
    wall = time.monotonic() - start
    trees = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    proofs = {}
    proofs_path = out.with_name(out.name[: -len(".jsonl")] + ".proofs.jsonl")
    for line in proofs_path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        proofs[rec["id"]] = rec["graph"]
    verified, lean_complete, checks_failed = {}, 0, 0
    for pid, data in proofs.items():
        checker = Checker(prover("z3"), 20.0)
        checker.check(data)
        verified[pid] = checker.report.passed
        checks_failed += len(checker.report.failures)
        g = from_json(data)
        lean_complete += proof_to_lean(g, g.graph["goal"], problem_id=pid).complete
    per_depth: dict[str, dict] = {}
    solved = 0
    for t in trees:
        ok = t["verdict"] is not None and t["verdict"] == t["label"] and verified.get(t["id"], False)
        solved += ok
        d = depth.get(t["id"])
        bucket = per_depth.setdefault("unreached" if d is None else str(d), {"items": 0, "solved": 0})
        bucket["items"] += 1
        bucket["solved"] += ok
    for b in per_depth.values():
        b["share"] = round(b["solved"] / b["items"], 4)
    return {
        "strategy": strategy, "policy": policy, "simulations_budget": args.simulations,
        "beam_width": params.beam_width, "max_rounds": params.max_rounds,
        "items": len(trees), "errors": job.errors, "found": sum(t["verdict"] is not None for t in trees),
        "correct": sum(t["verdict"] == t["label"] for t in trees), "verified": sum(verified.values()),
        "solved": solved, "solved_share": round(solved / len(trees), 4) if trees else 0.0,
        "checker_failures": checks_failed, "lean_complete": lean_complete, "lean_graphs": len(proofs),
        "per_depth": dict(sorted(per_depth.items())),
        "seconds_per_problem": summarise([t["seconds"] for t in trees]),
        "simulations_used": summarise([t["simulations"] for t in trees]),
        "proof_steps": summarise([t["proof_steps"] for t in trees if t["verdict"] is not None]),
        "tree_nodes": summarise([len(t["tree"]) for t in trees]),
        "z3_step_checks": sum(t["stats"].get("checks", 0) for t in trees),
        "job_wall_seconds": round(wall, 2), "workers": args.workers,
        "unsolved_ids": [t["id"] for t in trees if not (t["verdict"] == t["label"] and verified.get(t["id"]))],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="Only the first N True/False items (default: all).")
    ap.add_argument("--simulations", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--configs", default="mcts:overlap,beam:overlap,mcts:uniform")
    args = ap.parse_args()
    if not DEV.exists():
        sys.exit(f"ProofWriter dev not found at {DEV}")
    load_start = os.getloadavg()
    items, _ = read_problems(DEV, decided_only=True)
    items = items[: args.limit] if args.limit else items
    console = Console(stderr=True)
    console.print(f"measuring forward-chaining depth of {len(items)} items")
    depth = {}
    for item in items:
        premises, conclusion = translate_item(item)
        depth[item["id"]] = chaining_depth(premises, conclusion)
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        for spec in args.configs.split(","):
            strategy, policy = spec.split(":")
            console.print(f"[bold]{strategy}[/] with the {policy} prior")
            runs[spec] = run_config(strategy, policy, args, depth, Path(tmp))
    result = {
        "benchmark": "synth search on ProofWriter dev True/False items",
        "data": str(DEV), "items": len(items),
        "depth_counts": {str(k): sum(1 for v in depth.values() if v == k) for k in sorted({d for d in depth.values() if d is not None})},
        "runs": runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_start": [round(x, 2) for x in load_start],
                    "load_end": [round(x, 2) for x in os.getloadavg()]},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(RESULTS, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = Table(title=f"proof search, ProofWriter dev True/False ({len(items)} items)")
    for col in ("config", "solved", "share", "verified", "lean complete", "s/problem (median)", "sims (median/max)"):
        table.add_column(col)
    for spec, r in runs.items():
        table.add_row(spec, str(r["solved"]), f"{r['solved_share']:.2%}", str(r["verified"]),
                      f"{r['lean_complete']}/{r['lean_graphs']}", str(r["seconds_per_problem"].get("median")),
                      f"{r['simulations_used'].get('median')}/{r['simulations_used'].get('max')}")
    Console().print(table)
    for spec, r in runs.items():
        Console().print(spec, "per depth:", {k: f"{v['solved']}/{v['items']}" for k, v in r["per_depth"].items()})
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
