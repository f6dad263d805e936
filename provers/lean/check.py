"""Checking Lean 4 text: screen it, run ``lean --json`` in the sandbox, read the verdict.

Outcomes are values of a closed set (frozen dataclasses, each with ``status`` and ``to_json``):

* :class:`Proved` — Lean accepted the file with no error and no ``sorry``; ``axioms`` lists what
  the goal theorem depends on when a theorem was named (``#print axioms``);
* :class:`Sorry` — accepted, but some declaration uses ``sorry``;
* :class:`Error` — ``stage`` says who refused: ``screen`` (forbidden construct, never run),
  ``lean`` (elaboration errors), ``axioms`` (the proof uses axioms the problem does not
  declare), ``memory`` or ``crash`` (the process died);
* :class:`Timeout` — wall-clock, CPU or Lean's own heartbeat limit;
* :class:`NoToolchain` — nothing to run; says how to install Lean.

A file the screen refuses is bad input: :func:`refusal` is the :class:`ScreenRefused` error
(a :class:`nsp.errors.BadInput`) that ``nsp lean check`` raises for it.

Message positions: ``line`` is 1-based; ``column`` is 1-based too (Lean's JSON columns are
0-based codepoint offsets; we add 1, like every other nsp error position).
Only infrastructure failures (the sandbox cannot start a process at all) raise.
"""

from __future__ import annotations

import json
import re
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from nsp.errors import BadInput
from provers.lean.sandbox import (
    DEFAULT_ALLOWED_IMPORTS, Limits, RunResult, Violation, run_sandboxed, screen,
)
from provers.lean.toolchain import INSTALL_LEAN, NO_TOOLCHAIN, Toolchain, find_toolchain

STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 6144
CHECK_FILE = "nsp_check.lean"
_SORRY_WARNING = "declaration uses 'sorry'"


@dataclass(frozen=True)
class LeanMessage:
    """One Lean message. ``line``/``column`` 1-based (None when Lean gave no position)."""

    severity: str  # error | warning | information
    text: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}: " if self.line is not None else ""
        return f"{where}{self.severity}: {self.text}"

    def to_json(self) -> dict:
        return {"severity": self.severity, "line": self.line, "column": self.column,
                "end_line": self.end_line, "end_column": self.end_column, "text": self.text}


def _pos(obj) -> tuple[int | None, int | None]:
    if not isinstance(obj, dict):
        return None, None
    line, col = obj.get("line"), obj.get("column")
    return (line if isinstance(line, int) else None, col + 1 if isinstance(col, int) else None)


def message_from_json(obj: dict) -> LeanMessage:
    """A message object of ``lean --json`` or of the REPL (same shape)."""
    line, col = _pos(obj.get("pos"))
    eline, ecol = _pos(obj.get("endPos"))
    sev = str(obj.get("severity", "error"))
    text = obj.get("data", obj.get("message", ""))
    if not isinstance(text, str):
        text = json.dumps(text, ensure_ascii=False)
    caption = obj.get("caption")
    if caption and caption not in text:
        text = f"{caption}: {text}" if text else str(caption)
    return LeanMessage(sev, text, line, col, eline, ecol)


def parse_lean_json(stdout: str) -> tuple[list[LeanMessage], list[str]]:
    """``lean --json`` output: one JSON message per line. Returns the messages and the lines
    that were not JSON messages (Lean prints some failures as plain text)."""
    messages, other = [], []
    for line in stdout.splitlines():
        s = line.strip()
        if not s:
            continue
        try:
            obj = json.loads(s)
        except json.JSONDecodeError:
            other.append(line)
            continue
        if isinstance(obj, dict) and ("severity" in obj or "data" in obj):
            messages.append(message_from_json(obj))
        else:
            other.append(line)
    return messages, other


# ---------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Proved:
    messages: tuple[LeanMessage, ...] = ()
    axioms: tuple[str, ...] | None = None  # None: no theorem was named
    seconds: float = 0.0
    status = "proved"

    def to_json(self) -> dict:
        return {"status": self.status, "axioms": None if self.axioms is None else list(self.axioms),
                "messages": [m.to_json() for m in self.messages], "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class Sorry:
    messages: tuple[LeanMessage, ...] = ()
    seconds: float = 0.0
    status = "sorry"

    @property
    def sorries(self) -> tuple[LeanMessage, ...]:
        return tuple(m for m in self.messages if _SORRY_WARNING in m.text)

    def to_json(self) -> dict:
        return {"status": self.status, "messages": [m.to_json() for m in self.messages],
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class Error:
    messages: tuple[LeanMessage, ...]
    stage: str = "lean"  # screen | lean | axioms | memory | crash
    seconds: float = 0.0
    status = "error"

    @property
    def errors(self) -> tuple[LeanMessage, ...]:
        return tuple(m for m in self.messages if m.severity == "error")

    def to_json(self) -> dict:
        return {"status": self.status, "stage": self.stage, "messages": [m.to_json() for m in self.messages],
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class Timeout:
    limit: float
    reason: str = "wall-clock limit"
    seconds: float = 0.0
    messages: tuple[LeanMessage, ...] = ()
    status = "timeout"

    def to_json(self) -> dict:
        return {"status": self.status, "limit": self.limit, "reason": self.reason,
                "messages": [m.to_json() for m in self.messages], "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class NoToolchain:
    how_to_install: str = INSTALL_LEAN
    detail: str = NO_TOOLCHAIN
    status = "no-toolchain"

    def to_json(self) -> dict:
        return {"status": self.status, "detail": self.detail, "how_to_install": self.how_to_install}


CheckResult = Proved | Sorry | Error | Timeout | NoToolchain


class ScreenRefused(BadInput):
    """Lean text outside nsp's Lean language: refused by the screen, never run (exit 2)."""


def refusal(result: "Error", where: str) -> ScreenRefused:
    """The one-line error of a screen refusal (``result.stage == "screen"``) of the text at ``where``
    (a file name): ``where:LINE:COLUMN: refused by the Lean screen: forbidden ...``."""
    m = result.errors[0]
    at = f"{where}:{m.line}:{m.column}" if m.line is not None else where
    return ScreenRefused(f"refused by the Lean screen: {m.text}", at)


def violations_as_error(violations: Sequence[Violation]) -> Error:
    return Error(tuple(LeanMessage("error", f"forbidden {v.construct!r}: {v.reason}", v.line, v.column)
                       for v in violations), stage="screen")


_AXIOMS = re.compile(r"'(?P<name>[^']+)' depends on axioms: \[(?P<list>.*)\]", re.S)
_NO_AXIOMS = re.compile(r"'(?P<name>[^']+)' does not depend on any axioms")


def _axioms_of(messages: Sequence[LeanMessage], theorem: str) -> tuple[tuple[str, ...] | None, list[LeanMessage]]:
    """The axioms ``#print axioms theorem`` reported, and the other messages."""
    found, rest = None, []
    for m in messages:
        a = _AXIOMS.search(m.text) if m.severity == "information" else None
        n = _NO_AXIOMS.search(m.text) if m.severity == "information" else None
        if a and a.group("name").removeprefix("_root_.") == theorem.removeprefix("_root_."):
            found = tuple(sorted(x.strip() for x in a.group("list").split(",") if x.strip()))
        elif n and n.group("name").removeprefix("_root_.") == theorem.removeprefix("_root_."):
            found = ()
        else:
            rest.append(m)
    return found, rest


def classify(run: RunResult, limit: float, theorem: str | None = None) -> CheckResult:
    """The outcome of one ``lean --json`` run (see module docstring)."""
    messages, other = parse_lean_json(run.stdout)
    secs = run.seconds
    if run.timed_out:
        return Timeout(limit, "wall-clock limit", secs, tuple(messages))
    if run.signal == signal.SIGXCPU:
        return Timeout(limit, "CPU-time limit", secs, tuple(messages))
    axioms, messages = _axioms_of(messages, theorem) if theorem else (None, messages)
    errors = [m for m in messages if m.severity == "error"]
    if any("(deterministic) timeout" in m.text or "maximum number of heartbeats" in m.text for m in errors):
        return Timeout(limit, "Lean heartbeat limit (maxHeartbeats)", secs, tuple(messages))
    if errors:
        return Error(tuple(messages), "lean", secs)
    if run.returncode != 0:
        tail = "\n".join(other[-5:] + run.stderr.strip().splitlines()[-5:]).strip()
        if run.memory_exhausted:
            text = "Lean ran out of memory (address-space limit)" + (f": {tail}" if tail else "")
            return Error((*messages, LeanMessage("error", text)), "memory", secs)
        how = f"killed by signal {run.signal}" if run.signal else f"exit code {run.returncode}"
        return Error((*messages, LeanMessage("error", f"Lean failed ({how})" + (f": {tail}" if tail else ""))),
                     "crash", secs)
    if any(m.severity == "warning" and _SORRY_WARNING in m.text for m in messages) or (
        axioms is not None and "sorryAx" in axioms
    ):
        return Sorry(tuple(messages), secs)
    return Proved(tuple(messages), axioms, secs)


def check_text(
    text: str,
    *,
    toolchain: Toolchain | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    allowed_imports: Sequence[str] = DEFAULT_ALLOWED_IMPORTS,
    theorem: str | None = None,
) -> CheckResult:
    """Screen ``text`` (a whole Lean file: nsp's commands, not a bare term or tactic block; text
    that is not a ``str`` is refused too) and, if it passes, check it with ``lean --json`` in the
    sandbox.

    ``theorem``: a fully qualified theorem name whose axioms to report (``#print axioms``).
    """
    violations = screen(text, allowed_imports, kind="module")
    if violations:
        return violations_as_error(violations)
    tc = toolchain or find_toolchain()
    if tc is None:
        return NoToolchain()
    if theorem is not None:
        if not re.fullmatch(r"[\w.'«»]+", theorem) or screen(theorem):
            raise ValueError(f"not a theorem name: {theorem!r}")
        text = text.rstrip("\n") + f"\n\n#print axioms {theorem}\n"
    run = run_sandboxed([str(tc.lean), "--json", CHECK_FILE], Limits(timeout=timeout, memory_mb=memory_mb),
                        files={CHECK_FILE: text})
    return classify(run, timeout, theorem)


def check_file(path: str | Path, **kwargs) -> CheckResult:
    """:func:`check_text` on a file's contents (OSError/UnicodeDecodeError propagate)."""
    return check_text(Path(path).read_text(encoding="utf-8"), **kwargs)


def nsp_theorem(text: str) -> str | None:
    """``NSP.nsp_goal`` when ``text`` looks like an nsp export, else None."""
    if re.search(r"^namespace NSP\s*$", text, re.M) and re.search(r"^theorem nsp_goal\b", text, re.M):
        return "NSP.nsp_goal"
    return None


def check_axioms(result: CheckResult, declared: Sequence[str]) -> CheckResult:
    """Turn a Proved into an Error when the proof uses axioms beyond ``declared`` and the
    standard three (propext, Classical.choice, Quot.sound)."""
    if not isinstance(result, Proved) or result.axioms is None:
        return result
    extra = sorted(set(result.axioms) - set(declared) - STANDARD_AXIOMS)
    if not extra:
        return result
    msg = LeanMessage("error", "the proof uses axioms the problem does not declare: " + ", ".join(extra))
    return Error((*result.messages, msg), "axioms", result.seconds)


def check_export(export, proof: str | None = None, **kwargs) -> CheckResult:
    """Check an exported problem (with ``proof`` as its tactic block, if given); a proof that
    adds axioms of its own is an Error, not a Proved."""
    if proof is not None:
        export = export.with_proof(proof)
    result = check_text(export.text, theorem=export.theorem, **kwargs)
    return check_axioms(result, export.axioms)


def check_with_repl(export, proofs: Sequence[str], session=None, **kwargs) -> list[CheckResult]:
    """Check many tactic proofs of one export incrementally through the Lean REPL: the
    declarations are elaborated once, then each proof in that environment."""
    from provers.lean.interact import ReplSession

    own = session is None
    session = session or ReplSession(**kwargs)
    try:
        return session.check_proofs(export, proofs)
    finally:
        if own:
            session.close()
