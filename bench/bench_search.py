"""Benchmark: step-level proof search on ProofWriter dev, before and after deciding first.

    python bench/bench_search.py [--limit N] [--simulations N] [--workers W] [--negative-budget B]
                                 [--configs mcts:overlap,beam:overlap] [--seed S] [--decided-only]

Each configuration (strategy:policy) runs the batch job (:mod:`synth.search`, the code behind
``nsp synth search``) twice over the dev items (all labels: True, False and Uncertain), side by
side in one process: *before*, the old behaviour (``negative_budget`` 0: no decision, every
problem gets the full budget), and *after*, the default (Z3 decides each problem first; a
problem it decides Uncertain or Inconsistent gets ``negative_budget`` proof states). Every
proof graph is re-checked by the independent checker (:class:`nsp.graph.verify.Checker`, Z3)
and turned into Lean 4 (:func:`provers.lean.proof.proof_to_lean`; "complete" = no ``sorry``).
A problem counts as *solved* when the search found a proof, its verdict is the gold label, and
every step of the graph passes the checker.

Compared per configuration: the solved sets (must be equal), the trees of problems Z3 decides
True/False (must be identical: they are searched as before), and the CPU seconds the job's
workers spent per problem (decision + search, ``cpu_seconds`` of each record: unlike wall time
it is barely moved by other work on the machine), summed over gold-Uncertain problems and
over the problems Z3 decides Uncertain; the ratio before/after is the saving.

Depth. Every dev id says D5 (the depth bound of the split it was drawn from), so it says
nothing about an item. Each True/False item's depth is measured instead: the number of rounds
of breadth-first forward chaining (every modus ponens and ∧ step available, all applied at
once per round; negated atoms are literals like any other) until the conclusion or its
negation is derived — ProofWriter's own notion of proof depth (0: it is a premise). Items no
round reaches (they need classical reasoning, e.g. contraposition) are counted as
"unreached". The share solved is reported per depth.

Wall times (the job's) go into the JSON with the load average at start and end (other work on
the machine inflates them). Writes bench/results/search.json atomically and prints a table.
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
from synth.search import NEGATIVE_BUDGET, SearchParams, read_problems, run_search_job, translate_item  # noqa: E402
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


def run_config(strategy: str, policy: str, args, depth: dict, workdir: Path, negative_budget: int,
               tag: str) -> tuple[dict, list[dict]]:
    out = workdir / f"{strategy}-{policy}-{tag}.jsonl"
    params = SearchParams(strategy=strategy, policy=policy, simulations=args.simulations, seed=args.seed,
                          decided_only=args.decided_only, limit=args.limit, negative_budget=negative_budget)
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
    solved_ids = []
    decidable = [t for t in trees if t["label"] in ("True", "False")]
    for t in trees:
        ok = t["verdict"] is not None and t["verdict"] == t["label"] and verified.get(t["id"], False)
        if ok:
            solved_ids.append(t["id"])
        if t["label"] not in ("True", "False"):
            continue
        d = depth.get(t["id"])
        bucket = per_depth.setdefault("unreached" if d is None else str(d), {"items": 0, "solved": 0})
        bucket["items"] += 1
        bucket["solved"] += ok
    for b in per_depth.values():
        b["share"] = round(b["solved"] / b["items"], 4)
    by_label: dict[str, dict] = {}
    for label in ("True", "False", "Uncertain"):
        sub = [t for t in trees if t["label"] == label]
        if sub:
            by_label[label] = {"items": len(sub), "cpu_seconds": round(sum(t["cpu_seconds"] for t in sub), 3),
                               "cpu_seconds_per_problem": summarise([t["cpu_seconds"] for t in sub]),
                               "tree_nodes": summarise([len(t["tree"]) for t in sub])}
    ends: dict[str, int] = {}
    for t in trees:
        ends[t["end"]] = ends.get(t["end"], 0) + 1
    solved = len(solved_ids)
    summary = {
        "strategy": strategy, "policy": policy, "simulations_budget": args.simulations,
        "negative_budget": negative_budget, "beam_width": params.beam_width, "max_rounds": params.max_rounds,
        "items": len(trees), "errors": job.errors, "found": sum(t["verdict"] is not None for t in trees),
        "correct": sum(t["verdict"] == t["label"] for t in trees), "verified": sum(verified.values()),
        "solved": solved, "true_false_items": len(decidable),
        "solved_share": round(solved / len(decidable), 4) if decidable else 0.0,
        "checker_failures": checks_failed, "lean_complete": lean_complete, "lean_graphs": len(proofs),
        "per_depth": dict(sorted(per_depth.items())), "ends": dict(sorted(ends.items())),
        "by_label": by_label,
        "cpu_seconds": round(sum(t["cpu_seconds"] for t in trees), 3),
        "seconds_per_problem": summarise([t["seconds"] for t in trees]),
        "cpu_seconds_per_problem": summarise([t["cpu_seconds"] for t in trees]),
        "simulations_used": summarise([t["simulations"] for t in trees]),
        "proof_steps": summarise([t["proof_steps"] for t in trees if t["verdict"] is not None]),
        "tree_nodes": summarise([len(t["tree"]) for t in trees]),
        "z3_step_checks": sum(t["stats"].get("checks", 0) for t in trees),
        "job_wall_seconds": round(wall, 2), "workers": args.workers,
        "solved_ids": sorted(solved_ids),
    }
    return summary, trees


def compare(before: list[dict], after: list[dict], rb: dict, ra: dict) -> dict:
    """The side-by-side figures of one configuration (see module docstring)."""
    b = {t["id"]: t for t in before}
    decided = {t["id"]: t["decided"]["outcome"] for t in after}

    def cpu(trees, ids):
        return sum(t["cpu_seconds"] for t in trees if t["id"] in ids)

    gold_unc = {t["id"] for t in after if t["label"] == "Uncertain"}
    z3_unc = {i for i, o in decided.items() if o == "Uncertain"}
    z3_inc = {i for i, o in decided.items() if o == "Inconsistent"}
    z3_tf = {i for i, o in decided.items() if o in ("True", "False")}
    out = {
        "solved_set_equal": rb["solved_ids"] == ra["solved_ids"],
        "solved_only_before": sorted(set(rb["solved_ids"]) - set(ra["solved_ids"])),
        "solved_only_after": sorted(set(ra["solved_ids"]) - set(rb["solved_ids"])),
        "found_set_equal": {i for i, t in b.items() if t["verdict"]} == {t["id"] for t in after if t["verdict"]},
        "z3_decided": {o: sum(1 for v in decided.values() if v == o) for o in sorted(set(decided.values()))},
        "trees_identical_where_z3_decides_true_false": all(
            b[t["id"]]["tree"] == t["tree"] for t in after if t["id"] in z3_tf),
    }
    for name, ids in (("gold_uncertain", gold_unc), ("z3_uncertain", z3_unc), ("z3_inconsistent", z3_inc),
                      ("z3_true_false", z3_tf), ("all", set(decided))):
        cb, ca = cpu(before, ids), cpu(after, ids)
        out[name] = {"items": len(ids), "cpu_seconds_before": round(cb, 3), "cpu_seconds_after": round(ca, 3),
                     "ratio": round(cb / ca, 2) if ca else None}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="Only the first N items (default: all).")
    ap.add_argument("--simulations", type=int, default=200)
    ap.add_argument("--negative-budget", type=int, default=NEGATIVE_BUDGET,
                    help="The 'after' run's budget on Uncertain/Inconsistent problems (the 'before' run: 0).")
    ap.add_argument("--decided-only", action="store_true", help="Only the True/False items (no Uncertain ones).")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--configs", default="mcts:overlap,beam:overlap")
    args = ap.parse_args()
    if not DEV.exists():
        sys.exit(f"ProofWriter dev not found at {DEV}")
    load_start = os.getloadavg()
    items, _ = read_problems(DEV, decided_only=args.decided_only)
    items = items[: args.limit] if args.limit else items
    console = Console(stderr=True)
    console.print(f"measuring forward-chaining depth of {len(items)} items")
    depth = {}
    for item in items:
        if item["label"] in ("True", "False"):
            premises, conclusion = translate_item(item)
            depth[item["id"]] = chaining_depth(premises, conclusion)
    runs, compared = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        for spec in args.configs.split(","):
            strategy, policy = spec.split(":")
            console.print(f"[bold]{strategy}[/] with the {policy} prior: before (no decision, full budget)")
            rb, tb = run_config(strategy, policy, args, depth, Path(tmp), 0, "before")
            console.print(f"[bold]{strategy}[/] with the {policy} prior: after (decide first, "
                          f"negative budget {args.negative_budget})")
            ra, ta = run_config(strategy, policy, args, depth, Path(tmp), args.negative_budget, "after")
            runs[spec] = {"before": rb, "after": ra}
            compared[spec] = compare(tb, ta, rb, ra)
    result = {
        "benchmark": "synth search on ProofWriter dev, before/after deciding first",
        "data": str(DEV), "items": len(items),
        "depth_counts": {str(k): sum(1 for v in depth.values() if v == k) for k in sorted({d for d in depth.values() if d is not None})},
        "compared": compared,
        "runs": runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_start": [round(x, 2) for x in load_start],
                    "load_end": [round(x, 2) for x in os.getloadavg()]},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(RESULTS, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = Table(title=f"proof search, ProofWriter dev ({len(items)} items; solved: of the True/False ones)")
    for col in ("config", "run", "solved", "share", "verified", "lean complete", "CPU s (all)",
                "CPU s (gold Uncertain)", "nodes (median)", "job wall s"):
        table.add_column(col)
    for spec, pair in runs.items():
        for tag, r in pair.items():
            unc = r["by_label"].get("Uncertain", {})
            table.add_row(spec, tag, str(r["solved"]), f"{r['solved_share']:.2%}", str(r["verified"]),
                          f"{r['lean_complete']}/{r['lean_graphs']}", f"{r['cpu_seconds']:.2f}",
                          f"{unc.get('cpu_seconds', 0):.2f}", str(r["tree_nodes"].get("median")),
                          f"{r['job_wall_seconds']:.1f}")
    Console().print(table)
    for spec, c in compared.items():
        Console().print(f"{spec}: solved set equal: {c['solved_set_equal']}; trees identical where Z3 decides "
                        f"True/False: {c['trees_identical_where_z3_decides_true_false']}; CPU before/after: "
                        f"gold Uncertain x{c['gold_uncertain']['ratio']}, Z3 Uncertain x{c['z3_uncertain']['ratio']}, "
                        f"Z3 True/False x{c['z3_true_false']['ratio']}, all x{c['all']['ratio']}")
        Console().print(spec, "per depth (after):",
                        {k: f"{v['solved']}/{v['items']}" for k, v in runs[spec]["after"]["per_depth"].items()})
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
