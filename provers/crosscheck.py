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
from provers import base
from provers.outcome import Outcome, Verdict


@dataclass(frozen=True)
class CrossCheck:
    """Both provers' verdicts on one problem. ``e`` is None (and ``missing`` says why) when the
    E prover is not installed."""

    z3: Verdict
    e: Verdict | None
    missing: str = ""

    @property
    def agree(self) -> bool | None:
        return base.agreement([self.z3, self.e])

    @property
    def outcome(self) -> Outcome:
        """The agreed outcome; the one decided outcome when the other side is Unknown or
        missing; Unknown when both are Unknown or they disagree."""
        return base.combined([self.z3, self.e])

    def to_json(self) -> dict:
        out = {"agree": self.agree, "outcome": self.outcome.value, "z3": self.z3.to_json(),
               "eprover": self.e.to_json() if self.e is not None else None}
        if self.missing:
            out["missing"] = self.missing
        return out


def cross_check(premises: Sequence[Node], conclusion: Node, timeout: float = 10.0,
                explain: bool = True) -> CrossCheck:
    """Decide premises ⊢ conclusion with Z3 and with E, each within ``timeout`` seconds."""
    z3_verdict = base.get("z3", timeout=timeout).decide(premises, conclusion, explain=explain)
    try:
        e = base.get("e", timeout=timeout)
    except base.ToolMissing as err:
        return CrossCheck(z3_verdict, None, str(err))
    return CrossCheck(z3_verdict, e.decide(premises, conclusion))


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
