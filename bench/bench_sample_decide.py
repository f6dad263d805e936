"""Benchmark: deciding the recorded samples of a replay, the way ``nsp.parse.sample`` decides them
now (a verdict alone from the prover's per-thread solver; a core only for an inconsistent sample)
beside the baseline it replaced (``decide(cores=True)`` for every sample: a fresh Z3 session and a
minimised core each time), in one run.

    python bench/bench_sample_decide.py [--replay FILE] [--runs N]

Each sample of the replay (default: the default translator's K=10 dev run) is read once; each run
then decides every readable sample with both settings, alternating which goes first. Reports the
median seconds of each, their ratio and the load average; exits 1 if the two settings give any
sample a different outcome. Writes bench/results/sample_decide.json atomically. No wall-time assertion.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nsp.parse.pipeline import read_dataset  # noqa: E402
from nsp.parse.sample import _decide, read_sample  # noqa: E402
from nsp.records import write_atomic  # noqa: E402
from provers.z3_bridge import decide  # noqa: E402

FOLIO = ROOT.parent / "shared" / "data" / "folio" / "folio-train.jsonl"
REPLAY = ROOT / "data" / "replay" / "folio-dev-k10-qwen05-whole-step100.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replay", type=Path, default=REPLAY)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    items = {str(it.id): it for it in read_dataset(FOLIO)}
    problems = []
    for line in a.replay.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        it = items[str(rec["id"])]
        for i, fol in enumerate(rec["samples"]):  # a record keeps one sources row when all samples share it
            r = read_sample(fol, rec["sources"][min(i, len(rec["sources"]) - 1)], it.premises, it.conclusion)
            if r.problem is not None:
                problems.append(r.problem)
    settings = {
        "baseline: decide(cores=True) per sample": lambda p: decide(p.premises, p.conclusion, 10.0, explain=False, cores=True),
        "now: nsp.parse.sample._decide": lambda p: _decide(p, 10.0, "classical", False),
    }
    times: dict[str, list[float]] = {k: [] for k in settings}
    outcomes: dict[str, list] = {}
    loads = []
    for run in range(a.runs):
        loads.append(os.getloadavg()[0])
        for name in (list(settings) if run % 2 == 0 else list(settings)[::-1]):
            t = time.perf_counter()
            got = [settings[name](p).outcome.value for p in problems]
            times[name].append(time.perf_counter() - t)
            if outcomes.setdefault(name, got) != got:
                sys.exit(f"{name}: outcomes changed between runs")
    base, now = (statistics.median(v) for v in times.values())
    same = len(set(map(tuple, outcomes.values()))) == 1
    result = {"replay": str(a.replay.relative_to(ROOT) if a.replay.is_relative_to(ROOT) else a.replay),
              "samples_decided": len(problems), "runs": a.runs, "python": platform.python_version(),
              "median_seconds": {k: round(statistics.median(v), 4) for k, v in times.items()},
              "ms_per_sample": {k: round(1000 * statistics.median(v) / max(1, len(problems)), 3) for k, v in times.items()},
              "ratio_baseline_over_now": round(base / now, 2), "same_outcomes": same,
              "load_average_at_run_starts": [round(x, 2) for x in loads]}
    out = ROOT / "bench" / "results" / "sample_decide.json"
    write_atomic(out, json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
