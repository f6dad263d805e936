"""Benchmark: the symbolic controlled-English parser (no model) on ProofWriter, PrOntoQA and FOLIO.

    python bench/bench_english.py [--timeout T] [--limit N] [--no-train]

1. Coverage: every sentence (premises and conclusions) of ProofWriter dev + train and PrOntoQA
   dev-part, parsed problem by problem with a cold cache; unparsed count and parse time.
2. Accuracy, symbolic only (parse + Z3, no model), under both semantics of
   :mod:`nsp.parse.logiclm` (``literal``: ProofWriter's forward-chaining reading; ``classical``: FOL),
   on ProofWriter dev (600) and PrOntoQA dev-part (150); seconds per problem.
3. FOLIO train: share of distinct sentences parsed, and the accuracy (classical) on the problems
   whose every sentence parses.
The load average at start and end goes into the JSON: other work on the machine inflates times.
Writes bench/results/english.json (atomically) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nsp.eval.datasets import normalise_label  # noqa: E402
from nsp.parse.english import _parse_cached, parse_sentences  # noqa: E402
from nsp.parse.logiclm import evaluate_symbolic, read_logiclm_json  # noqa: E402
from provers.z3_bridge import decide  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "english.json"


def coverage(paths: list[Path], limit: int | None) -> dict:
    _parse_cached.cache_clear()
    n = unparsed = 0
    examples = []
    start = time.monotonic()
    for path in paths:
        for item in read_logiclm_json(path)[:limit]:
            for p in parse_sentences(item.premises + [item.conclusion]):
                n += 1
                if p.formula is None:
                    unparsed += 1
                    if len(examples) < 20:
                        examples.append({"sentence": p.sentence, "reason": p.reason})
    seconds = time.monotonic() - start
    return {
        "datasets": [str(p.relative_to(DATA)) for p in paths], "sentences": n, "unparsed": unparsed,
        "parsed_share": round((n - unparsed) / n, 6) if n else None, "seconds": round(seconds, 3),
        "ms_per_sentence_cold_cache": round(1000 * seconds / n, 4) if n else None, "unparsed_examples": examples,
    }


def accuracy(path: Path, semantics: str, timeout: float, limit: int | None) -> dict:
    items = read_logiclm_json(path)[:limit]
    s = evaluate_symbolic(items, timeout=timeout, semantics=semantics)
    keep = ("n", "accuracy", "correct", "per_label", "confusion", "errors", "error_rate", "seconds",
            "seconds_per_problem", "unparsed_sentences", "wrong_items", "semantics")
    return {k: s[k] for k in keep}


def folio(timeout: float, limit: int | None) -> dict:
    rows = [json.loads(line) for line in (DATA / "folio" / "folio-train.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()][:limit]
    seen: dict[str, bool] = {}
    decided = right = 0
    wrong = []
    for row in rows:
        sents = [s.strip() for s in row["premises"] if s.strip()] + [row["conclusion"].strip()]
        parses = parse_sentences(sents)
        for p in parses:
            seen.setdefault(p.sentence, p.formula is not None)
        if any(p.formula is None for p in parses):
            continue
        formulas = [p.formula for p in parses]
        v = decide(formulas[:-1], formulas[-1], timeout, explain=False)
        decided += 1
        gold = normalise_label(row["label"])
        if v.outcome.value == gold:
            right += 1
        else:
            wrong.append({"id": row["example_id"], "gold": gold, "predicted": v.outcome.value})
    parsed = sum(seen.values())
    return {
        "distinct_sentences": len(seen), "parsed": parsed, "parsed_share": round(parsed / len(seen), 4),
        "problems": len(rows), "problems_fully_parsed": decided,
        "accuracy_on_fully_parsed": round(right / decided, 4) if decided else None, "wrong_items": wrong,
    }


def write_atomically(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=10.0, help="Z3 seconds per problem")
    ap.add_argument("--limit", type=int, default=None, help="first N problems of each dataset (quick runs)")
    ap.add_argument("--no-train", action="store_true", help="skip ProofWriter train in the coverage pass")
    args = ap.parse_args()
    console = Console(width=120)
    out: dict = {"load_average_start": os.getloadavg(), "timeout": args.timeout, "limit": args.limit}
    pw_dev, pw_train, pronto = (DATA / "proofwriter" / "dev.json", DATA / "proofwriter" / "train.json",
                                DATA / "prontoqa" / "dev-part.json")
    paths = [pw_dev, pronto] + ([] if args.no_train else [pw_train])
    console.print("coverage ...")
    out["coverage"] = coverage(paths, args.limit)
    out["accuracy"] = {}
    for name, path in (("proofwriter_dev", pw_dev), ("prontoqa_dev_part", pronto)):
        for semantics in ("literal", "classical"):
            console.print(f"{name} / {semantics} ...")
            out["accuracy"][f"{name}/{semantics}"] = accuracy(path, semantics, args.timeout, args.limit)
    console.print("folio ...")
    out["folio"] = folio(args.timeout, args.limit)
    out["load_average_end"] = os.getloadavg()
    write_atomically(RESULTS, out)

    cov = out["coverage"]
    console.print(f"coverage: {cov['sentences']} sentences, {cov['unparsed']} unparsed "
                  f"({cov['ms_per_sentence_cold_cache']} ms/sentence, cold cache)")
    table = Table(title="symbolic only: parse + Z3")
    for col in ("dataset / semantics", "n", "accuracy", "errors", "s/problem (mean)", "s/problem (median)"):
        table.add_column(col, justify="left" if col.startswith("dataset") else "right")
    for key, s in out["accuracy"].items():
        sp = s["seconds_per_problem"]
        table.add_row(key, str(s["n"]), f"{s['accuracy']:.4f}", str(s["errors"]), f"{sp['mean']:.3f}",
                      f"{sp['median']:.3f}")
    console.print(table)
    fo = out["folio"]
    console.print(f"FOLIO: {fo['parsed']}/{fo['distinct_sentences']} distinct sentences parsed "
                  f"({fo['parsed_share']:.1%}); {fo['problems_fully_parsed']}/{fo['problems']} problems fully "
                  f"parsed, accuracy on those {fo['accuracy_on_fully_parsed']}")
    console.print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
