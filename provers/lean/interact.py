"""Tactic-level interaction with Lean 4: one small interface, two back ends.

::

    with ReplSession() as lean:                     # or DojoSession() for lean-dojo
        state = lean.start(export)                  # TacticState | LeanError
        r = lean.run_tac(state, "intro x")          # TacticState | ProofFinished | LeanError | ProofGivenUp
        if isinstance(r, TacticState):
            r2 = lean.run_tac(r, "exact h1 x")

As an action space for a search (MCTS, best-first): a state is an immutable
:class:`TacticState` whose ``id`` names the back end's proof state, so any earlier state can be
expanded again (backtracking costs nothing); an action is a tactic string; ``run_tac`` returns
the child state, :class:`ProofFinished`, :class:`LeanError` (the tactic failed or was rejected
by the sandbox screen) or :class:`ProofGivenUp` (the tactic uses ``sorry``/``admit``).
Results are values; only a broken session raises :class:`LeanSessionError`, and a missing back
end raises :class:`LeanUnavailable` with install instructions.

Back ends:

* :class:`ReplSession` drives the Lean REPL (leanprover-community/repl, JSON on stdin/stdout,
  commands separated by blank lines). ``{"cmd": text, "env": n}`` elaborates commands;
  every ``sorry`` in tactic position yields a ``proofState``; ``{"tactic": t, "proofState": n}``
  runs a tactic. The REPL process runs under the same limits as ``lean`` checks (rlimits, own
  process group, no network); a request that exceeds ``timeout`` kills it, returns a
  LeanError, and ends the session.
* :class:`DojoSession` wraps ``lean_dojo.Dojo`` (theorems of traced Lean git repositories;
  ``pip install 'nsp[lean]'``). It is imported lazily.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence

from nsp.errors import NspError, ToolMissing
from provers.lean.check import (
    Error, LeanMessage, Proved, Sorry, Timeout, check_axioms, message_from_json,
    violations_as_error, _SORRY_WARNING,
)
from provers.lean.sandbox import (
    DEFAULT_ALLOWED_IMPORTS, Limits, _clean_env, _kill_group, _preexec, network_jail, screen,
)
from provers.lean.toolchain import INSTALL_DOJO, INSTALL_REPL, find_repl

# ---------------------------------------------------------------- states and results


@dataclass(frozen=True)
class TacticState:
    """Open goals after some tactics. ``pp``: the goals as Lean prints them."""

    pp: str
    id: int
    goals: tuple[str, ...] = ()
    messages: tuple[LeanMessage, ...] = field(default=(), compare=False)

    @property
    def num_goals(self) -> int:
        return len(self.goals) if self.goals else self.pp.count("⊢")


@dataclass(frozen=True)
class ProofFinished:
    id: int | None = None
    messages: tuple[LeanMessage, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class LeanError:
    error: str


@dataclass(frozen=True)
class ProofGivenUp:
    pass


TacticResult = TacticState | ProofFinished | LeanError | ProofGivenUp


class LeanUnavailable(ToolMissing):
    """The back end is not installed; the message says how to install it."""


class LeanSessionError(NspError, RuntimeError):
    """The session cannot continue (the process died, timed out earlier, or broke protocol)."""


class LeanSession(Protocol):
    """What a proof search needs from Lean."""

    def start(self, theorem: Any) -> TacticState | LeanError: ...

    def run_tac(self, state: TacticState, tactic: str) -> TacticResult: ...

    def close(self) -> None: ...


_GIVE_UP = re.compile(r"(?<![\w.'])(sorry|admit)(?![\w'])")


def screen_tactic(tactic: str, allowed_imports: Sequence[str] = ()) -> LeanError | ProofGivenUp | None:
    """A result for a tactic that must not be sent to Lean, or None when it may be."""
    if not isinstance(tactic, str) or not tactic.strip():
        return LeanError("empty tactic")
    violations = screen(tactic, allowed_imports)
    if violations:
        return LeanError("rejected by the sandbox screen: " + "; ".join(str(v) for v in violations))
    if _GIVE_UP.search(tactic):
        return ProofGivenUp()
    return None


# ---------------------------------------------------------------- REPL protocol (pure parts)


@dataclass(frozen=True)
class ReplSorry:
    proof_state: int | None
    goal: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class ReplResponse:
    """The REPL's answer to a command: the new environment, messages, and sorries."""

    env: int | None
    messages: tuple[LeanMessage, ...] = ()
    sorries: tuple[ReplSorry, ...] = ()

    @property
    def errors(self) -> tuple[LeanMessage, ...]:
        return tuple(m for m in self.messages if m.severity == "error")


def parse_command_response(obj: Mapping) -> ReplResponse | LeanError:
    """A REPL command response (``{"env": .., "messages": [..], "sorries": [..]}``)."""
    if "message" in obj and "env" not in obj:
        return LeanError(str(obj["message"]))
    messages = tuple(message_from_json(m) for m in obj.get("messages", []) if isinstance(m, dict))
    sorries = []
    for s in obj.get("sorries", []):
        if isinstance(s, dict):
            line, col = (s.get("pos") or {}).get("line"), (s.get("pos") or {}).get("column")
            sorries.append(ReplSorry(s.get("proofState"), str(s.get("goal", "")), line,
                                     col + 1 if isinstance(col, int) else None))
    env = obj.get("env")
    return ReplResponse(env if isinstance(env, int) else None, messages, tuple(sorries))


def parse_tactic_response(obj: Mapping) -> TacticResult:
    """A REPL tactic response (``{"proofState": n, "goals": [...]}``, or an error)."""
    if "message" in obj and "proofState" not in obj:
        return LeanError(str(obj["message"]))
    messages = tuple(message_from_json(m) for m in obj.get("messages", []) if isinstance(m, dict))
    errors = [m for m in messages if m.severity == "error"]
    if errors:
        return LeanError("\n".join(str(m) for m in errors))
    if obj.get("sorries"):
        return ProofGivenUp()
    goals = tuple(str(g) for g in obj.get("goals", []))
    ps = obj.get("proofState")
    if not goals:
        return ProofFinished(ps if isinstance(ps, int) else None, messages)
    if not isinstance(ps, int):
        return LeanError("the REPL returned goals without a proof state")
    return TacticState("\n\n".join(goals), ps, goals, messages)


def _outcome(resp: ReplResponse, seconds: float, theorem: str):
    """A check outcome from a REPL command response (same rules as ``lean --json``)."""
    from provers.lean.check import _axioms_of

    axioms, messages = _axioms_of(resp.messages, theorem)
    errors = [m for m in messages if m.severity == "error"]
    if any("(deterministic) timeout" in m.text for m in errors):
        return Timeout(0.0, "Lean heartbeat limit (maxHeartbeats)", seconds, tuple(messages))
    if errors:
        return Error(tuple(messages), "lean", seconds)
    if resp.sorries or any(_SORRY_WARNING in m.text for m in messages) or (axioms and "sorryAx" in axioms):
        return Sorry(tuple(messages), seconds)
    return Proved(tuple(messages), axioms, seconds)


# ---------------------------------------------------------------- the REPL back end


class ReplSession:
    """A sandboxed Lean REPL process (started on first use). See the module docstring."""

    def __init__(
        self,
        repl: str | Path | None = None,
        *,
        timeout: float = 60.0,
        memory_mb: int = 6144,
        cpu_seconds: int = 3600,
        allowed_imports: Sequence[str] = DEFAULT_ALLOWED_IMPORTS,
        env: Mapping[str, str] | None = None,
    ):
        path = Path(repl) if repl is not None else find_repl(env)
        if path is None:
            raise LeanUnavailable(f"no Lean REPL found; {INSTALL_REPL}")
        self.repl = path
        self.timeout = timeout
        self.limits = Limits(timeout=timeout, memory_mb=memory_mb, cpu_seconds=cpu_seconds)
        self.allowed_imports = tuple(allowed_imports)
        self._proc: subprocess.Popen | None = None
        self._dir: tempfile.TemporaryDirectory | None = None
        self._buffer = b""
        self._dead: str | None = None
        self._decl_env: dict[str, int] = {}  # declarations text -> env id

    # ---- process management

    def _ensure(self) -> subprocess.Popen:
        if self._dead:
            raise LeanSessionError(self._dead)
        if self._proc is None:
            self._dir = tempfile.TemporaryDirectory(prefix="nsp-repl-")
            err = open(Path(self._dir.name) / ".stderr", "wb")
            try:
                self._proc = subprocess.Popen(
                    [*network_jail(), str(self.repl)], cwd=self._dir.name, stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=err, env=_clean_env(None, self._dir.name),
                    preexec_fn=_preexec(self.limits), start_new_session=True,
                )
            except OSError as e:
                raise LeanSessionError(f"cannot start the REPL {self.repl}: {e.strerror or e}") from None
            finally:
                err.close()
        return self._proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _kill_group(proc)
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
        self._decl_env.clear()
        self._buffer = b""

    def restart(self) -> None:
        """A fresh REPL process (every earlier env and proof-state id becomes invalid)."""
        self.close()
        self._dead = None

    def __enter__(self) -> "ReplSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _stop(self, why: str) -> None:
        self.close()
        self._dead = why

    def request(self, obj: Mapping) -> dict | None:
        """Send one JSON request; the parsed response, or None after a timeout (the REPL is
        then stopped and the session ends)."""
        proc = self._ensure()
        try:
            proc.stdin.write((json.dumps(obj, ensure_ascii=False) + "\n\n").encode("utf-8"))
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._stop("the REPL process exited")
            raise LeanSessionError("the REPL process exited") from None
        deadline = time.monotonic() + self.timeout
        fd = proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while True:
                text = self._take_response()
                if text is not None:
                    try:
                        value = json.loads(text)
                    except json.JSONDecodeError:
                        self._stop("the REPL answered with something that is not JSON")
                        raise LeanSessionError(f"the REPL answered with non-JSON text: {text[:200]!r}") from None
                    if not isinstance(value, dict):
                        raise LeanSessionError(f"unexpected REPL answer: {text[:200]!r}")
                    return value
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    self._stop(f"the REPL was stopped after a request took longer than {self.timeout:g}s")
                    return None
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    self._stop("the REPL process exited")
                    raise LeanSessionError("the REPL process exited (out of memory or crashed?)")
                self._buffer += chunk

    def _take_response(self) -> str | None:
        data = self._buffer.lstrip(b"\r\n")
        end = data.find(b"\n\n")
        if end < 0:
            self._buffer = data
            return None
        self._buffer = data[end + 2 :]
        return data[:end].decode("utf-8", errors="replace")

    # ---- commands and tactics

    def command(self, cmd: str, env: int | None = None) -> ReplResponse | LeanError:
        """Elaborate commands (screened first) in environment ``env`` (None: a fresh one)."""
        violations = screen(cmd, self.allowed_imports)
        if violations:
            return LeanError("rejected by the sandbox screen: " + "; ".join(str(v) for v in violations))
        req: dict = {"cmd": cmd}
        if env is not None:
            req["env"] = env
        resp = self.request(req)
        if resp is None:
            return LeanError(f"timeout after {self.timeout:g}s (the REPL was stopped)")
        return parse_command_response(resp)

    def declarations_env(self, export) -> int | LeanError:
        """The environment after the export's declarations (elaborated once per session)."""
        key = export.declarations
        if key in self._decl_env:
            return self._decl_env[key]
        resp = self.command(key)
        if isinstance(resp, LeanError):
            return resp
        if resp.errors or resp.env is None:
            return LeanError("the declarations do not elaborate: " + "; ".join(str(m) for m in resp.errors))
        self._decl_env[key] = resp.env
        return resp.env

    def start(self, theorem) -> TacticState | LeanError:
        """The initial state of a theorem: an :class:`~provers.lean.export.LeanExport`, or Lean
        text whose first tactic-position ``sorry`` marks the goal."""
        if hasattr(theorem, "declarations") and hasattr(theorem, "theorem_command"):
            env = self.declarations_env(theorem)
            if isinstance(env, LeanError):
                return env
            resp = self.command(theorem.theorem_command("sorry"), env)
        else:
            resp = self.command(str(theorem))
        if isinstance(resp, LeanError):
            return resp
        if resp.errors:
            return LeanError("\n".join(str(m) for m in resp.errors))
        for s in resp.sorries:
            if s.proof_state is not None:
                goal = s.goal.strip()
                return TacticState(goal, s.proof_state, (goal,), resp.messages)
        return LeanError("no tactic-position sorry to start from")

    def run_tac(self, state: TacticState, tactic: str) -> TacticResult:
        if not isinstance(state, TacticState):
            raise TypeError(f"run_tac needs a TacticState, got {type(state).__name__}")
        early = screen_tactic(tactic, self.allowed_imports)
        if early is not None:
            return early
        resp = self.request({"tactic": tactic, "proofState": state.id})
        if resp is None:
            return LeanError(f"timeout after {self.timeout:g}s (the REPL was stopped)")
        return parse_tactic_response(resp)

    def check_proofs(self, export, proofs: Sequence[str]) -> list:
        """Check each tactic proof of ``export`` in the environment of its declarations."""
        results = []
        for proof in proofs:
            if self._dead:
                self.restart()
            start = time.monotonic()
            cmd = export.theorem_command(proof) + f"\n#print axioms {export.theorem}\n"
            violations = screen(cmd, self.allowed_imports)
            if violations:
                results.append(violations_as_error(violations))
                continue
            env = self.declarations_env(export)
            if isinstance(env, LeanError):
                results.append(Error((LeanMessage("error", env.error),), "lean", time.monotonic() - start))
                continue
            resp = self.command(cmd, env)
            secs = time.monotonic() - start
            if isinstance(resp, LeanError):
                timed_out = resp.error.startswith("timeout")
                results.append(Timeout(self.timeout, "wall-clock limit", secs) if timed_out
                               else Error((LeanMessage("error", resp.error),), "lean", secs))
                continue
            results.append(check_axioms(_outcome(resp, secs, export.theorem), export.axioms))
        return results


# ---------------------------------------------------------------- the lean-dojo back end


def _import_dojo():
    try:
        import lean_dojo  # noqa: F401  (heavy; imported only when a DojoSession is made)
    except ImportError as e:
        raise LeanUnavailable(f"lean-dojo is not installed ({e}); {INSTALL_DOJO}") from None
    return lean_dojo


class DojoSession:
    """lean-dojo's ``Dojo`` behind the :class:`LeanSession` interface.

    ``start(theorem)`` takes a ``lean_dojo.Theorem`` or a tuple
    ``(repo_url, commit, file_path, full_name)``; the repository must be traceable by lean-dojo
    (it clones and builds it, which needs network and a Lean toolchain).
    """

    def __init__(self, timeout: int = 600, additional_imports: Sequence[str] = ()):
        self._ld = _import_dojo()
        self.timeout = timeout
        self.additional_imports = list(additional_imports)
        self._dojo = None
        self._states: dict[int, Any] = {}

    def start(self, theorem) -> TacticState | LeanError:
        ld = self._ld
        if isinstance(theorem, tuple):
            url, commit, path, name = theorem
            theorem = ld.Theorem(ld.LeanGitRepo(url, commit), path, name)
        self.close()
        self._dojo = ld.Dojo(theorem, timeout=self.timeout, additional_imports=self.additional_imports)
        try:
            _, state = self._dojo.__enter__()
        except ld.DojoInitError as e:
            self._dojo = None
            return LeanError(f"lean-dojo could not start: {e}")
        return self._convert(state)

    def _convert(self, r) -> TacticResult:
        kind = type(r).__name__
        if kind == "TacticState":
            self._states[r.id] = r
            goals = tuple(str(getattr(g, "pp", g)) for g in getattr(r, "goals", ())) or (r.pp,)
            return TacticState(r.pp, r.id, goals)
        if kind == "ProofFinished":
            return ProofFinished(r.tactic_state_id)
        if kind == "ProofGivenUp":
            return ProofGivenUp()
        if kind == "LeanError":
            return LeanError(r.error)
        raise LeanSessionError(f"unexpected lean-dojo result {kind}")

    def run_tac(self, state: TacticState, tactic: str) -> TacticResult:
        if self._dojo is None:
            raise LeanSessionError("start() a theorem first")
        early = screen_tactic(tactic)
        if early is not None:
            return early
        native = self._states.get(state.id)
        if native is None:
            raise LeanSessionError(f"unknown state id {state.id}")
        try:
            return self._convert(self._dojo.run_tac(native, tactic))
        except self._ld.DojoTacticTimeoutError:
            return LeanError(f"tactic timed out after {self.timeout}s")
        except self._ld.DojoCrashError as e:
            raise LeanSessionError(f"lean-dojo crashed: {e}") from None

    def close(self) -> None:
        if self._dojo is not None:
            try:
                self._dojo.__exit__(None, None, None)
            finally:
                self._dojo = None
                self._states.clear()

    def __enter__(self) -> "DojoSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = [
    "TacticState", "ProofFinished", "LeanError", "ProofGivenUp", "TacticResult", "LeanSession",
    "LeanUnavailable", "LeanSessionError", "ReplSession", "DojoSession", "screen_tactic",
    "parse_command_response", "parse_tactic_response", "ReplResponse", "ReplSorry",
]
