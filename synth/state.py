"""Proof states: the facts derived so far and the goal; and the proof graph of a solved state.

A :class:`ProofState` holds the facts (premises first, then derived facts in the order they
were added, each with the step that produced it), the goal ``G`` and at most one hypothesis
(see ``assume`` in :mod:`synth.actions`). It is never changed: :meth:`ProofState.after` returns
the successor state. The state id is the first 16 hex digits of the SHA-256 of the goal's
content id and the sorted content ids of the facts (each marked when it depends on the
hypothesis), so two search paths that reach the same facts reach the same state id.

A state is *solved* when ``G`` (verdict True) or ``¬G`` (verdict False) is a fact that does
not depend on the hypothesis. :meth:`ProofState.proof_graph` returns the minimal proof of that
fact: the facts it depends on through its recorded parents, as a provenance graph
(:mod:`nsp.graph.provenance`) whose every step is checkable by ``nsp graph verify``:

- premises: role ``premise``, rule ``given``, label ``p<i>`` (their position in the problem);
- lemmas: role ``axiom``, rule ``given``, attribute ``lemma`` (proved elsewhere);
- derived facts: role ``derived`` (the goal: ``theorem``), rule ``entailment`` (Z3 checked the
  step from exactly these sources), ``checked_by`` ``z3``, attribute ``action`` (the action);
- under the hypothesis ``H``, a fact ``X`` is recorded as ``H → X``; the hypothesis itself is
  ``H → H``, a ``law`` (valid, no sources); the ``contradiction`` step that discharges ``H``
  is an entailment from two recorded implications (or one and an outright fact). When the
  ``~H`` it concludes was itself derived under ``H`` (the pair is ``H`` and ``~H``), that fact
  and the conclusion share a fact id: the graph holds both, ``H → ~H`` (derived from its own
  sources) and ``~H`` (from ``H → H`` and ``H → ~H``), two nodes with their own content ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Sequence

import networkx as nx

from nsp.graph.provenance import add_derivation, add_fact, new_graph
from nsp.logic.canon import content_id
from nsp.logic.ir import Implies, Node
from nsp.logic.syntax import write
from synth.actions import Fact, Step, View, all_steps, complement, make_fact, next_steps


@dataclass(frozen=True)
class Goal:
    formula: Node
    id: str
    negation: Node
    negation_id: str

    @classmethod
    def of(cls, formula: Node) -> "Goal":
        neg = complement(formula)
        return cls(formula, content_id(formula), neg, content_id(neg))


class ProofState:
    """Facts plus the goal (see module docstring). Build the root with :meth:`initial`."""

    __slots__ = ("goal", "view", "id", "_steps", "_pending")

    def __init__(self, goal: Goal, view: View, pending: tuple | None = None):
        self.goal = goal
        self.view = view
        h = hashlib.sha256(goal.id.encode())
        for fid in sorted(fid + ("*" if f.hyp else "") for fid, f in view.facts.items()):
            h.update(b"|" + fid.encode())
        self.id = h.hexdigest()[:16]
        self._steps: list[Step] | None = None
        self._pending = pending  # (parent state, new fact, new terms, assumed): steps from the parent's

    @classmethod
    def initial(cls, premises: Sequence[Node], conclusion: Node, lemmas: Sequence[Node] = ()) -> "ProofState":
        facts: dict[str, Fact] = {}
        for p in premises:
            fact = make_fact(p)
            facts.setdefault(fact.id, fact)
        return cls(Goal.of(conclusion), View.root(list(facts.values()), conclusion, None, lemmas))

    # ---- reading

    @property
    def facts(self) -> dict[str, Fact]:
        return self.view.facts

    @property
    def hypothesis(self) -> str | None:
        return self.view.hypothesis

    def steps(self) -> list[Step]:
        """The new steps available here (cached; deterministic order)."""
        if self._steps is None:
            if self._pending is None:
                self._steps = all_steps(self.view)
            else:
                parent, new, new_terms, assumed = self._pending
                self._steps = next_steps(self.view, parent.steps(), new, new_terms, assumed)
                self._pending = None
        return self._steps

    @property
    def verdict(self) -> str | None:
        """"True" when the goal is an outright fact, "False" when its negation is, else None."""
        for fid, verdict in ((self.goal.id, "True"), (self.goal.negation_id, "False")):
            f = self.facts.get(fid)
            if f is not None and f.hyp is None:
                return verdict
        return None

    def derived(self) -> list[Fact]:
        return [f for f in self.facts.values() if f.action != "given"]

    def encoded(self, fact: Fact) -> Node:
        """The fact as a provenance graph records it: ``H → X`` under the hypothesis ``H``."""
        if fact.hyp is None:
            return fact.formula
        return Implies(self.facts[fact.hyp].formula, fact.formula)

    def parent_formulas(self, step: Step) -> tuple[list[Node], list[str], Node]:
        """What Z3 must check for a step here: (encoded parents, their ids, encoded conclusion)."""
        nodes = [self.encoded(self.facts[p]) for p in step.parents]
        if step.action == "assume":
            return [], [], Implies(step.conclusion, step.conclusion)
        concl = step.conclusion
        if step.hyp is not None:
            concl = Implies(self.facts[step.hyp].formula, concl)
        return nodes, [content_id(n) for n in nodes], concl

    # ---- moving

    def after(self, step: Step) -> "ProofState":
        """The successor state with the step's conclusion as a new fact (no check here)."""
        fact = make_fact(step.conclusion, step.action, step.parents, step.hyp, step.conclusion_id)
        new_terms = [t for t in fact.terms if t not in self.view.terms]
        if step.action == "assume":
            view = self.view.extend(fact, hypothesis=fact.id)
        elif step.action == "contradiction":
            # discharging H gives ~H, which is G or ¬G (only those are assumed): the state is
            # solved, and the facts that rest on H stay, for the proof
            if fact.id in fact.parents:  # ~H was derived under H: the fact replaces it, and keeps it
                fact = replace(fact, shadowed=self.facts[fact.id])
            view = self.view.extend(fact, hypothesis=None)
        else:
            view = self.view.extend(fact)
        return ProofState(self.goal, view, (self, fact, new_terms, step.action == "assume"))

    # ---- the proof

    def proof_fact(self) -> Fact | None:
        v = self.verdict
        if v is None:
            return None
        return self.facts[self.goal.id if v == "True" else self.goal.negation_id]

    def proof_facts(self, target: str | None = None) -> list[Fact]:
        """The facts the target (default: the solved goal) depends on, parents first."""
        if target is None:
            fact = self.proof_fact()
            if fact is None:
                raise ValueError("the state is not solved")
            target = fact.id
        order: list[Fact] = []
        seen: set[tuple] = set()  # (id, hyp): a shadowed fact has its replacement's id
        stack: list[tuple[Fact, bool]] = [(self.facts[target], False)]
        while stack:
            fact, done = stack.pop()
            if done:
                order.append(fact)
                continue
            if _key(fact) in seen:
                continue
            seen.add(_key(fact))
            stack.append((fact, True))
            for p in reversed(fact.parents):
                parent = fact.parent(self.facts, p)
                if _key(parent) not in seen:
                    stack.append((parent, False))
        return order

    def proof_graph(self, premises: Sequence[Node], problem_id: str | None = None, **attrs) -> nx.DiGraph:
        """The minimal proof of the solved goal as a provenance graph (module docstring)."""
        fact = self.proof_fact()
        if fact is None:
            raise ValueError("the state is not solved")
        labels = {}
        for i, p in enumerate(premises):
            labels.setdefault(content_id(p), f"p{i + 1}")
        g = new_graph(problem=problem_id, verdict=self.verdict,
                      conclusion=write(self.goal.formula, "folio"), **attrs)
        node_of: dict[tuple, str] = {}  # (fact id, hyp) -> node id
        for f in self.proof_facts(fact.id):
            enc = self.encoded(f)
            if f.action == "given":
                nid = add_fact(g, enc, "premise", "given", label=labels.get(f.id))
            elif f.action == "lemma":
                nid = add_fact(g, enc, "axiom", "given", lemma=True)
            elif f.action == "assume":
                nid = add_fact(g, enc, "derived", "law", checked_by="z3", action="assume")
            else:
                role = "theorem" if _key(f) == _key(fact) else "derived"
                if content_id(enc) in g:  # the same formula already recorded: keep the first
                    node_of[_key(f)] = content_id(enc)
                    continue
                nid = add_fact(g, enc, role, "entailment", checked_by="z3", action=f.action)
                sources = []
                for p in f.parents:
                    src = node_of[_key(f.parent(self.facts, p))]
                    if src not in sources and src != nid:
                        sources.append(src)
                add_derivation(g, sources, nid, "entailment")
            node_of[_key(f)] = nid
        g.graph["goal"] = node_of[_key(fact)]
        return g


def _key(fact: Fact) -> tuple:
    """A fact's identity in a proof: its id and hypothesis (``~H`` under ``H`` and the ``~H``
    that discharges ``H`` share the id)."""
    return fact.id, fact.hyp
