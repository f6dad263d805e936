"""Z3 checks of single proof steps: do a step's parents entail its conclusion?

A :class:`StepChecker` belongs to one search (one problem). It keeps one Z3 session
(:class:`provers.z3_bridge.Session`: one context, one solver, translations cached by content
id) and answers each question ``parents ⊢ conclusion`` with ``push``, ``add(parents,
¬conclusion)``, ``check``, ``pop``: unsat means the step is sound. Creating a context costs tens
of milliseconds, a push/pop check about one, and proof search asks thousands of these.

Answers are cached by content ids (:func:`nsp.logic.canon.content_id`): the key is the
conclusion's id and the sorted ids of the parents, so the same step met on another search path
(or with its parents in another order, or alpha-renamed) is not checked twice. Each check runs
under a Z3 resource limit (``rlimit``, deterministic; the shared default of
:mod:`provers.limits`) with a wall-clock hang guard; a check that runs out is answered "not
entailed" (the step is refused, never trusted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from nsp.logic.canon import content_id
from nsp.logic.ir import Node
from provers import base
from provers.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT


@dataclass
class CheckStats:
    checks: int = 0  # questions put to Z3
    hits: int = 0  # questions answered from the cache
    refused: int = 0  # checks that did not come back unsat


class StepChecker:
    """Entailment checks for proof steps, cached by content ids (see module docstring)."""

    def __init__(self, rlimit: int = DEFAULT_RLIMIT, timeout: float = DEFAULT_TIMEOUT):
        self.session = base.get("z3", rlimit=int(rlimit), timeout=timeout).session()
        self._cache: dict[tuple, bool] = {}
        self.stats = CheckStats()

    def entails(self, parents: Sequence[Node], conclusion: Node,
                parent_ids: Sequence[str] | None = None, conclusion_id: str | None = None) -> bool:
        """True when Z3 shows ``parents ⊢ conclusion`` (premises ∧ ¬conclusion is unsat)."""
        pids = list(parent_ids) if parent_ids is not None else [content_id(p) for p in parents]
        cid = conclusion_id or content_id(conclusion)
        key = (cid, tuple(sorted(set(pids))))
        cached = self._cache.get(key)
        if cached is not None:
            self.stats.hits += 1
            return cached
        self.stats.checks += 1
        ok = self.session.entails(parents, conclusion, keys=pids, goal_key=cid).proved is True
        if not ok:
            self.stats.refused += 1
        self._cache[key] = ok
        return ok
