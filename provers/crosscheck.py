"""Z3 and E on the same problem: a verdict from each and whether they agree.

``agree`` is None when either side is Unknown or E is missing, True when both decided the same
outcome, False when they decided different outcomes (a bug in a prover or in a translation).
:func:`cross_check_many` runs a batch, optionally on a pool of worker processes (spawned, so
no solver state is shared); results come back in input order.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Iterable, Sequence

from nsp.logic.ir import Node
from provers.eprover import EProverMissing, decide_e
from provers.outcome import Outcome, Verdict
from provers.z3_bridge import decide


@dataclass(frozen=True)
class CrossCheck:
    """Both provers' verdicts on one problem. ``e`` is None (and ``missing`` says why) when the
    E prover is not installed."""

    z3: Verdict
    e: Verdict | None
    missing: str = ""

    @property
    def agree(self) -> bool | None:
        if self.e is None or Outcome.UNKNOWN in (self.z3.outcome, self.e.outcome):
            return None
        return self.z3.outcome == self.e.outcome

    @property
    def outcome(self) -> Outcome:
        """The agreed outcome; the one decided outcome when the other side is Unknown or
        missing; Unknown when both are Unknown or they disagree."""
        if self.agree is False:
            return Outcome.UNKNOWN
        if self.z3.outcome.decided or self.e is None:
            return self.z3.outcome
        return self.e.outcome

    def to_json(self) -> dict:
        out = {"agree": self.agree, "outcome": self.outcome.value, "z3": self.z3.to_json(),
               "eprover": self.e.to_json() if self.e is not None else None}
        if self.missing:
            out["missing"] = self.missing
        return out


def cross_check(premises: Sequence[Node], conclusion: Node, timeout: float = 10.0,
                explain: bool = True) -> CrossCheck:
    """Decide premises ⊢ conclusion with Z3 and with E, each within ``timeout`` seconds."""
    z3_verdict = decide(premises, conclusion, timeout, explain)
    try:
        e_verdict = decide_e(premises, conclusion, timeout)
    except EProverMissing as err:
        return CrossCheck(z3_verdict, None, str(err))
    return CrossCheck(z3_verdict, e_verdict)


def _one(args: tuple) -> CrossCheck:
    premises, conclusion, timeout, explain = args
    return cross_check(premises, conclusion, timeout, explain)


def cross_check_many(problems: Iterable[tuple[Sequence[Node], Node]], timeout: float = 10.0,
                     explain: bool = False, workers: int = 1) -> list[CrossCheck]:
    """:func:`cross_check` on each (premises, conclusion) pair, on ``workers`` processes."""
    jobs = [(tuple(p), c, timeout, explain) for p, c in problems]
    if workers <= 1 or len(jobs) < 2:
        return [_one(j) for j in jobs]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(_one, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
