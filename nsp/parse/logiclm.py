"""Logic-LM datasets (ProofWriter, PrOntoQA, ...) and their symbolic-only evaluation.

Logic-LM packaging: a JSON list of ``{id, context, question, options, answer}``; ``answer`` is a
letter naming one of ``options`` ("A) True", "B) False", "C) Unknown"). The premises are the
sentences of ``context``; the conclusion is the question's last sentence without its framing
("Based on the above information, is the following statement true, false, or unknown? The bald
eagle is not big." → "The bald eagle is not big.").

``evaluate_symbolic`` translates each problem with :func:`nsp.parse.english.parse_sentences`
(premises and conclusion together, so names agree) and decides it with Z3 under the open-world
reading; a problem with an unparsed sentence counts as an error.

Two semantics (``semantics=``):

``classical``
    first-order logic: premises ⊢ conclusion, decided by :func:`provers.z3_bridge.decide`.
``literal``
    the semantics ProofWriter's and PrOntoQA's generators answer by: a negated atom ``¬P(t)`` is a
    literal of its own (the predicate ``not_P``), so the rules are forward-chaining definite
    clauses over literals with no reasoning by cases or by contraposition. The conclusion ``L`` is
    True when ``L`` follows, False when its complement follows, Inconsistent when some literal
    and its complement both follow (premises plus ``∀x̄ ¬(P(x̄) ∧ not_P(x̄))`` have no model),
    Uncertain otherwise. Both questions are still decided by Z3.
    Classical FOL proves strictly more: on ProofWriter dev it answers True/False/Inconsistent for
    some items whose gold label is Unknown (e.g. "Harry is not cold" and "quiet things are cold"
    classically give "Harry is not quiet").
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from nsp.eval.datasets import normalise_label
from nsp.eval.gold import summarise
from nsp.logic.analysis import SignatureError, signature
from nsp.items import read_document
from nsp.logic.problem import ProblemError
from nsp.parse.english import parse_sentences, split_sentences
from nsp.logic.ir import And, Atom, Forall, Node, Not, Var
from nsp.logic.walk import transform
from provers.outcome import Outcome
from provers.z3_bridge import decide

SEMANTICS = ("classical", "literal")
NEG_PREFIX = "not_"  # the parser's predicate names are alphanumeric, so this never clashes


@dataclass(frozen=True)
class LogicLMItem:
    """One Logic-LM problem: premise sentences, conclusion sentence, gold label
    (True / False / Uncertain) and the options as written. For multiple-choice sets
    (LogicalDeduction) the conclusion is the question itself and the label the chosen option's text."""

    id: str
    premises: list[str]
    conclusion: str
    label: str
    options: list[str]


_OPTION = re.compile(r"^\s*\(?([A-Z])\)\s*(.*?)\s*$")
_FRAMING = re.compile(r"^.*\?\s*")


def conclusion_of(question: str) -> str:
    """The statement a Logic-LM question asks about: the text after its last '?'."""
    text = question.strip()
    statement = _FRAMING.sub("", text) if "?" in text.rstrip("?") else text
    return statement.strip()


def label_of(answer: str, options: Sequence[str]) -> str:
    """The option the answer letter names, as a verdict label (Unknown → Uncertain)."""
    letter = answer.strip().strip("()").upper()
    for opt in options:
        m = _OPTION.match(opt)
        if m and m.group(1) == letter:
            return normalise_label(m.group(2))
    raise ValueError(f"answer {answer!r} names none of the options {list(options)!r}")


def read_logiclm_json(path: str | Path) -> list[LogicLMItem]:
    """Items of a Logic-LM JSON file; raises :class:`ProblemError` on a malformed file or item."""
    path = Path(path)
    data = read_document(path)
    if not isinstance(data, list):
        raise ProblemError("expected a JSON list of problems", str(path))
    items = []
    for k, row in enumerate(data):
        where = f"{path}: item {k}"
        try:
            options = [str(o) for o in row["options"]]
            items.append(LogicLMItem(
                id=str(row["id"]),
                premises=split_sentences(row["context"]),
                conclusion=conclusion_of(row["question"]),
                label=label_of(row["answer"], options),
                options=options,
            ))
        except (KeyError, TypeError, AttributeError) as e:
            raise ProblemError(f"missing or malformed field ({e})", where) from None
        except ValueError as e:
            raise ProblemError(str(e), where) from None
    return items


def literal_form(formula: Node) -> Node:
    """``formula`` with every negated atom ``¬P(t)`` replaced by the atom ``not_P(t)``."""

    def step(n: Node, cs: tuple) -> Node:
        if n.kind == "not" and cs[0].kind == "atom":
            return Atom(_flip(cs[0].pred), cs[0].args)
        return n if all(a is b for a, b in zip(n.children, cs)) else n.rebuild(cs)

    return transform(formula, step)


def _flip(pred: str) -> str:
    return pred[len(NEG_PREFIX):] if pred.startswith(NEG_PREFIX) else NEG_PREFIX + pred


def _complement(literal: Node) -> Node:
    return Atom(_flip(literal.pred), literal.args) if literal.kind == "atom" else Not(literal)


def exclusions(formulas: Sequence[Node]) -> list[Node]:
    """``∀x̄ ¬(P(x̄) ∧ not_P(x̄))`` for each predicate used with both polarities: a problem that
    derives a literal and its complement is Inconsistent."""
    table = signature(formulas)
    out = []
    for sym in table.values():
        if sym.kind != "predicate" or sym.name.startswith(NEG_PREFIX):
            continue
        neg = table.get(NEG_PREFIX + sym.name)
        if neg is None or neg.arity != sym.arity:
            continue
        xs = tuple(Var(f"x{k}") for k in range(sym.arity))
        body = Not(And(Atom(sym.name, xs), Atom(neg.name, xs)))
        out.append(Forall(tuple(v.name for v in xs), body) if xs else body)
    return out


def decide_literal(premises: list[Node], conclusion: Node, timeout: float = 10.0) -> tuple[str, str]:
    """(outcome, reason) of premises ⊢ conclusion under the ``literal`` semantics."""
    goal = literal_form(conclusion)
    prem = [literal_form(f) for f in premises]
    prem += exclusions(prem + [goal, _complement(goal)])
    pos = decide(prem, goal, timeout / 2, explain=False)
    neg = decide(prem, _complement(goal), timeout / 2, explain=False)
    outs = {pos.outcome, neg.outcome}
    if Outcome.UNKNOWN in outs:
        return Outcome.UNKNOWN.value, pos.reason or neg.reason
    if Outcome.INCONSISTENT in outs or (pos.outcome is Outcome.TRUE and neg.outcome is Outcome.TRUE):
        return Outcome.INCONSISTENT.value, ""
    if pos.outcome is Outcome.TRUE:
        return Outcome.TRUE.value, ""
    if neg.outcome is Outcome.TRUE:
        return Outcome.FALSE.value, ""
    return Outcome.UNCERTAIN.value, ""


def evaluate_item(item: LogicLMItem, timeout: float = 10.0, semantics: str = "classical") -> dict:
    """One record (id, gold, predicted, time, error; unparsed sentences) for one item."""
    start = time.monotonic()
    rec: dict = {"id": item.id, "gold": item.label, "predicted": None, "error": ""}
    parses = parse_sentences(list(item.premises) + [item.conclusion])
    unparsed = [p for p in parses if p.formula is None]
    if unparsed:
        rec["error"] = f"{len(unparsed)} sentence(s) not parsed"
        rec["unparsed"] = [{"sentence": p.sentence, "reason": p.reason} for p in unparsed]
    else:
        formulas = [p.formula for p in parses]
        try:
            if semantics == "literal":
                outcome, reason = decide_literal(formulas[:-1], formulas[-1], timeout)
            else:
                v = decide(formulas[:-1], formulas[-1], timeout, explain=False)
                outcome, reason = v.outcome.value, v.reason
            rec["predicted"] = outcome
            if reason:
                rec["reason"] = reason
        except SignatureError as e:  # parse_sentences keeps arities consistent; belt and braces
            rec["error"] = str(e)
    rec["time"] = round(time.monotonic() - start, 6)
    return rec


def evaluate_symbolic(
    items: Iterable[LogicLMItem], timeout: float = 10.0, semantics: str = "classical"
) -> dict:
    """Translate and decide every item; the summary of :func:`nsp.eval.gold.summarise`
    (n, accuracy, per_label, confusion, errors, seconds, seconds_per_problem, ...) plus
    ``error_rate`` (share of problems with an unparsed sentence or a prover failure),
    ``unparsed_sentences``, ``wrong_items`` (first 50) and ``semantics``."""
    if semantics not in SEMANTICS:
        raise ValueError(f"unknown semantics {semantics!r}; choose one of {', '.join(SEMANTICS)}")
    start = time.monotonic()
    records = [evaluate_item(item, timeout, semantics) for item in items]
    summary = summarise(records)
    summary["seconds"] = round(time.monotonic() - start, 3)
    summary["error_rate"] = round(summary["errors"] / len(records), 4) if records else None
    summary["semantics"] = semantics
    summary["unparsed_sentences"] = sum(len(r.get("unparsed", ())) for r in records)
    summary["wrong_items"] = [
        {"id": r["id"], "gold": r["gold"], "predicted": r["predicted"]}
        for r in records if not r["error"] and r["predicted"] != r["gold"]
    ][:50]
    return summary
