"""Syntax errors that point: the offending line with a caret under the column."""

from __future__ import annotations

_WINDOW = 60  # characters of context shown on each side of the caret


class FormulaSyntaxError(ValueError):
    """Malformed formula text.

    ``line`` and ``column`` are 1-based within ``text``; ``expected`` says what would have been
    accepted there. ``str(err)`` is one line; :meth:`pointer` is the two-line caret display.
    """

    def __init__(self, message: str, text: str = "", line: int = 1, column: int = 1, expected: str = ""):
        self.message = message
        self.text = text
        self.line = line
        self.column = column
        self.expected = expected
        detail = f"{message}; expected {expected}" if expected else message
        super().__init__(f"line {line}, column {column}: {detail}")

    @property
    def detail(self) -> str:
        return f"{self.message}; expected {self.expected}" if self.expected else self.message

    def pointer(self) -> str:
        """The source line (clipped around the column) and a caret under the column."""
        lines = self.text.splitlines() or [""]
        src = lines[min(self.line, len(lines)) - 1]
        col = max(self.column - 1, 0)
        start = max(col - _WINDOW, 0)
        end = min(col + _WINDOW, len(src))
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(src) else ""
        shown = prefix + src[start:end] + suffix
        caret = " " * (len(prefix) + col - start) + "^"
        return f"  {shown}\n  {caret}"
