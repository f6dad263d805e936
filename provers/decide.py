"""One entry point for deciding a problem: Z3, optionally cross-checked by the other back ends
(E and cvc5 by default, :data:`provers.crosscheck.OPINIONS`), with explanation. Back ends come
from the registry (:mod:`provers.base`). :func:`prove_file` is ``nsp prove``: a problem file and
one :class:`ProveSettings` in, a :class:`Report` out (the command prints it)."""

from __future__ import annotations

from dataclasses import dataclass

from nsp.graph.provenance import to_json
from nsp.logic.problem import Problem, read_problem_file
from provers.explain import explanation_graph
from provers import base
from provers.crosscheck import OPINIONS, opinions as ask
from provers.outcome import Outcome, Verdict


@dataclass(frozen=True)
class Report:
    """The verdict on a problem, the other provers' verdicts when a cross-check was asked for
    (``others``; one line per prover not installed in ``missing``), and the explanation graph."""

    problem: Problem
    verdict: Verdict
    others: tuple[Verdict, ...] = ()
    missing: tuple[str, ...] = ()
    graph: dict | None = None

    @property
    def agree(self) -> bool | None:
        """Do all the provers that decided agree? None when fewer than two decided."""
        if not self.others:
            return None
        return base.agreement([self.verdict, *self.others])

    @property
    def agreed(self) -> Outcome:
        """The outcome every prover that decided found (Unknown when they disagree)."""
        return base.combined([self.verdict, *self.others])

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome


def report(problem: Problem, verdict: Verdict) -> Report:
    """The report of a verdict already reached with ``explain=True`` (no second decision)."""
    return Report(problem, verdict, graph=to_json(explanation_graph(problem, verdict, verdict.prover)))


def prove(problem: Problem, timeout: float = 10.0, explain: bool = True, cross_check: bool = False,
          prover: str = "z3", second_opinions: tuple[str, ...] = OPINIONS) -> Report:
    """Decide ``problem`` (a conclusion-less problem is checked for consistency) with the back
    end ``prover``; ``cross_check``: ask each of ``second_opinions`` too (one not installed is
    named in the report's ``missing``)."""
    first = base.get(prover, timeout=timeout)
    if problem.conclusion is None:
        verdict = first.consistent(problem.premises)
    else:
        verdict = first.decide(problem.premises, problem.conclusion, explain=explain)
    others, missing = (), ()
    if cross_check and problem.conclusion is not None:
        names = [n for n in second_opinions if base.canonical(n) != base.canonical(prover)]
        others, missing = ask(problem.premises, problem.conclusion, names, timeout)
    checked_by = "+".join([verdict.prover] + [v.prover for v in others
                                              if v.outcome == verdict.outcome and v.outcome.decided])
    graph = to_json(explanation_graph(problem, verdict, checked_by)) if explain else None
    return Report(problem, verdict, others, missing, graph)


@dataclass(frozen=True)
class ProveSettings:
    """How a problem file is read (``syntax``: auto, folio, nltk or tptp; ``strict``: no repairs)
    and decided (see :func:`prove`; ``timeout`` in seconds per prover)."""

    syntax: str = "auto"
    strict: bool = False
    timeout: float = 10.0
    explain: bool = True
    cross_check: bool = False
    prover: str = "z3"


def prove_file(path, settings: ProveSettings = ProveSettings()) -> Report:
    """Read the problem file ``path`` (:func:`nsp.logic.problem.read_problem_file`; its repairs
    are in ``report.problem.repairs``) and decide it with ``settings``."""
    problem = read_problem_file(path, settings.syntax, settings.strict)
    return prove(problem, timeout=settings.timeout, explain=settings.explain, cross_check=settings.cross_check,
                 prover=settings.prover)
