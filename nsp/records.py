"""Job results on disk: the resume journal, atomic result files, and long jobs' progress bars.

:class:`Journal` is the one resume journal: an append-only JSONL file whose first line is the
job's header (its settings and its input's sha256) and whose other lines are finished records,
each written with one ``write`` and fsynced, so a crash leaves at most one torn last line (cut
off on resume). Opening a journal whose header differs from the job's raises
:class:`JobConflict` naming what differs (nothing is written); ``fresh`` starts over instead.

:func:`run_resumable` runs a job's items through a journal kept beside the output
(``OUT.journal``, kept after the job finishes): a rerun skips what is recorded, so an interrupted
job resumes and a larger ``--limit`` reuses the finished part; the output file is then written
atomically (temp file + ``os.replace``) in item order.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterable, Sequence

from nsp.errors import JobConflict, OutputError  # noqa: F401 - raised here, imported from here too
from nsp.files import file_sha256  # noqa: F401 - the journal header's input hash, imported from here
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))


def _stat(path: Path) -> os.stat_result | None:
    """The output path's status, ``None`` when nothing is there yet."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise OutputError(f"{path}: cannot write here ({e.strerror})") from None


def check_output(path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """``path`` if nsp may replace it with a result file (:class:`OutputError` otherwise)."""
    path = Path(path)
    st = _stat(path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        raise OutputError(f"{path} is {kind}; give a file path for the output")
    for source in inputs:
        if st is not None and Path(source).exists() and os.path.samefile(path, source):
            raise OutputError(f"{path} is this job's input; writing the output there would destroy it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: the folder {parent} does not exist")
    return path


def check_output_folder(path: str | Path) -> Path:
    """``path`` if nsp may write a folder of result files there (``nsp html -o SITE``): a folder, or
    a new one in a folder that exists (created by the writer; its parents never are, as with
    :func:`check_output`). :class:`OutputError` otherwise, with :func:`check_output`'s messages."""
    path = Path(path)
    st = _stat(path)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        kind = "a file" if stat.S_ISREG(st.st_mode) else next(
            (name for test, name in _KINDS if test(st.st_mode)), "not a folder")
        raise OutputError(f"{path} is {kind}; give a folder path for the output")
    parent = path.parent if str(path.parent) else Path(".")
    if st is None and not parent.is_dir():
        raise OutputError(f"{path}: the folder {parent} does not exist")
    return path


def write_atomic(path: str | Path, data: str | bytes | Iterable[bytes], fsync: bool = True) -> None:
    """Replace ``path`` with ``data`` (text, bytes, or byte chunks) so readers see the old or the
    new file, never a mix: a temporary file beside it, renamed over it; with ``fsync`` (results
    that cannot be remade cheaply) the file and then its folder are fsynced. The file gets the
    usual mode (0666 less the umask), not mkstemp's 0600. A path that is not a regular file (a
    device, a folder) is refused with :class:`OutputError`, never replaced."""
    path = check_output(path)
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


JOURNAL_FORMAT = "nsp-journal/1"


def side_paths(out: str | Path, *extra: str) -> dict[str, Path]:
    """A batch job's files beside its output ``OUT.jsonl``: ``OUT.<kind>.jsonl`` for each kind of
    ``extra`` and for ``errors``, ``OUT.stats.json``, and the journal ``OUT.jsonl.journal``."""
    out = Path(out)
    stem = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    paths = {kind: out.with_name(f"{stem}.{kind}.jsonl") for kind in (*extra, "errors")}
    return {**paths, "stats": out.with_name(stem + ".stats.json"), "journal": out.with_name(out.name + ".journal")}


def _line(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


class Journal:
    """Append-only, fsynced, one line per finished record (module docstring); ``entries`` by id."""

    def __init__(self, path: str | Path, header: dict, fresh: bool = False, key: str = "id"):
        self.path, self.key = Path(path), key
        self.header = {"journal": JOURNAL_FORMAT, **header}
        self.entries: dict[str, dict] = {}
        self._lock = _lock(self.path)  # one job per journal: a second run on the same output is refused
        try:
            if fresh:
                os.truncate(self.path, 0)
            if self.path.stat().st_size:
                self._load()
            else:
                self._append_raw(_line(self.header))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the journal's lock (the process's exit releases it too)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _load(self) -> None:
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        lines = data[:end].splitlines()
        try:
            first = json.loads(lines[0]) if lines else None
        except json.JSONDecodeError:
            first = None
        if not isinstance(first, dict) or first.get("journal") != JOURNAL_FORMAT:
            raise JobConflict(f"{self.path} is not a journal of an nsp job; delete it or use fresh=True",
                              settings=("fresh",))
        there, now = _flat(first), _flat(self.header)
        differ = sorted(k for k in set(there) | set(now) if there.get(k) != now.get(k))
        if differ:
            what = "; ".join(f"{k}: {_short(there.get(k))} there, {_short(now.get(k))} now" for k in differ)
            raise JobConflict(f"{self.path} was written by a job with other settings or input ({what}); "
                              "rerun with those, or use fresh=True to start over", settings=("fresh",))
        if end < len(data):  # a torn last line from a crash: cut it off
            with self.path.open("r+b") as f:
                f.truncate(end)
                f.flush()
                os.fsync(f.fileno())
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # cannot happen with one writer; the item simply runs again
            self.entries.setdefault(str(entry[self.key]), entry)

    def _append_raw(self, data: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)

    def append(self, entry: dict) -> None:
        k = str(entry[self.key])
        if k in self.entries:
            return
        self._append_raw(_line(entry))
        self.entries[k] = entry


def _flat(header: dict, prefix: str = "") -> dict:
    """``{"settings": {"seed": 0}}`` → ``{"settings.seed": 0}``, so a mismatch names the setting."""
    out = {}
    for k, v in header.items():
        if isinstance(v, dict) and v:
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _lock(path: Path) -> int:
    """An exclusive, non-blocking lock on ``path`` (created empty if absent), held by the fd returned."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise JobConflict(f"another nsp job is writing {path}; wait for it to finish or give another output") from None
    return fd


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


class JobProgress:
    """A long job's progress on stderr, or nothing when ``enabled`` is false.

    On a terminal: a rich bar. Otherwise (a log file, a pipe): one plain line at most every
    ``every`` seconds, ``JOB DESCRIPTION: done/total, elapsed, about ... left``, and a last line at
    the end when an earlier line was written and the count moved since, so a job run under
    ``nohup`` shows where it is and a short one writes nothing.
    ``with JobProgress(enabled, total, "mutate", "items", completed=done) as bar:`` then
    ``bar.advance()`` per finished unit (``description=`` updates the text after the job's name),
    or ``bar.set(n)`` for an absolute count. ``total`` may be None (unknown)."""

    def __init__(self, enabled: bool, total: int | None, job: str, description: str = "", completed: int = 0,
                 transient: bool = False, every: float = 30.0):
        console = Console(stderr=True)
        self.plain = enabled and not console.is_terminal
        self.bar = Progress(TextColumn(f"[bold]{job}[/] {{task.description}}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                            disable=not enabled or self.plain, transient=transient)
        self.task = self.bar.add_task(description, total=total, completed=completed)
        self.job, self.description, self.total, self.every = job, description, total, every
        self.done = self.start_done = completed
        self.start = self.last = time.monotonic()
        self.printed: int | None = None  # the count the last plain line showed

    def advance(self, n: int = 1, description: str | None = None) -> None:
        self.set(self.done + n, description)

    def set(self, completed: int, description: str | None = None) -> None:
        self.done = completed
        if description is not None:
            self.description = description
            self.bar.update(self.task, completed=completed, description=description)
        else:
            self.bar.update(self.task, completed=completed)
        if self.plain and time.monotonic() - self.last >= self.every:
            self._line()

    def _line(self) -> None:
        now = time.monotonic()
        elapsed, ran = now - self.start, self.done - self.start_done
        parts = [f"{self.done}/{self.total}" if self.total is not None else str(self.done), f"{_clock(elapsed)} elapsed"]
        if self.total is not None and ran > 0 and self.done < self.total:
            parts.append(f"about {_clock(elapsed / ran * (self.total - self.done))} left")
        name = f"{self.job} {self.description}".strip()
        print(f"{name}: {', '.join(parts)}", file=sys.stderr, flush=True)
        self.last, self.printed = now, self.done

    def __enter__(self) -> "JobProgress":
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> bool:
        self.bar.__exit__(*exc)
        if self.plain and self.printed is not None and self.printed != self.done:
            self._line()
        return False


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=int(seconds)))  # H:MM:SS


def run_resumable(
    items: Sequence,
    evaluate: Callable[[int, object], dict],
    out: str | Path | None = None,
    progress: bool = True,
    description: str = "",
    header: dict | None = None,
    fresh: bool = False,
    inputs: Sequence[str | Path] = (),
) -> dict[str, dict]:
    """Records by item id: ``evaluate(position, item)`` for each item (items have an ``id``; the
    record's ``"id"`` must equal it). ``out`` (checked first: :func:`check_output` against
    ``inputs``): records go to the journal ``OUT.journal``
    (``header``: the job's settings and input hash; a mismatch raises :class:`JobConflict`),
    items it already holds are not run again, and ``out`` is written at the end in item order."""
    if out:  # refused before anything is written: a device, a folder, the input itself
        check_output(out, inputs)
        check_output(Path(str(out) + ".journal"), inputs)
    journal = Journal(Path(str(out) + ".journal"), header or {}, fresh) if out else None
    try:
        records: dict[str, dict] = dict(journal.entries) if journal else {}
        ids = {str(i.id) for i in items}
        with JobProgress(progress, len(items), description, completed=len(ids & set(records))) as bar:
            for pos, item in enumerate(items):
                if str(item.id) in records:
                    continue
                rec = evaluate(pos, item)
                records[str(item.id)] = rec
                if journal:
                    journal.append(rec)
                bar.advance()
        if out:
            rows = [records[str(i.id)] for i in items]
            write_atomic(out, "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))
    finally:
        if journal:
            journal.close()
    return {str(i.id): records[str(i.id)] for i in items}
