"""Verified mutation of one theorem: enumerate candidates, re-decide each, keep what holds.

Two kinds of mutation, each making a new theorem ``Γ' ⊢ C'`` from ``Γ ⊢ C``:

- ``rewrite``: replace the sub-formula at a position of the conclusion or of a used premise with
  an equivalent by one law of :mod:`synth.laws`. Claim ``equivalent``: the law instance
  ``∀ȳ (φ ↔ ψ)`` is valid, so the new statement is equivalent to the old one.
- ``apply``: use an implication ``A → B`` (a premise of the item, or an implication it has
  proved) at a position with a polarity (:mod:`synth.positions`). In a hypothesis, a
  sub-formula is replaced by a stronger one (``stronger-hypothesis``); in the goal, by a weaker
  one (``weaker-goal``). Either way ``original statement, lemma ⊢ new statement``.

Every candidate whose statement is new (content id not seen in the item) is re-decided by Z3 and
kept only when the verdict is True (the mutant's premises are consistent and prove its
conclusion); rewrites also need their law instance proved valid. A mutant with a changed
hypothesis records its own minimal core (:func:`synth.theorems.prove_core`: the same in any call
order, so it is asked of Z3's per-thread solver). The order candidates are tried
in is a seeded shuffle, stratified so every kind and target, and within them every law, gets
its turn (:func:`schedule`).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

from nsp.logic.analysis import close_universally
from nsp.logic.ir import Iff, Node
from nsp.logic.canon import content_id
from nsp.logic.syntax import parse_formula
from provers.outcome import Outcome, Verdict
from synth.apply import implications, replacement
from synth.laws import rewrites
from synth.positions import replace_at, sites
from synth.memo import cid, text
from synth.theorems import Budget, Theorem, prove, prove_core, statement

CLAIMS = {"rewrite": "equivalent", "premise": "stronger-hypothesis", "conclusion": "weaker-goal"}


@dataclass(frozen=True)
class Candidate:
    """One mutation: replace ``old`` at ``path`` of the target formula with ``new``."""

    kind: str  # rewrite | apply
    law: str | None  # the law's name (rewrite)
    lemma: Node  # the law instance (rewrite) or the implication used (apply)
    target: str  # conclusion | premise
    index: int | None  # premise index (0-based)
    path: tuple[int, ...]
    old: Node
    new: Node

    @property
    def claim(self) -> str:
        return CLAIMS["rewrite"] if self.kind == "rewrite" else CLAIMS[self.target]

    @property
    def group(self) -> str:
        return f"rewrite:{self.law}" if self.kind == "rewrite" else f"apply:{self.target}"

    def result(self, thm: Theorem) -> tuple[tuple[Node, ...], Node]:
        """The mutant's premises and conclusion."""
        if self.target == "conclusion":
            return thm.premises, replace_at(thm.conclusion, self.path, self.new)
        premises = list(thm.premises)
        premises[self.index] = replace_at(premises[self.index], self.path, self.new)
        return tuple(premises), thm.conclusion


@dataclass(frozen=True)
class Mutant:
    candidate: Candidate
    premises: tuple[Node, ...]
    conclusion: Node
    verdict: Verdict
    used: tuple[int, ...]  # a minimal set of premises proving it (all, for goal mutations)

    @property
    def statement(self) -> Node:
        return statement(self.premises, self.conclusion)


@dataclass
class MutationStats:
    candidates: int = 0
    tried: int = 0
    kept: int = 0
    duplicates: int = 0
    unprintable: int = 0
    rejected: Counter = field(default_factory=Counter)  # outcome -> count

    def add(self, other: "MutationStats") -> None:
        self.candidates += other.candidates
        self.tried += other.tried
        self.kept += other.kept
        self.duplicates += other.duplicates
        self.unprintable += other.unprintable
        self.rejected.update(other.rejected)

    def to_json(self) -> dict:
        return {
            "candidates": self.candidates, "tried": self.tried, "kept": self.kept,
            "duplicates": self.duplicates, "unprintable": self.unprintable,
            "rejected": dict(sorted(self.rejected.items())),
        }


def law_instance(old: Node, new: Node) -> Node:
    """``∀ȳ (old ↔ new)`` closed over the variables bound above the position."""
    return close_universally(Iff(old, new))


def candidates(thm: Theorem, lemmas: Sequence[Node]) -> list[Candidate]:
    """Every rewrite and apply candidate for ``thm`` in a fixed order (see module docstring).

    Targets: the conclusion and the premises in ``thm.used`` (the others play no part in the
    proof, so mutating them says nothing). A lemma is never used to rewrite itself.
    """
    imps = [imp for lemma in lemmas for imp in implications(lemma)]
    targets = [("conclusion", None, thm.conclusion)] + [("premise", i, thm.premises[i]) for i in thm.used]
    out: list[Candidate] = []
    seen: set = set()
    for target, index, formula in targets:
        for site in sites(formula):
            for law, new in rewrites(site.node):
                key = (target, index, site.path, new)
                if key not in seen:
                    seen.add(key)
                    out.append(Candidate("rewrite", law, law_instance(site.node, new), target, index,
                                         site.path, site.node, new))
            if site.polarity == 0:
                continue
            stronger = (target == "premise") == (site.polarity > 0)
            for imp in imps:
                if target == "premise" and imp.lemma == formula:
                    continue
                psi = replacement(imp, site.node, stronger)
                if psi is None:
                    continue
                key = (target, index, site.path, psi)
                if key not in seen:
                    seen.add(key)
                    out.append(Candidate("apply", None, imp.lemma, target, index, site.path, site.node, psi))
    return out


def seeded_rng(seed: int, *keys: str) -> random.Random:
    """A private RNG for (seed, keys): sha256, so it is the same in every process."""
    digest = hashlib.sha256("|".join([str(seed), *keys]).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def schedule(cands: Sequence[Candidate], rng: random.Random) -> list[Candidate]:
    """Seeded order, stratified twice: the lanes (kind × target: rewrite or apply, of the
    conclusion or of a premise) take turns, and within a lane the groups (each law) take turns;
    each group's order is a seeded shuffle."""
    lanes_of: dict[tuple, dict[str, list[Candidate]]] = {}
    for c in cands:
        lanes_of.setdefault((c.kind, c.target), {}).setdefault(c.group, []).append(c)
    lanes = []
    for lane in sorted(lanes_of):
        groups = lanes_of[lane]
        names = sorted(groups)
        rng.shuffle(names)
        for name in names:
            rng.shuffle(groups[name])
        lanes.append(_round_robin([groups[n] for n in names]))
    rng.shuffle(lanes)
    return _round_robin(lanes)


def _round_robin(lists: list[list]) -> list:
    out = []
    for i in range(max((len(x) for x in lists), default=0)):
        for x in lists:
            if i < len(x):
                out.append(x[i])
    return out


def _prints_back(formulas: Sequence[Node]) -> bool:
    """Every formula survives FOLIO printing and strict re-reading with its content id."""
    return all(_prints_back_one(f) for f in formulas)


@lru_cache(maxsize=1 << 14)
def _prints_back_one(f: Node) -> bool:
    try:
        return content_id(parse_formula(text(f), "folio", strict=True)) == cid(f)
    except ValueError:
        return False


def mutate_theorem(
    thm: Theorem,
    lemmas: Sequence[Node],
    per_theorem: int,
    rng: random.Random,
    budget: Budget,
    seen: set[str],
    valid_cache: dict[str, bool] | None = None,
) -> tuple[list[Mutant], MutationStats]:
    """Up to ``per_theorem`` verified mutants of ``thm`` whose statement ids are not in ``seen``.

    ``seen`` is updated with every statement tried. At most ``3 * per_theorem`` candidates are
    re-decided. ``valid_cache`` memoises law-instance validity by content id.
    """
    stats = MutationStats()
    cands = candidates(thm, lemmas)
    stats.candidates = len(cands)
    valid_cache = {} if valid_cache is None else valid_cache
    kept: list[Mutant] = []
    max_tries = 3 * per_theorem
    # A changed formula equal to a premise, the conclusion or its lemma makes a trivial theorem
    # (e.g. a goal weakened to a premise) or a graph where one fact plays two parts.
    taken = {cid(p) for p in thm.premises} | {cid(thm.conclusion)}
    for cand in schedule(cands, rng):
        if len(kept) >= per_theorem or stats.tried >= max_tries:
            break
        premises, conclusion = cand.result(thm)
        sid = cid(statement(premises, conclusion))
        if sid in seen:
            stats.duplicates += 1
            continue
        seen.add(sid)
        changed = conclusion if cand.target == "conclusion" else premises[cand.index]
        if cid(changed) in taken or changed == cand.lemma:
            stats.duplicates += 1
            continue
        if not _prints_back([changed, cand.lemma]):
            stats.unprintable += 1
            continue
        stats.tried += 1
        if cand.kind == "rewrite":
            lid = cid(cand.lemma)
            if lid not in valid_cache:
                valid_cache[lid] = prove([], cand.lemma, budget).outcome is Outcome.TRUE
            if not valid_cache[lid]:
                stats.rejected["invalid-law"] += 1
                continue
        # A changed hypothesis needs the mutant's own minimal core for its proof graph.
        hypothesis = cand.target == "premise"
        verdict = prove_core(premises, conclusion, budget) if hypothesis else prove(premises, conclusion, budget)
        if verdict.outcome is Outcome.TRUE:
            used = verdict.used if hypothesis and verdict.used is not None else tuple(range(len(premises)))
            kept.append(Mutant(cand, premises, conclusion, verdict, tuple(used)))
            stats.kept += 1
        else:
            stats.rejected[verdict.outcome.value] += 1
    return kept, stats
