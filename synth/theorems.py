"""Theorems to mutate, and the Z3 calls that establish them.

A :class:`Theorem` is ``premises ⊢ conclusion`` with Z3's verdict True (premises consistent and
entailing the conclusion) and ``used``: the indices of a minimal set of premises that suffices.
Its *statement* is the single closed formula ``(P1 ∧ … ∧ Pn) → C`` (``C`` when there are no
premises): it is the fact the provenance graph records for the theorem.

Where theorems come from (:func:`theorems_from_premises`), for a premise set without conclusions
(FOLIO's gold FOL has none):

- ``holdout:pK``: premise K held out as the conclusion, kept when the others prove it;
- ``literal``: a ground literal ``P(c…)`` or ``¬P(c…)`` over the set's own predicates and
  constants that the premises prove, whose proof needs at least two premises (a literal one
  premise gives is just read off it), and that is not itself a premise (at most
  ``max_literals``, in the order predicates and constants first occur).

Z3 budgets: every check runs under a Z3 resource limit (``rlimit``, deterministic, unlike a wall
clock; set per solver, never as a global Z3 parameter) and a generous wall-clock timeout as a
hang guard, so the same input gives the same theorems on a loaded machine and on an idle one.
Z3 is reached through the prover interface (:mod:`provers.base`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Sequence

from nsp.logic.analysis import signature
from nsp.logic.canon import content_id
from nsp.logic.ir import Atom, Const, Implies, Node, Not, conj
from provers.outcome import Outcome, Verdict
from provers import base
from synth.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT

MAX_ATOMS = 64  # ground atoms tried per premise set


@dataclass(frozen=True)
class Budget:
    """Z3 limits for one call: ``rlimit`` (resource units, deterministic) and ``timeout`` (s)."""

    rlimit: int = DEFAULT_RLIMIT
    timeout: float = DEFAULT_TIMEOUT


def z3(budget: Budget):
    """The Z3 back end under ``budget``."""
    return base.get("z3", rlimit=budget.rlimit, timeout=budget.timeout)


def prove(premises: Sequence[Node], conclusion: Node, budget: Budget, cores: bool = False) -> Verdict:
    """Z3's verdict on premises ⊢ conclusion under ``budget``; ``cores``: with a minimal set of
    premises used (no models: nothing here reads them)."""
    return z3(budget).decide(list(premises), conclusion, cores=cores)


def prove_core(premises: Sequence[Node], conclusion: Node, budget: Budget) -> Verdict:
    """Z3's verdict; when True, ``used`` is a minimal set of premises that depends only on the
    problem (deletion in index order: :func:`provers.z3_bridge.decide_core`), not on Z3's
    search, unlike ``prove(cores=True)`` (whose cores fix the theorems' mutation targets, and so
    the recorded mutant ids)."""
    return z3(budget).decide_core(list(premises), conclusion)


@dataclass(frozen=True)
class Theorem:
    premises: tuple[Node, ...]
    conclusion: Node
    used: tuple[int, ...]
    source: str

    @property
    def statement(self) -> Node:
        return statement(self.premises, self.conclusion)


def statement(premises: Sequence[Node], conclusion: Node) -> Node:
    """``(P1 ∧ … ∧ Pn) → C``, or ``C`` with no premises."""
    return Implies(conj(premises), conclusion) if premises else conclusion


def establish(
    premises: Sequence[Node], conclusion: Node, source: str, budget: Budget, likely: bool = False
) -> tuple[Theorem | None, Verdict]:
    """The theorem premises ⊢ conclusion when Z3 says True (with a minimal core), else None.

    ``likely``: the conclusion is expected to hold, so ask for the core at once (a verdict alone
    is much cheaper than a core, hence the first call without one otherwise).
    """
    v = prove(premises, conclusion, budget, cores=likely)
    if v.outcome is not Outcome.TRUE:
        return None, v
    core = v if likely else prove(premises, conclusion, budget, cores=True)
    if core.outcome is not Outcome.TRUE:  # only when the budget ran out on the second call
        return None, core
    used = core.used if core.used is not None else tuple(range(len(premises)))
    return Theorem(tuple(premises), conclusion, tuple(used), source), core


def theorems_from_premises(premises: Sequence[Node], budget: Budget, max_literals: int = 8) -> list[Theorem]:
    """Theorems built from a premise set (see module docstring), deterministic order."""
    premises = list(premises)
    ids = [content_id(p) for p in premises]
    out: list[Theorem] = []
    for i, p in enumerate(premises):
        if ids.count(ids[i]) > 1:
            continue  # a duplicated premise proves itself
        rest = premises[:i] + premises[i + 1 :]
        thm, _ = establish(rest, p, f"holdout:p{i + 1}", budget)
        if thm is not None:
            out.append(thm)
    if max_literals <= 0:
        return out
    premise_ids = set(ids)
    found = 0
    for lit in entailed_literals(premises, ground_atoms(premises), budget):
        if found >= max_literals:
            break
        if content_id(lit) in premise_ids:
            continue
        thm, _ = establish(premises, lit, "literal", budget, likely=True)
        if thm is not None and len(thm.used) >= 2:
            out.append(thm)
            found += 1
    return out


def entailed_literals(premises: Sequence[Node], atoms: Sequence[Node], budget: Budget) -> list[Node]:
    """The literals over ``atoms`` that hold in every model of the premises (their backbone),
    in the order of ``atoms``; [] when the premises have no model or the budget runs out.

    One incremental solver: a model of the premises fixes a candidate value per atom; an atom
    is entailed when flipping its value is unsat, and every model met on the way rules out the
    atoms it gives the other value. These are candidates only: each is re-decided by
    :func:`establish` before it becomes a theorem.
    """
    if not atoms:
        return []
    found = z3(budget).backbone(list(premises), list(atoms))
    return [atoms[i] if value else Not(atoms[i]) for i, value in found]


def ground_atoms(formulas: Sequence[Node]) -> list[Node]:
    """Atoms ``P(c…)`` over the formulas' predicates and constants (first-use order, capped)."""
    sig = signature(formulas)
    consts = [Const(s.name) for s in sig.values() if s.kind == "constant"]
    preds = [s for s in sig.values() if s.kind == "predicate"]
    out: list[Node] = []
    for s in preds:
        if s.arity == 0:
            out.append(Atom(s.name, ()))
        elif consts and s.arity <= 2:
            for args in itertools.product(consts, repeat=s.arity):
                out.append(Atom(s.name, args))
        if len(out) >= MAX_ATOMS:
            break
    return out[:MAX_ATOMS]
