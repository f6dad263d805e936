"""Benchmark of verified theorem mutation over FOLIO's gold FOL (``nsp synth mutate``).

Reports: theorems in, mutants out, expansion factor (mutants per theorem), share of re-decided
candidates rejected by Z3, mutants per second per core, the speed-up of 2 workers over 1
(medians of ``--runs`` runs each on the first ``--speedup-items`` stories), and the independent
checker's verdict on every graph the full run wrote. Results go to bench/results/mutate.json
(written atomically). Wall times depend on the machine and its load: the load average is
recorded with them.

    python bench/bench_mutate.py                     # full run + speed-up, 3 runs each
    python bench/bench_mutate.py --speedup-items 40 --runs 3 --no-verify
    python bench/bench_mutate.py --no-full --speedup-items 40 --runs 1   # mutants per CPU second
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nsp.graph.verify import verify_file  # noqa: E402
from synth.batch import JobParams, run_job  # noqa: E402

FOLIO = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "folio" / "folio-train.jsonl"
RESULTS = Path(__file__).resolve().parent / "results" / "mutate.json"


def one_run(inp: Path, params: JobParams, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-mutate-") as d:
        out = Path(d) / "out.jsonl"
        start = time.perf_counter()
        r = run_job(inp, out, params, workers=workers, progress=False)
        wall = time.perf_counter() - start
        return {"wall": wall, "result": r.to_json()}


def summary(r: dict, wall: float, workers: int) -> dict:
    rejected = sum(r["rejected"].values())
    return {
        "items": r["items"],
        "theorems_in": r["theorems"],
        "mutants_out": r["mutants"],
        "expansion_factor": round(r["mutants"] / r["theorems"], 3) if r["theorems"] else None,
        "candidates_enumerated": r["candidates"],
        "re_decided": r["tried"],
        "rejected": r["rejected"],
        "rejected_share": round(rejected / r["tried"], 4) if r["tried"] else None,
        "errors": r["errors"],
        "workers": workers,
        "wall_seconds": round(wall, 2),
        "mutants_per_second_per_core": round(r["mutants"] / wall / workers, 3),
        "worker_cpu_seconds": round(r["item_cpu_seconds"], 2),
        "mutants_per_cpu_second": round(r["mutants"] / r["item_cpu_seconds"], 3) if r["item_cpu_seconds"] else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", type=Path, default=FOLIO)
    ap.add_argument("--per-theorem", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=3, help="runs per worker count for the speed-up")
    ap.add_argument("--speedup-items", type=int, default=60, help="stories in each speed-up run")
    ap.add_argument("--full-workers", type=int, default=2)
    ap.add_argument("--no-full", action="store_true", help="skip the full run")
    ap.add_argument("--no-verify", action="store_true", help="skip checking the full run's graphs")
    args = ap.parse_args()

    # Sections not run this time are kept from the previous results file.
    report: dict = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    if "machine" in report:  # results of an older layout: the machine belonged to the full run
        report.setdefault("full", {}).setdefault("machine", report.pop("machine"))
    report.update({"input": str(args.input), "per_theorem": args.per_theorem, "seed": args.seed})
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average_start": os.getloadavg()}

    if not args.no_full:
        print(f"full run over {args.input} with {args.full_workers} workers ...", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="bench-mutate-full-") as d:
            out = Path(d) / "out.jsonl"
            start = time.perf_counter()
            r = run_job(args.input, out, JobParams(per_theorem=args.per_theorem, seed=args.seed),
                        workers=args.full_workers, progress=True).to_json()
            wall = time.perf_counter() - start
            report["full"] = summary(r, wall, args.full_workers)
            report["full"]["machine"] = machine
            report["full"]["item_seconds"] = round(r["item_seconds"], 2)
            print(json.dumps(report["full"], indent=1), file=sys.stderr)
            if not args.no_verify:
                print("verifying every graph ...", file=sys.stderr)
                start = time.perf_counter()
                rep = verify_file(out)
                report["verify"] = {
                    "graphs": rep.graphs, "checks_passed": dict(rep.ok), "checks_failed": dict(rep.failed),
                    "failures": len(rep.failures), "seconds": round(time.perf_counter() - start, 2),
                }
                print(json.dumps(report["verify"], indent=1), file=sys.stderr)

    if args.runs > 0:
        params = JobParams(per_theorem=args.per_theorem, seed=args.seed, limit=args.speedup_items)
        walls: dict[int, list[float]] = {1: [], 2: []}
        cpus: dict[int, list[float]] = {1: [], 2: []}
        last: dict[int, dict] = {}
        for i in range(args.runs):
            for workers in (1, 2):
                run = one_run(args.input, params, workers)
                walls[workers].append(run["wall"])
                cpus[workers].append(run["result"]["item_cpu_seconds"])
                last[workers] = run["result"]
                print(f"speed-up run {i + 1}/{args.runs}, {workers} worker(s): {run['wall']:.1f} s", file=sys.stderr)
        assert last[1]["mutants"] == last[2]["mutants"]
        med = {w: statistics.median(v) for w, v in walls.items()}
        report["speedup"] = {
            "items": last[1]["items"], "runs": args.runs,
            "mutants": last[1]["mutants"],
            "wall_seconds": {str(w): [round(x, 2) for x in v] for w, v in walls.items()},
            "median_wall_seconds": {str(w): round(m, 2) for w, m in med.items()},
            "speedup_2_over_1": round(med[1] / med[2], 3),
            "mutants_per_second_per_core": {str(w): round(last[w]["mutants"] / med[w] / w, 3) for w in med},
            "median_worker_cpu_seconds": {str(w): round(statistics.median(v), 2) for w, v in cpus.items()},
            # verified mutants per CPU second of the workers (the measure; robust to load)
            "mutants_per_cpu_second": {str(w): round(last[w]["mutants"] / statistics.median(v), 1)
                                       for w, v in cpus.items()},
            # what 2 workers would give if each had a core to itself: CPU work / wall time
            "parallel_efficiency_2": round(statistics.median(cpus[2]) / med[2] / 2, 3),
            "machine": machine,
        }
        print(json.dumps(report["speedup"], indent=1), file=sys.stderr)

    machine["load_average_end"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_name(f".{RESULTS.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, RESULTS)
    print(f"wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
