"""Re-score the recorded replays in data/replay with the current pipeline (after a reader or
prover change), keeping the model's samples and the recorded run's timings.

For every ``data/replay/NAME.jsonl`` with a ``NAME.summary.json``: the FOLIO dev split is
re-run from the replay (K and the number of problems as recorded); each line's scoring fields
(prediction, votes, discards, errors, renames) and the summary's scoring keys are replaced,
``time`` and ``repaired_samples`` (redraws of the live run) per line and the run's timing/backend keys are kept, and ``rescored`` records the date.
Both files are written atomically. Prints what changed.

    python bench/rescore_replays.py [NAME ...]
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nsp.parse.pipeline import evaluate_pipeline  # noqa: E402
from nsp.parse.translate import Settings  # noqa: E402
from nsp.records import write_atomic  # noqa: E402

REPLAYS = ROOT / "data" / "replay"
FOLIO = ROOT.parent / "shared" / "data" / "folio" / "folio-train.jsonl"
SCORING = ("n", "accuracy", "correct", "per_label", "confusion", "errors", "error_items", "error_rate", "discarded",
           "vote")
KEEP_PER_LINE = ("time", "samples", "repaired_samples")  # facts of the live run (redraws do not replay)


def rescore(name: str) -> str:
    path, summary_path = REPLAYS / f"{name}.jsonl", REPLAYS / f"{name}.summary.json"
    rows = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    old = json.loads(summary_path.read_text(encoding="utf-8"))
    k = old.get("samples_per_problem") or max(len(r["samples"]) for r in rows)
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "o.jsonl"
        new = evaluate_pipeline(FOLIO, Settings(samples=k), split="dev", limit=len(rows), replay=path, out=out,
                                progress=False)
        got = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines() if l.strip()]
    assert [g["id"] for g in got] == [r["id"] for r in rows], f"{name}: problems out of order"
    lines = []
    for r, g in zip(rows, got):
        merged = {**g, **{key: r[key] for key in KEEP_PER_LINE if key in r}}
        lines.append(json.dumps(merged, ensure_ascii=False) + "\n")
    summary = {**old, **{key: new[key] for key in SCORING}, "rescored": datetime.date.today().isoformat()}
    before = old.get("vote", "evidence")  # summaries older than the vote key were scored with evidence
    if before != new["vote"]:
        summary["vote_before_rescore"] = before
        summary["accuracy_before_rescore"] = old["accuracy"]
    write_atomic(path, "".join(lines))
    write_atomic(summary_path, json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    changed = sum(r.get("predicted") != g.get("predicted") for r, g in zip(rows, got))
    return (f"{name}: accuracy {old['accuracy']} -> {new['accuracy']}, errors {old['errors']} -> {new['errors']}, "
            f"{changed} predictions changed")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="replay names (default: every replay with a summary)")
    a = ap.parse_args()
    names = a.names or sorted(p.name[: -len(".summary.json")] for p in REPLAYS.glob("*.summary.json"))
    for name in names:
        print(rescore(name), flush=True)


if __name__ == "__main__":
    main()
