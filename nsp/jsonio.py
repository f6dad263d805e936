"""JSON from user files: :func:`loads` is ``json.loads`` that answers a document nested deeper than
Python's parser can follow with a ``JSONDecodeError`` at the offending position (the standard
parser raises ``RecursionError`` there), so every reader's one-line error covers it."""

from __future__ import annotations

import json

MAX_DEPTH = 500  # the depth reported; the standard parser gives up near the recursion limit (~1000)


def loads(text: str | bytes):
    """Parse ``text``; raises ``json.JSONDecodeError`` (with line and column) for bad or too-deep JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", "replace")
        pos = _too_deep(text)
        raise json.JSONDecodeError(f"nested too deep (more than {MAX_DEPTH} levels)", text, pos or 0) from None


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
