"""Resumable batch mutation: ``nsp synth mutate IN.jsonl -o OUT.jsonl``.

Input (JSONL, one object a line), two shapes, mixed freely:

- FOLIO rows (``premises-FOL``; ``conclusion-FOL`` if any): rows are grouped by ``story_id``
  into one item ``folio-story-<id>`` whose theorems are built by :mod:`synth.theorems`;
- nsp theorems ``{"id", "premises": [...], "conclusion": "..."}``: one item each (``id``
  defaults to ``line-<n>``); an input Z3 does not prove is reported as an error.

Files: ``OUT`` (one record per mutant, see :mod:`synth.item`), ``OUT.errors.jsonl`` (one line
per problem: bad line, bad formula, not a theorem, crashed worker), ``OUT.stats.json`` (counts
and timings), and the journal ``OUT.journal``.

Crash safety. Workers never write files; the main process appends one line per finished item
to the journal with a single ``write`` followed by ``fsync``. Its first line holds the job's
parameters (and the input's SHA-256): a rerun with other parameters is refused. On start, a
torn last line (no newline: the process died mid-write) is cut off; items whose id is in the
journal are done and are not run again. When every item is done, ``OUT`` and the errors file
are rebuilt from the journal in input order (duplicate mutants across items dropped: the
first wins) and replace the old files atomically (``os.replace``). So ``kill -9`` at any
moment, then the same command again, gives exactly the output of an uninterrupted run, and
the same seed always gives the same bytes, with any number of workers.

Execution: :mod:`nsp.workers` (shared with ``nsp synth search`` and ``nsp graph verify``):
local processes (``concurrent.futures`` with the forkserver start method) by default; ``ray``
runs the same function as Ray tasks (``"local"`` starts a Ray instance in this process unless
one is already initialised; anything else is passed to ``ray.init(address=)``, e.g. ``auto``).
A worker process that dies takes its in-flight items with it: they run again, each alone, and
an item that kills a worker by itself is reported as an error.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nsp.errors import BadInput
from nsp.items import formula_fields, read_rows
from nsp.records import Journal, side_paths, write_atomic
from nsp.workers import JobError, MissingDependency, run_file_job  # noqa: F401 - MissingDependency: for callers
from synth.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT

JOURNAL_FORMAT = "nsp-synth-mutate/1"


@dataclass(frozen=True)
class JobParams:
    per_theorem: int = 5
    seed: int = 0
    rlimit: int = DEFAULT_RLIMIT
    timeout: float = DEFAULT_TIMEOUT
    max_literals: int = 8
    limit: int | None = None  # only the first N items


@dataclass
class JobResult:
    items: int = 0
    items_run: int = 0  # items processed by this invocation (the rest came from the journal)
    theorems: int = 0
    candidates: int = 0
    tried: int = 0
    kept: int = 0
    mutants: int = 0  # records written (kept, minus duplicates across items)
    duplicates_across_items: int = 0
    rejected: dict = field(default_factory=dict)
    errors: int = 0
    bad_input: int = 0  # input lines that are not items (in the errors file too)
    wall_seconds: float = 0.0
    item_seconds: float = 0.0  # sum over items of the wall time a worker spent on them
    item_cpu_seconds: float = 0.0  # ... and of the CPU time it used (robust to a loaded machine)

    def to_json(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- input


def read_items(path: Path) -> tuple[list[dict], list[dict]]:
    """Items in input order (the one item reader, :mod:`nsp.items`), and errors for lines that are not items."""
    items: dict[str, dict] = {}
    errors: list[dict] = []
    try:
        lines = list(read_rows(path))
    except BadInput as e:
        raise JobError(str(e)) from None
    for no, obj, error in lines:
        if error:
            errors.append({"id": f"line-{no}", "kind": "bad-input", "error": error})
            continue
        problem = formula_fields(obj, "premises-FOL", None) if "premises-FOL" in obj else \
            formula_fields(obj) if "premises" in obj and "conclusion" in obj else None
        if problem:
            errors.append({"id": f"line-{no}", "kind": "bad-input", "error": problem})
            continue
        if "premises-FOL" in obj:
            sid = obj.get("story_id", obj.get("example_id", f"line{no}"))
            item_id = f"folio-story-{sid}"
            item = items.setdefault(item_id, {
                "id": item_id, "kind": "folio", "syntax": "folio",
                "premises": obj["premises-FOL"], "conclusions": [],
            })
            conc = obj.get("conclusion-FOL")
            if isinstance(conc, str) and conc not in item["conclusions"]:
                item["conclusions"].append(conc)
        elif "premises" in obj and "conclusion" in obj:
            item_id = str(obj.get("id", f"line-{no}"))
            if item_id in items:
                errors.append({"id": f"line-{no}", "kind": "bad-input", "error": f"duplicate id {item_id!r}"})
                continue
            items[item_id] = {
                "id": item_id, "kind": "theorem", "syntax": obj.get("syntax", "auto"),
                "premises": obj["premises"], "conclusions": [obj["conclusion"]],
            }
        else:
            errors.append({"id": f"line-{no}", "kind": "bad-input",
                           "error": 'expected "premises-FOL" (FOLIO) or "premises" and "conclusion"'})
    return list(items.values()), errors


# ---------------------------------------------------------------- the worker side


def process_item(item: dict, params: dict) -> dict:
    """Run one item in a worker; never raises (a failure becomes an error entry)."""
    from synth.item import run_item
    from synth.theorems import Budget

    try:
        budget = Budget(params["rlimit"], params["timeout"])
        return run_item(item, params["per_theorem"], params["seed"], budget, params["max_literals"])
    except Exception as e:  # noqa: BLE001 - reported per item, the job goes on
        return {"id": item["id"], "records": [], "stats": {},
                "errors": [{"id": item["id"], "kind": "internal", "error": f"{type(e).__name__}: {e}"}]}


# ---------------------------------------------------------------- journal


def _dump(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


# ---------------------------------------------------------------- the job


def run_job(
    in_path: str | Path,
    out_path: str | Path,
    params: JobParams = JobParams(),
    workers: int = 1,
    ray: str | None = None,
    progress: bool = True,
    fresh: bool = False,
) -> JobResult:
    """Run (or resume) the job; see the module docstring. Raises :class:`JobError`."""
    start = time.monotonic()
    in_path, out_path = Path(in_path), Path(out_path)
    paths = side_paths(out_path)
    made = 0

    def describe(entry: dict) -> str:
        nonlocal made
        made += len(entry.get("records", ()))
        return f"items, {made} new mutants"

    def assemble(items: list[dict], read_errors: list[dict], journal: Journal, ran: int) -> JobResult:
        result = JobResult(items=len(items), items_run=ran)
        _assemble(items, read_errors, journal, out_path, paths, result)
        return result

    result = run_file_job(in_path, out_path, paths, JOURNAL_FORMAT, asdict(params), read_items, params.limit,
                          process_item, describe, assemble, workers=workers, ray=ray, fresh=fresh,
                          progress=progress, verb="mutate", unit="items")
    result.wall_seconds = time.monotonic() - start
    write_atomic(paths["stats"], [_dump({**result.to_json(), "workers": workers, "ray": ray})])
    return result


def _assemble(items, read_errors, journal: Journal, out_path: Path, paths: dict, result: JobResult) -> None:
    records, errors, seen = [], list(read_errors), set()
    rejected: dict[str, int] = {}
    for item in items:
        entry = journal.entries[item["id"]]
        errors.extend(entry.get("errors", ()))
        st = entry.get("stats", {})
        result.theorems += st.get("theorems", 0)
        result.candidates += st.get("candidates", 0)
        result.tried += st.get("tried", 0)
        result.kept += st.get("kept", 0)
        result.item_seconds += st.get("seconds", 0.0)
        result.item_cpu_seconds += st.get("cpu_seconds", 0.0)
        for k, v in st.get("rejected", {}).items():
            rejected[k] = rejected.get(k, 0) + v
        for rec in entry.get("records", ()):
            if rec["mutant_id"] in seen:
                result.duplicates_across_items += 1
                continue
            seen.add(rec["mutant_id"])
            records.append(rec)
    result.rejected = dict(sorted(rejected.items()))
    result.mutants = len(records)
    result.errors = len(errors)
    result.bad_input = len(read_errors)
    write_atomic(out_path, (_dump(r) for r in records))
    write_atomic(paths["errors"], (_dump(e) for e in errors))
