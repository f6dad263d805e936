"""Deciding premises ⊢ conclusion with the E prover, as a second opinion next to Z3.

E is a saturation prover. It shows a consequence by refutation (SZS ``Theorem``,
``ContradictoryAxioms``, ``Unsatisfiable``) and a non-consequence only when the clause set
saturates (``CounterSatisfiable``, ``Satisfiable``). With A = "premises ∧ ¬C has a model" and
B = "premises ∧ C has a model", the outcome is (as in :mod:`provers.z3_bridge`):

    A false, B true: True      A true, B false: False      both true: Uncertain
    both false: Inconsistent   either one unknown: Unknown (with the SZS statuses as reason)

Up to three runs of ``eprover --auto`` settle A and B:

    run C   (premises, conjecture C)   Theorem: A false   CounterSatisfiable: A true
    run ¬C  (premises, conjecture ¬C)  Theorem: B false   CounterSatisfiable: B true
    run P   (premises only; only when a proof on one side leaves the other side open)
            Unsatisfiable: both false   Satisfiable: the side not refuted is true
    ContradictoryAxioms in any run: both false.   Runs that contradict each other: Unknown.

Axioms are named ``p1..pn``; ``Verdict.used`` lists the (0-based) premises that E's proof
objects cite (a set sufficient for the verdict, not necessarily minimal). ``timeout`` bounds the
whole call in wall time: each run gets a share, and a run that overstays its share is killed.
Symbols whose names E cannot read (non-ASCII) are renamed injectively first; other names are
single-quoted by :func:`nsp.logic.syntax.tptp.fof`.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Sequence

from nsp.logic.analysis import rename_symbol, signature
from nsp.logic.ir import Node, Not
from nsp.logic.syntax.names import name_map
from nsp.logic.syntax.tptp import fof
from provers.base import Entailment, ToolMissing
from provers.limits import DEFAULT_TIMEOUT
from provers.outcome import Model, Outcome, Verdict

PROVER = "eprover"
ENV_VAR = "NSP_EPROVER"
INSTALL_HINT = "install it with `apt-get install eprover` (Debian/Ubuntu) or point NSP_EPROVER at the binary"
MEMORY_LIMIT_MB = 2048
CONJECTURE = "goal"

_STATUS = re.compile(r"^# SZS status (\w+)", re.M)
_PROOF = re.compile(r"# SZS output start CNFRefutation(.*?)# SZS output end CNFRefutation", re.S)
_SOURCE = re.compile(r"file\('(?:[^'\\]|\\.)*',\s*(\w+)\)")


class EProverMissing(ToolMissing):
    """The E prover binary cannot be found; the message says how to install it."""


def eprover_path() -> str:
    """The E binary: ``$NSP_EPROVER`` if set, else ``eprover`` on PATH. Raises EProverMissing."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise EProverMissing(f"{ENV_VAR}={configured} is not an executable file; {INSTALL_HINT}")
    found = shutil.which("eprover")
    if found is None:
        raise EProverMissing(f"the E prover (eprover) is not on PATH; {INSTALL_HINT}")
    return found


@dataclass(frozen=True)
class _Run:
    """One E run: its SZS status (or Timeout/Error), the formula names its proof cites."""

    status: str
    used: frozenset[str] = frozenset()
    detail: str = ""


def _parse_status(stdout: str) -> str | None:
    """The last ``# SZS status X`` in E's output, or None."""
    found = _STATUS.findall(stdout)
    return found[-1] if found else None


def _parse_used(stdout: str) -> frozenset[str]:
    """Names of input formulas cited (``file(..., name)``) in the CNF refutation, if any."""
    proof = _PROOF.search(stdout)
    return frozenset(_SOURCE.findall(proof.group(1))) if proof else frozenset()


def _run(binary: str, text: str, seconds: float) -> _Run:
    """Run E on TPTP ``text`` for at most ``seconds`` of wall time (killed after that).

    Debian's E links a picosat built without trace support and aborts when its periodic SAT
    check succeeds; such a run is retried once with the SAT check throttled off.
    """
    deadline = time.monotonic() + seconds
    run = _run_once(binary, text, seconds, [])
    if run.status == "Error" and "picosat" in run.detail:
        retry = _run_once(binary, text, deadline - time.monotonic(), ["--satcheck-decision-limit=0"])
        detail = "E aborted in its SAT check (picosat without trace support), retried without it"
        return _Run(retry.status, retry.used, f"{detail}: {retry.detail}" if retry.detail else detail)
    return run


def e_command(binary: str, seconds: float, extra: Sequence[str] = ()) -> list[str]:
    """The command line of one E run reading TPTP on stdin (CPU limit: whole seconds, >= 1)."""
    return [binary, "--auto", "-s", "--proof-object", f"--cpu-limit={max(1, math.ceil(seconds))}",
            f"--memory-limit={MEMORY_LIMIT_MB}", *extra]


def _run_once(binary: str, text: str, seconds: float, extra: list[str]) -> _Run:
    if seconds < 0.01:
        return _Run("Timeout", detail="no time left")
    cmd = e_command(binary, seconds, extra)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8")
    try:
        out, err = proc.communicate(text, timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return _Run("Timeout", detail=f"killed after {seconds:.2f}s")
    status = _parse_status(out)
    if status is None:
        lines = (err.strip() or out.strip() or f"exit code {proc.returncode}").splitlines()
        return _Run("Error", detail=lines[-1][:300])
    return _Run(status, _parse_used(out) if status in _PROVED else frozenset())


_PROVED = frozenset({"Theorem", "ContradictoryAxioms", "Unsatisfiable"})


def _e_safe(formulas: list[Node]) -> list[Node]:
    """Rename symbols whose names are not printable ASCII (E rejects them even quoted)."""
    table = signature(formulas)
    names = name_map(table, lambda n: all(" " <= ch <= "~" for ch in n), _ascii_name)
    renames = [(table[old], new) for old, new in names.items() if old != new]
    for sym, new in renames:
        formulas = [rename_symbol(f, sym, new) for f in formulas]
    return formulas


def _ascii_name(name: str) -> str:
    fixed = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in name).strip("_")
    return "u_" + (fixed or "sym")


def _problem(premises: Sequence[Node], conjecture: Node | None) -> str:
    lines = [fof(f"p{i + 1}", "axiom", p) for i, p in enumerate(premises)]
    if conjecture is not None:
        lines.append(fof(CONJECTURE, "conjecture", conjecture))
    return "\n".join(lines) + "\n"


def _indices(names: frozenset[str], n: int) -> tuple[int, ...]:
    out = {int(x[1:]) - 1 for x in names if re.fullmatch(r"p\d+", x)}
    return tuple(sorted(i for i in out if 0 <= i < n))


@dataclass
class _Evidence:
    """What the runs established. ``a``: premises ∧ ¬C satisfiable? ``b``: premises ∧ C?
    (None: not known). ``cited``: formula names each proof cites, by what it refuted."""

    a: bool | None = None
    b: bool | None = None
    cited: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    conflict: bool = False

    def set(self, side: str, value: bool) -> None:
        old = getattr(self, side)
        if old is not None and old != value:
            self.conflict = True
        setattr(self, side, value)

    def learn(self, label: str, run: _Run, side: str | None) -> None:
        """Record a run on side ``a`` (conjecture C), ``b`` (¬C) or None (premises alone)."""
        self.notes.append(f"{label}: {run.status}" + (f" ({run.detail})" if run.detail else ""))
        if run.status in ("ContradictoryAxioms", "Unsatisfiable"):
            self.set("a", False)
            self.set("b", False)
            self.cited["both"] = run.used
        elif run.status == "Theorem" and side:
            self.set(side, False)
            self.cited[side] = run.used
        elif run.status == "CounterSatisfiable" and side:
            self.set(side, True)
        elif run.status == "Satisfiable" and side is None and False in (self.a, self.b):
            self.set("a" if self.a is None else "b", True)  # the side not refuted has a model

    @property
    def open(self) -> bool:
        """Could a run on the premises alone still settle the outcome?"""
        return (self.a is None or self.b is None) and True not in (self.a, self.b)

    def outcome(self) -> tuple[Outcome, frozenset[str] | None]:
        if self.conflict:
            return Outcome.UNKNOWN, None
        if self.a is False and self.b is False:
            return Outcome.INCONSISTENT, self.cited.get("both", self.cited.get("a", frozenset())
                                                        | self.cited.get("b", frozenset()))
        if self.a is False and self.b is True:
            return Outcome.TRUE, self.cited["a"]
        if self.a is True and self.b is False:
            return Outcome.FALSE, self.cited["b"]
        if self.a is True and self.b is True:
            return Outcome.UNCERTAIN, None
        return Outcome.UNKNOWN, None


def decide_e(premises: Sequence[Node], conclusion: Node, timeout: float = 10.0) -> Verdict:
    """Decide premises ⊢ conclusion with E (see module docstring). Raises EProverMissing when
    E is not installed and SignatureError on a symbol used with two arities."""
    start = time.monotonic()
    formulas = _e_safe(list(premises) + [conclusion])
    binary = eprover_path()
    prem, conc = formulas[:-1], formulas[-1]
    left = lambda: start + timeout - time.monotonic()  # noqa: E731
    ev = _Evidence()
    if conc.kind == "top":  # nothing to prove
        ev.a, ev.cited["a"] = False, frozenset()
    else:
        ev.learn("premises ⊢ conclusion", _run(binary, _problem(prem, conc), left() / 2), "a")
    if ev.b is None:
        if conc.kind == "bottom":
            ev.b, ev.cited["b"] = False, frozenset()
        else:  # keep half for a run on the premises alone unless it cannot help
            share = left() if ev.a is True else left() / 2
            ev.learn("premises ⊢ ¬conclusion", _run(binary, _problem(prem, Not(conc)), share), "b")
    if ev.open:
        run = _run(binary, _problem(prem, None), left()) if prem else _Run("Satisfiable", detail="no premises")
        ev.learn("premises alone", run, None)
    outcome, cited = ev.outcome()
    reason = ""
    if outcome is Outcome.UNKNOWN:
        reason = ("E contradicted itself: " if ev.conflict else "") + "; ".join(ev.notes)
    used = _indices(cited, len(prem)) if cited is not None else None
    return Verdict(outcome, PROVER, time.monotonic() - start, reason, used)


def consistent_e(premises: Sequence[Node], timeout: float = 10.0) -> Verdict:
    """Are the premises satisfiable? Inconsistent (with the premises E's refutation cites),
    Uncertain (E saturated them: they have a model), or Unknown."""
    start = time.monotonic()
    prem = _e_safe(list(premises)) if premises else []
    run = _run(eprover_path(), _problem(prem, None), timeout) if prem else _Run("Satisfiable")
    elapsed = time.monotonic() - start
    if run.status == "Unsatisfiable":
        return Verdict(Outcome.INCONSISTENT, PROVER, elapsed, used=_indices(run.used, len(prem)))
    if run.status == "Satisfiable":
        return Verdict(Outcome.UNCERTAIN, PROVER, elapsed, reason="premises are satisfiable")
    return Verdict(Outcome.UNKNOWN, PROVER, elapsed, reason=f"premises alone: {run.status} {run.detail}".strip())


class EProver:
    """E as a :class:`provers.base.Prover` (registered as ``e``). E has no resource limit:
    ``rlimit`` is ignored; ``timeout`` bounds each call (E's CPU limit, killed after it in wall
    time). Raises :class:`EProverMissing` at construction when E is not installed."""

    name = PROVER

    def __init__(self, rlimit: int | None = None, timeout: float | None = DEFAULT_TIMEOUT):
        self.binary = eprover_path()
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout

    def decide(self, premises, conclusion, *, explain: bool = False, cores: bool = False) -> Verdict:
        return decide_e(premises, conclusion, self.timeout)

    def consistent(self, premises) -> Verdict:
        return consistent_e(premises, self.timeout)

    def entails(self, premises, goal, *, used: bool = False) -> Entailment:
        """premises ⊢ goal by refutation (one E run); ``used``: the premises E's proof cites."""
        start = time.monotonic()
        formulas = _e_safe(list(premises) + [goal])
        run = _run(self.binary, _problem(formulas[:-1], formulas[-1]), self.timeout)
        if run.status in ("Theorem", "ContradictoryAxioms"):
            return Entailment(True, _indices(run.used, len(premises)) if used else None)
        if run.status == "CounterSatisfiable":
            return Entailment(False)
        detail = f"{run.status} {run.detail}".strip()
        if time.monotonic() - start >= self.timeout:
            detail = f"wall-clock hang guard ({self.timeout:g} s): {detail}"
        return Entailment(None, None, detail)

    def countermodel(self, premises, goal) -> Model | None:
        return None  # E saturates; it does not print finite models
