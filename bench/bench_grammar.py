"""Benchmark: grammar-constrained decoding against free decoding, same prompts, one run.

    python bench/bench_grammar.py [--sentences 40] [--runs 3] [--model embedded] [--samples 1]

The prompts are the few-shot translation prompts nsp builds (:mod:`nsp.parse.prompts`) for the
first N premise sentences of FOLIO train-split stories (the base model never saw them; the
examples never come from the sentence's own story). For each mode (free, grammar) and run
(interleaved) it records: the share of completions the strict FOLIO reader accepts, the share
the lenient reader accepts, and seconds per sentence; it reports medians over runs and the
grammar/free time ratio. Writes bench/results/grammar-kK.json atomically. Offline.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nsp.logic.syntax import FormulaSyntaxError, parse  # noqa: E402
from nsp.parse.backends import TransformersBackend  # noqa: E402
from nsp.parse.pipeline import read_dataset  # noqa: E402
from nsp.parse.prompts import default_retriever, translation_prompt  # noqa: E402
from nsp.records import write_atomic  # noqa: E402

FOLIO = ROOT.parent / "shared" / "data" / "folio" / "folio-train.jsonl"


def reads(text: str, strict: bool) -> bool:
    try:
        parse(text, "folio" if strict else "auto", strict=strict)
        return True
    except (FormulaSyntaxError, ValueError, RecursionError):
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=40)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--samples", type=int, default=1)
    ap.add_argument("--model", default="embedded")
    a = ap.parse_args()
    seen, todo = set(), []
    for item in read_dataset(FOLIO, "train"):
        for sentence in item.premises:
            if sentence not in seen and len(todo) < a.sentences:
                seen.add(sentence)
                todo.append((sentence, item.story))
    retriever = default_retriever()
    prompts = [translation_prompt(s, retriever.nearest(s, 6, exclude_story=story)) for s, story in todo]
    backends = {"free": TransformersBackend(a.model), "grammar": TransformersBackend(a.model, grammar=True)}
    temp = 0.0 if a.samples == 1 else 0.7
    runs: dict[str, list[dict]] = {m: [] for m in backends}
    for run in range(a.runs):
        for mode, backend in backends.items():
            start = time.perf_counter()
            outs = backend.generate(prompts, n=a.samples, temperature=temp, seed=run, max_new_tokens=80)
            seconds = time.perf_counter() - start
            texts = [t for row in outs for t in row]
            runs[mode].append({"seconds_per_sentence": seconds / len(prompts),
                               "strict": sum(reads(t, True) for t in texts) / len(texts),
                               "lenient": sum(reads(t, False) for t in texts) / len(texts)})
            print(f"run {run + 1} {mode}: {runs[mode][-1]}", flush=True)
    med = {m: {k: round(statistics.median(r[k] for r in rs), 4) for k in rs[0]} for m, rs in runs.items()}
    out = {"sentences": len(prompts), "samples": a.samples, "runs": a.runs, "model": backends["free"].name,
           "median": med, "time_ratio_grammar_over_free": round(
               med["grammar"]["seconds_per_sentence"] / med["free"]["seconds_per_sentence"], 3),
           "load": [round(x, 2) for x in os.getloadavg()], "command": " ".join(["python", *sys.argv])}
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    write_atomic(ROOT / "bench" / "results" / f"grammar-k{a.samples}.json", json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
