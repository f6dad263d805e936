"""Voting over a problem's samples (:mod:`nsp.parse.sample`): who votes, with what weight.

Rules (``nsp eval/check --vote RULE``):

- ``proof`` (the default): a proof decides. When some decided samples prove the conclusion (True)
  or its negation (False), each of them votes 1 and the other samples weigh 0, so the outcome more
  of them proved wins; when none does, or as many prove True as False, ``evidence`` decides.
- ``evidence``: a decided sample votes (weight 1) when its reading needed no
  structural repair and its conclusion uses only predicates its premises use; the other decided samples
  weigh 0. If no sample qualifies, every decided sample votes 1 (``majority``), so the rule
  answers whenever ``majority`` does.
- ``majority``: every decided sample votes 1.
- ``linc``: LINC's rule, where samples that Prover9 could not read do not vote. Here a sample
  votes 1 when every formula read with no repair at all, and there is no fallback.

Why ``proof``. Translation errors are not symmetric. A slip in one formula (a name spelt another
way, a dropped conjunct, a quantifier with the wrong scope, a "some" read as an implication)
nearly always breaks the chain of premises a proof needs, and the prover then answers Uncertain.
A slip rarely builds a proof of this conclusion or of its negation from consistent premises
(inconsistent premises are discarded, never a proof). So among K samples an Uncertain verdict is
weak evidence that the problem is Uncertain, and a proof is strong evidence that it is not.
Measured on the recorded K=10 runs (samples unchanged, vote re-scored): the default translator's
FOLIO dev run 80 → 86 of 148 (True 21 → 35 of 53, False 11 → 20 of 42, Uncertain 48 → 31 of 53);
LINC's GPT-3.5 samples of a FOLIO split nobody here develops on 121 → 128 of 182 (LINC's own vote:
114); every earlier dev run at least as well (``data/replay/README.md``). The rule was chosen after
reading dev runs; it has no parameter to fit. It costs Uncertain problems: one wrong proof among
ten samples outvotes nine Uncertains, so it is meant for small K (measured at K ≤ 10).

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

RULES = ("proof", "evidence", "majority", "linc")
DEFAULT_RULE = "proof"
PROVED = (Outcome.TRUE, Outcome.FALSE)


def weights(samples: Sequence[Sample], rule: str = DEFAULT_RULE) -> list[float]:
    """Each sample's weight under ``rule`` (0 for a discarded sample)."""
    if rule not in RULES:
        raise ValueError(f"unknown voting rule {rule!r}; choose one of {', '.join(RULES)}")
    decided = [1.0 if s.decided else 0.0 for s in samples]
    if rule == "majority":
        return decided
    if rule == "linc":
        return [w if not s.repairs else 0.0 for w, s in zip(decided, samples)]
    if rule == "proof":
        proofs = [w if s.outcome in PROVED else 0.0 for w, s in zip(decided, samples)]
        by = Counter(s.outcome for w, s in zip(proofs, samples) if w)
        if by[Outcome.TRUE] != by[Outcome.FALSE]:
            return proofs
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
