"""``nsp eval --gold-fol``: decide every item from its gold FOL and score against the label.

Items without ``conclusion-FOL`` are skipped (counted), but their premises are still checked for
consistency once per distinct premise set, so contradictory stories are reported.
Per-item output records: id, gold, predicted, time, repairs, error (and skipped, premises).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path

from nsp.eval.datasets import GoldItem, read_folio_jsonl
from nsp.logic.problem import ProblemError, problem_from_texts
from nsp.records import file_sha256, run_resumable
from provers.z3_bridge import consistent, decide

OUTCOMES = ("True", "False", "Uncertain", "Inconsistent", "Unknown")


def evaluate_item(item: GoldItem, timeout: float, premise_cache: dict) -> dict:
    """One output record for one item (never raises on bad data)."""
    start = time.monotonic()
    rec = {"id": item.id, "gold": item.label, "predicted": None, "repairs": [], "error": item.error,
           "bad_item": bool(item.error)}
    if item.story is not None:
        rec["story"] = item.story
    if item.error:
        rec["time"] = 0.0
        return rec
    try:
        problem = problem_from_texts(item.premises, item.conclusion, syntax="folio", repair_clashes=True)
    except ProblemError as e:
        rec["error"] = str(e)
        rec["time"] = round(time.monotonic() - start, 6)
        return rec
    rec["repairs"] = [f"{where}: {r}" for where, r in problem.repairs]
    rec["repair_kinds"] = [r.kind for _, r in problem.repairs]
    if item.conclusion is None:
        key = "\n".join(item.premises)
        if key not in premise_cache:
            premise_cache[key] = consistent(problem.premises, timeout)
        v = premise_cache[key]
        rec["skipped"] = "no conclusion-FOL"
        rec["premises"] = v.outcome.value if v.outcome.value != "Uncertain" else "Consistent"
        if v.used is not None:
            rec["inconsistent_core"] = list(v.used)
    else:
        v = decide(problem.premises, problem.conclusion, timeout, explain=False)
        rec["predicted"] = v.outcome.value
        if v.reason:
            rec["reason"] = v.reason
    rec["time"] = round(time.monotonic() - start, 6)
    return rec


def evaluate_gold(
    path: str | Path,
    limit: int | None = None,
    timeout: float = 10.0,
    out: str | Path | None = None,
    progress: bool = True,
    fresh: bool = False,
) -> dict:
    """Run the whole evaluation; returns the summary (see :func:`summarise`)."""
    items = list(read_folio_jsonl(path))
    if limit is not None:
        items = items[:limit]
    cache: dict = {}
    start = time.monotonic()
    header = {"job": "eval --gold-fol", "input_sha256": file_sha256(path), "timeout": timeout}
    records = run_resumable(items, lambda pos, item: evaluate_item(item, timeout, cache), out, progress,
                            "eval --gold-fol", header, fresh, inputs=[path])
    summary = summarise([records[i.id] for i in items if i.id in records])
    summary["seconds"] = round(time.monotonic() - start, 3)
    return summary


def summarise(records: list[dict]) -> dict:
    """Accuracy over the scored items (errors count as wrong), per label, confusion, repairs."""
    scored = [r for r in records if not r.get("skipped")]
    correct = sum(1 for r in scored if r["predicted"] is not None and r["predicted"] == r["gold"])
    per_label: dict[str, dict] = {}
    confusion: dict[str, Counter] = {}
    for r in scored:
        g = r["gold"] or "None"
        d = per_label.setdefault(g, {"n": 0, "correct": 0})
        d["n"] += 1
        d["correct"] += int(r["predicted"] == r["gold"] and r["predicted"] is not None)
        confusion.setdefault(g, Counter())[r["predicted"] or "error"] += 1
    for d in per_label.values():
        d["accuracy"] = round(d["correct"] / d["n"], 4) if d["n"] else None
    repair_kinds = Counter(k for r in records for k in r.get("repair_kinds", []))
    times = [r["time"] for r in records]
    skipped = [r for r in records if r.get("skipped")]
    inconsistent = sorted({r.get("story", r["id"]) for r in skipped if r.get("premises") == "Inconsistent"},
                          key=lambda s: (len(s), s))
    return {
        "n": len(scored),
        "accuracy": round(correct / len(scored), 4) if scored else None,
        "correct": correct,
        "per_label": per_label,
        "confusion": {g: dict(c) for g, c in confusion.items()},
        "errors": sum(1 for r in records if r.get("error")),
        "bad_items": sum(1 for r in records if r.get("bad_item")),  # the input's fault: exit code 4
        "error_items": [{"id": r["id"], "error": r["error"]} for r in records if r.get("error")][:50],
        "skipped": len(skipped),
        "skipped_reason": "no conclusion-FOL" if skipped else None,
        "premises_inconsistent": inconsistent,
        "repairs": sum(repair_kinds.values()),
        "repairs_by_kind": dict(sorted(repair_kinds.items())),
        "items_repaired": sum(1 for r in records if r.get("repairs")),
        "seconds_per_problem": {
            "mean": round(statistics.fmean(times), 6) if times else None,
            "median": round(statistics.median(times), 6) if times else None,
            "max": round(max(times), 6) if times else None,
        },
    }
