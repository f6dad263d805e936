"""Dataset files: the one reader of item files, JSONL (one JSON object a line) or one JSON document.

Every command that reads items (``nsp eval``, ``nsp synth mutate``, ``nsp synth search``)
reads them here: the file under the decoding policy and size bound of :mod:`nsp.files`, each line
through :func:`nsp.jsonio.loads` (too-deep nesting and lone surrogate escapes are invalid JSON).
A line that is not a JSON object is not an error of the file: it is reported as a bad item
(:class:`Row` ``error``) and the job goes on; what an item's fields mean is the caller's format.
Item ids must be unique within a file (:class:`UniqueIds`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, NamedTuple

from nsp import jsonio
from nsp.errors import BadInput
from nsp.files import read_text


class Row(NamedTuple):
    """One non-blank line: its number, the object (None when the line is not one) and why not."""

    no: int
    obj: dict | None
    error: str


def is_json_document(text: str) -> bool:
    """Whether the text is one JSON list (Logic-LM style) rather than JSONL."""
    return text.lstrip().startswith("[")


def rows(text: str) -> Iterator[Row]:
    """The :class:`Row` of each non-blank line of a JSONL text."""
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = jsonio.loads(line)
        except json.JSONDecodeError as e:
            yield Row(no, None, f"invalid JSON: {e.msg} (column {e.colno})")
            continue
        if not isinstance(obj, dict):
            yield Row(no, None, f"not a JSON object (a JSON {_kind(obj)})")
            continue
        yield Row(no, obj, "")


def read_rows(path: str | Path) -> Iterator[Row]:
    """:func:`rows` of a JSONL file (raises :class:`BadInput` when the file cannot be read)."""
    return rows(read_text(path))


def read_document(path: str | Path, text: str | None = None):
    """The one JSON value of a file (``text``: its text, when already read); invalid JSON is a
    :class:`BadInput` at its line and column."""
    if text is None:
        text = read_text(path)
    try:
        return jsonio.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"invalid JSON: {e.msg}", f"{path}:{e.lineno}:{e.colno}") from None


def formula_fields(obj: dict, premises: str = "premises", conclusion: str | None = "conclusion") -> str | None:
    """What is wrong with a row's formula fields, or None: ``premises`` must be a list of strings
    and ``conclusion`` (when named and present) a string (a number such as ``[1]`` is not a formula)."""
    ps = obj.get(premises)
    if not isinstance(ps, list):
        return f'"{premises}" must be a list of formulas, not {_kind(ps) if premises in obj else "missing"}'
    for i, p in enumerate(ps, 1):
        if not isinstance(p, str):
            return f'"{premises}" item {i} must be a formula (a string), not a {_kind(p)}'
    if conclusion is not None and conclusion in obj and not isinstance(obj[conclusion], str):
        return f'"{conclusion}" must be a formula (a string), not a {_kind(obj[conclusion])}'
    return None


def _kind(value) -> str:
    return {list: "list", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


class UniqueIds:
    """Refuses a repeated item id (a dataset item scored twice, or two items as one), naming both places."""

    def __init__(self, path):
        self.path, self.seen = path, {}

    def check(self, item_id: str, where: str) -> None:
        first = self.seen.setdefault(item_id, where)
        if first != where:
            raise BadInput(f"item id {item_id!r} at {where} repeats the one at {first}; ids must be unique",
                           str(self.path))
