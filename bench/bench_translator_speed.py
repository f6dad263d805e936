"""Benchmark: the default translator's load and K=1 decoding, per choice, side by side in one run.

    python bench/bench_translator_speed.py [--problems 4] [--runs 3]

Choices, each run in its own process (so each one's peak memory is its own), in alternating order
over runs (ABCD, DCBA, ...), medians over runs:

- ``bfloat16`` (the default): Qwen2.5-Coder-0.5B-Instruct with the shipped adapter merged in,
  in bfloat16, read from the cache where the first load left it (``TransformersBackend()``).
- ``float32``: the same in float32 (``TransformersBackend(dtype="float32")``).
- ``merge``: bfloat16, the base read from its converted safetensors copy and the adapter merged by
  peft at every load (what every load did before the merged copy was cached). Load only: its
  weights are the ``bfloat16`` choice's, so it decodes alike.
- ``gguf``: the base read straight from its GGUF file each time (transformers' GGUF loader
  dequantizes to float32), the adapter merged in: what every load cost before the one-time
  conversion. Load only: its weights are the ``float32`` choice's, so it decodes alike.

Before the timed runs, one untimed load of each cached choice fills the cache.

Decoding is what ``nsp eval``/``nsp check`` do at K=1 for a problem no sentence of which the
symbolic parser reads: one greedy whole-problem block (the first N FOLIO dev-split problems, the
pipeline's token budget and line cap). Reports per choice: load seconds, seconds per problem,
new tokens per second, peak resident memory (MB); and the ratios against the default. Writes
bench/results/translator-speed.json atomically. Never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FOLIO = ROOT.parent / "shared" / "data" / "folio" / "folio-train.jsonl"
RESULTS = ROOT / "bench" / "results" / "translator-speed.json"
CHOICES = ("bfloat16", "float32", "merge", "gguf")
LOAD_ONLY = ("merge", "gguf")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _load(choice: str):
    from nsp.parse.backends import SHIPPED_ADAPTER, TransformersBackend, merge_adapter

    if choice not in LOAD_ONLY:
        return TransformersBackend(None, dtype=choice)
    import torch
    from transformers import AutoModelForCausalLM

    from nsp.parse.models import model_gguf, resolve_name

    if choice == "merge":
        return merge_adapter(SHIPPED_ADAPTER, lambda: AutoModelForCausalLM.from_pretrained(
            resolve_name("qwen-coder-0.5b"), dtype=torch.bfloat16))
    gguf = model_gguf("qwen-coder-0.5b")
    return merge_adapter(SHIPPED_ADAPTER, lambda: AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32))


def child(choice: str, problems: int) -> dict:
    """One choice in this process: load, then (not for a load-only choice) decode the problems."""
    from nsp.parse.pipeline import read_dataset
    from nsp.parse.translate import WHOLE_TOKEN_CAP, Settings
    from nsp.parse.whole import problem_prompt

    t = time.perf_counter()
    gen = _load(choice)
    out = {"load_seconds": time.perf_counter() - t}
    if choice not in LOAD_ONLY:
        s = Settings()
        seconds, tokens = [], []
        for item in read_dataset(FOLIO, "dev")[:problems]:
            budget = min(s.max_new_tokens * (len(item.premises) + 1), WHOLE_TOKEN_CAP)
            t = time.perf_counter()
            text = gen.generate([problem_prompt(item.premises, item.conclusion)], 1, 0.0, s.seed, budget,
                                ("\n\n",), s.max_new_tokens)[0][0]
            seconds.append(time.perf_counter() - t)
            tokens.append(len(gen.tokenizer(text, add_special_tokens=False)["input_ids"]))
        out.update(seconds=seconds, tokens=tokens, threads=gen.torch.get_num_threads())
    out["peak_mb"] = _peak_mb()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", choices=CHOICES, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.problems)))
        return 0
    for choice in CHOICES:
        if choice not in LOAD_ONLY:  # fill the cache: the timed runs measure the loads users see
            subprocess.run([sys.executable, __file__, "--child", choice, "--problems", "0"], capture_output=True,
                           check=True)
    got: dict[str, list[dict]] = {c: [] for c in CHOICES}
    for run in range(a.runs):
        for choice in CHOICES if run % 2 == 0 else CHOICES[::-1]:
            p = subprocess.run([sys.executable, __file__, "--child", choice, "--problems", str(a.problems)],
                               capture_output=True, text=True)
            if p.returncode:
                print(p.stderr, file=sys.stderr)
                return 1
            got[choice].append(json.loads(p.stdout.strip().splitlines()[-1]))
            r = got[choice][-1]
            print(f"run {run + 1} {choice}: load {r['load_seconds']:.1f} s"
                  + (f", decode {sum(r['seconds']):.1f} s for {sum(r['tokens'])} tokens" if "seconds" in r else ""),
                  file=sys.stderr)
    med = statistics.median
    table = {}
    for c, rs in got.items():
        row = {"load_seconds": round(med(r["load_seconds"] for r in rs), 1),
               "peak_mb": round(med(r["peak_mb"] for r in rs))}
        if "seconds" in rs[0]:
            per = [x for r in rs for x in r["seconds"]]
            row["seconds_per_problem"] = round(med(per), 2)
            row["new_tokens_per_second"] = round(med(sum(r["tokens"]) / sum(r["seconds"]) for r in rs), 1)
            row["new_tokens_per_problem"] = round(med(x for r in rs for x in r["tokens"]))
        table[c] = row
    base = table["bfloat16"]
    ratios = {c: {k: round(v / base[k], 2) for k, v in row.items() if k in base and base[k]}
              for c, row in table.items() if c != "bfloat16"}
    result = {
        "command": " ".join(["python", "bench/bench_translator_speed.py", *sys.argv[1:]]),
        "problems": a.problems, "runs": a.runs, "medians": table, "ratios_to_bfloat16": ratios,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "threads": got["bfloat16"][0].get("threads"), "load_end": [round(x, 2) for x in os.getloadavg()]},
    }
    from nsp.records import write_atomic

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(RESULTS, json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
