"""The one exception root of nsp, its branches, and the exit code of each branch.

Every error nsp raises on purpose derives from :class:`NspError`; ``str()`` of one is a single
line saying what and where. A branch is a kind of failure, not a module: a bad problem file, a bad
dataset and a bad graph file are all :class:`BadInput`. The command line maps branches to exit
codes here, in :data:`EXIT_CODES`, and prints them in one function (:func:`nsp.cli.fail`).

Exit codes (README, "Exit codes"): 0 done (decided, checks passed), 1 undecided or a check
failed (a result, not an error), 2 bad input, an output nsp will not write, or a job conflict,
3 a needed tool is missing, 4 finished but some items failed, 130 interrupted (Ctrl-C), 143
terminated (SIGTERM).
"""

from __future__ import annotations


class NspError(Exception):
    """The root of every error nsp raises on purpose (one line: what and where).

    Messages speak in library terms: a setting is named as the keyword or settings field a caller
    passes, ``name=value`` (``fresh=True``), and listed in ``settings``; the command line shows
    each as its flag (``--fresh``; :func:`nsp.cli.fail`), so no library message quotes a flag."""

    settings: tuple[str, ...] = ()
    #: The command already reported it in its output (a ``--json`` object, ``nsp lean doctor``'s
    #: findings): :func:`nsp.cli.fail` prints nothing and exits with the branch's code.
    shown: bool = False

    def __init__(self, *args, settings: tuple[str, ...] = (), shown: bool = False):
        super().__init__(*args)
        if settings:
            self.settings = tuple(settings)
        if shown:
            self.shown = True


class BadInput(NspError, ValueError):
    """An input nsp cannot read: a file (decoding, size, syntax, fields) or an option value.
    ``str()`` is one line ``where: what``; ``pointer`` adds a caret display under the bad text."""

    def __init__(self, message: str, where: str = "", pointer: str = ""):
        self.message, self.where, self.pointer = message, where, pointer
        super().__init__(f"{where}: {message}" if where else message)


class OutputError(NspError, ValueError):
    """An output path nsp will not write: a device, folder, FIFO or socket, one of the job's own
    inputs, or a path whose folder does not exist. The message names the path and why."""


class JobConflict(NspError):
    """A job's journal was written by a job with other settings or input, or another job is
    writing it now (the message says which)."""


class ToolMissing(NspError, RuntimeError):
    """A tool or back end a command needs cannot run here (a prover, Lean, Ray, a model); the
    message says how to install it."""


class ItemsFailed(NspError):
    """A job finished, but some of its items failed (each is named in its output)."""


EXIT_CODES: tuple[tuple[type[NspError], int], ...] = (
    (ItemsFailed, 4),
    (ToolMissing, 3),
    (BadInput, 2),
    (OutputError, 2),
    (JobConflict, 2),
    (NspError, 2),
)
INTERRUPTED = 130  # Ctrl-C (SIGINT); SIGTERM gives 128 + 15 = 143 (nsp.interrupt)


def exit_code(error: NspError) -> int:
    """The exit code of an error's branch (:data:`EXIT_CODES`, first match)."""
    return next(code for cls, code in EXIT_CODES if isinstance(error, cls))
