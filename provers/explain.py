"""A verdict as a small provenance graph (node-link JSON), for HTML pages and the graph checker.

True: the minimal premises used -> the conclusion (role theorem, rule "entailment").
False: the premises used -> ¬conclusion (role theorem, rule "entailment").
Inconsistent: the premises used -> ⊥ (role derived, rule "entailment": they entail falsity).
Uncertain / Unknown: every premise and the conclusion (role conjecture), no edges; the models
go in the graph attributes. ``checked_by`` names the prover(s) that confirmed the step.
"""

from __future__ import annotations

import networkx as nx

from nsp.graph.provenance import add_derivation, add_fact, new_graph
from nsp.logic.canon import content_id
from nsp.logic.ir import Bottom, Not
from nsp.logic.problem import Problem
from provers.outcome import Outcome, Verdict


def explanation_graph(problem: Problem, verdict: Verdict, checked_by: str | None = None) -> nx.DiGraph:
    checked_by = checked_by or verdict.prover
    g = new_graph(outcome=verdict.outcome.value, prover=verdict.prover, problem=problem.id)
    texts = problem.premise_texts or ("",) * len(problem.premises)
    used = verdict.used if verdict.used is not None else range(len(problem.premises))
    if verdict.outcome in (Outcome.UNCERTAIN, Outcome.UNKNOWN):
        used = range(len(problem.premises))
    ids = [
        add_fact(g, problem.premises[i], "premise", label=problem.premise_names[i], source_text=texts[i].strip() or None)
        for i in used
    ]
    if problem.conclusion is None:
        return g
    if verdict.outcome is Outcome.TRUE:
        target, role = problem.conclusion, "theorem"
    elif verdict.outcome is Outcome.FALSE:
        target, role = Not(problem.conclusion), "theorem"
    elif verdict.outcome is Outcome.INCONSISTENT:
        target, role = Bottom(), "derived"
    else:
        add_fact(g, problem.conclusion, "conjecture", rule="", label="conclusion",
                 source_text=(problem.conclusion_text or "").strip() or None)
        if verdict.countermodel is not None:
            g.graph["countermodel"] = verdict.countermodel.to_json()
        if verdict.model is not None:
            g.graph["model"] = verdict.model.to_json()
        return g
    if content_id(target) in ids:  # the target is itself a used premise (e.g. a premise ⊥)
        g.graph["target"] = content_id(target)
        return g
    tid = add_fact(g, target, role, rule="entailment", checked_by=checked_by, label="conclusion",
                   source_text=(problem.conclusion_text or "").strip() or None)
    add_derivation(g, ids, tid, "entailment")
    g.graph["target"] = tid
    return g
