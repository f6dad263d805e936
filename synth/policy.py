"""Policy priors for proof search: how promising each available step looks.

A policy maps a state and its steps to prior probabilities (non-negative, summing to one).

``uniform``
    every step alike.
``overlap``
    a symbol-overlap heuristic: a step scores
    ``log w(action) + 2·J + 2·R + 6·[it solves the goal]`` where ``J`` is the Jaccard overlap of
    the terms (constants, function symbols) of its conclusion and of the goal, ``R`` is
    ``1 / (1 + d)`` for the conclusion's predicate closest to the goal's (``d``: rules to go
    backwards from the goal's predicates to it, through the state's rules; 0 when unrelated),
    and ``w`` weighs the actions (detaching a rule's consequent is usually progress, a bare
    instantiation or a hypothesis less often); priors are the softmax of the scores.
``scorer``
    the pluggable interface for a learned or LLM scorer: :class:`ScorerPolicy` wraps any
    function ``score(goal, facts, steps) -> list[float]`` over FOLIO text (the goal, the facts
    of the state, one line per step: ``action: conclusion``) and turns its scores into priors by
    a softmax with a temperature. Nothing here calls a model; a caller passes one in.
"""

from __future__ import annotations

import math
from typing import Callable, Protocol, Sequence

from nsp.logic.analysis import all_names, free_vars
from nsp.logic.ir import Node
from nsp.logic.syntax import write
from nsp.logic.walk import postorder
from synth.actions import Step

ACTION_WEIGHTS = {
    "modus_ponens": 1.0, "contraposition": 0.8, "and_elim": 0.8, "disjunctive_syllogism": 1.0,
    "case_split": 0.8, "and_intro": 0.5, "eq_subst": 0.3, "instantiate": 0.03, "contradiction": 1.0,
    "assume": 0.02, "lemma": 0.3,
}


class Policy(Protocol):
    name: str

    def priors(self, state, steps: Sequence[Step]) -> list[float]:
        ...


def softmax(scores: Sequence[float], temperature: float = 1.0) -> list[float]:
    if not scores:
        return []
    t = max(temperature, 1e-6)
    top = max(scores)
    exps = [math.exp((s - top) / t) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


class UniformPolicy:
    name = "uniform"

    def priors(self, state, steps: Sequence[Step]) -> list[float]:
        return [1.0 / len(steps)] * len(steps) if steps else []


def symbols(f: Node) -> frozenset[str]:
    """Non-logical symbol names of a formula (variables left out)."""
    bound = set()
    for n in postorder(f):
        if n.kind in ("forall", "exists"):
            bound.update(n.payload)
    return frozenset(all_names(f) - bound - free_vars(f))


def _predicates(f: Node) -> frozenset[str]:
    return frozenset(n.payload for n in postorder(f) if n.kind == "atom")


def _constants(f: Node) -> frozenset[str]:
    return frozenset(n.payload for n in postorder(f) if n.kind in ("const", "app"))


class OverlapPolicy:
    """The symbol-overlap heuristic (module docstring)."""

    name = "overlap"

    def __init__(self, weights: dict[str, float] | None = None, temperature: float = 1.0):
        self.weights = dict(ACTION_WEIGHTS, **(weights or {}))
        self.temperature = temperature
        self._syms: dict[str, tuple[frozenset, frozenset]] = {}
        self._relevance: dict[tuple, dict[str, int]] = {}

    def _symbols(self, node_id: str, f: Node) -> tuple[frozenset, frozenset]:
        s = self._syms.get(node_id)
        if s is None:
            s = self._syms[node_id] = (_predicates(f), _constants(f))
        return s

    def relevance(self, state) -> dict[str, int]:
        """Predicate -> distance from the goal's predicates going backwards through the
        state's rules (a rule whose consequent mentions a predicate at distance d puts its
        antecedents' predicates at d + 1)."""
        rules = state.view.rules
        key = (state.goal.id, tuple(r.fact for r in rules))
        dist = self._relevance.get(key)
        if dist is not None:
            return dist
        dist = {p: 0 for p in _predicates(state.goal.formula)}
        frontier = list(dist)
        while frontier:
            nxt = []
            for rule in rules:
                if not (_predicates(rule.consequent) & set(frontier)):
                    continue
                d = 1 + min(dist[p] for p in _predicates(rule.consequent) if p in dist)
                for a in rule.antecedents:
                    for p in _predicates(a):
                        if p not in dist:
                            dist[p] = d
                            nxt.append(p)
            frontier = nxt
        if len(self._relevance) > 4096:
            self._relevance.clear()
        self._relevance[key] = dist
        return dist

    def score(self, state, step: Step, dist: dict[str, int] | None = None) -> float:
        dist = self.relevance(state) if dist is None else dist
        gp, gc = self._symbols(state.goal.id, state.goal.formula)
        mp, mc = self._symbols(step.conclusion_id, step.conclusion)
        consts = len(gc & mc) / len(gc | mc) if (gc | mc) else 0.0
        rel = max((1.0 / (1 + dist[p]) for p in mp if p in dist), default=0.0)
        solves = step.hyp is None and step.conclusion_id in (state.goal.id, state.goal.negation_id)
        solves = solves or step.action == "contradiction"
        return (math.log(self.weights.get(step.action, 0.5)) + 2.0 * consts + 2.0 * rel
                + (6.0 if solves else 0.0))

    def priors(self, state, steps: Sequence[Step]) -> list[float]:
        dist = self.relevance(state)
        return softmax([self.score(state, st, dist) for st in steps], self.temperature)


Scorer = Callable[[str, list[str], list[str]], Sequence[float]]


class ScorerPolicy:
    """Priors from an external scorer (e.g. an LLM ranking the steps); see module docstring."""

    name = "scorer"

    def __init__(self, scorer: Scorer, temperature: float = 1.0):
        self.scorer = scorer
        self.temperature = temperature

    def priors(self, state, steps: Sequence[Step]) -> list[float]:
        if not steps:
            return []
        goal = write(state.goal.formula, "folio")
        facts = [write(state.encoded(f), "folio") for f in state.facts.values()]
        lines = [f"{st.action}: {write(st.conclusion, 'folio')}" for st in steps]
        scores = [float(s) for s in self.scorer(goal, facts, lines)]
        if len(scores) != len(steps) or not all(math.isfinite(s) for s in scores):
            raise ValueError(f"the scorer returned {len(scores)} finite scores for {len(steps)} steps")
        return softmax(scores, self.temperature)


def make_policy(name: str) -> Policy:
    if name == "uniform":
        return UniformPolicy()
    if name == "overlap":
        return OverlapPolicy()
    raise ValueError(f"unknown policy {name!r}; choose uniform or overlap (or pass a ScorerPolicy)")
