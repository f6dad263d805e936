"""Monte Carlo tree search (PUCT) over proof states, recording the tree it grows.

The tree's nodes are proof states (:mod:`synth.state`); an edge is a step
(:mod:`synth.actions`) with the prior the policy (:mod:`synth.policy`) gave it. One simulation:

1. *select*: from the root, follow the child maximising the PUCT score
   ``Q(c) + c_puct · P(c) · √N(parent) / (1 + N(c))`` (unvisited children have ``Q = 0``; ties go
   to the earlier child) until a node that is not expanded yet, or a terminal one. A child is
   materialised when first selected: its step is checked by Z3 from exactly its parents
   (:class:`synth.stepcheck.StepChecker`); a step Z3 refuses is marked dead and never chosen.
2. *expand and evaluate*: a solved state (the goal or its negation is an outright fact) has
   terminal reward 1; a state with no step left has terminal reward 0. Otherwise its steps get
   priors (the ``max_children`` best are kept) and its value is a rollout: up to
   ``rollout_depth`` steps sampled from the priors (taking a step that solves the goal whenever
   one is available; rollout steps are not checked and leave no trace), worth
   ``discount ** k`` when the goal is reached after ``k`` steps, else 0.
3. *back up*: every node on the path gets one visit and the value, discounted once per level.

The search stops after ``simulations`` simulations, when the tree holds ``max_nodes`` proof
states (if set: the small budget of a problem known to have no proof, see :mod:`synth.search`),
when no step is left anywhere (the root is terminal), or as soon as a solved node is in the
tree (``stop_on_proof``); :attr:`SearchResult.end` says which (:data:`END_SOLVED`,
:data:`END_BUDGET`, :data:`END_EXHAUSTED`). The proof is the minimal proof (fewest steps) among the tree's solved
states. Randomness (rollouts only) comes from one ``random.Random`` seeded by the caller, so a
run is reproducible.

Tree records (``SearchResult.tree``), one per materialised node, in the spirit of AlphaMath's
released trees: ``node``, ``parent``, ``state`` (state id), ``action`` (the step: name, parent
fact ids, conclusion), ``prior``, ``visits``, ``q`` (mean backed-up value), ``reward``
(terminal reward, or null), ``depth``, ``children`` (steps available there), ``verdict``.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass, field

from synth.actions import Step
from synth.policy import Policy
from synth.state import ProofState
from synth.stepcheck import StepChecker


END_SOLVED = "solved"  # stopped at the first proof
END_BUDGET = "budget"  # simulations (beam: rounds) or max_nodes used up
END_EXHAUSTED = "exhausted"  # no step left to try anywhere in the tree


@dataclass(frozen=True)
class SearchConfig:
    simulations: int = 200
    c_puct: float = 1.5
    rollout_depth: int = 12
    discount: float = 0.95
    max_depth: int = 40
    max_children: int = 48
    stop_on_proof: bool = True
    reduce_orders: bool = True  # partial-order reduction by sleep sets
    beam_width: int = 8  # beam search only
    max_rounds: int = 16  # beam search only
    max_nodes: int | None = None  # most proof states in the tree (None: no bound but the budget)

    def to_json(self) -> dict:
        return asdict(self)


class TreeNode:
    __slots__ = ("index", "parent", "step", "prior", "state", "visits", "value_sum", "reward",
                 "children", "dead", "depth", "sleep")

    def __init__(self, index: int, parent: "TreeNode | None", step: Step | None, prior: float, depth: int):
        self.index = index
        self.parent = parent
        self.step = step
        self.prior = prior
        self.state: ProofState | None = None
        self.visits = 0
        self.value_sum = 0.0
        self.reward: float | None = None
        self.children: list[TreeNode] | None = None
        self.dead = False
        self.depth = depth
        self.sleep: frozenset = frozenset()  # step keys covered by earlier siblings (POR)

    @property
    def q(self) -> float:
        return self.value_sum / self.visits if self.visits else 0.0

    @property
    def terminal(self) -> bool:
        return self.reward is not None

    def record(self) -> dict:
        st = self.state
        return {
            "node": self.index,
            "parent": self.parent.index if self.parent else None,
            "state": st.id if st else None,
            "action": self.step.to_json() if self.step else None,
            "prior": round(self.prior, 6),
            "visits": self.visits,
            "q": round(self.q, 6),
            "reward": self.reward,
            "depth": self.depth,
            "children": len(self.children) if self.children is not None else 0,
            "verdict": st.verdict if st else None,
        }


@dataclass
class SearchResult:
    """What a search found: the verdict ("True"/"False"/None), the solved state with the
    smallest proof, the tree records, and counters."""

    verdict: str | None
    solved: ProofState | None
    tree: list[dict]
    simulations: int
    seconds: float
    stats: dict = field(default_factory=dict)
    end: str = END_BUDGET  # why the search stopped: END_SOLVED, END_BUDGET or END_EXHAUSTED
    decided: dict | None = None  # the prover's verdict on the problem, when asked (synth.search)

    @property
    def proof_steps(self) -> int:
        if self.solved is None:
            return 0
        return sum(1 for f in self.solved.proof_facts() if f.action != "given")


def checked(checker: StepChecker, state: ProofState, step: Step) -> bool:
    """Does Z3 accept the step from exactly its parents (as the proof graph records them)?"""
    parents, ids, concl = state.parent_formulas(step)
    return checker.entails(parents, concl, ids)


def solves(state: ProofState, step: Step) -> bool:
    if step.action == "contradiction":
        return True
    return step.hyp is None and step.conclusion_id in (state.goal.id, state.goal.negation_id)


def rollout(state: ProofState, policy: Policy, rng: random.Random, depth: int, discount: float) -> float:
    """Value of a state by one random playout (see module docstring)."""
    s = state
    for k in range(1, depth + 1):
        steps = s.steps()
        if not steps:
            return 0.0
        winning = [st for st in steps if solves(s, st)]
        if winning:
            return discount ** k
        priors = policy.priors(s, steps)
        s = s.after(rng.choices(steps, weights=priors, k=1)[0])
    return 0.0


class MCTS:
    def __init__(self, root: ProofState, policy: Policy, config: SearchConfig, rng: random.Random,
                 checker: StepChecker | None = None):
        self.policy, self.config, self.rng = policy, config, rng
        self.checker = checker or StepChecker()
        self.nodes: list[TreeNode] = []
        self.root = self._new(None, None, 1.0, 0)
        self.root.state = root
        self.states = 1  # materialised nodes (proof states in the tree)
        self.solved_nodes: list[TreeNode] = []
        self.end = END_BUDGET

    def _new(self, parent, step, prior, depth) -> TreeNode:
        node = TreeNode(len(self.nodes), parent, step, prior, depth)
        self.nodes.append(node)
        return node

    def _materialise(self, node: TreeNode) -> bool:
        parent_state = node.parent.state
        if not checked(self.checker, parent_state, node.step):
            node.dead = True
            return False
        node.state = parent_state.after(node.step)
        self.states += 1
        return True

    def _select_child(self, node: TreeNode) -> TreeNode | None:
        c = self.config.c_puct
        sqrt_n = math.sqrt(max(node.visits, 1))
        while True:
            best, best_score = None, -math.inf
            for child in node.children:
                if child.dead:
                    continue
                score = child.q + c * child.prior * sqrt_n / (1 + child.visits)
                if score > best_score:
                    best, best_score = child, score
            if best is None:
                return None
            if best.state is not None or self._materialise(best):
                return best

    def _expand(self, node: TreeNode) -> float:
        """Expand a leaf; returns its value."""
        st = node.state
        if st.verdict is not None:
            node.reward = 1.0
            node.children = []
            self.solved_nodes.append(node)
            return 1.0
        steps = st.steps() if node.depth < self.config.max_depth else []
        if node.sleep:
            steps = [x for x in steps if x.key not in node.sleep]
        if not steps:
            node.reward = 0.0
            node.children = []
            return 0.0
        priors = self.policy.priors(st, steps)
        ranked = sorted(range(len(steps)), key=lambda i: (-priors[i], i))[: self.config.max_children]
        kept = sum(priors[i] for i in ranked) or 1.0
        node.children = [self._new(node, steps[i], priors[i] / kept, node.depth + 1) for i in ranked]
        if self.config.reduce_orders:
            # a step ranked before this child's is explored first in that sibling's subtree, so
            # here it sleeps (every set of steps is reached along one order only)
            asleep = set(node.sleep)
            for child in node.children:
                child.sleep = frozenset(asleep)
                asleep.add(child.step.key)
        return rollout(st, self.policy, self.rng, self.config.rollout_depth, self.config.discount)

    def simulate(self) -> None:
        node = self.root
        path = [node]
        while node.children is not None and not node.terminal:
            child = self._select_child(node)
            if child is None:  # every step from here was refused: a dead end
                node.reward = 0.0
                break
            node = child
            path.append(node)
        value = node.reward if node.terminal else self._expand(node)
        for n in reversed(path):
            n.visits += 1
            n.value_sum += value
            value *= self.config.discount

    def run(self) -> int:
        """Run simulations until a stop (see module docstring; ``self.end`` says which)."""
        done, cap = 0, self.config.max_nodes
        for done in range(1, self.config.simulations + 1):
            if cap is not None and self.states >= cap:
                done -= 1
                break
            self.simulate()
            if self.config.stop_on_proof and self.solved_nodes:
                self.end = END_SOLVED
                break
            if self.root.terminal:
                self.end = END_EXHAUSTED
                break
        return done


def best_solved(states: list[ProofState]) -> ProofState | None:
    """The solved state with the fewest proof steps (the first of equals)."""
    best, best_len = None, None
    for st in states:
        n = sum(1 for f in st.proof_facts() if f.action != "given")
        if best_len is None or n < best_len:
            best, best_len = st, n
    return best


def mcts_search(root: ProofState, policy: Policy, config: SearchConfig, seed: int,
                checker: StepChecker | None = None) -> SearchResult:
    """Run MCTS from ``root`` (see module docstring)."""
    start = time.monotonic()
    search = MCTS(root, policy, config, random.Random(seed), checker)
    sims = search.run()
    solved = best_solved([n.state for n in search.solved_nodes])
    stats = {
        "nodes": sum(1 for n in search.nodes if n.state is not None),
        "candidates": len(search.nodes),
        "checks": search.checker.stats.checks,
        "check_cache_hits": search.checker.stats.hits,
        "refused": search.checker.stats.refused,
    }
    tree = [n.record() for n in search.nodes if n.state is not None]
    return SearchResult(solved.verdict if solved else None, solved, tree, sims,
                        time.monotonic() - start, stats, search.end)
