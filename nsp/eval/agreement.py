"""Per-sample agreement of nsp's verdicts with recorded reference verdicts (LINC's Prover9 runs).

Inputs: a dataset (FOLIO JSONL or Logic-LM JSON, as ``nsp eval`` reads it), a replay of its samples
(:mod:`nsp.parse.replay`), and a reference file: a JSON list with one list per problem (in the
dataset's order) of one verdict per sample, ``True`` / ``False`` / ``Uncertain`` or ``Error``
(the reference could not read or run the sample), e.g. LINC's ``gpt35-folio-prover9.json``.

Every sample is read and decided once (:func:`nsp.parse.sample.evaluate_sample`) and put in a
table, reference verdict × nsp verdict (nsp's ``parse`` / ``inconsistent`` / ``unknown`` are its
discards). Samples that both decided (True, False or Uncertain on both sides) give the agreement
rate. Each disagreement gets the reason nsp's own facts give for it (:func:`_reason`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from nsp.items import read_document
from nsp.logic.problem import ProblemError
from nsp.parse.pipeline import read_dataset
from nsp.parse.replay import read_replay
from nsp.logic.syntax import FormulaSyntaxError, parse
from nsp.parse.sample import Sample, evaluate_sample, sample_syntax
from nsp.parse.vote import vote

DECIDED = ("True", "False", "Uncertain")


@dataclass(frozen=True)
class Disagreement:
    id: str
    sample: int
    reference: str
    nsp: str
    reason: str
    fol: tuple[str, ...]


@dataclass
class Agreement:
    table: Counter = field(default_factory=Counter)  # (reference, nsp) -> samples
    disagreements: list[Disagreement] = field(default_factory=list)
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # item id -> its samples, read and decided
    labels: dict[str, str | None] = field(default_factory=dict)  # item id -> gold label

    def accuracy(self, rule: str) -> float:
        """The share of problems whose vote under ``rule`` (:mod:`nsp.parse.vote`) is the gold label."""
        right = sum(vote(smps, rule)[0] == self.labels[i] for i, smps in self.samples.items())
        return right / len(self.samples)

    @property
    def both_decided(self) -> int:
        return sum(n for (r, o), n in self.table.items() if r in DECIDED and o in DECIDED)

    @property
    def agreed(self) -> int:
        return sum(n for (r, o), n in self.table.items() if r in DECIDED and r == o)

    @property
    def rate(self) -> float | None:
        return self.agreed / self.both_decided if self.both_decided else None

    @property
    def reference_read_nsp_not(self) -> int:
        """Samples the reference read (any verdict but Error) that nsp could not read."""
        return sum(n for (r, o), n in self.table.items() if r != "Error" and o == "parse")


def read_reference(path: str | Path) -> list[list[str]]:
    path = Path(path)
    data = read_document(path)
    if not (isinstance(data, list) and all(isinstance(r, list) and all(isinstance(v, str) for v in r) for r in data)):
        raise ProblemError("expected a list of per-problem lists of verdict strings", str(path))
    return data


def compare(dataset: str | Path, replay: str | Path, reference: str | Path, timeout: float = 10.0) -> Agreement:
    items = read_dataset(dataset)
    by_id, _ = read_replay(replay)
    refs = read_reference(reference)
    if len(refs) != len(items):
        raise ProblemError(f"{len(refs)} problems of reference verdicts for {len(items)} dataset items", str(reference))
    out = Agreement()
    for item, ref in zip(items, refs):
        samples = by_id.get(item.id)
        if samples is None or len(samples) != len(ref):
            raise ProblemError(f"item {item.id}: the replay and the reference disagree on its samples", str(replay))
        out.labels[item.id], out.samples[item.id] = item.label, []
        for j, (fol, r) in enumerate(zip(samples, ref)):
            smp = evaluate_sample(fol, ("model",) * len(fol), item.premises, item.conclusion, timeout)
            out.samples[item.id].append(smp)
            ours = smp.outcome.value if smp.outcome is not None else smp.discarded
            out.table[(r, ours)] += 1
            if r != "Error" and r != ours:
                out.disagreements.append(Disagreement(item.id, j, r, ours, _reason(smp, r), tuple(fol)))
    return out


def _reason(smp: Sample, reference: str) -> str:
    """Why nsp's verdict differs, from what nsp knows about the sample."""
    if smp.discarded == "parse":
        return f"nsp cannot read it: {smp.error}"
    if smp.discarded == "inconsistent":
        return ("nsp finds the premises contradictory; the reference proves anything from them"
                if reference == "True" else "nsp finds the premises contradictory")
    if smp.discarded == "unknown":
        return f"nsp's prover gave up: {smp.error}"
    try:
        open_conclusion = bool(parse(smp.fol[-1], fallback=sample_syntax(smp.fol)).closed)
    except FormulaSyntaxError:  # it read in evaluate_sample; this only looks for a reason
        open_conclusion = False
    if open_conclusion:
        return ("the conclusion has a free variable: nsp decides ∀x C and ¬∀x C, Prover9 closes C and its "
                "negation separately (∀x C, ∀x ¬C)")
    if smp.renamed:
        return "nsp aligned model-made names: " + ", ".join(f"{a} → {b}" for a, b in smp.renamed)
    if smp.outcome is not None and smp.outcome.value in ("True", "False") and reference == "Uncertain":
        return "nsp finds a proof the reference did not (a Prover9 time-out, or LINC's preprocessing changed the text)"
    return "a different reading (unexplained)"
