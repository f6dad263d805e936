"""Resumable JSONL output: append-as-you-go, resume after a crash, finish atomically.

``ResumableJsonl(out)`` keeps work in ``out + ".partial"``: each record is one line written with a
single ``write`` and flushed + fsynced, so a crash leaves at most one torn last line, which is
dropped on resume. ``done`` holds the keys already written. ``finish(order)`` writes the final
file atomically (temp file + ``os.replace``) in the given key order and removes the partial file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Sequence

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)


def write_atomic(path: str | Path, data: str | bytes | Iterable[bytes], fsync: bool = True) -> None:
    """Replace ``path`` with ``data`` (text, bytes, or byte chunks) so readers see the old or the
    new file, never a mix: a temporary file beside it, renamed over it; with ``fsync`` (results
    that cannot be remade cheaply) the file and then its folder are fsynced. The file gets the
    usual mode (0666 less the umask), not mkstemp's 0600."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, str):
                f.write(data.encode("utf-8"))
            elif isinstance(data, (bytes, bytearray)):
                f.write(data)
            else:
                for chunk in data:
                    f.write(chunk)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if not fsync:
        return
    dir_fd = os.open(path.parent or ".", os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class ResumableJsonl:
    def __init__(self, out: str | Path, key: str = "id"):
        self.out = Path(out)
        self.partial = self.out.with_name(self.out.name + ".partial")
        self.key = key
        self.records: dict[str, dict] = {}
        if self.partial.exists():
            self._load()
        self._fh = open(self.partial, "a", encoding="utf-8")

    def _load(self) -> None:
        data = self.partial.read_text(encoding="utf-8")
        good = []
        for line in data.splitlines(keepends=True):
            if not line.endswith("\n"):
                break  # torn last line from a crash
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                break
            good.append(line)
            self.records[str(rec[self.key])] = rec
        if sum(len(l) for l in good) != len(data):
            write_atomic(self.partial, "".join(good))

    @property
    def done(self) -> set[str]:
        return set(self.records)

    def append(self, record: dict) -> None:
        k = str(record[self.key])
        if k in self.records:
            return
        self._fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.records[k] = record

    def finish(self, order: Iterable[str]) -> list[dict]:
        """Write the final file in ``order`` (keys) atomically; return the records written."""
        self._fh.close()
        rows = [self.records[str(k)] for k in order if str(k) in self.records]
        write_atomic(self.out, "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))
        self.partial.unlink(missing_ok=True)
        return rows

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


class JobProgress:
    """A long job's rich bar on stderr, or nothing when ``enabled`` is false.

    ``with JobProgress(enabled, total, "mutate", "items", completed=done) as bar:`` then
    ``bar.advance()`` per finished unit (``description=`` updates the text after the job's name),
    or ``bar.set(n)`` for an absolute count. ``total`` may be None (unknown)."""

    def __init__(self, enabled: bool, total: int | None, job: str, description: str = "", completed: int = 0,
                 transient: bool = False):
        self.enabled = enabled
        self.bar = Progress(TextColumn(f"[bold]{job}[/] {{task.description}}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
                            disable=not enabled, transient=transient)
        self.task = self.bar.add_task(description, total=total, completed=completed)

    def advance(self, n: int = 1, description: str | None = None) -> None:
        if description is None:
            self.bar.update(self.task, advance=n)
        else:
            self.bar.update(self.task, advance=n, description=description)

    def set(self, completed: int, description: str | None = None) -> None:
        if description is None:
            self.bar.update(self.task, completed=completed)
        else:
            self.bar.update(self.task, completed=completed, description=description)

    def __enter__(self) -> "JobProgress":
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> bool:
        self.bar.__exit__(*exc)
        return False


def run_resumable(
    items: Sequence,
    evaluate: Callable[[int, object], dict],
    out: str | Path | None = None,
    progress: bool = True,
    description: str = "",
) -> dict[str, dict]:
    """Records by item id: ``evaluate(position, item)`` for each item (items have an ``id``; the
    record's ``"id"`` must equal it), skipping items already in ``out``'s partial file. With
    ``out``, every record is appended as it is made and the final file is written in item order;
    an interruption keeps the partial file, so rerunning resumes."""
    writer = ResumableJsonl(out) if out else None
    records: dict[str, dict] = dict(writer.records) if writer else {}
    try:
        with JobProgress(progress, len(items), description, completed=len(records)) as bar:
            for pos, item in enumerate(items):
                if str(item.id) in records:
                    continue
                rec = evaluate(pos, item)
                records[str(item.id)] = rec
                if writer:
                    writer.append(rec)
                bar.advance()
    except BaseException:
        if writer:
            writer.close()
        raise
    if writer:
        writer.finish([i.id for i in items])
    return records
