"""What stopped a Z3 check, as its reason says: the rlimit or the wall-clock hang guard.

In push/pop and assumption mode Z3 answers "canceled" both when the rlimit runs out and when its
timer fires; a check stopped by the rlimit long before its timeout used to read "wall-clock hang
guard (30 s): canceled". Real Z3 on Peano arithmetic (data/axioms/peano.fol): commutativity of
addition needs induction, so Z3 never finishes it; 2·2 = 4 needs more than 1,000 resource units.
No wall time is asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nsp.cli import main
from nsp.graph.provenance import add_derivation, add_fact, new_graph, to_json
from nsp.logic.syntax import parse_formula
from provers.limits import HANG_GUARD
from provers.outcome import Outcome
from provers.z3_bridge import Session, decide

ROOT = Path(__file__).resolve().parent.parent
PEANO = [parse_formula(line) for line in (ROOT / "data" / "axioms" / "peano.fol").read_text(encoding="utf-8").splitlines()
         if line.strip() and not line.startswith("#")]
COMMUTES = parse_formula("∀x ∀y (add(x, y) = add(y, x))")  # no proof without induction
TWO_TIMES_TWO = parse_formula("mul(s(s(zero)), s(s(zero))) = s(s(s(s(zero))))")


def _rlimit_reason(reason: str) -> bool:
    return reason.startswith("rlimit exhausted") and HANG_GUARD not in reason


def test_a_small_rlimit_is_reported_as_the_rlimit_not_the_guard():
    # the session's push/pop solver and the assumption solver of cores: Z3 says "canceled"
    for rlimit in (1_000, 200_000):
        e = Session(rlimit, 30).entails(PEANO, COMMUTES)
        assert e.proved is None and _rlimit_reason(e.reason), e.reason
        assert "canceled" in e.reason  # the path that was mislabelled
        c = Session(rlimit, 30).core(PEANO, COMMUTES)
        assert c.proved is None and _rlimit_reason(c.reason), c.reason
    v = decide(PEANO, COMMUTES, timeout=30, explain=False, rlimit=1_000)
    assert v.outcome is Outcome.UNKNOWN and "rlimit exhausted" in v.reason and HANG_GUARD not in v.reason
    # the same check with budget enough proves it: the rlimit was the bound
    tight = Session(1_000, 30).entails(PEANO, TWO_TIMES_TWO)
    assert tight.proved is None and _rlimit_reason(tight.reason), tight.reason
    assert Session(20_000_000, 30).entails(PEANO, TWO_TIMES_TWO).proved is True


def test_the_wall_clock_guard_is_named_when_it_really_fires():
    for rlimit in (0, 10**12):  # unbounded, or a bound far out of reach
        e = Session(rlimit, 0.001).entails(PEANO, COMMUTES)
        assert e.proved is None and e.reason.startswith(f"{HANG_GUARD} (0.001 s)"), e.reason
        c = Session(rlimit, 0.001).core(PEANO, COMMUTES)
        assert c.proved is None and c.reason.startswith(HANG_GUARD), c.reason
    v = decide(PEANO, COMMUTES, timeout=0.001, explain=False, rlimit=0)
    assert v.outcome is Outcome.UNKNOWN and HANG_GUARD in v.reason and "rlimit" not in v.reason


def test_graph_verify_with_a_small_rlimit_names_the_rlimit(tmp_path):
    """`nsp graph verify --rlimit 1000` on a derivation from `nsp synth explore`'s Peano graph
    (sources: axioms and induction theorems, here given)."""
    sources = ["∀x add(s(zero), x) = s(x)", "∀x ∀y mul(x, s(y)) = add(mul(x, y), x)",
               "∀x ∀y add(s(x), y) = s(add(y, x))", "∀x ∀y add(x, y) = add(y, x)"]
    g = new_graph()
    ids = [add_fact(g, parse_formula(f), "axiom") for f in sources]
    target = add_fact(g, parse_formula("∀x (mul(s(s(zero)), x) = add(x, x) → mul(s(s(zero)), s(x)) = add(s(x), s(x)))"),
                      "derived", rule="entailment", checked_by="z3")
    add_derivation(g, ids, target, "entailment")
    path = tmp_path / "peano.json"
    path.write_text(json.dumps(to_json(g), ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    small = runner.invoke(main, ["graph", "verify", str(path), "--rlimit", "1000", "--no-progress"])
    assert small.exit_code == 1, small.output
    fail = [line for line in small.output.splitlines() if line.startswith("FAIL")]
    assert len(fail) == 1 and "rlimit exhausted (canceled)" in fail[0] and HANG_GUARD not in fail[0], small.output
    ok = runner.invoke(main, ["graph", "verify", str(path), "--no-progress"])
    assert ok.exit_code == 0, ok.output
