"""Few-shot prompts for translating one English sentence to FOL, with retrieved examples.

The example pool is NL→FOL sentence pairs from the FOLIO *train split* only. Split rule (by
story, deterministic): a story is in **dev** when ``int(sha256(str(story_id)), 16) % 5 == 0``,
else in **train**; nothing else is excluded. On ``folio-train.jsonl`` (340 stories, 1,004 items)
that gives 56 dev stories / 148 dev items. Pairs are the aligned ``premises`` / ``premises-FOL``
of train stories, plus the hand-written ``conclusion-FOL`` of train stories in
``data/folio-gold-sample.jsonl``; each FOL string is read leniently and rewritten in FOLIO syntax
(pairs that do not read are dropped). The pool ships as ``folio_pool.jsonl`` beside this module
(FOLIO, CC BY-SA 4.0, Yale-LILY; see ``data/README`` upstream); ``build_pool`` remakes it.

Retrieval is BM25 (k1=1.2, b=0.75) over lower-cased word tokens with a crude plural strip,
written here (no dependency). A prompt is: an instruction line, the ``shots`` best examples
(best last), the sentences of the same problem the symbolic parser already translated (they fix
the problem's vocabulary), then ``English: <sentence>`` / ``FOL:`` for the model to complete.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

POOL_PATH = Path(__file__).with_name("folio_pool.jsonl")
INSTRUCTION = (
    "Translate each English sentence into one first-order logic formula. "
    "Use ∀ ∃ ¬ ∧ ∨ → ↔ ⊕, predicates such as Dog(x), and lower-case constants such as rex."
)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an the is are of to and or in on it be that this who which as at by for".split())


def folio_split(story_id) -> str:
    """``dev`` or ``train`` for a FOLIO story (the rule in the module docstring)."""
    return "dev" if int(hashlib.sha256(str(story_id).encode()).hexdigest(), 16) % 5 == 0 else "train"


@dataclass(frozen=True)
class Example:
    english: str
    fol: str
    story: str = ""


def tokens(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(text.lower()):
        if w in _STOP:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


class BM25:
    """Okapi BM25 over a fixed list of documents."""

    def __init__(self, docs: Sequence[str], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.tfs = [Counter(tokens(d)) for d in docs]
        self.lens = [sum(tf.values()) for tf in self.tfs]
        self.avg = (sum(self.lens) / len(self.lens)) if self.lens else 1.0
        df = Counter(w for tf in self.tfs for w in tf)
        n = len(docs)
        self.idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
        self.index: dict[str, list[int]] = {}
        for i, tf in enumerate(self.tfs):
            for w in tf:
                self.index.setdefault(w, []).append(i)

    def scores(self, query: str) -> dict[int, float]:
        out: dict[int, float] = {}
        for w in set(tokens(query)):
            idf = self.idf.get(w)
            if idf is None:
                continue
            for i in self.index[w]:
                tf = self.tfs[i][w]
                norm = tf + self.k1 * (1 - self.b + self.b * self.lens[i] / self.avg)
                out[i] = out.get(i, 0.0) + idf * tf * (self.k1 + 1) / norm
        return out


class Retriever:
    """The ``k`` pool examples most similar to a sentence, never from an excluded story."""

    def __init__(self, pool: Sequence[Example]):
        self.pool = list(pool)
        self.bm25 = BM25([e.english for e in self.pool])

    def nearest(self, sentence: str, k: int, exclude_story: str | None = None) -> list[Example]:
        scored = self.bm25.scores(sentence)
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
        out = []
        for i, _ in ranked:
            e = self.pool[i]
            if exclude_story is not None and e.story == str(exclude_story):
                continue
            if e.english.strip().lower() == sentence.strip().lower():
                continue
            out.append(e)
            if len(out) == k:
                break
        return out


def load_pool(path: str | Path = POOL_PATH) -> list[Example]:
    rows = [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
    return [Example(r["english"], r["fol"], str(r.get("story", ""))) for r in rows]


_RETRIEVER: dict[str, Retriever] = {}


def default_retriever() -> Retriever:
    """The retriever over the shipped pool (built once per process; read-only afterwards)."""
    key = str(POOL_PATH)
    if key not in _RETRIEVER:
        _RETRIEVER[key] = Retriever(load_pool())
    return _RETRIEVER[key]


def build_pool(folio_jsonl: str | Path, gold_sample: str | Path | None, out: str | Path = POOL_PATH) -> int:
    """Remake the pool file from FOLIO train-split stories; returns the number of pairs."""
    from nsp.logic.syntax import FormulaSyntaxError, parse, write
    from nsp.records import write_atomic

    pairs: dict[str, Example] = {}

    def add(english: str, fol: str, story: str) -> None:
        english = " ".join(english.split())
        if not english or english.lower() in pairs:
            return
        try:
            f = parse(fol, "folio").formula
        except (FormulaSyntaxError, ValueError):
            return
        pairs[english.lower()] = Example(english, write(f, "folio"), story)

    sources = [(folio_jsonl, False)] + ([(gold_sample, True)] if gold_sample else [])
    for path, conclusions in sources:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            story = str(row.get("story_id"))
            if folio_split(story) != "train":
                continue
            if conclusions:
                if isinstance(row.get("conclusion-FOL"), str):
                    add(row["conclusion"], row["conclusion-FOL"], story)
                continue
            nl, fol = row.get("premises", []), row.get("premises-FOL", [])
            if len(nl) != len(fol):
                continue
            for e, f in zip(nl, fol):
                if isinstance(e, str) and isinstance(f, str) and f.strip():
                    add(e, f, story)
    rows = sorted(pairs.values(), key=lambda e: (int(e.story) if e.story.isdigit() else 0, e.english))
    write_atomic(out, "".join(json.dumps({"english": e.english, "fol": e.fol, "story": e.story},
                                         ensure_ascii=False) + "\n" for e in rows))
    return len(rows)


def _pairs(examples: Iterable[tuple[str, str]]) -> str:
    return "".join(f"English: {e}\nFOL: {f}\n\n" for e, f in examples)


def translation_prompt(sentence: str, examples: Sequence[Example], context: Sequence[tuple[str, str]] = ()) -> str:
    """The few-shot prompt for one sentence; the model completes the last ``FOL:`` line."""
    shots = [(e.english, e.fol) for e in reversed(examples)]  # best example last, nearest the question
    return f"{INSTRUCTION}\n\n{_pairs(shots)}{_pairs(context)}English: {sentence}\nFOL:"


def repair_prompt(sentence: str, examples: Sequence[Example], context: Sequence[tuple[str, str]],
                  bad: str, error: str) -> str:
    """Logic-LM style self-repair: the failed translation and the parser's / solver's message."""
    base = translation_prompt(sentence, examples, context)
    head = base[: base.rfind("English: ")]
    error = " ".join(error.split())[:300]
    return (f"{head}English: {sentence}\nWrong FOL: {bad}\nProblem: {error}\n"
            f"Corrected, as one formula:\nEnglish: {sentence}\nFOL:")
