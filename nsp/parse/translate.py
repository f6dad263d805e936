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
   its caret) or the solver's (the contradicting formulas); the new text replaces the old. In
   whole mode a decided sample whose conclusion uses a name no premise of it uses (no proof can
   reach it) has its conclusion drawn ``Settings.vocabulary_repair`` more times after its own
   premise lines, and keeps the first draw that uses only their names (:func:`_vocabulary_repair`).
5. Vote (:mod:`nsp.parse.vote`, ``Settings.vote``): by default the samples that prove True or
   False, when there are any; else the samples whose reading needed no structural repair and whose
   conclusion uses only the premises' predicates; every kept sample when there is none. No voting
   sample: no prediction (an error for scoring).

Steps 2 and 4 belong to the back end's :class:`Sampler` (``generator.sampler(job, settings)``):
:class:`ModelSampler` for a model (whole-problem or sentence-by-sentence), :class:`RecordedSampler`
for a :class:`~nsp.parse.backends.ReplayBackend` (the recorded samples, nothing to repair); steps 1,
3 and 5 run the same for every back end, so re-scoring a replay file reproduces the run's numbers.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from nsp.logic.syntax import FormulaSyntaxError, write
from nsp.parse.backends import LINE, Generator
from nsp.parse.english import SentenceParse, parse_sentences
from nsp.parse.prompts import Retriever, default_retriever, repair_prompt, translation_prompt
from nsp.parse.sample import DISCARD_REASONS, Sample, evaluate_sample, read_formula, read_sample, sample_syntax
from nsp.parse.vote import DEFAULT_RULE, vote
from nsp.parse.whole import parse_completion, problem_prompt
from provers.outcome import Outcome

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
    # "classical", "literal" (ProofWriter's / PrOntoQA's reading, nsp.parse.logiclm) or "auto" (semantics_for)
    semantics: str = "auto"
    conclusion_context: bool = False  # translate the conclusion after the premises, seeing their FOL
    vote: str = DEFAULT_RULE  # the voting rule (nsp.parse.vote.RULES)
    # "whole": one generation per sample gives every formula (nsp.parse.whole); "sentence": one prompt
    # per sentence; None: the translator's own layout (Generator.layout: whole unless it was tuned per sentence)
    mode: str | None = None
    explain: bool = False  # samples' verdicts carry premises used and models (nsp check)
    instruction: bool = False  # whole mode: an instruction line for models not fine-tuned on the layout
    # whole mode: a decided sample whose conclusion uses a name its premises lack gets this many
    # conclusions drawn after its premises, and keeps the first that uses only their names (0: off)
    vocabulary_repair: int = 8

    @property
    def temp(self) -> float:
        if self.temperature is not None:
            return self.temperature
        return 0.0 if self.samples == 1 else 0.7


LITERAL_GENERATORS = ("ProofWriter_", "ProntoQA_")  # Logic-LM ids of the generated datasets


def semantics_for(item_id: str, semantics: str) -> str:
    """``auto`` → ``literal`` for items of the generated datasets whose labels are defined by a
    forward-chaining engine over literals (ProofWriter, PrOntoQA: their Logic-LM ids start with
    ``ProofWriter_`` / ``ProntoQA_``), else ``classical``; any other value is returned as is."""
    if semantics != "auto":
        return semantics
    return "literal" if str(item_id).startswith(LITERAL_GENERATORS) else "classical"


class _Cached:
    """Memoises completions by (prompt, n, temperature, seed): a story's premises, shared by its
    several conclusions, are translated once, so the problems of one story agree."""

    def __init__(self, gen: Generator, cache: dict | None):
        self.gen, self.cache, self.calls = gen, cache if cache is not None else {}, 0

    def generate(self, prompts: list[str], n: int, temperature: float, seed: int, max_new_tokens: int,
                 stop: tuple[str, ...] = LINE, line_tokens: int | None = None):
        keys = [(p, n, temperature, seed, max_new_tokens, stop, line_tokens) for p in prompts]
        missing = list(dict.fromkeys(p for p, k in zip(prompts, keys) if k not in self.cache))
        if missing:
            self.calls += 1
            outs = self.gen.generate(missing, n=n, temperature=temperature, seed=seed, max_new_tokens=max_new_tokens,
                                     stop=stop, line_tokens=line_tokens)
            for p, o in zip(missing, outs):
                self.cache[(p, n, temperature, seed, max_new_tokens, stop, line_tokens)] = list(o)
        return [self.cache[k] for k in keys]


@dataclass(frozen=True)
class Job:
    """One problem as a sampler sees it: its sentences and what the symbolic parser fixed."""

    item_id: str
    position: int
    premises: tuple[str, ...]
    conclusion: str
    symbolic: tuple[str | None, ...]  # per sentence: the symbolic parser's formula as prompt text, or None
    story: str | None = None
    known: tuple = ()  # per sentence: the symbolic parser's formula (IR), or None

    @property
    def sentences(self) -> tuple[str, ...]:
        return self.premises + (self.conclusion,)

    @property
    def todo(self) -> list[int]:
        """The sentences the symbolic parser did not read: a model must translate them."""
        return [i for i, sym in enumerate(self.symbolic) if sym is None]


class Sampler:
    """Where one problem's samples come from (every back end gives one through ``sampler()``):
    ``draw`` returns K samples (one formula text per sentence) with their sources; ``repair``
    returns new formula texts for samples that failed (sample index -> texts), empty when it has
    nothing to change (a sentence whose text changes is model-made from then on). ``calls``: model
    calls made."""

    calls = 0

    def draw(self) -> list[tuple[list[str], tuple[str, ...]]]:
        raise NotImplementedError

    def repair(self, samples: list[Sample], rnd: int) -> dict[int, list[str]]:
        return {}


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
    semantics = semantics_for(str(item_id), s.semantics)
    start = time.monotonic()
    premises, conclusion = tuple(premises), conclusion
    sentences = premises + (conclusion,)
    parses = tuple(parse_sentences(list(sentences)))
    known = [p.formula for p in parses]  # the symbolic parser's IR, used as it is (never re-read)
    symbolic = tuple(write(p.formula, "folio") if p.formula is not None else None for p in parses)  # prompt text
    job = Job(str(item_id), position, premises, conclusion, symbolic, story, tuple(known))
    if generator is None and job.todo:
        return ProblemTranslation(job.item_id, premises, conclusion, parses, (), error="no model: "
                                  f"{len(job.todo)} sentence(s) are outside the symbolic parser's grammar",
                                  seconds=time.monotonic() - start)
    sampler = generator.sampler(job, s, cache=cache, retriever=retriever) if generator else FixedSampler(job)
    samples = [evaluate_sample(fol, src, premises, conclusion, s.timeout, 0, semantics, known, s.explain)
               for fol, src in sampler.draw()]
    for rnd in range(1, s.repair_rounds + 1):
        fixed = sampler.repair(samples, rnd)
        if not fixed:
            break
        for j, fol in fixed.items():
            old = samples[j]  # a sentence whose text the repair changed is the model's now
            sources = tuple(src if t == was else "model" for src, t, was in zip(old.sources, fol, old.fol))
            samples[j] = evaluate_sample(fol, sources, premises, conclusion, s.timeout, rnd, semantics, known,
                                         s.explain)
    return _vote(job.item_id, premises, conclusion, parses, samples, sampler.calls, start, s.vote)


class FixedSampler(Sampler):
    """Every sentence read by the symbolic parser: one sample, nothing to ask a model (what a
    model back end's sampler is for such a problem, and the translator's when there is no model)."""

    def __init__(self, job: Job):
        self.job = job

    def draw(self):
        return [(list(self.job.symbolic), ("symbolic",) * len(self.job.symbolic))]


class RecordedSampler(Sampler):
    """Samples recorded in a replay file (:class:`~nsp.parse.backends.ReplayBackend`), used as
    written; a text equal to the symbolic parser's is sourced ``symbolic``. Nothing to repair:
    the recorded repairs are in the samples."""

    def __init__(self, job: Job, recorded: list[list[str]]):
        self.job, self.recorded = job, recorded

    def draw(self):
        return [(list(fol), tuple("symbolic" if sym is not None and sym == t else "model"
                                  for sym, t in zip(self.job.symbolic, fol))) for fol in self.recorded]


class ModelSampler(Sampler):
    """Samples from a model back end for a problem with sentences outside the symbolic parser's
    grammar: the whole problem in one generation per sample
    (mode ``whole``, :mod:`nsp.parse.whole`) or one prompt per sentence; Logic-LM
    repair re-prompts the failing model-made sentences."""

    def __init__(self, gen: Generator, job: Job, settings: Settings, cache: dict | None = None,
                 retriever: Retriever | None = None):
        self.gen, self.job, self.s = _Cached(gen, cache), job, settings
        self.todo, self.k = job.todo, settings.samples
        self.src = tuple("symbolic" if sym is not None else "model" for sym in job.symbolic)
        self.retriever = retriever

    @property
    def calls(self) -> int:
        return self.gen.calls

    @property
    def mode(self) -> str:
        """The settings' mode, else the back end's own layout (asked only when a model is needed)."""
        return self.s.mode or self.gen.gen.layout

    def draw(self):
        if self.mode == "whole":
            fols = _whole_samples(self.gen, self.job.premises, self.job.conclusion, list(self.job.symbolic), self.k,
                                  self.s)
        else:
            fols = self._sentence_samples()
        return [(fol, self.src) for fol in fols]

    def repair(self, samples, rnd):
        if self.mode == "whole":
            fixed = _whole_repair(self.gen, samples, self.job.premises, self.job.conclusion, self.s, rnd)
            return {**_vocabulary_repair(self.gen, samples, self.job, self.s, rnd), **fixed}
        return self._sentence_repair(samples, rnd)

    # ---- sentence by sentence

    def _sentence_samples(self) -> list[list[str]]:
        s, job = self.s, self.job
        sentences, symbolic, premises = job.sentences, job.symbolic, job.premises
        retriever = self.retriever or default_retriever()
        self.context = [(sentences[i], symbolic[i]) for i in range(len(premises)) if symbolic[i] is not None]
        self.shots = {i: retriever.nearest(sentences[i], s.shots, exclude_story=job.story) for i in self.todo}
        last = len(premises)  # the conclusion's index
        self.staged = s.conclusion_context and last in self.todo
        first = [i for i in self.todo if not (self.staged and i == last)]
        prompts = [translation_prompt(sentences[i], self.shots[i], self.context) for i in first]
        outs = self.gen.generate(prompts, self.k, s.temp, s.seed, s.max_new_tokens) if first else []
        fols = []
        for j in range(self.k):
            fol = list(symbolic)
            for t, i in enumerate(first):
                fol[i] = outs[t][j]
            fols.append(fol)
        if self.staged:  # the conclusion sees its own sample's premise translations (one vocabulary)
            for j, text in enumerate(_conclusions(self.gen, job.conclusion, self.shots[last], fols, premises, s)):
                fols[j][last] = text
        return fols

    def _sentence_repair(self, samples: list[Sample], rnd: int) -> dict[int, list[str]]:
        s, job = self.s, self.job
        last = len(job.premises)
        asks = []  # (sample index, sentence index, prompt)
        for j, smp in enumerate(samples):
            if smp.discarded not in ("parse", "inconsistent"):
                continue
            for i, err in _blame(smp):
                ctx = _premise_context(job.premises, smp.fol) if (self.staged and i == last) else self.context
                asks.append((j, i, repair_prompt(job.sentences[i], self.shots[i], ctx, smp.fol[i], err)))
        if not asks:
            return {}
        fixed = self.gen.generate([a[2] for a in asks], 1, s.temp, s.seed + rnd, s.max_new_tokens)
        new_fol = {j: list(samples[j].fol) for j, _, _ in asks}
        for (j, i, _), out in zip(asks, fixed):
            new_fol[j][i] = out[0]
        return new_fol


WHOLE_TOKEN_CAP = 1024  # new tokens for one stretch of a whole-problem block


def _labels(n_premises: int) -> list[str]:
    return [str(i + 1) for i in range(n_premises)] + ["C"]


def _whole_samples(gen: "_Cached", premises, conclusion: str, symbolic: list, k: int, s: Settings) -> list[list[str]]:
    """K whole-problem translations (:mod:`nsp.parse.whole`): the model writes the FOL block; a
    sentence the symbolic parser read is a fixed line of it, so the model continues after that
    line and reuses its names. One generation per stretch of model-made lines (usually one)."""
    n = len(premises)
    labels = _labels(n)
    head = problem_prompt(premises, conclusion, instruction=s.instruction)
    prefixes, lines = [head] * k, [[None] * (n + 1) for _ in range(k)]
    i = 0
    while i <= n:
        if symbolic[i] is not None:
            for j in range(k):
                lines[j][i] = symbolic[i]
                prefixes[j] += f"{labels[i]}. {symbolic[i]}\n"
            i += 1
            continue
        nxt = next((t for t in range(i + 1, n + 1) if symbolic[t] is not None), None)
        end = nxt if nxt is not None else n + 1
        stop = (f"\n{labels[nxt]}.",) if nxt is not None else ("\n\n",)
        budget = min(s.max_new_tokens * (end - i), WHOLE_TOKEN_CAP)
        if len(set(prefixes)) == 1:  # every sample so far is the same text: K completions of one prompt
            outs = gen.generate([prefixes[0]], k, s.temp, s.seed, budget, stop, s.max_new_tokens)[0]
        else:
            outs = [o[0] for o in gen.generate(prefixes, 1, s.temp, s.seed, budget, stop, s.max_new_tokens)]
        for j, text in enumerate(outs):
            got = parse_completion(text, n)
            for t in range(i, end):
                lines[j][t] = got[t]
                prefixes[j] += f"{labels[t]}. {got[t] or ''}\n"
        i = end
    return [[t if t is not None else "" for t in fol] for fol in lines]


def _block_lines(labels: list[str], fol, upto: int) -> str:
    """A sample's first ``upto`` lines of the FOL block, as the model wrote them (``N. formula``)."""
    return "".join(f"{labels[t]}. {fol[t]}\n" for t in range(upto))


def _redraw_temperature(s: Settings) -> float:
    """A repair draws at the run's temperature, or 0.7 in a greedy run (else it would write the same line)."""
    return s.temp if s.temp > 0 else 0.7


def _whole_repair(gen: "_Cached", samples: list, premises, conclusion: str, s: Settings,
                  rnd: int) -> dict[int, list[str]]:
    """One repair round in whole mode: each model-made line that does not read, or that the
    inconsistent core blames, is sampled again after its own sample's earlier lines (the layout the
    model knows; temperature 0.7 when the run is greedy, or it would write the same line)."""
    n = len(premises)
    labels = _labels(n)
    head = problem_prompt(premises, conclusion, instruction=s.instruction)
    asks = []  # (sample index, sentence index, prompt)
    for j, smp in enumerate(samples):
        if smp.discarded not in ("parse", "inconsistent"):
            continue
        for i, _ in _blame(smp):
            before = _block_lines(labels, smp.fol, i)
            asks.append((j, i, f"{head}{before}{labels[i]}."))
    if not asks:
        return {}
    temp = _redraw_temperature(s)
    fixed = gen.generate([a[2] for a in asks], 1, temp, s.seed + rnd, s.max_new_tokens)
    new_fol = {j: list(samples[j].fol) for j, _, _ in asks}
    for (j, i, _), out in zip(asks, fixed):
        new_fol[j][i] = out[0]
    return new_fol


def _vocabulary_repair(gen: "_Cached", samples: list, job: Job, s: Settings, rnd: int) -> dict[int, list[str]]:
    """Whole mode: a decided sample whose conclusion uses a name (predicate, function or constant)
    that none of its premises uses has no proof to find, whatever the problem says. Its conclusion
    line is drawn ``s.vocabulary_repair`` times after its own premise lines; the first draw that
    reads and uses only the premises' names replaces it. No such draw: left as it is. This holds
    for a conclusion the symbolic parser read too, when some premise is the model's (its reading is
    right on its own, but in another vocabulary than the model's premises); then the draw is the
    model's."""
    n, m = len(job.premises), s.vocabulary_repair
    if m <= 0:
        return {}
    head = problem_prompt(job.premises, job.conclusion, instruction=s.instruction)
    labels = _labels(n)
    temp = _redraw_temperature(s)
    out = {}
    for j, smp in enumerate(samples):
        if smp.discarded or smp.names_agree or len(smp.fol) != n + 1 or "model" not in smp.sources:
            continue
        before = _block_lines(labels, smp.fol, n)
        sources = smp.sources[:n] + ("model",)
        for text in gen.generate([f"{head}{before}C."], m, temp, s.seed + rnd, s.max_new_tokens)[0]:
            fol = list(smp.fol[:n]) + [text.strip()]
            r = read_sample(fol, sources, job.premises, job.conclusion, job.known)
            if r.problem is not None and r.names_agree:
                out[j] = fol
                break
    return out


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


def _blame(smp: Sample) -> list[tuple[int, str]]:
    """(sentence index, message) for each model-made formula to re-prompt: those that did not read
    (the reader's message, with its caret), or those in the premises' contradictory core."""
    model_made = [i < len(smp.sources) and smp.sources[i] == "model" for i in range(len(smp.fol))]
    if smp.discarded == "parse":
        return [(i, msg) for i, msg in smp.failures if model_made[i]]
    if smp.discarded == "inconsistent" and smp.verdict is not None and smp.verdict.used is not None:
        core = smp.verdict.used
        shown = "; ".join(write(smp.problem.premises[c], "folio") for c in core)
        return [(c, f"together with the other premises it is contradictory: {shown}") for c in core if model_made[c]]
    return []


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
