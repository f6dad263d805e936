"""One sample: a candidate translation of a whole problem, read once and decided once, with the
evidence a vote can weigh (:mod:`nsp.parse.vote`).

A sample is one formula text per sentence: the premises in order, then the conclusion.

Reading. Every formula is read leniently (:func:`nsp.logic.syntax.parse`). A formula whose own
text does not tell its syntax (a plain atom such as ``Istanbul(Joe'sPlate)``) takes the syntax of
its whole sample, so NLTK text is read throughout as NLTK reads it. A sample with more or fewer
formulas than the problem has sentences is read as LINC reads it: the last formula is the
conclusion and the others are the premises. Model-made names are aligned
(:func:`nsp.parse.align.align`), and a symbol used with two arities is split in two
(:func:`nsp.logic.analysis.separate_clashes`).

Evidence, recorded per sample:

- ``repairs``: every change reading made, as ``(kind, "premise 2: column 7: …")``. Lenient
  repairs keep their kind; ``clash`` is an arity clash split in two and ``count`` a formula count
  that differs from the sentence count.
- ``structural``: some repair changed the shape of a formula or guessed at its meaning
  (:data:`STRUCTURAL`: parentheses added or dropped, juxtaposed formulas joined, a comma read as ∧,
  an unbound variable closed, an arity clash, a formula count). The other repairs only respell
  (a connective, a quoted or multi-word name, a dash, a quantifier's punctuation).
- ``related``: the conclusion uses only predicate and function names that its premises use. When
  it does not, the sample has put the conclusion into another vocabulary: no proof can reach it,
  and its ``Uncertain`` says so rather than anything about the problem. Constants do not count: a
  rule can prove a claim about an individual no premise names, and "Uncertain" is often the right
  answer about such an individual.
- ``outcome``: the verdict (:class:`provers.outcome.Outcome`); a sample is *discarded* when a
  formula does not read (``parse``), its premises contradict each other (``inconsistent``) or the
  prover cannot tell (``unknown``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from nsp.logic.analysis import SignatureError, separate_clashes, signature
from nsp.logic.ir import Node
from nsp.logic.problem import Problem
from nsp.logic.syntax import FormulaSyntaxError, detect_syntax, parse
from nsp.parse.align import align
from provers.outcome import Outcome, Verdict

DISCARD_REASONS = ("parse", "inconsistent", "unknown")
STRUCTURAL = frozenset({"parenthesis", "juxtaposition", "comma", "free-variable", "clash", "count"})
MAX_FORMULA_CHARS = 2_000  # one sentence's formula; longer model text is runaway generation


@dataclass(frozen=True)
class Sample:
    """One candidate translation of the whole problem and what the prover made of it."""

    fol: tuple[str, ...]  # one formula text per premise, then the conclusion
    sources: tuple[str, ...]  # per sentence: "symbolic" or "model"
    outcome: Outcome | None  # the verdict when kept
    discarded: str = ""  # "" (kept) or one of DISCARD_REASONS
    error: str = ""
    repair_rounds: int = 0
    problem: Problem | None = None
    renamed: tuple[tuple[str, str], ...] = ()  # model-made names aligned onto others (nsp.parse.align)
    repairs: tuple[tuple[str, str], ...] = ()  # (kind, where and what)
    related: bool = True  # the conclusion's predicates and functions all occur in the premises
    names_agree: bool = True  # ... and so do its constants (the name-agreement measure)
    failures: tuple[tuple[int, str], ...] = ()  # (formula index, what the reader said, with a caret)
    verdict: Verdict | None = None  # the prover's, with premises used / models when asked to explain

    @property
    def structural(self) -> bool:
        return any(kind in STRUCTURAL for kind, _ in self.repairs)

    @property
    def decided(self) -> bool:
        return not self.discarded


def read_formula(text: str, fallback: str = "folio") -> tuple[Node, tuple]:
    """A model's formula text read leniently: ``(formula, repairs)``; raises FormulaSyntaxError."""
    if not text.strip():
        raise FormulaSyntaxError("the translation is empty", text, 1, 1, "a formula")
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaSyntaxError(f"the translation is {len(text):,} characters long (limit {MAX_FORMULA_CHARS:,})",
                                 text[:200], 1, 1, "one sentence's formula")
    parsed = parse(text, fallback=fallback)
    return parsed.formula, parsed.repairs


def sample_syntax(fol: Sequence[str]) -> str:
    """The syntax a sample's formulas are written in, for those that do not tell on their own."""
    return detect_syntax("\n".join(fol))


def where(i: int, n_premises: int) -> str:
    return f"premise {i + 1}" if i < n_premises else "the conclusion"


@dataclass(frozen=True)
class Reading:
    """A sample's formulas read, aligned and split where a symbol clashes, not yet decided;
    ``error`` and ``failures`` when some formula does not read (then ``problem`` is None)."""

    problem: Problem | None
    repairs: tuple[tuple[str, str], ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()
    related: bool = True
    names_agree: bool = True
    error: str = ""
    failures: tuple[tuple[int, str], ...] = ()


def read_sample(fol: Sequence[str], sources: Sequence[str], premises: Sequence[str], conclusion: str,
                known: Sequence[Node | None] = ()) -> Reading:
    """Read and align one sample (module docstring) without deciding it. Never raises on model text.

    ``known``: formulas already in hand (the symbolic parser's), by sentence; a ``symbolic``
    sentence with one is taken as it is, not written out and read back."""
    fol, sources = tuple(fol), tuple(sources)
    n = len(fol) - 1  # premises as read: every formula but the last
    fallback = sample_syntax(fol)
    nodes, errors, failures, repairs = [], [], [], []
    for i, text in enumerate(fol):
        if i < len(known) and known[i] is not None and i < len(sources) and sources[i] == "symbolic":
            nodes.append(known[i])
            continue
        try:
            node, rs = read_formula(text, fallback)
        except FormulaSyntaxError as e:
            errors.append(f"{where(i, n)}: column {e.column}: {e.detail}")
            failures.append((i, f"{e.detail} at column {e.column}:\n{e.pointer()}"))
            continue
        except (ValueError, RecursionError) as e:
            errors.append(f"{where(i, n)}: {e}")
            failures.append((i, str(e)))
            continue
        nodes.append(node)
        repairs.extend((r.kind, f"{where(i, n)}: {r}") for r in rs)
    if not fol:
        errors.append("the sample has no formulas")
    if errors:
        return Reading(None, tuple(repairs), error="; ".join(errors), failures=tuple(failures))
    if len(fol) != len(premises) + 1:
        repairs.append(("count", f"{len(fol)} formulas for {len(premises) + 1} sentences: the last is the "
                                 "conclusion, the others the premises"))
    model_made = sources if len(sources) == len(fol) else ("model",) * len(fol)
    nodes, renamed = align(nodes, model_made)
    try:
        signature(nodes)
    except SignatureError:
        nodes, notes = separate_clashes(nodes)
        repairs.extend(("clash", note) for note in notes)
    texts_fit = len(fol) == len(premises) + 1
    problem = Problem(tuple(nodes[:-1]), nodes[-1], premise_texts=tuple(premises) if texts_fit else (),
                      conclusion_text=conclusion, syntax=fallback)
    premise_sig = signature(problem.premises) if problem.premises else {}
    conclusion_sig = signature([problem.conclusion])
    related = {k for k, v in conclusion_sig.items() if v.kind != "constant"} <= {
        k for k, v in premise_sig.items() if v.kind != "constant"}
    return Reading(problem, tuple(repairs), tuple(sorted(renamed.items())), related,
                   set(conclusion_sig) <= set(premise_sig))


def evaluate_sample(fol: Sequence[str], sources: Sequence[str], premises: Sequence[str], conclusion: str,
                    timeout: float, repair_rounds: int = 0, semantics: str = "classical",
                    known: Sequence[Node | None] = (), explain: bool = False) -> Sample:
    """Read, align and decide one sample (module docstring, :func:`read_sample`). Never raises on
    model text. ``explain``: the verdict carries premises used and models (for ``nsp check``);
    otherwise only an inconsistent sample's core, which a repair blames (a verdict alone is asked
    of the prover's per-thread solver: 1.2x faster over the recorded K=10 dev samples than a core
    minimised for every sample, ``bench/bench_sample_decide.py``)."""
    fol, sources = tuple(fol), tuple(sources)
    r = read_sample(fol, sources, premises, conclusion, known)
    if r.problem is None:
        return Sample(fol, sources, None, "parse", r.error, repair_rounds, repairs=r.repairs, failures=r.failures)
    verdict = _decide(r.problem, timeout, semantics, explain)
    kept = dict(repair_rounds=repair_rounds, problem=r.problem, renamed=r.renamed, repairs=r.repairs,
                related=r.related, names_agree=r.names_agree, verdict=verdict)
    if verdict.outcome is Outcome.INCONSISTENT:
        return Sample(fol, sources, None, "inconsistent", "the premises contradict each other", **kept)
    if verdict.outcome is Outcome.UNKNOWN:
        return Sample(fol, sources, None, "unknown", verdict.reason or "the prover could not tell", **kept)
    return Sample(fol, sources, verdict.outcome, **kept)


def _decide(problem: Problem, timeout: float, semantics: str, explain: bool) -> Verdict:
    if semantics == "literal":
        from nsp.parse.logiclm import decide_literal

        outcome, reason = decide_literal(list(problem.premises), problem.conclusion, timeout)
        return Verdict(Outcome(outcome), "z3", reason=reason)
    from provers.z3_bridge import decide

    verdict = decide(problem.premises, problem.conclusion, timeout, explain=explain)
    if verdict.outcome is Outcome.INCONSISTENT and not explain:  # the core a repair blames, asked only here
        verdict = decide(problem.premises, problem.conclusion, timeout, explain=False, cores=True)
    return verdict
