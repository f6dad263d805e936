"""JSON from user files: :func:`loads` is ``json.loads`` that answers a document nested deeper than
Python's parser can follow with a ``JSONDecodeError`` at the offending position (the standard
parser raises ``RecursionError`` there), and likewise a string escape that is a lone UTF-16
surrogate (``"\\ud800"``: not Unicode text, it could never be written out again), so every
reader's one-line error covers both."""

from __future__ import annotations

import json
import re

MAX_DEPTH = 500  # the depth reported; the standard parser gives up near the recursion limit (~1000)
_ESCAPE = re.compile(r"\\u([dD][89a-fA-F][0-9a-fA-F]{2})")  # a \uXXXX escape of a UTF-16 surrogate


def loads(text: str | bytes):
    """Parse ``text``; raises ``json.JSONDecodeError`` (with line and column) for bad or too-deep JSON."""
    try:
        value = json.loads(text)
    except RecursionError:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", "replace")
        pos = _too_deep(text)
        raise json.JSONDecodeError(f"nested too deep (more than {MAX_DEPTH} levels)", text, pos or 0) from None
    if _ESCAPE.search(text if isinstance(text, str) else bytes(text).decode("utf-8", "replace")):
        _no_lone_surrogates(value, text)
    return value


def _no_lone_surrogates(value, text) -> None:
    """``JSONDecodeError`` at the first lone surrogate escape when a string of ``value`` holds one."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", "replace")
        raise json.JSONDecodeError("a lone surrogate escape (not Unicode text)", text, _lone_at(text)) from None


def _lone_at(text: str) -> int:
    """Offset of the first surrogate escape that is not a high one followed by a low one."""
    escapes = list(_ESCAPE.finditer(text))
    i = 0
    while i < len(escapes):
        m = escapes[i]
        high = m.group(1)[1].lower() in "89ab"
        after = escapes[i + 1] if i + 1 < len(escapes) else None
        if high and after is not None and after.start() == m.end() and after.group(1)[1].lower() in "cdef":
            i += 2
            continue
        return m.start()
    return 0


def _too_deep(text: str) -> int | None:
    """Offset where nesting first passes MAX_DEPTH (strings skipped), or None."""
    depth, in_string, escaped = 0, False, False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return i
        elif ch in "]}":
            depth -= 1
    return None
