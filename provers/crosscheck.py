"""Z3, E and cvc5 on the same problem: a verdict from each and whether they agree.

:func:`cross_check` asks Z3 and then every other prover of ``provers`` (default
:data:`OPINIONS`: E, then cvc5) through the registry (:mod:`provers.base`); a prover whose tool
is not installed is left out and named in ``missing``. ``agree`` is the agreement of all the
provers that decided (:func:`provers.base.agreement`): None when fewer than two decided, True
when every one that decided found the same outcome, False when two decided differently (a bug
in a prover or in a translation). :func:`opinions` is the part ``nsp prove --cross-check`` uses
(:mod:`provers.decide`): the other provers' verdicts on a problem Z3 has already decided.
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

FIRST = "z3"
OPINIONS = ("e", "cvc5")  # the other opinions a cross-check asks for, in this order


@dataclass(frozen=True)
class CrossCheck:
    """Every installed prover's verdict on one problem (Z3's first, then the others in the order
    asked) and one line per prover that is not installed (``missing``)."""

    verdicts: tuple[Verdict, ...]
    missing: tuple[str, ...] = ()

    def verdict(self, prover: str) -> Verdict | None:
        """The verdict of the prover named ``prover`` (as :attr:`Verdict.prover` says it, e.g.
        ``eprover``), or None when it was not asked or not installed."""
        return next((v for v in self.verdicts if v.prover == prover), None)

    @property
    def z3(self) -> Verdict:
        return self.verdicts[0]

    @property
    def e(self) -> Verdict | None:
        return self.verdict("eprover")

    @property
    def cvc5(self) -> Verdict | None:
        return self.verdict("cvc5")

    @property
    def decided(self) -> tuple[str, ...]:
        """The provers that decided (any outcome but Unknown)."""
        return tuple(v.prover for v in self.verdicts if v.outcome.decided)

    @property
    def agree(self) -> bool | None:
        return base.agreement(self.verdicts)

    @property
    def outcome(self) -> Outcome:
        """The outcome every prover that decided found; Unknown when none decided or two
        disagree."""
        return base.combined(self.verdicts)

    def to_json(self) -> dict:
        out = {"agree": self.agree, "outcome": self.outcome.value, "decided": list(self.decided),
               "verdicts": {v.prover: v.to_json() for v in self.verdicts}}
        if self.missing:
            out["missing"] = list(self.missing)
        return out


def opinions(premises: Sequence[Node], conclusion: Node, provers: Sequence[str] = OPINIONS,
             timeout: float = 10.0) -> tuple[tuple[Verdict, ...], tuple[str, ...]]:
    """The verdicts of ``provers`` (registry names) on premises ⊢ conclusion, each within
    ``timeout`` seconds and the default rlimit, and one line per prover not installed."""
    verdicts, missing = [], []
    for name in provers:
        try:
            prover = base.get(name, timeout=timeout)
        except base.ToolMissing as err:
            missing.append(str(err))
            continue
        verdicts.append(prover.decide(premises, conclusion))
    return tuple(verdicts), tuple(missing)


def cross_check(premises: Sequence[Node], conclusion: Node, timeout: float = 10.0,
                explain: bool = True, provers: Sequence[str] = OPINIONS) -> CrossCheck:
    """Decide premises ⊢ conclusion with Z3 (with explanation when ``explain``) and with each
    of ``provers``, each within ``timeout`` seconds."""
    first = base.get(FIRST, timeout=timeout).decide(premises, conclusion, explain=explain)
    others, missing = opinions(premises, conclusion, provers, timeout)
    return CrossCheck((first, *others), missing)


def _one(args: tuple) -> CrossCheck:
    premises, conclusion, timeout, explain, provers = args
    return cross_check(premises, conclusion, timeout, explain, provers)


def cross_check_many(problems: Iterable[tuple[Sequence[Node], Node]], timeout: float = 10.0,
                     explain: bool = False, workers: int = 1,
                     provers: Sequence[str] = OPINIONS) -> list[CrossCheck]:
    """:func:`cross_check` on each (premises, conclusion) pair, on ``workers`` processes."""
    jobs = [(tuple(p), c, timeout, explain, tuple(provers)) for p, c in problems]
    if workers <= 1 or len(jobs) < 2:
        return [_one(j) for j in jobs]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(_one, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
