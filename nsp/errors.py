"""The one exception root of nsp, and its branches.

Every error nsp raises on purpose derives from :class:`NspError`; ``str()`` of one is a single
line saying what and where. A branch is a kind of failure, not a module: a bad problem file, a bad
dataset and a bad graph file are all :class:`BadInput`.
"""

from __future__ import annotations


class NspError(Exception):
    """The root of every error nsp raises on purpose (one line: what and where)."""


class BadInput(NspError, ValueError):
    """An input nsp cannot read: a file (decoding, size, syntax, fields) or an option value.
    ``str()`` is one line ``where: what``; ``pointer`` adds a caret display under the bad text."""

    def __init__(self, message: str, where: str = "", pointer: str = ""):
        self.message, self.where, self.pointer = message, where, pointer
        super().__init__(f"{where}: {message}" if where else message)
