"""Reading user files: the one decoding policy of every input format nsp reads.

Every input (problem files, datasets, replay files, graph files, Lean files) is UTF-8 text. A
file that is not says so in one line naming the file and the byte offset: a UTF-16 byte-order
mark, a NUL byte (binary data, or UTF-16 without a mark), or the first byte that is not UTF-8
(an encoded lone surrogate included). Sizes are bounded: a whole file read at once holds at most
``limit`` bytes (a device such as ``/dev/zero`` is stopped at its first NUL byte, never read
without end), a file read line by line at most ``limit`` bytes a line. Every failure is a
:class:`nsp.errors.BadInput`.

The format readers built on this: problem files :mod:`nsp.logic.problem`, dataset items
:mod:`nsp.items`, graph files :mod:`nsp.graph.files`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

from nsp.errors import BadInput

MAX_TEXT_BYTES = 256 * 1024 * 1024  # a whole dataset or graph document
CHUNK = 1 << 20
STDIN, STDIN_NAME = "-", "<stdin>"  # the path that means standard input (read_input), and its name in messages
_BOMS = ((b"\xff\xfe", "UTF-16 (little-endian byte-order mark)"), (b"\xfe\xff", "UTF-16 (big-endian byte-order mark)"))


def decode_text(data: bytes, name: str, offset: int = 0) -> str:
    """``data`` as UTF-8 text, or a :class:`BadInput` naming ``name`` and the byte offset where it
    stops being text (``offset``: where ``data`` starts in the file)."""
    _check_binary(data, name, offset)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInput(f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {offset + e.start})", name) from None


def _check_binary(data: bytes, name: str, offset: int) -> None:
    if offset == 0:
        for bom, what in _BOMS:
            if data.startswith(bom):
                raise BadInput(f"{what} at offset 0; expected UTF-8 text", name)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BadInput(f"binary data or UTF-16 (NUL byte at offset {offset + nul}); expected UTF-8 text", name)


def read_bytes(path: str | Path, limit: int = MAX_TEXT_BYTES) -> bytes:
    """A file's bytes, at most ``limit`` of them (:class:`BadInput` beyond, or when it cannot be
    read, or on a NUL byte: checked as it is read, so ``/dev/zero`` stops at once). ``-`` is
    refused here: only :func:`read_input` takes standard input (a file named ``-`` is ``./-``)."""
    path = _file(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise BadInput(f"file is too large ({size:,} bytes; the limit is {limit:,})", str(path))
        with path.open("rb") as f:
            return _read_stream(f, str(path), limit)
    except OSError as e:
        raise BadInput(e.strerror or str(e), str(path)) from None


def _file(path: str | Path) -> Path:
    if str(path) == STDIN:
        raise BadInput("standard input is read only for a single problem (nsp prove, nsp check); "
                       "give a file here", STDIN_NAME)
    return Path(path)


def _read_stream(f, name: str, limit: int) -> bytes:
    chunks, read = [], 0
    while chunk := f.read(CHUNK):
        _check_binary(chunk, name, read)
        read += len(chunk)
        if read > limit:
            raise BadInput(f"input is too large (more than {limit:,} bytes)", name)
        chunks.append(chunk)
    return b"".join(chunks)


def read_text(path: str | Path, limit: int = MAX_TEXT_BYTES) -> str:
    """A whole file's UTF-8 text (module docstring: the policy and the bounds)."""
    return decode_text(read_bytes(path, limit), str(path))


def read_input(path: str | Path, limit: int = MAX_TEXT_BYTES) -> tuple[str, str]:
    """``(text, name)`` of a file, or of standard input when ``path`` is ``-`` (named ``<stdin>``),
    under the same policy and bound as :func:`read_text`. For one-shot inputs (a problem to
    check); a job that resumes needs a file it can hash."""
    if str(path) != STDIN:
        return read_text(path, limit), str(path)
    import sys

    try:
        return decode_text(_read_stream(sys.stdin.buffer, STDIN_NAME, limit), STDIN_NAME), STDIN_NAME
    except OSError as e:
        raise BadInput(e.strerror or str(e), STDIN_NAME) from None


def lines(path: str | Path, limit: int = MAX_TEXT_BYTES) -> Iterator[tuple[int, int, bytes, str]]:
    """``(line number, byte offset, raw bytes, text)`` for each line of a file read a line at a time
    (a line at most ``limit`` bytes; the first megabyte is checked for binary data first)."""
    path = _file(path)
    try:
        f = path.open("rb")
    except OSError as e:
        raise BadInput(e.strerror or str(e), str(path)) from None
    with f:
        try:
            _check_binary(f.peek(CHUNK)[:CHUNK], str(path), 0)
            offset = 0
            for no, raw in enumerate(iter(lambda: f.readline(limit + 1), b""), 1):
                if len(raw) > limit:
                    raise BadInput(f"line {no} is longer than {limit:,} bytes", str(path))
                yield no, offset, raw, decode_text(raw, str(path), offset)
                offset += len(raw)
        except OSError as e:
            raise BadInput(e.strerror or str(e), str(path)) from None


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex), read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
