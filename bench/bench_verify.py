"""Benchmark: `nsp graph verify` with 1 worker, 2 workers (and Ray), side by side in one run.

    python bench/bench_verify.py [--graph FILE] [--runs N] [--busy-runs N] [--busy-workers W] [--ray]

The graph: FILE, or (by default) the Peano graph of ``nsp synth explore data/axioms/peano.fol
--time-limit 120``, made once into bench/results/explore-peano-120.graph.json.

1. Speed: ``--runs`` rounds, each running the checker with 1 worker (in this process), then 2
   workers (processes), then (``--ray``) Ray with 2 CPUs, every run from a fresh journal. It
   reports per setting the median wall time, the CPU time (this process plus the time workers
   spent in checks), the cores used (CPU / wall), the ratios 1 worker / 2 workers of wall
   time and of CPU time, and what the CPU times predict for a machine with two idle cores
   (Amdahl: the main process's reading of the graphs is serial). The load average at the start and end of each run is recorded: other
   work on the machine slows both settings, the 2-worker one more (it needs the second core).
2. Under load: ``--busy-runs`` runs with ``--busy-workers`` beside a busy core (a ``while True:
   pass`` process, killed at the end): every run must pass, with the same report every time
   (checks are bounded by Z3's rlimit, not wall time).

Every run's report must be byte-identical to the first (else the script exits 1). Writes
bench/results/verify.json atomically. No wall-time assertion: the numbers are reported.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nsp.graph.verify import Settings, verify_job  # noqa: E402
from nsp.records import write_atomic  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "verify.json"
PEANO = ROOT / "bench" / "results" / "explore-peano-120.graph.json"


def peano_graph() -> Path:
    if not PEANO.exists():
        PEANO.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "nsp.cli", "synth", "explore", str(ROOT / "data" / "axioms" / "peano.fol"),
                        "-o", str(PEANO), "--time-limit", "120", "--no-progress"], check=True, cwd=ROOT)
    return PEANO


def one_run(graph: Path, workers: int, ray: str | None, tmp: Path) -> dict:
    out = tmp / f"report-{workers}-{ray or 'local'}.json"
    load = os.getloadavg()[0]
    cpu0 = time.process_time()
    report, stats = verify_job(graph, Settings(), workers=workers, ray=ray, out=out, fresh=True)
    main_cpu = time.process_time() - cpu0
    inline = workers == 1 and not ray
    cpu = main_cpu if inline else main_cpu + stats.cpu_seconds  # workers: the time spent in checks
    data = out.read_bytes()
    return {"wall": stats.wall_seconds, "cpu": cpu, "plan": stats.plan_seconds, "passed": report.passed,
            "checks": stats.checks,
            "failures": len(report.failures), "report_sha256": hashlib.sha256(data).hexdigest(),
            "load_start": load, "load_end": os.getloadavg()[0]}


def summary(runs: list[dict]) -> dict:
    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    return {"runs": len(runs), "median_wall": round(wall, 2), "median_cpu": round(cpu, 2),
            "cores_used": round(cpu / wall, 2), "median_plan": round(statistics.median(r["plan"] for r in runs), 2),
            "walls": [round(r["wall"], 2) for r in runs],
            "loads": [[round(r["load_start"], 2), round(r["load_end"], 2)] for r in runs],
            "all_passed": all(r["passed"] for r in runs)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graph", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--busy-runs", type=int, default=5)
    ap.add_argument("--busy-workers", type=int, default=2)
    ap.add_argument("--ray", action="store_true", help="Also run on a local Ray instance (2 CPUs).")
    args = ap.parse_args()
    graph = args.graph or peano_graph()
    settings = [("1 worker", 1, None), ("2 workers", 2, None)] + ([("Ray, 2 CPUs", 2, "local")] if args.ray else [])
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in settings}
    reports: set[str] = set()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for i in range(args.runs):
            for name, workers, ray in settings:
                r = one_run(graph, workers, ray, tmp)
                runs[name].append(r)
                reports.add(r["report_sha256"])
                print(f"round {i + 1}: {name}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, load "
                      f"{r['load_start']:.1f}->{r['load_end']:.1f}, passed={r['passed']}", file=sys.stderr)
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy_runs else None
        busy_runs = []
        try:
            for i in range(args.busy_runs):
                r = one_run(graph, args.busy_workers, None, tmp)
                busy_runs.append(r)
                reports.add(r["report_sha256"])
                print(f"busy core, run {i + 1}: {r['wall']:.1f} s, passed={r['passed']}, "
                      f"{r['failures']} failure(s)", file=sys.stderr)
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
    table = {name: summary(rs) for name, rs in runs.items()}
    one, two = table["1 worker"], table["2 workers"]
    result = {
        "graph": str(graph), "checks": runs["1 worker"][0]["checks"], "python": platform.python_version(),
        "cpus": os.cpu_count(), "settings": table,
        "ratios": {
            "wall 1 worker / 2 workers": round(one["median_wall"] / two["median_wall"], 2),
            "CPU 2 workers / 1 worker": round(two["median_cpu"] / one["median_cpu"], 2),
            "cores used 2 workers / 1 worker": round(two["cores_used"] / one["cores_used"], 2),
            # Amdahl from CPU times, for a machine with 2 idle cores: the plan runs alone, the
            # 2 workers' CPU time (overhead included) splits evenly over the two cores
            "estimate for 2 idle cores": round(one["median_cpu"] / (one["median_plan"] + (two["median_cpu"] -
                                                                                           one["median_plan"]) / 2), 2),
        },
        "busy_core": {"workers": args.busy_workers, **summary(busy_runs),
                      "failures": [r["failures"] for r in busy_runs]} if busy_runs else None,
        "identical_reports": len(reports) == 1,
    }
    if "Ray, 2 CPUs" in table:
        result["ratios"]["wall 1 worker / Ray"] = round(one["median_wall"] / table["Ray, 2 CPUs"]["median_wall"], 2)
    write_atomic(RESULTS, json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    ok = len(reports) == 1 and all(r["passed"] for rs in runs.values() for r in rs) and all(r["passed"] for r in busy_runs)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
