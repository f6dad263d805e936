"""One entry point for deciding a problem: Z3, optionally cross-checked by E, with explanation."""

from __future__ import annotations

from dataclasses import dataclass

from nsp.graph.provenance import to_json
from nsp.logic.problem import Problem
from provers.explain import explanation_graph
from provers.outcome import Outcome, Verdict
from provers.z3_bridge import consistent, decide


@dataclass(frozen=True)
class Report:
    """The verdict on a problem, the second opinion when asked for, and the explanation graph."""

    problem: Problem
    verdict: Verdict
    second: Verdict | None = None
    second_missing: str = ""
    graph: dict | None = None

    @property
    def agree(self) -> bool | None:
        if self.second is None or not (self.verdict.outcome.decided and self.second.outcome.decided):
            return None
        return self.verdict.outcome == self.second.outcome

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome


def report(problem: Problem, verdict: Verdict) -> Report:
    """The report of a verdict already reached with ``explain=True`` (no second decision)."""
    return Report(problem, verdict, graph=to_json(explanation_graph(problem, verdict, verdict.prover)))


def prove(problem: Problem, timeout: float = 10.0, explain: bool = True, cross_check: bool = False) -> Report:
    """Decide ``problem`` (a conclusion-less problem is checked for consistency)."""
    if problem.conclusion is None:
        verdict = consistent(problem.premises, timeout)
    else:
        verdict = decide(problem.premises, problem.conclusion, timeout, explain)
    second, missing = None, ""
    if cross_check and problem.conclusion is not None:
        from provers.eprover import EProverMissing, decide_e

        try:
            second = decide_e(problem.premises, problem.conclusion, timeout)
        except EProverMissing as e:
            missing = str(e)
    checked_by = verdict.prover
    if second is not None and second.outcome == verdict.outcome and second.outcome.decided:
        checked_by = f"{verdict.prover}+{second.prover}"
    graph = to_json(explanation_graph(problem, verdict, checked_by)) if explain else None
    return Report(problem, verdict, second, missing, graph)
