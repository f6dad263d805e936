"""Per-sample agreement of nsp with recorded reference verdicts (default: LINC's Prover9 runs on
its GPT-3.5 FOLIO samples in ../shared/data/linc), and the vote of every rule on the same samples.

Prints the table reference verdict × nsp verdict (sample counts), the agreement on samples both
decided, every disagreement with its formulas and reason, and the accuracy of each voting rule
(``nsp eval --vote``) beside the reference's own majority.

    python bench/bench_agreement.py [--dataset D --replay R --reference V] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nsp.eval.agreement import DECIDED, compare, read_reference  # noqa: E402
from nsp.parse.pipeline import read_dataset  # noqa: E402
from nsp.parse.vote import RULES  # noqa: E402

LINC = ROOT.parent / "shared" / "data" / "linc"


def reference_majority(dataset: str, reference: str) -> float:
    """The reference's own score: majority over its non-Error samples (LINC's rule)."""
    items, refs = read_dataset(dataset), read_reference(reference)
    right = 0
    for item, ref in zip(items, refs):
        votes = Counter(v for v in ref if v != "Error")
        if votes:
            right += max(votes, key=lambda o: (votes[o], -ref.index(o))) == item.label
    return right / len(items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default=str(LINC / "gpt35-folio-dataset.jsonl"))
    ap.add_argument("--replay", default=str(LINC / "gpt35-folio-replay.jsonl"))
    ap.add_argument("--reference", default=str(LINC / "gpt35-folio-prover9.json"))
    ap.add_argument("--quiet", action="store_true", help="no list of disagreements")
    a = ap.parse_args()

    ag = compare(a.dataset, a.replay, a.reference)
    cols = ["True", "False", "Uncertain", "parse", "inconsistent", "unknown"]
    print("reference \\ nsp".rjust(16) + " " + " ".join(f"{c:>12}" for c in cols))
    for r in ("True", "False", "Uncertain", "Error"):
        print(f"{r:>16} " + " ".join(f"{ag.table.get((r, c), 0):>12}" for c in cols))
    print(f"both decided: {ag.both_decided}, agree {ag.agreed} ({ag.rate:.2%}); "
          f"read by the reference but not by nsp: {ag.reference_read_nsp_not}")
    reasons = Counter(d.reason.split(":")[0] for d in ag.disagreements)
    print("disagreements by reason:")
    for reason, n in reasons.most_common():
        print(f"  {n:4d}  {reason}")
    if not a.quiet:
        for d in ag.disagreements:
            print(f"\n{d.id} sample {d.sample}: reference {d.reference}, nsp {d.nsp}\n  reason: {d.reason}")
            for f in d.fol:
                print(f"    {f}")
    print(f"\nvoting (accuracy over {len(ag.samples)} problems; `nsp eval --vote RULE` gives the same):")
    print(f"  {'reference majority (non-Error samples)':40s} {reference_majority(a.dataset, a.reference):.1%}")
    for rule in RULES:
        print(f"  {'nsp --vote ' + rule:40s} {ag.accuracy(rule):.1%}")

if __name__ == "__main__":
    main()
