"""LINC-style translation with voting, and Logic-LM-style repair.

For one problem (English premises and conclusion):

1. The symbolic controlled-English parser (:mod:`nsp.parse.english`) reads every sentence of the
   problem together; what it parses is fixed in every sample (source ``symbolic``).
2. The other sentences go to the model in ONE batched ``generate`` call: one few-shot prompt per
   sentence (:mod:`nsp.parse.prompts`), ``K`` completions each. Sample ``k`` of the problem takes
   the ``k``-th completion of every sentence (source ``model``). With
   ``Settings.conclusion_context`` the conclusion is asked for in a second call instead: one
   prompt per sample whose context is that sample's own premise translations, so it can reuse
   their names. Off by default: on 60 FOLIO train-split problems with the fine-tuned embedded
   model it scored the same (22/60 both ways) at 1.7x the time.
3. Each sample is read leniently, its model-made symbol names aligned (:mod:`nsp.parse.align`:
   ``IsMammal`` / ``Mammals`` → the first-met ``Mammal``), and decided by Z3. A sample is
   *discarded* (and counted by reason) when a formula does not read (``parse``), its premises
   are inconsistent (``inconsistent``), or the prover cannot tell (``unknown``).
4. Repair (Logic-LM): up to ``R`` rounds, every discarded ``parse`` / ``inconsistent`` sample has
   its failing model sentences re-prompted with the failed text and the parser's message (with
   its caret) or the solver's (the contradicting formulas); the new text replaces the old.
5. Vote: the most common outcome among the kept samples (ties: the outcome seen first). No kept
   sample: no prediction (an error for scoring).

With a :class:`~nsp.parse.backends.ReplayBackend`, steps 1-2 and 4 are replaced by the recorded
samples; steps 3 and 5 run as usual, so re-scoring a replay file reproduces the run's numbers.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from nsp.logic.analysis import SignatureError, separate_clashes, signature
from nsp.logic.ir import Node
from nsp.logic.problem import Problem
from nsp.logic.syntax import FormulaSyntaxError, parse, write
from nsp.parse.align import align
from nsp.parse.backends import Generator
from nsp.parse.english import SentenceParse, parse_sentences
from nsp.parse.prompts import Retriever, default_retriever, repair_prompt, translation_prompt
from provers.outcome import Outcome, Verdict
from provers.z3_bridge import consistent, decide

DISCARD_REASONS = ("parse", "inconsistent", "unknown")


@dataclass(frozen=True)
class Sample:
    """One candidate translation of the whole problem and what the prover made of it."""

    fol: tuple[str, ...]  # one formula text per premise, then the conclusion
    sources: tuple[str, ...]  # per sentence: "symbolic" or "model"
    outcome: str | None  # the verdict when kept
    discarded: str = ""  # "" (kept) or one of DISCARD_REASONS
    error: str = ""
    repair_rounds: int = 0
    problem: Problem | None = None
    renamed: tuple[tuple[str, str], ...] = ()  # model-made names aligned onto others (nsp.parse.align)


@dataclass(frozen=True)
class ProblemTranslation:
    id: str
    premises: tuple[str, ...]
    conclusion: str
    parses: tuple[SentenceParse, ...]
    samples: tuple[Sample, ...]
    votes: dict = field(default_factory=dict)
    discarded: dict = field(default_factory=dict)
    predicted: str | None = None
    chosen: int | None = None  # index of a kept sample that voted for the prediction
    error: str = ""
    model_calls: int = 0
    seconds: float = 0.0

    @property
    def sentences(self) -> tuple[str, ...]:
        return self.premises + (self.conclusion,)


@dataclass
class Settings:
    samples: int = 1
    temperature: float | None = None  # None: greedy for one sample, 0.7 for several
    seed: int = 0
    repair_rounds: int = 1
    timeout: float = 10.0
    shots: int = 6
    max_new_tokens: int = 80
    semantics: str = "classical"  # or "literal" (ProofWriter's / PrOntoQA's reading, nsp.parse.logiclm)
    conclusion_context: bool = False  # translate the conclusion after the premises, seeing their FOL

    @property
    def temp(self) -> float:
        if self.temperature is not None:
            return self.temperature
        return 0.0 if self.samples == 1 else 0.7


class _Cached:
    """Memoises completions by (prompt, n, temperature, seed): a story's premises, shared by its
    several conclusions, are translated once, so the problems of one story agree."""

    def __init__(self, gen: Generator, cache: dict | None):
        self.gen, self.cache, self.calls = gen, cache if cache is not None else {}, 0

    def generate(self, prompts: list[str], n: int, temperature: float, seed: int, max_new_tokens: int):
        keys = [(p, n, temperature, seed, max_new_tokens) for p in prompts]
        missing = list(dict.fromkeys(p for p, k in zip(prompts, keys) if k not in self.cache))
        if missing:
            self.calls += 1
            outs = self.gen.generate(missing, n=n, temperature=temperature, seed=seed, max_new_tokens=max_new_tokens)
            for p, o in zip(missing, outs):
                self.cache[(p, n, temperature, seed, max_new_tokens)] = list(o)
        return [self.cache[k] for k in keys]


def translate_problem(
    premises: Sequence[str],
    conclusion: str,
    generator: Generator | None,
    settings: Settings | None = None,
    item_id: str = "",
    position: int = 0,
    story: str | None = None,
    retriever: Retriever | None = None,
    cache: dict | None = None,
) -> ProblemTranslation:
    """Translate, decide, repair and vote (see the module docstring). Never raises on model text."""
    s = settings or Settings()
    start = time.monotonic()
    premises, conclusion = tuple(premises), conclusion
    sentences = premises + (conclusion,)
    parses = tuple(parse_sentences(list(sentences)))
    symbolic = [write(p.formula, "folio") if p.formula is not None else None for p in parses]
    gen = _Cached(generator, cache) if generator is not None else None

    recorded = generator.recorded(item_id, position) if generator is not None else None
    if recorded is not None:
        texts = [tuple(t) for t in recorded]
        sources = [tuple("symbolic" if sym is not None and sym == t else "model" for sym, t in zip(symbolic, fol))
                   for fol in texts]
        results = [_evaluate(fol, src, premises, conclusion, s.timeout, 0, s.semantics) for fol, src in zip(texts, sources)]
        return _vote(item_id, premises, conclusion, parses, results, 0, start)

    todo = [i for i, sym in enumerate(symbolic) if sym is None]
    k = s.samples if todo else 1
    if todo and gen is None:
        return ProblemTranslation(item_id, premises, conclusion, parses, (), error="no model: "
                                  + f"{len(todo)} sentence(s) are outside the symbolic parser's grammar",
                                  seconds=time.monotonic() - start)
    retriever = retriever or (default_retriever() if todo else None)
    context = [(sentences[i], symbolic[i]) for i in range(len(premises)) if symbolic[i] is not None]
    shots = {i: retriever.nearest(sentences[i], s.shots, exclude_story=story) for i in todo}
    last = len(premises)  # the conclusion's index
    staged = s.conclusion_context and last in todo
    first = [i for i in todo if not (staged and i == last)]
    prompts = [translation_prompt(sentences[i], shots[i], context) for i in first]
    outs = gen.generate(prompts, k, s.temp, s.seed, s.max_new_tokens) if first else []
    fols = []
    for j in range(k):
        fol = list(symbolic)
        for t, i in enumerate(first):
            fol[i] = outs[t][j]
        fols.append(fol)
    if staged:  # the conclusion sees its own sample's premise translations (one vocabulary)
        for j, text in enumerate(_conclusions(gen, conclusion, shots[last], fols, premises, s)):
            fols[j][last] = text
    src = tuple("symbolic" if symbolic[i] is not None else "model" for i in range(len(sentences)))
    samples = [_evaluate(tuple(fol), src, premises, conclusion, s.timeout, 0, s.semantics) for fol in fols]

    for rnd in range(1, s.repair_rounds + 1):
        failing = [(j, smp) for j, smp in enumerate(samples) if smp.discarded in ("parse", "inconsistent")]
        asks = []  # (sample index, sentence index, prompt)
        for j, smp in failing:
            for i, err in _blame(smp, premises, conclusion, s.timeout):
                ctx = _premise_context(premises, smp.fol) if (staged and i == last) else context
                asks.append((j, i, repair_prompt(sentences[i], shots[i], ctx, smp.fol[i], err)))
        if not asks:
            break
        fixed = gen.generate([a[2] for a in asks], 1, s.temp, s.seed + rnd, s.max_new_tokens)
        new_fol = {j: list(samples[j].fol) for j, _, _ in asks}
        for (j, i, _), out in zip(asks, fixed):
            new_fol[j][i] = out[0]
        for j, fol in new_fol.items():
            old = samples[j]
            samples[j] = _evaluate(tuple(fol), old.sources, premises, conclusion, s.timeout, rnd, s.semantics)
    return _vote(item_id, premises, conclusion, parses, samples, gen.calls if gen else 0, start)


def _premise_context(premises: Sequence[str], fol: Sequence[str]) -> list[tuple[str, str]]:
    """(English, FOL) of the premises whose translation reads (unreadable ones would mislead)."""
    out = []
    for sentence, text in zip(premises, fol):
        try:
            _read(text)
        except (FormulaSyntaxError, ValueError, RecursionError):
            continue
        out.append((sentence, text))
    return out


def _conclusions(gen: "_Cached", conclusion: str, shots, fols: list[list], premises, s: Settings) -> list[str]:
    """One conclusion translation per sample, prompted with that sample's premises. Samples with the
    same premise translations share a prompt and take successive completions of it."""
    prompts = [translation_prompt(conclusion, shots, _premise_context(premises, fol[: len(premises)]))
               for fol in fols]
    unique = list(dict.fromkeys(prompts))
    need = max(prompts.count(p) for p in unique)
    outs = dict(zip(unique, gen.generate(unique, need, s.temp, s.seed, s.max_new_tokens)))
    taken: Counter = Counter()
    texts = []
    for p in prompts:
        texts.append(outs[p][taken[p]])
        taken[p] += 1
    return texts


MAX_FORMULA_CHARS = 2_000  # one sentence's formula; longer model text is runaway generation


def _read(text: str) -> Node:
    if not text.strip():
        raise FormulaSyntaxError("the translation is empty", text, 1, 1, "a formula")
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaSyntaxError(f"the translation is {len(text):,} characters long (limit {MAX_FORMULA_CHARS:,})",
                                 text[:200], 1, 1, "one sentence's formula")
    return parse(text).formula


def _evaluate(fol: tuple[str, ...], sources: tuple[str, ...], premises, conclusion: str, timeout: float,
              repair_rounds: int = 0, semantics: str = "classical") -> Sample:
    nodes, errors = [], []
    for i, text in enumerate(fol):
        try:
            nodes.append(_read(text))
        except FormulaSyntaxError as e:
            errors.append(f"{_where(i, len(premises))}: column {e.column}: {e.detail}")
        except (ValueError, RecursionError) as e:
            errors.append(f"{_where(i, len(premises))}: {e}")
    if len(fol) != len(premises) + 1:
        errors.append(f"the sample has {len(fol)} formulas for {len(premises) + 1} sentences")
    if errors:
        return Sample(fol, sources, None, "parse", "; ".join(errors), repair_rounds)
    nodes, renamed = align(nodes, sources)
    try:
        signature(nodes)
    except SignatureError:
        nodes, _ = separate_clashes(nodes)
    problem = Problem(tuple(nodes[:-1]), nodes[-1], premise_texts=tuple(premises), conclusion_text=conclusion,
                      syntax="folio")
    renamed = tuple(sorted(renamed.items()))
    if semantics == "literal":
        from nsp.parse.logiclm import decide_literal

        outcome, reason = decide_literal(list(problem.premises), problem.conclusion, timeout)
        v = Verdict(Outcome(outcome), "z3", reason=reason)
    else:
        v = decide(problem.premises, problem.conclusion, timeout, explain=False)
    if v.outcome is Outcome.INCONSISTENT:
        return Sample(fol, sources, None, "inconsistent", "the premises contradict each other", repair_rounds, problem,
                      renamed)
    if v.outcome is Outcome.UNKNOWN:
        return Sample(fol, sources, None, "unknown", v.reason or "the prover could not tell", repair_rounds, problem,
                      renamed)
    return Sample(fol, sources, v.outcome.value, "", "", repair_rounds, problem, renamed)


def _where(i: int, n_premises: int) -> str:
    return f"premise {i + 1}" if i < n_premises else "the conclusion"


def _blame(smp: Sample, premises, conclusion: str, timeout: float) -> list[tuple[int, str]]:
    """(sentence index, message) for each model-made formula to re-prompt."""
    out = []
    if smp.discarded == "parse":
        for i, text in enumerate(smp.fol):
            if smp.sources[i] != "model":
                continue
            try:
                _read(text)
            except FormulaSyntaxError as e:
                out.append((i, f"{e.detail} at column {e.column}:\n{e.pointer()}"))
            except (ValueError, RecursionError) as e:
                out.append((i, str(e)))
    elif smp.discarded == "inconsistent" and smp.problem is not None:
        core = consistent(smp.problem.premises, timeout).used or ()
        shown = "; ".join(write(smp.problem.premises[c], "folio") for c in core)
        for c in core:
            if smp.sources[c] == "model":
                out.append((c, f"together with the other premises it is contradictory: {shown}"))
    return out


def _vote(item_id, premises, conclusion, parses, samples, calls, start) -> ProblemTranslation:
    kept = [smp.outcome for smp in samples if not smp.discarded]
    votes = Counter(kept)
    discarded = Counter(smp.discarded for smp in samples if smp.discarded)
    predicted = chosen = None
    error = ""
    if kept:
        first = {o: kept.index(o) for o in votes}
        predicted = max(votes, key=lambda o: (votes[o], -first[o]))
        chosen = next(j for j, smp in enumerate(samples) if smp.outcome == predicted and not smp.discarded)
    elif samples:
        error = f"no usable sample ({', '.join(f'{n} {r}' for r, n in sorted(discarded.items()))}): {samples[0].error}"
    else:
        error = "no samples"
    return ProblemTranslation(
        str(item_id), tuple(premises), conclusion, tuple(parses), tuple(samples), dict(votes), dict(discarded),
        predicted, chosen, error, calls, time.monotonic() - start,
    )
