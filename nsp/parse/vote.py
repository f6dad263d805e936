"""Voting over a problem's samples (:mod:`nsp.parse.sample`): who votes, with what weight.

Rules (``nsp eval/check --vote RULE``):

- ``evidence`` (the default): a decided sample votes (weight 1) when its reading needed no
  structural repair and its conclusion uses only predicates its premises use; the other decided samples
  weigh 0. If no sample qualifies, every decided sample votes 1 (``majority``), so the rule
  answers whenever ``majority`` does.
- ``majority``: every decided sample votes 1.
- ``linc``: LINC's rule, where samples that Prover9 could not read do not vote. Here a sample
  votes 1 when every formula read with no repair at all, and there is no fallback.

Why ``evidence``. A sample is one translation of the whole problem, and the prover's verdict is
only as good as that translation. Two facts about a sample come for free and say that the
translation has gone wrong, whatever the verdict:

- The reader had to restructure a formula: add or drop parentheses, join juxtaposed formulas,
  read a comma as ∧, close a free variable, split a predicate used with two arities, or fit a
  formula count that does not match the sentences. A model that garbles the syntax has usually
  garbled the meaning too. Respelling (``and`` for ∧, a quoted name) is harmless and does not count.
- The conclusion uses a predicate (or function) that no premise mentions. No proof can connect
  it, so the verdict is ``Uncertain`` by construction, whatever the English says.

Such samples are repaired and decided, so they stay in the record, but their verdicts are not
evidence about the problem. Weighing them 0 means the vote goes to the translations that hang
together. A fractional weight would be one more number to fit, so there is none; the fallback
keeps the rule total. Nothing here is fitted to a data set. The rule has no parameters.

Ties go to the outcome whose first vote comes first, as in a plain majority.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from nsp.parse.sample import Sample
from provers.outcome import Outcome

RULES = ("evidence", "majority", "linc")
DEFAULT_RULE = "evidence"


def weights(samples: Sequence[Sample], rule: str = DEFAULT_RULE) -> list[float]:
    """Each sample's weight under ``rule`` (0 for a discarded sample)."""
    if rule not in RULES:
        raise ValueError(f"unknown voting rule {rule!r}; choose one of {', '.join(RULES)}")
    decided = [1.0 if s.decided else 0.0 for s in samples]
    if rule == "majority":
        return decided
    if rule == "linc":
        return [w if not s.repairs else 0.0 for w, s in zip(decided, samples)]
    strong = [w if (not s.structural and s.related) else 0.0 for w, s in zip(decided, samples)]
    return strong if any(strong) else decided


def vote(samples: Sequence[Sample], rule: str = DEFAULT_RULE) -> tuple[Outcome | None, dict[str, float], list[float]]:
    """``(winner, votes by outcome, weights)``; no winner when no sample weighs anything."""
    ws = weights(samples, rule)
    tally: Counter = Counter()
    first: dict[Outcome, int] = {}
    for j, (s, w) in enumerate(zip(samples, ws)):
        if w > 0 and s.outcome is not None:
            tally[s.outcome] += w
            first.setdefault(s.outcome, j)
    if not tally:
        return None, {}, ws
    winner = max(tally, key=lambda o: (tally[o], -first[o]))
    return winner, {o.value: w for o, w in tally.items()}, ws
