"""One entry point for deciding a problem: Z3, optionally cross-checked by a second back end
(E by default), with explanation. Back ends come from the registry (:mod:`provers.base`)."""

from __future__ import annotations

from dataclasses import dataclass

from nsp.graph.provenance import to_json
from nsp.logic.problem import Problem
from provers.explain import explanation_graph
from provers import base
from provers.outcome import Outcome, Verdict

SECOND_OPINION = "e"


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
        if self.second is None:
            return None
        return base.agreement([self.verdict, self.second])

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome


def report(problem: Problem, verdict: Verdict) -> Report:
    """The report of a verdict already reached with ``explain=True`` (no second decision)."""
    return Report(problem, verdict, graph=to_json(explanation_graph(problem, verdict, verdict.prover)))


def prove(problem: Problem, timeout: float = 10.0, explain: bool = True, cross_check: bool = False,
          prover: str = "z3", second_opinion: str = SECOND_OPINION) -> Report:
    """Decide ``problem`` (a conclusion-less problem is checked for consistency) with the back
    end ``prover``; ``cross_check``: ask ``second_opinion`` too (missing: said in the report)."""
    first = base.get(prover, timeout=timeout)
    if problem.conclusion is None:
        verdict = first.consistent(problem.premises)
    else:
        verdict = first.decide(problem.premises, problem.conclusion, explain=explain)
    second, missing = None, ""
    if cross_check and problem.conclusion is not None:
        try:
            second = base.get(second_opinion, timeout=timeout).decide(problem.premises, problem.conclusion)
        except base.ToolMissing as e:
            missing = str(e)
    checked_by = verdict.prover
    if second is not None and second.outcome == verdict.outcome and second.outcome.decided:
        checked_by = f"{verdict.prover}+{second.prover}"
    graph = to_json(explanation_graph(problem, verdict, checked_by)) if explain else None
    return Report(problem, verdict, second, missing, graph)
