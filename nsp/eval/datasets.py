"""Reading evaluation datasets into uniform items.

FOLIO JSONL: one object per line with ``premises-FOL`` (list of formula strings), optional
``conclusion-FOL``, ``label`` (True / False / Uncertain; ``Unknown`` means Uncertain), and
``example_id`` (else the line number is the id). Empty premise strings are dropped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from nsp.files import read_text
from nsp.items import UniqueIds, rows

LABELS = {"true": "True", "false": "False", "uncertain": "Uncertain", "unknown": "Uncertain"}


@dataclass(frozen=True)
class GoldItem:
    id: str
    premises: tuple[str, ...]
    conclusion: str | None
    label: str | None
    story: str | None
    dropped_empty: int = 0
    error: str = ""


def normalise_label(label) -> str | None:
    if label is None:
        return None
    return LABELS.get(str(label).strip().lower(), str(label))


def field_error(row: dict, where: str, premises_key: str, conclusion_key: str, conclusion_required: bool) -> str:
    """What is wrong with an item's fields (``""`` when nothing): a premises list of strings, a
    string conclusion (or none where allowed), and a label that is True, False or Uncertain/Unknown."""
    prem = row.get(premises_key)
    if not isinstance(prem, list):
        return f"{where}: no {premises_key} list"
    bad = next((i for i, p in enumerate(prem) if not isinstance(p, str)), None)
    if bad is not None:
        return f"{where}: {premises_key}[{bad}] is {type(prem[bad]).__name__}, not a string"
    conc = row.get(conclusion_key)
    if (conclusion_required or conclusion_key in row) and not isinstance(conc, str):
        return f"{where}: {conclusion_key} is {type(conc).__name__ if conc is not None else 'missing'}, not a string"
    label = row.get("label")
    if not isinstance(label, str) or label.strip().lower() not in LABELS:
        shown = "missing" if "label" not in row else repr(label)
        return f"{where}: label {shown} is not True, False or Uncertain (Unknown)"
    return ""


def jsonl_rows(text: str, path) -> Iterator[tuple[int, dict | None, str]]:
    """``(line number, object, "")`` per non-blank line (:func:`nsp.items.rows`), or ``(line number,
    None, "PATH:LINE: why")`` when the line is not a JSON object."""
    for no, obj, error in rows(text):
        yield no, obj, f"{path}:{no}: {error}" if error else ""


def read_folio_jsonl(path: str | Path) -> Iterator[GoldItem]:
    """Items of a FOLIO JSONL file; a malformed line yields an item with ``error`` set; a repeated
    id raises :class:`nsp.errors.BadInput`."""
    path = Path(path)
    text = read_text(path)
    ids = UniqueIds(path)
    for no, row, error in jsonl_rows(text, path):
        if error:
            yield GoldItem(f"line{no}", (), None, None, None, error=error)
            continue
        item_id = str(row.get("example_id", row.get("id", f"line{no}")))
        ids.check(item_id, f"line {no}")
        prem = row.get("premises-FOL")
        problem = field_error(row, f"{path}:{no}", "premises-FOL", "conclusion-FOL", conclusion_required=False)
        if problem:
            yield GoldItem(item_id, (), None, normalise_label(row.get("label")), None, error=problem)
            continue
        kept = tuple(p for p in prem if p.strip())
        conc = row.get("conclusion-FOL")
        yield GoldItem(
            item_id, kept, conc if conc is not None and conc.strip() else None,
            normalise_label(row.get("label")),
            str(row["story_id"]) if "story_id" in row else None,
            dropped_empty=len(prem) - len(kept),
        )
