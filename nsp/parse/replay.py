"""Replay files: the FOL samples a run translated, so a run can be re-scored without a model.

Format: JSONL, one line per problem::

    {"id": "1131", "samples": [["∀x (Dog(x) → Animal(x))", "Dog(rex)", "Animal(rex)"], ...]}

Each sample lists one formula string per premise and, last, the conclusion's (any syntax
``nsp.logic.syntax.parse`` reads; an unusable string is kept as the model wrote it). Optional keys:
``sources`` (per sentence, ``symbolic`` or ``model``), and anything else (ignored). A line is
matched to a problem by ``id``; a line without ``id`` is matched by its position (0-based line
number among non-blank lines). The per-problem output of ``nsp eval --out`` is itself a replay
file: its records carry ``id`` and ``samples``.
"""

from __future__ import annotations

import json
from pathlib import Path

from nsp.items import read_rows
from nsp.logic.problem import ProblemError


def read_replay(path: str | Path) -> tuple[dict[str, list[list[str]]], list[tuple[str | None, list[list[str]]]]]:
    """``(by_id, by_position)``; raises ProblemError naming the bad line."""
    path = Path(path)
    by_id: dict[str, list[list[str]]] = {}
    by_position: list[tuple[str | None, list[list[str]]]] = []
    for no, row, error in read_rows(path):
        if error:
            raise ProblemError(f"a replay line must be a JSON object: {error}", f"{path}:{no}")
        samples = row.get("samples")
        if not isinstance(samples, list) or not all(
            isinstance(s, list) and all(isinstance(f, str) for f in s) for s in samples
        ):
            raise ProblemError('"samples" must be a list of lists of formula strings', f"{path}:{no}")
        item_id = None if row.get("id") is None else str(row["id"])
        if item_id is not None:
            by_id[item_id] = samples
        by_position.append((item_id, samples))
    if not by_position:  # bad input, not a missing tool: a replay file stands in for the model
        raise ProblemError("no recorded samples: the replay file has no lines", str(path))
    return by_id, by_position


def replay_line(item_id: str, samples: list[list[str]], sources: list[str] | None = None) -> str:
    row = {"id": item_id, "samples": samples}
    if sources is not None:
        row["sources"] = sources
    return json.dumps(row, ensure_ascii=False) + "\n"
