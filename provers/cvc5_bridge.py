"""cvc5 (PyPI ``cvc5``) as a third back end of :mod:`provers.base` (registered as ``cvc5``).

The problem is written as SMT-LIB (:mod:`nsp.logic.syntax.smtlib`: one uninterpreted sort) and
read by cvc5's own parser into one solver per check. Two checks decide, as for Z3: premises ∧
¬conclusion (unsat: True) and premises ∧ conclusion (unsat: False); both unsat: Inconsistent,
both sat: Uncertain. Finite model finding is on, so satisfiable quantified problems with
finite models come back ``sat``. Each check runs under cvc5's resource limit (``rlimit-per``,
deterministic, derived from the Z3 rlimit: the units differ, so the default is the same number)
and its time limit as a hang guard. No explanations: ``used`` stays None and there are no
models; ``entails`` reports no premises used.
"""

from __future__ import annotations

import time
from typing import Sequence

from nsp.logic.analysis import signature
from nsp.logic.ir import Node
from nsp.logic.syntax.smtlib import smt_symbol, write_smtlib
from provers.base import Entailment, ToolMissing
from provers.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT, HANG_GUARD
from provers.outcome import Model, Outcome, Verdict

try:
    import cvc5
except ImportError:  # pragma: no cover - depends on the machine
    cvc5 = None

PROVER = "cvc5"
INSTALL_HINT = "install it with `pip install cvc5`"


def _script(formulas: Sequence[Node], extra: Node | None, negate: bool) -> str:
    sig = signature(list(formulas) + ([extra] if extra is not None else []))
    lines = ["(declare-sort U 0)"]
    for sym in sig.values():
        rng = "Bool" if sym.kind == "predicate" else "U"
        lines.append(f"(declare-fun {smt_symbol(sym.name)} ({' '.join(['U'] * sym.arity)}) {rng})")
    for f in formulas:
        lines.append(f"(assert {write_smtlib(f)})")
    if extra is not None:
        body = write_smtlib(extra)
        lines.append(f"(assert (not {body}))" if negate else f"(assert {body})")
    return "\n".join(lines) + "\n"


class Cvc5Prover:
    name = PROVER

    def __init__(self, rlimit: int | None = DEFAULT_RLIMIT, timeout: float | None = DEFAULT_TIMEOUT):
        if cvc5 is None:
            raise ToolMissing(f"cvc5 is not installed; {INSTALL_HINT}")
        self.rlimit = rlimit
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout

    def _check(self, text: str, deadline: float) -> tuple[str, str]:
        left = deadline - time.monotonic()
        if left <= 0:
            return "unknown", f"{HANG_GUARD} ({self.timeout:g} s): timeout"
        tm = cvc5.TermManager()
        solver = cvc5.Solver(tm)
        solver.setOption("finite-model-find", "true")
        solver.setOption("seed", "0")
        solver.setOption("tlimit-per", str(max(1, int(left * 1000))))
        if self.rlimit:
            solver.setOption("rlimit-per", str(int(self.rlimit)))
        solver.setLogic("UF")
        sm = cvc5.SymbolManager(tm)
        parser = cvc5.InputParser(solver, sm)
        parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "nsp")
        while True:
            cmd = parser.nextCommand()
            if cmd.isNull():
                break
            cmd.invoke(solver, sm)
        r = solver.checkSat()
        if r.isSat():
            return "sat", ""
        if r.isUnsat():
            return "unsat", ""
        why = str(r.getUnknownExplanation())
        if "TIMEOUT" in why.upper() or time.monotonic() >= deadline:
            why = f"{HANG_GUARD} ({self.timeout:g} s): {why}"
        elif "RESOURCE" in why.upper():
            why = f"rlimit exhausted ({why})"
        return "unknown", why

    def decide(self, premises, conclusion, *, explain: bool = False, cores: bool = False) -> Verdict:
        start = time.monotonic()
        deadline = start + self.timeout
        neg, why_neg = self._check(_script(premises, conclusion, True), deadline)
        pos, why_pos = self._check(_script(premises, conclusion, False), deadline)
        table = {("unsat", "sat"): Outcome.TRUE, ("sat", "unsat"): Outcome.FALSE,
                 ("unsat", "unsat"): Outcome.INCONSISTENT, ("sat", "sat"): Outcome.UNCERTAIN}
        outcome = table.get((neg, pos), Outcome.UNKNOWN)
        reason = ""
        if outcome is Outcome.UNKNOWN:
            reason = "; ".join(f"{label}: {why}" for label, r, why in
                               (("premises ∧ ¬conclusion", neg, why_neg), ("premises ∧ conclusion", pos, why_pos))
                               if r == "unknown")
        return Verdict(outcome, PROVER, time.monotonic() - start, reason)

    def consistent(self, premises) -> Verdict:
        start = time.monotonic()
        r, why = self._check(_script(premises, None, False), start + self.timeout)
        elapsed = time.monotonic() - start
        if r == "unsat":
            return Verdict(Outcome.INCONSISTENT, PROVER, elapsed)
        if r == "sat":
            return Verdict(Outcome.UNCERTAIN, PROVER, elapsed, reason="premises are satisfiable")
        return Verdict(Outcome.UNKNOWN, PROVER, elapsed, reason=why)

    def entails(self, premises, goal, *, used: bool = False) -> Entailment:
        r, why = self._check(_script(premises, goal, True), time.monotonic() + self.timeout)
        return Entailment(True if r == "unsat" else (False if r == "sat" else None), None, why)

    def countermodel(self, premises, goal) -> Model | None:
        return None


__all__ = ["Cvc5Prover"]
