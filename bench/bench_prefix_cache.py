"""Benchmark: K samples of one whole-problem prompt with its key/value cache shared, against the
plain K-row generation, same prompts, one run.

    python bench/bench_prefix_cache.py [--problems 4] [--samples 10] [--runs 3] [--tokens 200] [--model NAME]

The prompts are whole-problem prompts (:func:`nsp.parse.whole.problem_prompt`) of the first N
FOLIO dev-split problems, for the default translator (or ``--model``). Each run does every prompt
both ways, alternating which goes first (ABAB); sampling at temperature 0.7 with the same seed.
The samples are the same both ways in float32; in bfloat16 (the default translator) the prompt run
at batch 1 rounds differently from the same prompt in a batch of K, which can change a sampled
token, so the script counts the problems whose K samples are identical both ways. Reports medians over runs:
seconds per problem, new tokens per second (all K rows), and the plain/shared time ratio. Writes
bench/results/prefix-cache.json atomically. Never asserts a time.
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

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nsp.parse.backends import TransformersBackend  # noqa: E402
from nsp.parse.pipeline import read_dataset  # noqa: E402
from nsp.parse.whole import problem_prompt  # noqa: E402
from nsp.records import write_atomic  # noqa: E402

FOLIO = ROOT.parent / "shared" / "data" / "folio" / "folio-train.jsonl"
RESULTS = ROOT / "bench" / "results" / "prefix-cache.json"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=4)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--model", default=None)
    a = ap.parse_args()
    gen = TransformersBackend(a.model)
    shared = gen._generate_shared

    def plain(enc, n, kwargs):
        return gen.model.generate(**enc, **kwargs)

    items = read_dataset(FOLIO, "dev")[: a.problems]
    prompts = [problem_prompt(i.premises, i.conclusion) for i in items]
    times: dict[str, list[float]] = {"shared": [], "plain": []}
    tokens: dict[str, list[int]] = {"shared": [], "plain": []}
    same = 0
    for run in range(a.runs):
        order = ["shared", "plain"] if run % 2 == 0 else ["plain", "shared"]
        for p in prompts:
            outs = {}
            for way in order:
                gen._generate_shared = shared if way == "shared" else plain
                t = time.perf_counter()
                outs[way] = gen.generate([p], n=a.samples, temperature=0.7, seed=run, max_new_tokens=a.tokens,
                                         stop=("\n\n",))[0]
                times[way].append(time.perf_counter() - t)
                tokens[way].append(sum(len(gen.tokenizer(o, add_special_tokens=False)["input_ids"]) for o in outs[way]))
            same += outs["shared"] == outs["plain"]
            print(f"run {run + 1}: " + ", ".join(f"{w} {times[w][-1]:.1f} s" for w in order), file=sys.stderr)
    gen._generate_shared = shared
    med = {w: statistics.median(times[w]) for w in times}
    tps = {w: statistics.median(k / s for k, s in zip(tokens[w], times[w])) for w in times}
    result = {
        "command": " ".join(["python", "bench/bench_prefix_cache.py", *sys.argv[1:]]),
        "model": gen.name, "problems": len(prompts), "samples": a.samples, "max_new_tokens": a.tokens, "runs": a.runs,
        "prompt_tokens": [len(gen.tokenizer(p)["input_ids"]) for p in prompts],
        "seconds_per_problem": {w: round(v, 2) for w, v in med.items()},
        "new_tokens_per_second": {w: round(v, 1) for w, v in tps.items()},
        "ratio plain/shared": round(med["plain"] / med["shared"], 2),
        "identical_samples": f"{same} of {len(prompts) * a.runs} problem runs",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "threads": gen.torch.get_num_threads(),
                    "load_end": [round(x, 2) for x in os.getloadavg()]},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(RESULTS, json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
