"""Whole-problem translation: one generation gives the FOL of every premise and of the conclusion.

LINC's idea (the model sees the whole problem and names each concept once), in a compact layout
that a fine-tuned model needs no instruction or shots for::

    Premises:
    1. All dogs are animals.
    2. Rex is a dog.
    Conclusion: Rex is an animal.
    FOL:
    1. ∀x (Dog(x) → Animal(x))
    2. Dog(rex)
    C. Animal(rex)

:func:`problem_prompt` writes everything up to ``FOL:\\n``; :func:`target_lines` the block after
it; :func:`parse_completion` reads a model's block back into one formula text per sentence
(premises in order, then the conclusion), tolerant of missing, extra or misnumbered lines.

:func:`training_problems` builds the fine-tuning data (train-split FOLIO stories only, never a
dev story; see its docstring for the filter) and :func:`training_examples` turns it into
(prompt, target) texts.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

FOLIO_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "folio"
V2_TRAIN = FOLIO_DIR / "folio-v2-train.jsonl"
V0_TRAIN = FOLIO_DIR / "folio-train.jsonl"
INSTRUCTION = ("Translate every premise and the conclusion into first-order logic, one formula per line, "
               "with one name per concept (∀ ∃ ¬ ∧ ∨ → ↔ ⊕).")
_LINE = re.compile(r"^\s*(?:(\d+)|([Cc]))\s*[.):]\s*(.*)$")


def _clean(sentence: str) -> str:
    return " ".join(str(sentence).split())


def problem_prompt(premises: Sequence[str], conclusion: str, instruction: bool = False) -> str:
    """The prompt for one problem, ending with ``FOL:\\n`` (the model writes the FOL block)."""
    head = f"{INSTRUCTION}\n\n" if instruction else ""
    lines = "".join(f"{i}. {_clean(p)}\n" for i, p in enumerate(premises, 1))
    return f"{head}Premises:\n{lines}Conclusion: {_clean(conclusion)}\nFOL:\n"


def target_lines(fols: Sequence[str]) -> list[str]:
    """The FOL block's lines: ``1. …`` for each premise, then ``C. …`` for the last formula (the conclusion)."""
    fols = [_clean(f) for f in fols]
    return [f"{i}. {f}" for i, f in enumerate(fols[:-1], 1)] + [f"C. {fols[-1]}"]


def parse_completion(text: str, n_premises: int) -> list[str | None]:
    """One formula text per sentence (``n_premises`` premises, then the conclusion), ``None`` where
    the block has no usable line. Never raises on odd text.

    Numbered lines go to their premise (the first line for a number wins; numbers out of range are
    ignored); ``C.`` is the conclusion. Reading stops at a blank line after the block started or at
    a second ``C.``. Unnumbered lines are ignored."""
    out: list[str | None] = [None] * (n_premises + 1)
    started = False
    for raw in str(text).splitlines():
        if not raw.strip():
            if started:
                break
            continue
        m = _LINE.match(raw)
        if not m:
            continue
        started = True
        formula = m.group(3).strip()
        if m.group(2):
            if out[n_premises] is not None:
                break
            out[n_premises] = formula or None
            continue
        k = int(m.group(1))
        if 1 <= k <= n_premises and out[k - 1] is None:
            out[k - 1] = formula or None
    return out


# ---------------------------------------------------------------- training data


@dataclass(frozen=True)
class WholeProblem:
    premises: tuple[str, ...]
    conclusion: str
    fols: tuple[str, ...]  # FOLIO syntax: one per premise, then the conclusion's
    source: str  # "folio-v2", "folio-v0" or "synthetic"
    story: str = ""
    label: str = ""  # FOLIO v2: the gold label, which its gold FOL decides to ("" elsewhere)

    def prompt(self) -> str:
        return problem_prompt(self.premises, self.conclusion)

    def target(self) -> str:
        return "\n".join(target_lines(self.fols)) + "\n"


@dataclass
class BuildReport:
    kept: Counter = field(default_factory=Counter)  # by source
    dropped: Counter = field(default_factory=Counter)  # by "source: reason"

    def to_json(self) -> dict:
        return {"kept": dict(self.kept), "dropped": dict(sorted(self.dropped.items()))}


def _rows(path: Path) -> list[dict]:
    return [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]


def _label(label) -> str:
    from nsp.eval.datasets import normalise_label

    return normalise_label(label) or ""


def _dev_sentences(*paths: Path) -> set[str]:
    """Normalised premise sentences of every dev-split story (in either FOLIO file): a train-split
    problem that shares one is dropped (the two files number some stories differently)."""
    from nsp.parse.prompts import folio_split

    out = set()
    for path in paths:
        for r in _rows(path):
            if folio_split(r.get("story_id")) == "dev":
                out.update(_clean(p).lower() for p in r.get("premises") or ())
    return out


def _leak(story, premises: Sequence[str], dev: set[str]) -> str | None:
    """Why a problem may not be trained on (a dev-split story, or a premise sentence of a dev
    story), or None."""
    from nsp.parse.prompts import folio_split

    if folio_split(str(story)) != "train":
        return "dev-split story"
    if any(_clean(p).lower() in dev for p in premises):
        return "shares a premise with a dev story"
    return None


def _read_fols(texts: Sequence[str]):
    """Nodes of FOLIO-syntax texts (the last one the conclusion), or a reason string."""
    from nsp.logic.problem import ProblemError, problem_from_texts

    try:
        p = problem_from_texts(list(texts[:-1]), texts[-1], syntax="folio")
    except ProblemError:
        return "gold FOL does not read (or a symbol clashes)"
    except Exception as e:  # noqa: BLE001 - any reader failure is a reason to drop, never a crash
        return f"gold FOL does not read ({type(e).__name__})"
    return list(p.premises) + [p.conclusion]


def _conclusion_symbols_in_premises(nodes) -> bool:
    from nsp.logic.analysis import SignatureError, signature

    try:
        prem = signature(nodes[:-1])
        conc = signature(nodes[-1:])
    except SignatureError:
        return False
    return all(name in prem for name, s in conc.items() if s.kind in ("predicate", "constant"))


def folio_v2_problems(report: BuildReport, path: Path = V2_TRAIN, dev_sentences: set[str] | None = None,
                      timeout: float = 5.0, limit: int | None = None) -> list[WholeProblem]:
    """FOLIO v2 train-split problems whose gold FOL reads, decides to the gold label with Z3
    (Unknown = Uncertain), and whose conclusion uses only predicates and constants of the premises.
    The FOL is rewritten in FOLIO syntax (:func:`nsp.logic.syntax.write`)."""
    from nsp.logic.syntax import write
    from provers.z3_bridge import decide

    dev = _dev_sentences(V0_TRAIN, path) if dev_sentences is None else dev_sentences
    out = []
    rows = _rows(path)[:limit] if limit else _rows(path)
    for r in rows:
        story = str(r.get("story_id"))
        why = None
        prem, fol, conc, cfol = r.get("premises") or [], r.get("premises-FOL") or [], r.get("conclusion"), r.get("conclusion-FOL")
        why = _leak(story, prem, dev)
        if why is None and (len(prem) != len(fol) or not isinstance(conc, str) or not isinstance(cfol, str) \
                or not all(isinstance(f, str) and f.strip() for f in fol)):
            why = "missing or misaligned FOL"
        if why is None:
            nodes = _read_fols(list(fol) + [cfol])
            if isinstance(nodes, str):
                why = nodes
            elif not _conclusion_symbols_in_premises(nodes):
                why = "conclusion uses a predicate or constant no premise uses"
            else:
                try:
                    got = decide(nodes[:-1], nodes[-1], timeout=timeout, explain=False).outcome.value
                except Exception as e:  # noqa: BLE001
                    got = f"error {type(e).__name__}"
                if got != _label(r.get("label")):
                    why = "gold FOL decides to another label" if got in ("True", "False", "Uncertain") \
                        else f"gold FOL decides {got if not got.startswith('error') else 'with an error'}"
        if why:
            report.dropped[f"folio-v2: {why}"] += 1
            continue
        report.kept["folio-v2"] += 1
        out.append(WholeProblem(tuple(_clean(p) for p in prem), _clean(conc), tuple(write(n, "folio") for n in nodes),
                                "folio-v2", story, _label(r.get("label"))))
    return out


def folio_v0_problems(report: BuildReport, covered: set[str], path: Path = V0_TRAIN,
                      dev_sentences: set[str] | None = None) -> list[WholeProblem]:
    """One problem per FOLIO v0 train-split story whose premises no kept v2 problem already has
    (``covered``: normalised premise sentences; at least half of them covered = covered): one
    premise takes the conclusion's place, the last one that uses only predicates and constants of
    the others (the whole problem's point is one vocabulary). Kept when all premise FOL reads."""
    from nsp.logic.syntax import write

    dev = _dev_sentences(path, V2_TRAIN) if dev_sentences is None else dev_sentences
    out, seen = [], set()
    for r in _rows(path):
        story = str(r.get("story_id"))
        if story in seen:
            continue
        seen.add(story)
        prem, fol = r.get("premises") or [], r.get("premises-FOL") or []
        why = _leak(story, prem, dev)
        if why is None and (len(prem) != len(fol) or len(prem) < 2
                            or not all(isinstance(f, str) and f.strip() for f in fol)):
            why = "missing or misaligned FOL"
        elif why is None and sum(_clean(p).lower() in covered for p in prem) * 2 >= len(prem):
            why = "story already covered by FOLIO v2"
        order = None
        if why is None:
            nodes = _read_fols(list(fol))
            if isinstance(nodes, str):
                why = nodes
            else:  # the last premise whose names all occur in the others stands in for the conclusion
                for k in range(len(nodes) - 1, -1, -1):
                    order = [i for i in range(len(nodes)) if i != k] + [k]
                    if _conclusion_symbols_in_premises([nodes[i] for i in order]):
                        break
                else:
                    why = "no premise uses only names of the others"
        if why:
            report.dropped[f"folio-v0: {why}"] += 1
            continue
        report.kept["folio-v0"] += 1
        out.append(WholeProblem(tuple(_clean(prem[i]) for i in order[:-1]), _clean(prem[order[-1]]),
                                tuple(write(nodes[i], "folio") for i in order), "folio-v0", story))
    return out


def _restates(nodes) -> bool:
    """The conclusion, or its negation, is one of the premises word for word: a 'proof' that
    needs no reasoning, which says nothing about the translation."""
    from nsp.logic.ir import Not

    conc = nodes[-1]
    return any(p == conc or p == Not(conc) for p in nodes[:-1])


def _free_variable(nodes) -> bool:
    """A one-letter constant (``y`` in ``Likes(x, y)`` outside any ∀y/∃y): a variable left free."""
    from nsp.logic.analysis import SignatureError, signature

    try:
        sig = signature(nodes)
    except SignatureError:
        return True
    return any(s.kind == "constant" and len(name) == 1 for name, s in sig.items())


def _self_train_rows(path: Path = V2_TRAIN) -> list[dict]:
    """:func:`self_train_input`'s rows."""
    import hashlib

    dev = _dev_sentences(V0_TRAIN, path)
    kept = {(p.premises, p.conclusion) for p in folio_v2_problems(BuildReport(), path, dev)}
    rows = [r for r in _rows(path) if _leak(r.get("story_id"), r.get("premises") or (), dev) is None
            and _label(r.get("label")) in ("True", "False")
            and (tuple(_clean(p) for p in r.get("premises") or ()), _clean(r.get("conclusion") or "")) not in kept]
    rows.sort(key=lambda r: hashlib.sha256(str(r.get("example_id")).encode()).hexdigest())
    return rows


def self_train_input(out: Path, path: Path = V2_TRAIN) -> int:
    """Write the problems to sample for :func:`self_trained_problems` to ``out`` (FOLIO v2 rows,
    JSONL, in the order of the sha256 of their ``example_id``) and return their count: train-split
    problems labelled True or False, sharing no premise with a dev story, whose own gold FOL the
    filter of :func:`folio_v2_problems` drops (so they are not in the training data yet)."""
    from nsp.records import write_atomic

    rows = _self_train_rows(path)
    write_atomic(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return len(rows)


def conclusion_prompt(premises: Sequence[str], conclusion: str, premise_fols: Sequence[str]) -> str:
    """The whole-problem prompt with the premises' FOL lines already written, up to ``C.``: the
    model writes only the conclusion's formula, in the premises' names."""
    lines = target_lines(list(premise_fols) + ["_"])[:-1]
    return problem_prompt(premises, conclusion) + "".join(f"{l}\n" for l in lines) + "C."


def conclusion_samples(generator, out: Path, path: Path = V2_TRAIN, k: int = 4, seed: int = 0,
                       temperature: float = 0.7, max_new_tokens: int = 96, progress: bool = True,
                       limit: int | None = None) -> dict:
    """Sample ``k`` conclusion formulas for each problem :func:`self_train_input` names, after its
    own gold premise FOL (read and written in FOLIO syntax; a problem whose premise FOL does not read
    is skipped): a replay file at ``out`` (``{"id": example_id, "samples": [[premise FOL...,
    conclusion], ...]}``) for :func:`self_trained_problems`. The premises are the annotators'; only
    the conclusion is the model's, and Z3 checks it against the gold label. Resumable
    (:func:`nsp.records.run_resumable`: the journal ``OUT.journal`` refuses other settings);
    returns the records by id. ``limit``: the first N problems."""
    import hashlib
    from types import SimpleNamespace

    from nsp.files import file_sha256
    from nsp.logic.problem import problem_from_texts
    from nsp.logic.syntax import write
    from nsp.records import run_resumable

    items = []
    for r in _self_train_rows(path):
        prem, fol = r.get("premises") or [], r.get("premises-FOL") or []
        if len(prem) != len(fol) or not all(isinstance(f, str) and f.strip() for f in fol):
            continue
        try:
            fols = [write(n, "folio") for n in problem_from_texts(fol, None, syntax="folio").premises]
        except Exception:  # noqa: BLE001 - premise FOL that does not read: the problem is skipped
            continue
        prompt = conclusion_prompt([_clean(p) for p in r["premises"]], _clean(r["conclusion"]), fols)
        items.append(SimpleNamespace(id=str(r["example_id"]), fols=fols, prompt=prompt))
    items = items[:limit] if limit else items

    def one(_pos, item) -> dict:
        outs = generator.generate([item.prompt], n=k, temperature=temperature, seed=seed,
                                  max_new_tokens=max_new_tokens)[0]
        return {"id": item.id, "samples": [item.fols + [o.strip()] for o in outs]}

    header = {"job": "conclusion-samples", "input_sha256": file_sha256(path), "backend": generator.describe(),
              "settings": {"k": k, "seed": seed, "temperature": temperature, "max_new_tokens": max_new_tokens},
              "problems": hashlib.sha256("\n".join(i.id for i in items).encode()).hexdigest()}
    return run_resumable(items, one, out, progress, "conclusions", header, inputs=[path])


def self_trained_problems(report: BuildReport, replay: Path, path: Path = V2_TRAIN,
                          dev_sentences: set[str] | None = None, timeout: float = 5.0) -> list[WholeProblem]:
    """On-policy examples (rejection sampling, as in STaR and RFT): the model's own samples for
    FOLIO v2 train-split problems labelled True or False, kept where the sample proves the label.

    ``replay`` is a replay file (:mod:`nsp.parse.replay`) whose ids are FOLIO v2 ``example_id``s:
    :func:`conclusion_samples` (conclusions after the gold premise FOL), or the ``--out`` of
    ``nsp eval --samples K`` run on :func:`self_train_input` (whole problems). Per problem, the first sample
    whose formulas read in FOLIO syntax with no repair, with no one-letter constant (a variable
    left free), whose conclusion uses only predicates and constants of its premises and is not a
    premise (or a premise's negation) word for word, and which Z3 decides to the gold label from
    at least two premises (a minimal core: a proof from one premise is a mistranslation far more
    often than a FOLIO problem), becomes the target. Dev-split stories and problems sharing
    a premise sentence with one are dropped, as everywhere in the training data."""
    from nsp.logic.syntax import write
    from nsp.parse.replay import read_replay
    from provers.z3_bridge import decide

    dev = _dev_sentences(V0_TRAIN, path) if dev_sentences is None else dev_sentences
    rows = {str(r.get("example_id")): r for r in _rows(path)}
    by_id, _ = read_replay(replay)
    out = []
    for item_id, samples in by_id.items():
        r = rows.get(item_id)
        why, chosen = None, None
        prem = tuple(_clean(p) for p in (r or {}).get("premises") or ())
        why = "not a FOLIO v2 problem" if r is None else _leak(r.get("story_id"), prem, dev)
        if why is None and _label(r.get("label")) not in ("True", "False"):
            why = "not labelled True or False"
        elif why is None:
            for texts in samples:
                if len(texts) != len(prem) + 1:
                    continue
                nodes = _read_fols(texts)
                if isinstance(nodes, str) or not _conclusion_symbols_in_premises(nodes) or _restates(nodes) \
                        or _free_variable(nodes):
                    continue
                try:
                    verdict = decide(nodes[:-1], nodes[-1], timeout=timeout, explain=False, cores=True)
                except Exception:  # noqa: BLE001 - a sample Z3 cannot decide is not kept
                    continue
                if verdict.outcome.value == _label(r.get("label")) and len(verdict.used or ()) >= 2:
                    chosen = nodes
                    break
            if chosen is None:
                why = "no sample proves the gold label"
        if why:
            report.dropped[f"self-train: {why}"] += 1
            continue
        report.kept["self-train"] += 1
        out.append(WholeProblem(prem, _clean(r.get("conclusion")), tuple(write(n, "folio") for n in chosen),
                                "self-train", str(r.get("story_id")), _label(r.get("label"))))
    return out


_NAME = re.compile(r"\b[a-z][a-z0-9_]*\b")


def synthetic_problems(n: int, seed: int, report: BuildReport) -> list[WholeProblem]:
    """Up to ``n`` controlled-English problems: 3-5 template pairs (:mod:`nsp.parse.synthetic`) that
    share a named individual, the last one as the conclusion. Correct translations by construction
    (the symbolic parser wrote the FOL); the label does not matter for translation."""
    from nsp.parse.synthetic import folio_vocabulary, synthetic_pairs

    if n <= 0:
        return []
    vocab = folio_vocabulary()
    names = {c.lower(): c for c in vocab.names}
    pairs = synthetic_pairs(6 * n, seed, vocab)
    by_name: dict[str, list] = {}
    for e in pairs:
        for c in sorted(set(_NAME.findall(e.fol)) & names.keys()):
            by_name.setdefault(c, []).append(e)
    general = [e for e in pairs if not set(_NAME.findall(e.fol)) & names.keys()]
    rng = random.Random(seed)
    keys = sorted(by_name)
    out, used = [], set()
    for _ in range(20 * n):
        if len(out) >= n or not keys:
            break
        group = [e for e in by_name[rng.choice(keys)] if e.english not in used]
        if len(group) < 2:
            continue
        k = rng.randint(2, min(4, len(group)))
        chosen = rng.sample(group, k)
        if general:
            chosen.insert(rng.randrange(len(chosen)), rng.choice(general))  # a rule among the facts
        used.update(e.english for e in chosen)
        conc = chosen.pop(next(i for i in range(len(chosen) - 1, -1, -1) if _NAME.findall(chosen[i].fol)
                               and set(_NAME.findall(chosen[i].fol)) & names.keys()))
        out.append(WholeProblem(tuple(e.english for e in chosen), conc.english,
                                tuple(e.fol for e in chosen) + (conc.fol,), "synthetic", "synthetic"))
    report.kept["synthetic"] += len(out)
    return out


def training_problems(seed: int = 0, synthetic_share: float = 0.12, v2_path: Path = V2_TRAIN,
                      v0_path: Path = V0_TRAIN, proved_copies: int = 1,
                      self_train: Path | None = None) -> tuple[list[WholeProblem], BuildReport]:
    """The whole-problem training set, shuffled with ``seed``, and what was kept and dropped.

    FOLIO v2 train-split problems that pass the filter (:func:`folio_v2_problems`), one problem per
    FOLIO v0 train-split story v2 does not cover (:func:`folio_v0_problems`), and controlled-English
    problems making up ``synthetic_share`` of the total. No dev-split story, and no problem sharing
    a premise sentence with a dev story, in either file. ``proved_copies=N``: each kept FOLIO v2
    problem labelled True or False (its gold FOL proves the conclusion or its negation: a chain of
    premises in one vocabulary) appears N times; the synthetic share is of the distinct problems.
    ``self_train``: a replay file of the model's samples on FOLIO v2 train-split problems; the ones
    that prove their gold label join the data (:func:`self_trained_problems`), not counted in the
    synthetic share."""
    report = BuildReport()
    dev = _dev_sentences(v0_path, v2_path)
    v2 = folio_v2_problems(report, v2_path, dev)
    covered = {p.lower() for q in v2 for p in q.premises}
    v0 = folio_v0_problems(report, covered, v0_path, dev)
    real = len(v2) + len(v0)
    n_syn = round(real * synthetic_share / (1 - synthetic_share)) if synthetic_share > 0 else 0
    problems = v2 + v0 + synthetic_problems(n_syn, seed, report)
    if self_train is not None:
        problems += self_trained_problems(report, Path(self_train), v2_path, dev)
    if proved_copies > 1:
        proved = [p for p in v2 if p.label in ("True", "False")]
        problems += proved * (proved_copies - 1)
        report.kept["folio-v2 True/False: extra copies"] += len(proved) * (proved_copies - 1)
    random.Random(seed).shuffle(problems)
    return problems, report


def training_examples(seed: int = 0, synthetic_share: float = 0.12, proved_copies: int = 1,
                      self_train: Path | None = None) -> tuple[list[tuple[str, str]], dict]:
    """(prompt, target) texts of :func:`training_problems` and the build report (JSON-ready)."""
    problems, report = training_problems(seed, synthetic_share, proved_copies=proved_copies, self_train=self_train)
    return [(p.prompt(), p.target()) for p in problems], report.to_json()
