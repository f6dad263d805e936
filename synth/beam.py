"""Step-level beam search over proof states, recording the same tree records as MCTS.

Each round expands every state of the beam: its steps get priors from the policy and the
``beam_width`` most probable become candidates scored by the path's summed log prior. The
candidates are then taken best first (ties: earlier in the round); each is checked by Z3 from
exactly its parents (a refused step is dropped), and a candidate whose state id is already in
the new beam (the same facts reached in another order) is skipped, until the new beam holds
``beam_width`` states. The search ends when a state is solved (``stop_on_proof``: end
"solved"), the beam is empty ("exhausted"), after ``max_rounds`` rounds, or when the tree holds
``max_nodes`` proof states, if set ("budget").

Tree records are those of :mod:`synth.mcts`; here ``visits`` is 1 for a state that entered a
beam, and ``q`` is the path's summed log prior (its beam score). Beam search is deterministic:
the seed is not used.
"""

from __future__ import annotations

import math
import time

from synth.mcts import (END_BUDGET, END_EXHAUSTED, END_SOLVED, SearchConfig, SearchResult, TreeNode, best_solved,
                        checked)
from synth.policy import Policy
from synth.state import ProofState
from synth.stepcheck import StepChecker


def beam_search(root: ProofState, policy: Policy, config: SearchConfig, checker: StepChecker | None = None) -> SearchResult:
    start = time.monotonic()
    checker = checker or StepChecker()
    nodes: list[TreeNode] = []

    def new(parent, step, prior, depth) -> TreeNode:
        n = TreeNode(len(nodes), parent, step, prior, depth)
        nodes.append(n)
        return n

    root_node = new(None, None, 1.0, 0)
    root_node.state = root
    root_node.visits = 1
    solved: list[ProofState] = []
    if root.verdict is not None:
        root_node.reward = 1.0
        solved.append(root)
    beam = [root_node] if not solved else []
    rounds, states, cap = 0, 1, config.max_nodes
    full = cap is not None and states >= cap
    while beam and rounds < config.max_rounds and not full and not (solved and config.stop_on_proof):
        rounds += 1
        candidates = []
        for node in beam:
            steps = node.state.steps()
            if not steps:
                node.reward = 0.0
                node.children = []
                continue
            priors = policy.priors(node.state, steps)
            ranked = sorted(range(len(steps)), key=lambda i: (-priors[i], i))[: config.beam_width]
            node.children = []
            for i in ranked:
                candidates.append((node.value_sum + math.log(max(priors[i], 1e-12)), len(candidates), node, steps[i], priors[i]))
        candidates.sort(key=lambda c: (-c[0], c[1]))
        next_beam: list[TreeNode] = []
        seen: set[str] = set()
        for score, _, parent, step, prior in candidates:
            if len(next_beam) >= config.beam_width:
                break
            if cap is not None and states >= cap:
                full = True
                break
            child = new(parent, step, prior, parent.depth + 1)
            parent.children.append(child)
            if not checked(checker, parent.state, step):
                child.dead = True
                continue
            child.state = parent.state.after(step)
            states += 1
            if child.state.id in seen:
                continue
            seen.add(child.state.id)
            child.visits = 1
            child.value_sum = score
            if child.state.verdict is not None:
                child.reward = 1.0
                solved.append(child.state)
                if config.stop_on_proof:
                    break
            next_beam.append(child)
        beam = [n for n in next_beam if n.reward is None]
    best = best_solved(solved)
    if solved and config.stop_on_proof:
        end = END_SOLVED
    elif not beam and not full:
        end = END_EXHAUSTED
    else:
        end = END_BUDGET
    stats = {
        "nodes": sum(1 for n in nodes if n.state is not None),
        "candidates": len(nodes),
        "checks": checker.stats.checks,
        "check_cache_hits": checker.stats.hits,
        "refused": checker.stats.refused,
        "rounds": rounds,
    }
    tree = [n.record() for n in nodes if n.state is not None]
    for rec, n in zip(tree, [n for n in nodes if n.state is not None]):
        rec["q"] = round(n.value_sum, 6)  # beam score (summed log prior), not a mean
    return SearchResult(best.verdict if best else None, best, tree, rounds, time.monotonic() - start, stats, end)
