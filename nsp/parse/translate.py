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
3. Each sample is read once and decided once (:mod:`nsp.parse.sample`: lenient reading in the
   sample's own syntax, model-made names aligned, Z3), keeping the evidence a vote weighs. A
   sample is *discarded* (and counted by reason) when a formula does not read (``parse``), its
   premises are inconsistent (``inconsistent``), or the prover cannot tell (``unknown``).
4. Repair (Logic-LM): up to ``R`` rounds, every discarded ``parse`` / ``inconsistent`` sample has
   its failing model sentences re-prompted with the failed text and the parser's message (with
   its caret) or the solver's (the contradicting formulas); the new text replaces the old.
5. Vote (:mod:`nsp.parse.vote`, ``Settings.vote``): by default the samples whose reading needed
   no structural repair and whose conclusion uses only the premises' predicates; every kept sample
   when there is none. No voting sample: no prediction (an error for scoring).

With a :class:`~nsp.parse.backends.ReplayBackend`, steps 1-2 and 4 are replaced by the recorded
samples; steps 3 and 5 run as usual, so re-scoring a replay file reproduces the run's numbers.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from nsp.logic.syntax import FormulaSyntaxError, write
from nsp.parse.backends import Generator
from nsp.parse.english import SentenceParse, parse_sentences
from nsp.parse.prompts import Retriever, default_retriever, repair_prompt, translation_prompt
from nsp.parse.sample import DISCARD_REASONS, Sample, evaluate_sample, read_formula, sample_syntax
from nsp.parse.vote import DEFAULT_RULE, vote
from provers.outcome import Outcome
from provers.z3_bridge import consistent

__all__ = ["DISCARD_REASONS", "ProblemTranslation", "Sample", "Settings", "translate_problem"]

@dataclass(frozen=True)
class ProblemTranslation:
    id: str
    premises: tuple[str, ...]
    conclusion: str
    parses: tuple[SentenceParse, ...]
    samples: tuple[Sample, ...]
    votes: dict = field(default_factory=dict)  # outcome value -> summed weight
    discarded: dict = field(default_factory=dict)
    predicted: Outcome | None = None
    chosen: int | None = None  # index of the first sample that voted for the prediction
    weights: tuple[float, ...] = ()  # each sample's vote (nsp.parse.vote)
    rule: str = DEFAULT_RULE
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
    vote: str = DEFAULT_RULE  # the voting rule (nsp.parse.vote.RULES)

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
        results = [evaluate_sample(fol, src, premises, conclusion, s.timeout, 0, s.semantics)
                   for fol, src in zip(texts, sources)]
        return _vote(item_id, premises, conclusion, parses, results, 0, start, s.vote)

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
    samples = [evaluate_sample(fol, src, premises, conclusion, s.timeout, 0, s.semantics) for fol in fols]

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
            samples[j] = evaluate_sample(fol, old.sources, premises, conclusion, s.timeout, rnd, s.semantics)
    return _vote(item_id, premises, conclusion, parses, samples, gen.calls if gen else 0, start, s.vote)


def _premise_context(premises: Sequence[str], fol: Sequence[str]) -> list[tuple[str, str]]:
    """(English, FOL) of the premises whose translation reads (unreadable ones would mislead)."""
    out = []
    fallback = sample_syntax(fol)
    for sentence, text in zip(premises, fol):
        try:
            read_formula(text, fallback)
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


def _blame(smp: Sample, premises, conclusion: str, timeout: float) -> list[tuple[int, str]]:
    """(sentence index, message) for each model-made formula to re-prompt."""
    out = []
    if smp.discarded == "parse":
        fallback = sample_syntax(smp.fol)
        for i, text in enumerate(smp.fol):
            if i >= len(smp.sources) or smp.sources[i] != "model":
                continue
            try:
                read_formula(text, fallback)
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


def _vote(item_id, premises, conclusion, parses, samples, calls, start, rule: str) -> ProblemTranslation:
    predicted, votes, ws = vote(samples, rule)
    discarded = Counter(smp.discarded for smp in samples if smp.discarded)
    chosen = None
    error = ""
    if predicted is not None:
        chosen = next(j for j, (smp, w) in enumerate(zip(samples, ws)) if w > 0 and smp.outcome is predicted)
    elif samples:
        error = f"no usable sample ({', '.join(f'{n} {r}' for r, n in sorted(discarded.items()))}): {samples[0].error}"
    else:
        error = "no samples"
    return ProblemTranslation(
        str(item_id), tuple(premises), conclusion, tuple(parses), tuple(samples), votes, dict(discarded),
        predicted, chosen, tuple(ws), rule, error, calls, time.monotonic() - start,
    )
