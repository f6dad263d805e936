"""The E prover bridge on hand-written problems with known answers (real eprover runs)."""

from __future__ import annotations

import shutil

import pytest

from nsp.logic.analysis import SignatureError
from nsp.logic.ir import App, Atom, Bottom, Const, Eq, Forall, Iff, Implies, Not, Or, Top, Var, Xor
from nsp.logic.syntax import parse_formula
from provers import eprover
from provers.eprover import EProverMissing, consistent_e, decide_e, eprover_path
from provers.outcome import Outcome

needs_e = pytest.mark.skipif(shutil.which("eprover") is None, reason="E prover not installed (apt-get install eprover)")


def f(text: str):
    return parse_formula(text, "folio", strict=True)


def fs(*texts: str):
    return [f(t) for t in texts]


# (premises, conclusion, outcome, premises a proof must cite): the answers are by hand.
KNOWN = [
    pytest.param(fs("∀x (Dog(x) → Animal(x))", "Dog(rex)", "Cat(tom)"), "Animal(rex)",
                 Outcome.TRUE, (0, 1), id="modus-ponens"),
    pytest.param(fs("∀x (Dog(x) → ¬Cat(x))", "Dog(rex)", "Cat(tom)"), "Cat(rex)",
                 Outcome.FALSE, (0, 1), id="refuted"),
    pytest.param(fs("∀x (Dog(x) → Animal(x))", "Cat(tom)"), "Animal(tom)",
                 Outcome.UNCERTAIN, None, id="uncertain"),
    pytest.param(fs("Dog(rex)", "Cat(tom)", "¬Dog(rex)"), "Bird(tweety)",
                 Outcome.INCONSISTENT, (0, 2), id="contradictory-axioms"),
    pytest.param(fs("∀x (Dog(x) → Animal(x))", "∀x (Dog(x) → ¬Animal(x))", "Dog(rex)"), "Animal(rex)",
                 Outcome.INCONSISTENT, (0, 1, 2), id="inconsistent-both-ways"),
    pytest.param(fs("Dog(rex) ⊕ Cat(rex)", "Dog(rex)"), "¬Cat(rex)", Outcome.TRUE, (0, 1), id="xor"),
    pytest.param(fs("∀x (Dog(x) ↔ Barks(x))", "¬Barks(rex)"), "Dog(rex)", Outcome.FALSE, (0, 1), id="iff"),
    pytest.param(fs("rex = max", "Dog(max)"), "Dog(rex)", Outcome.TRUE, (0, 1), id="equality"),
    pytest.param(fs("∀x ∃y Loves(x, y)"), "∃x ∃y Loves(y, x)", Outcome.TRUE, (0,), id="quantifiers"),
    pytest.param([], "∀x (P(x) ∨ ¬P(x))", Outcome.TRUE, (), id="tautology-no-premises"),
    pytest.param([], "∃x P(x)", Outcome.UNCERTAIN, None, id="no-premises-uncertain"),
]


@pytest.mark.parametrize("premises, conclusion, outcome, used", KNOWN)
@needs_e
@pytest.mark.eprover
def test_known_answers(premises, conclusion, outcome, used):
    v = decide_e(premises, f(conclusion), timeout=10)
    assert v.prover == "eprover"
    assert v.outcome is outcome, v.reason
    assert v.used == used
    assert v.reason == "" and v.seconds > 0


@needs_e
@pytest.mark.eprover
def test_used_premises_leave_out_distractors():
    premises = fs("Cat(tom)", "∀x (Dog(x) → Animal(x))", "Bird(tweety)", "∀x (Animal(x) → Mortal(x))",
                  "Dog(rex)", "Fish(nemo)")
    v = decide_e(premises, f("Mortal(rex)"), timeout=10)
    assert v.outcome is Outcome.TRUE
    assert v.used == (1, 3, 4)


@needs_e
@pytest.mark.eprover
def test_tptp_features_e_must_read():
    """Quoted functors ('Dog'), ⊕ as <~>, ⊤ as $true, ⊥ as $false, a unary function."""
    x = Var("x")
    premises = [
        Top(),
        Forall("x", Implies(Atom("Dog", (x,)), Atom("Animal", (App("Owner", (x,)),)))),
        Xor(Atom("Dog", (Const("Rex"),)), Atom("Dog", (Const("Max"),))),
        Not(Atom("Dog", (Const("Max"),))),
        Implies(Bottom(), Atom("Cat", (Const("Rex"),))),
    ]
    text = eprover._problem(premises, Atom("Animal", (App("Owner", (Const("Rex"),)),)))
    for piece in ("'Dog'", "<~>", "$true", "$false", "'Owner'('Rex')", "fof(goal, conjecture,"):
        assert piece in text
    v = decide_e(premises, Atom("Animal", (App("Owner", (Const("Rex"),)),)), timeout=10)
    assert v.outcome is Outcome.TRUE
    assert v.used == (1, 2, 3)


AWKWARD_NAMES = ["Café", "Ünïcode", "captain america", "it's", "back\\slash", "new\nline", "$true",
                 "p1", "goal", "X", "_x", "1abc", "u_Caf", "Dog", "dog"]


@needs_e
@pytest.mark.eprover
@pytest.mark.parametrize("i", range(len(AWKWARD_NAMES)))
def test_symbol_names_tptp_dislikes(i):
    """Every name, used as a predicate and (the next one) as a constant, still works."""
    pred, const = AWKWARD_NAMES[i], AWKWARD_NAMES[(i + 1) % len(AWKWARD_NAMES)]
    x = Var("x")
    premises = [Atom(pred, (Const(const),)), Forall("x", Implies(Atom(pred, (x,)), Atom("q", (x,))))]
    assert decide_e(premises, Atom("q", (Const(const),)), timeout=10).outcome is Outcome.TRUE
    assert decide_e(premises, Not(Atom(pred, (Const(const),))), timeout=10).outcome is Outcome.FALSE


@needs_e
@pytest.mark.eprover
def test_renamed_names_stay_distinct():
    # 'Café' is renamed to an ASCII name; it must not merge with the existing u_Caf.
    premises = [Atom("P", (Const("Café"),)), Not(Atom("P", (Const("u_Caf"),)))]
    assert decide_e(premises, Eq(Const("Café"), Const("u_Caf")), timeout=10).outcome is Outcome.FALSE
    premises = [Atom("Café"), Not(Atom("u_Caf"))]
    assert decide_e(premises, Iff(Atom("Café"), Atom("u_Caf")), timeout=10).outcome is Outcome.FALSE


@needs_e
@pytest.mark.eprover
def test_trivial_conclusions():
    premises = fs("Dog(rex)")
    assert decide_e(premises, Top(), timeout=10).outcome is Outcome.TRUE
    assert decide_e(premises, Bottom(), timeout=10).outcome is Outcome.FALSE
    assert decide_e(fs("Dog(rex)", "¬Dog(rex)"), Top(), timeout=10).outcome is Outcome.INCONSISTENT
    assert decide_e([Bottom()], Atom("P"), timeout=10).used == (0,)


def test_signature_clash_raises():
    with pytest.raises(SignatureError):
        decide_e(fs("Dog(rex)"), f("Dog(rex, max)"), timeout=5)


def _pigeonhole(holes: int) -> list:
    """holes + 1 pigeons in ``holes`` holes: unsatisfiable, and hard for resolution."""
    p = lambda i, j: Atom(f"in_{i}_{j}")  # noqa: E731
    pigeons = range(holes + 1)
    clauses = [Or(*[p(i, j) for j in range(holes)]) for i in pigeons]
    clauses += [Or(Not(p(i, k)), Not(p(j, k))) for k in range(holes) for i in pigeons for j in pigeons if i < j]
    return clauses


@needs_e
@pytest.mark.eprover
def test_timeout_gives_unknown_not_a_hang():
    v = decide_e(_pigeonhole(9), Atom("q"), timeout=0.5)
    assert v.outcome is Outcome.UNKNOWN
    assert "Timeout" in v.reason and "killed" in v.reason
    assert v.used is None


@needs_e
@pytest.mark.eprover
def test_small_pigeonhole_is_inconsistent():
    v = decide_e(_pigeonhole(4), Atom("q"), timeout=10)
    assert v.outcome is Outcome.INCONSISTENT
    assert len(v.used) == len(_pigeonhole(4))  # every clause is needed


@needs_e
@pytest.mark.eprover
def test_sat_check_abort_is_an_unknown_not_a_crash():
    # On Debian E aborts inside picosat when its SAT check refutes this set; the bridge retries
    # without the check. Either way the answer is a value: Inconsistent or Unknown with a reason.
    v = decide_e(_pigeonhole(7), Atom("q"), timeout=2)
    assert v.outcome in (Outcome.INCONSISTENT, Outcome.UNKNOWN)
    if v.outcome is Outcome.UNKNOWN:
        assert "Error" not in v.reason


@needs_e
@pytest.mark.eprover
def test_consistent_e():
    assert consistent_e(fs("Dog(rex)", "∀x (Dog(x) → Animal(x))"), timeout=10).outcome is Outcome.UNCERTAIN
    v = consistent_e(fs("Cat(tom)", "Dog(rex)", "∀x (Dog(x) → ¬Dog(x))"), timeout=10)
    assert v.outcome is Outcome.INCONSISTENT and v.used == (1, 2)
    assert consistent_e([], timeout=10).outcome is Outcome.UNCERTAIN


@needs_e
@pytest.mark.eprover
def test_parse_helpers_on_real_output():
    text = eprover._problem(fs("∀x (Dog(x) → Animal(x))", "Dog(rex)", "Cat(tom)"), f("Animal(rex)"))
    run = eprover._run(eprover_path(), text, 10)
    assert run.status == "Theorem"
    assert run.used == frozenset({"p1", "p2", "goal"})
    assert eprover._parse_status("# SZS status GaveUp\n") == "GaveUp"
    assert eprover._parse_status("no status here") is None


def test_missing_binary_message(monkeypatch):
    monkeypatch.setenv("NSP_EPROVER", "/nonexistent/bin/eprover")
    with pytest.raises(EProverMissing, match="apt-get install eprover") as err:
        eprover_path()
    assert "/nonexistent/bin/eprover" in str(err.value)
    with pytest.raises(EProverMissing, match="apt-get install eprover"):
        decide_e(fs("Dog(rex)"), f("Dog(rex)"), timeout=5)


def test_missing_binary_on_path(monkeypatch, tmp_path):
    monkeypatch.delenv("NSP_EPROVER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EProverMissing, match="not on PATH.*apt-get install eprover"):
        eprover_path()
    assert issubclass(EProverMissing, RuntimeError)


@needs_e
@pytest.mark.eprover
def test_nsp_eprover_points_at_the_binary(monkeypatch):
    real = shutil.which("eprover")
    monkeypatch.setenv("NSP_EPROVER", real)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert eprover_path() == real
    assert decide_e(fs("Dog(rex)"), f("Dog(rex) ∨ Cat(rex)"), timeout=10).outcome is Outcome.TRUE


# The decision table, on run records of each kind E reports. Real runs rarely reach the rows
# where the premises-alone run decides, so they are exercised here directly.
R = eprover._Run
TABLE = [
    ([("a", R("Theorem", frozenset({"p1"}))), ("b", R("CounterSatisfiable"))], Outcome.TRUE, (0,)),
    ([("a", R("CounterSatisfiable")), ("b", R("Theorem", frozenset({"p2", "goal"})))], Outcome.FALSE, (1,)),
    ([("a", R("CounterSatisfiable")), ("b", R("CounterSatisfiable"))], Outcome.UNCERTAIN, None),
    ([("a", R("ContradictoryAxioms", frozenset({"p1", "p3"})))], Outcome.INCONSISTENT, (0, 2)),
    ([("a", R("Theorem", frozenset({"p1"}))), ("b", R("Theorem", frozenset({"p2"})))], Outcome.INCONSISTENT, (0, 1)),
    ([("a", R("Theorem", frozenset({"p1"}))), ("b", R("Timeout")), (None, R("Satisfiable"))], Outcome.TRUE, (0,)),
    ([("a", R("Timeout")), ("b", R("Theorem", frozenset({"p2"}))), (None, R("Satisfiable"))], Outcome.FALSE, (1,)),
    ([("a", R("Timeout")), ("b", R("GaveUp")), (None, R("Unsatisfiable", frozenset({"p3"})))],
     Outcome.INCONSISTENT, (2,)),
    ([("a", R("Timeout")), ("b", R("GaveUp")), (None, R("Satisfiable"))], Outcome.UNKNOWN, None),
    ([("a", R("CounterSatisfiable")), ("b", R("ResourceOut"))], Outcome.UNKNOWN, None),
    ([("a", R("CounterSatisfiable")), ("b", R("ContradictoryAxioms"))], Outcome.UNKNOWN, None),
]


@pytest.mark.parametrize("runs, outcome, used", TABLE)
def test_decision_table(runs, outcome, used):
    ev = eprover._Evidence()
    for side, run in runs:
        ev.learn(str(side), run, side)
    got, cited = ev.outcome()
    assert got is outcome
    assert (eprover._indices(cited, 3) if cited is not None else None) == used
    assert ev.conflict is (runs[-1][1].status == "ContradictoryAxioms" and outcome is Outcome.UNKNOWN)


def test_premises_alone_run_only_when_it_can_help():
    ev = eprover._Evidence()
    ev.learn("C", R("Theorem"), "a")
    assert ev.open  # True or Inconsistent: a model of the premises would settle it
    ev = eprover._Evidence()
    ev.learn("C", R("CounterSatisfiable"), "a")
    assert not ev.open  # the premises have a model already; False vs Uncertain needs side b
