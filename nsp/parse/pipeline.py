"""English in, verdict out: ``nsp check`` (one problem) and ``nsp eval`` without ``--gold-fol``.

Datasets: FOLIO JSONL (English ``premises`` / ``conclusion``, ``label``; the FOL columns are not
used: premises AND conclusion are translated) and Logic-LM JSON (ProofWriter, PrOntoQA, ...; read
by :func:`nsp.parse.logiclm.read_logiclm_json`). ``split`` (FOLIO only) keeps the ``dev`` or
``train`` stories (rule in :mod:`nsp.parse.prompts`); the few-shot examples of a problem never
come from its own story.

Per-problem records (the ``--out`` JSONL, resumable) hold ``id, gold, predicted, time, error``,
``samples`` (the FOL of every sample, premises then conclusion), ``sources``, ``votes``,
``discarded`` and ``repaired_samples``: they are a replay file (:mod:`nsp.parse.replay`) as they stand.
The summary has the keys of :func:`nsp.eval.gold.summarise` plus ``error_rate`` (problems with no
prediction / problems scored), ``discarded`` (samples, by reason), ``sentences`` (by source) and
``backend``; ``seconds_per_problem`` excludes loading the model (``load_seconds``).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Sequence

from nsp.eval.datasets import UniqueIds, field_error, jsonl_rows, normalise_label
from nsp.eval.gold import summarise
from nsp.logic.problem import ProblemError, read_sentence_file, read_text_file
from nsp.parse.backends import LINE, Generator, ReplayMiss, check_backend_options, first_use, make_backend
from nsp.parse.sample import Sample
from nsp.parse.translate import ProblemTranslation, Settings, semantics_for, translate_problem
from nsp.records import file_sha256, run_resumable


@dataclass(frozen=True)
class NLItem:
    id: str
    premises: tuple[str, ...]
    conclusion: str
    label: str | None
    story: str | None = None
    error: str = ""


# ---------------------------------------------------------------- reading


def read_nl_problem(path: str | Path) -> tuple[list[str], str]:
    """An English problem file: premises one per line, ``---``, the conclusion; or JSON
    ``{"premises": [...], "conclusion": "..."}`` (the one reader: :func:`nsp.logic.problem.read_sentence_file`).
    Raises ProblemError."""
    return read_sentence_file(path)


def read_dataset(path: str | Path, split: str | None = None) -> list[NLItem]:
    """FOLIO JSONL or Logic-LM JSON items (``split``: FOLIO ``dev`` / ``train`` stories only)."""
    path = Path(path)
    text = read_text_file(path)
    if text.lstrip().startswith("["):
        from nsp.parse.logiclm import read_logiclm_json

        items = [NLItem(str(it.id), tuple(it.premises), it.conclusion, normalise_label(it.label))
                 for it in read_logiclm_json(path)]
        ids = UniqueIds(path)
        for n, it in enumerate(items, 1):
            ids.check(it.id, f"item {n}")
        if split:
            raise ProblemError("--split applies to FOLIO JSONL only", str(path))
        odd = next((it for it in items if it.label not in ("True", "False", "Uncertain")), None)
        if odd is not None:
            raise ProblemError(f"item {odd.id}: answer {odd.label!r} is not True/False/Unknown (multiple-choice "
                               "datasets such as LogicalDeduction are not supported)", str(path))
        return items
    from nsp.parse.prompts import folio_split

    items = []
    ids = UniqueIds(path)
    for no, row, error in jsonl_rows(text, path):
        if error:
            items.append(NLItem(f"line{no}", (), "", None, error=error))
            continue
        story = str(row["story_id"]) if "story_id" in row else None
        prem, conc = row.get("premises"), row.get("conclusion")
        item_id = str(row.get("example_id", row.get("id", f"line{no}")))
        ids.check(item_id, f"line {no}")
        if split and story is not None and folio_split(story) != split:
            continue
        problem = field_error(row, f"{path}:{no}", "premises", "conclusion", conclusion_required=True)
        if problem:
            items.append(NLItem(item_id, (), "", normalise_label(row.get("label")), story, problem))
            continue
        kept = tuple(" ".join(p.split()) for p in prem if p.strip())
        items.append(NLItem(item_id, kept, " ".join(conc.split()), normalise_label(row.get("label")), story))
    return items


# ---------------------------------------------------------------- one problem


class LazyBackend(Generator):
    """Builds the real back end on first use (a fully symbolic run never loads a model)."""

    def __init__(self, model=None, endpoint=None, replay=None, grammar=False, notify=None, endpoint_options=None,
                 beams=1):
        """``notify(message)``: told when the model loads and while it generates (``nsp check``'s
        progress on stderr). The other arguments are :func:`make_backend`'s."""
        self.args = (model, endpoint, replay)
        self.grammar, self.beams = grammar, beams
        self.endpoint_options = dict(endpoint_options or {})
        self.notify = notify or (lambda message: None)
        check_backend_options(endpoint, replay, grammar, self.endpoint_options, beams)
        self.inner: Generator | None = None
        self.load_seconds = 0.0
        self.name = (f"replay:{Path(replay).name}" if replay else f"endpoint:{endpoint}" if endpoint
                     else f"transformers:{model or 'the default translator'}")
        if replay:
            self._get()  # read the file now: a bad replay file is an input error

    def _get(self) -> Generator:
        if self.inner is None:
            t = time.monotonic()
            model, endpoint, replay = self.args
            if not replay:
                once = (" (first use: the model is assembled, converted and merged into the cache once, a minute or "
                        "two; later loads take seconds)") if not endpoint and first_use(model) else ""
                self.notify(f"loading {self.name} ...{once}")
            self.inner = make_backend(model=model, endpoint=endpoint, replay=replay, grammar=self.grammar,
                                      endpoint_options=self.endpoint_options, beams=self.beams)
            self.load_seconds = time.monotonic() - t
            self.name = self.inner.name
            if not replay:
                self.notify(f"loaded {self.name} in {self.load_seconds:.1f} s")
        return self.inner

    @property
    def layout(self) -> str:
        return self._get().layout

    @property
    def used_name(self) -> str:
        """The back end's name, or that none was needed (every sentence parsed symbolically)."""
        return self.name if self.inner is not None else "none (every sentence parsed symbolically)"

    def generate(self, prompts, n=1, temperature=0.0, seed=0, max_new_tokens=96, stop=LINE, line_tokens=None):
        inner = self._get()
        t = time.monotonic()
        self.notify(f"generating {len(prompts)} prompt(s) x {n} sample(s) (up to {max_new_tokens} tokens each) ...")
        out = inner.generate(prompts, n, temperature, seed, max_new_tokens, stop, line_tokens)
        self.notify(f"generated in {time.monotonic() - t:.1f} s")
        return out

    def sampler(self, job, settings, cache=None, retriever=None):
        if self.args[2]:  # a replay: its own sampler (the file is read already)
            return self._get().sampler(job, settings, cache, retriever)
        return super().sampler(job, settings, cache, retriever)  # prompts through self: the model loads on use


@dataclass(frozen=True)
class CheckResult:
    translation: ProblemTranslation
    report: object | None  # provers.decide.Report on the chosen sample, with explanation


def check_problem(premises: Sequence[str], conclusion: str, generator: Generator | None,
                  settings: Settings | None = None, item_id: str = "input") -> CheckResult:
    """Translate and decide one English problem; explain the chosen sample in its own words."""
    from provers.decide import report as report_of

    settings = replace(settings or Settings(), explain=True)  # each sample decided once, with its explanation
    tr = translate_problem(premises, conclusion, generator, settings, item_id=item_id)
    report = None
    if tr.chosen is not None:
        chosen = tr.samples[tr.chosen]
        report = report_of(chosen.problem, chosen.verdict)
    return CheckResult(tr, report)


def sample_record(smp: Sample, weight: float) -> dict:
    """Why a sample voted as it did: its verdict, what reading repaired, and its weight."""
    return {"verdict": smp.outcome.value if smp.outcome is not None else f"discarded: {smp.discarded}",
            "weight": weight, "structural": smp.structural, "related": smp.related,
            "repairs": [f"{kind}: {what}" for kind, what in smp.repairs],
            **({"error": smp.error} if smp.error else {})}


def translation_record(tr: ProblemTranslation) -> dict:
    """The JSON record of a translation (also a replay line)."""
    return {
        "id": tr.id,
        "predicted": tr.predicted.value if tr.predicted is not None else None,
        "votes": tr.votes,
        "vote": tr.rule,
        "discarded": tr.discarded,
        "samples": [list(s.fol) for s in tr.samples],
        "sources": [list(s.sources) for s in tr.samples][:1],
        "sample_outcomes": [s.outcome.value if s.outcome is not None else f"discarded: {s.discarded}"
                            for s in tr.samples],
        "sample_evidence": [sample_record(s, w) for s, w in zip(tr.samples, tr.weights)],
        # name agreement: the first sample's conclusion uses only predicates and constants of its premises
        "names_agree": tr.samples[0].names_agree if tr.samples and tr.samples[0].problem is not None else None,
        "repaired_samples": sum(1 for s in tr.samples if s.repair_rounds),
        "renamed": dict(tr.samples[tr.chosen].renamed) if tr.chosen is not None else {},
        "symbolic": sum(1 for p in tr.parses if p.formula is not None),
        "sentences": len(tr.parses),
        "error": tr.error,
    }


def _sentence_rows(result: CheckResult) -> list[dict]:
    tr = result.translation
    smp = tr.samples[tr.chosen] if tr.chosen is not None else (tr.samples[0] if tr.samples else None)
    rows = []
    for i, (sentence, p) in enumerate(zip(tr.sentences, tr.parses)):
        role = f"p{i + 1}" if i < len(tr.premises) else "conclusion"
        row = {"role": role, "text": sentence, "fol": smp.fol[i] if smp else None,
               "source": smp.sources[i] if smp else ("symbolic" if p.formula is not None else "")}
        if p.formula is None and p.reason:
            row["symbolic_parser"] = p.reason
        rows.append(row)
    return rows


def check_json(result: CheckResult, backend: str = "") -> dict:
    """``nsp check --json``: verdict, votes, per-sentence FOL and source, explanation."""
    tr = result.translation
    out = {
        "verdict": tr.predicted.value if tr.predicted is not None else None, "votes": tr.votes, "vote": tr.rule,
        "discarded": tr.discarded, "samples": len(tr.samples),
        "chosen_sample": tr.chosen, "sentences": _sentence_rows(result), "backend": backend,
        "all_samples": [{"fol": list(s.fol), **sample_record(s, w), "discarded": s.discarded,
                         "repair_rounds": s.repair_rounds, "renamed": dict(s.renamed)}
                        for s, w in zip(tr.samples, tr.weights)],
    }
    if tr.error:
        out["error"] = tr.error
    rep = result.report
    if rep is not None:
        v = rep.verdict
        exp: dict = {"outcome": v.outcome.value}
        if v.used is not None:
            exp["used"] = [{"role": f"p{i + 1}", "text": tr.premises[i], "fol": str(rep.problem.premises[i])}
                           for i in v.used]
        if v.countermodel is not None:
            exp["countermodel"] = v.countermodel.to_json()
            exp["countermodel_facts"] = named_facts(v.countermodel, rep.problem)
            exp["countermodel_lines"] = v.countermodel.describe()
        if v.model is not None:
            exp["model"] = v.model.to_json()
        out["explanation"] = exp
    return out


def named_facts(model, problem, limit: int = 40) -> list[str]:
    """The model's facts about the problem's named individuals for its unary predicates:
    ``Dog(rex)``, ``¬Animal(tom)`` (arities from the problem: a relation that holds of nothing is
    not shown as a unary fact)."""
    from nsp.logic.analysis import signature

    nodes = [*problem.premises, *([problem.conclusion] if problem.conclusion is not None else [])]
    unary = {s.name for s in signature(nodes).values() if s.kind == "predicate" and s.arity == 1}
    facts = []
    for name, element in sorted(model.constants.items()):
        for pred, rows in sorted(model.predicates.items()):
            if pred not in unary:
                continue
            holds = (element,) in {tuple(r) for r in rows}
            facts.append(f"{'' if holds else '¬'}{pred}({name})")
    return facts[:limit]


def check_lines(result: CheckResult, backend: str = "") -> list[str]:
    """``nsp check``: the verdict, each sentence with its FOL and who made it, and why."""
    tr = result.translation
    votes = ", ".join(f"{o} {n:g}" for o, n in sorted(tr.votes.items(), key=lambda kv: -kv[1])) or "none"
    disc = ", ".join(f"{n} {r}" for r, n in sorted(tr.discarded.items()))
    head = f"{tr.predicted or 'No verdict'}  (votes: {votes}; {len(tr.samples)} sample(s)"
    head += f"; discarded: {disc})" if disc else ")"
    lines = [head]
    if tr.error:
        lines.append(f"  {tr.error}")
    which = f"sample {tr.chosen + 1} of {len(tr.samples)}" if tr.chosen is not None else "first sample, unusable"
    lines.append(f"translation ({which}; model: {backend}):" if tr.samples else "translation: none")
    for row in _sentence_rows(result):
        lines.append(f"  {row['role']:>10} [{row['source'] or 'unparsed'}] {row['text']}")
        lines.append(f"  {'':>10}   {row['fol'] if row['fol'] is not None else '-'}")
    smp = tr.samples[tr.chosen] if tr.chosen is not None else None
    if smp is not None and smp.renamed:
        lines.append("names aligned (one name per concept): " + ", ".join(f"{a} → {b}" for a, b in smp.renamed))
    rep = result.report
    if rep is None:
        return lines
    v = rep.verdict
    if v.outcome.value in ("True", "False") and v.used is not None:
        lines.append("the conclusion follows from:" if v.outcome.value == "True"
                     else "the conclusion is false: its negation follows from:")
        for i in v.used:
            lines.append(f"  p{i + 1}: {tr.premises[i]}")
        if not v.used:
            lines.append("  (no premise: it holds on its own)" if v.outcome.value == "True"
                         else "  (no premise: it is self-contradictory)")
    elif v.outcome.value == "Uncertain":
        lines.append("neither the conclusion nor its negation follows.")
        if v.countermodel is not None:
            lines.append(f"a situation where every premise holds and the conclusion fails ({tr.conclusion}):")
            facts = named_facts(v.countermodel, rep.problem)
            if facts:
                lines.append(f"  {', '.join(facts)}")
            lines.extend(f"  {l}" for l in v.countermodel.describe())
        if v.model is not None:
            lines.append("a situation where every premise holds and so does the conclusion:")
            lines.extend(f"  {l}" for l in v.model.describe())
    return lines


# ---------------------------------------------------------------- a dataset


def evaluate_pipeline(
    dataset_path: str | Path,
    settings: Settings | None = None,
    *,
    limit: int | None = None,
    split: str | None = None,
    model: str | None = None,
    endpoint: str | None = None,
    replay: str | Path | None = None,
    grammar: bool = False,
    endpoint_options: dict | None = None,
    beams: int = 1,
    out: str | Path | None = None,
    fresh: bool = False,
    progress: bool = True,
    generator: Generator | None = None,
) -> dict:
    """Translate, decide and score every item of a dataset with ``settings`` (the translator's:
    :class:`~nsp.parse.translate.Settings`); returns the summary (module docstring).

    The back end: ``generator`` when given, else the one ``model`` / ``endpoint`` / ``replay``
    (``grammar``: constrained decoding; ``beams``: beam search for greedy translations;
    ``endpoint_options``: the server's) names, loaded on first need (:class:`LazyBackend`).
    ``out``: the per-problem JSONL, resumable (``fresh``: start over)."""
    settings = settings or Settings()
    items = read_dataset(dataset_path, split)
    if limit is not None:
        items = items[:limit]
    backend = generator or LazyBackend(model, endpoint, str(replay) if replay else None, grammar,
                                       endpoint_options=endpoint_options, beams=beams)
    cache: dict = {}
    start = time.monotonic()

    ran = []  # the items run now (the others come from the journal)

    def one(pos: int, item: NLItem) -> dict:
        ran.append(item.id)
        return _evaluate_item(item, pos, backend, settings, cache)

    header = {"job": "eval", "input_sha256": file_sha256(dataset_path), "split": split, "settings": asdict(settings),
              "backend": {"model": model, "endpoint": endpoint, "grammar": grammar,
                          **({"server_grammar": endpoint_options["grammar_style"]}
                             if (endpoint_options or {}).get("formulas") else {}),
                          **({"beams": beams} if beams != 1 else {}),  # absent at 1: older journals resume
                          "replay_sha256": file_sha256(replay) if replay else None}}
    records = run_resumable(items, one, out, progress, f"eval K={settings.samples}",
                            header if generator is None else None, fresh,
                            inputs=[dataset_path] + ([replay] if replay else []))
    done = [records[i.id] for i in items if i.id in records]
    summary = summarise(done)
    load = getattr(backend, "load_seconds", 0.0)
    summary["seconds"] = round(time.monotonic() - start, 3)
    summary["load_seconds"] = round(load, 3)
    summary["error_rate"] = round(summary["errors"] / summary["n"], 4) if summary["n"] else None
    summary["samples_per_problem"] = settings.samples
    summary["discarded"] = dict(sum((Counter(r.get("discarded", {})) for r in done), Counter()))
    summary["sentences"] = {"symbolic": sum(r.get("symbolic", 0) for r in done),
                            "model": sum(r.get("sentences", 0) - r.get("symbolic", 0) for r in done)}
    if not isinstance(backend, LazyBackend):
        summary["backend"] = backend.name
    elif backend.inner is None and len(done) > len(ran):  # never loaded: the journal held what the model made
        summary["backend"] = (f"{backend.name}: not loaded, {len(done) - len(ran)} problem(s) resumed from the "
                              f"journal" + (f", {len(ran)} parsed symbolically" if ran else ""))
    else:
        summary["backend"] = backend.used_name
    summary["split"] = split or "all"
    summary["conclusion_context"] = settings.conclusion_context
    summary["grammar"] = grammar
    summary["beams"] = beams
    summary["vote"] = settings.vote
    summary["vocabulary_repair"] = settings.vocabulary_repair
    agree = [r["names_agree"] for r in done if r.get("names_agree") is not None]
    summary["name_agreement"] = round(sum(agree) / len(agree), 4) if agree else None
    summary["mode"] = settings.mode
    semantics = settings.semantics
    summary["semantics"] = semantics if semantics != "auto" else (
        "auto: " + ", ".join(sorted({semantics_for(i.id, semantics) for i in items})))
    return summary


def _evaluate_item(item: NLItem, pos: int, backend: Generator, settings: Settings, cache: dict) -> dict:
    start = time.monotonic()
    loaded = getattr(backend, "load_seconds", 0.0)
    rec = {"id": item.id, "gold": item.label, "predicted": None, "error": item.error, "bad_item": bool(item.error)}
    if item.story is not None:
        rec["story"] = item.story
    if not item.error:
        try:
            tr = translate_problem(item.premises, item.conclusion, backend, settings, item_id=item.id,
                                   position=pos, story=item.story, cache=cache)
            rec.update(translation_record(tr))
        except ReplayMiss as e:
            rec["error"] = str(e)
    loading = getattr(backend, "load_seconds", 0.0) - loaded  # the model loaded during this item
    rec["time"] = round(time.monotonic() - start - loading, 6)
    return rec
