"""The prover interface: registry, exception root, Z3 sessions, deterministic limits, and
results that do not depend on the order items are decided in."""

from __future__ import annotations

import itertools
import random
import re
import shutil
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from nsp.logic.generate import random_problem
from nsp.logic.analysis import SignatureError
from nsp.logic.ir import Bottom, Not, Top
from nsp.logic.problem import problem_from_texts
from provers import base
from provers.eprover import EProverMissing
from provers.limits import HANG_GUARD
from provers.outcome import Model, Outcome
from provers.z3_bridge import Session, Z3Prover, decide, decide_core
from synth.stepcheck import StepChecker

ROOT = Path(__file__).resolve().parent.parent


def _p(premises, conclusion=None):
    return problem_from_texts(premises, conclusion, syntax="folio")


def test_registry_and_exception_root():
    assert {"z3", "e"} <= set(base.names())
    z = base.get("z3")
    assert isinstance(z, Z3Prover) and isinstance(z, base.Prover)
    with pytest.raises(base.UnknownProver, match="choose"):
        base.get("no-such-prover")
    assert issubclass(base.UnknownProver, ValueError)
    assert issubclass(EProverMissing, base.ToolMissing) and issubclass(base.ToolMissing, base.ProverError)
    assert issubclass(base.ProverError, RuntimeError)
    if shutil.which("eprover"):
        assert base.get("eprover").name == "eprover"
        assert "e" in base.available()


def test_missing_tool_raises_the_one_type(monkeypatch):
    monkeypatch.setenv("NSP_EPROVER", "/nonexistent/eprover")
    with pytest.raises(base.ToolMissing, match="apt-get install eprover"):
        base.get("e")
    base.register("broken", "provers.no_such_module:Nothing")
    try:
        with pytest.raises(base.ToolMissing):
            base.get("broken")
    finally:
        base._REGISTRY.pop("broken")


def test_z3_protocol_answers():
    z = base.get("z3")
    p = _p(["∀x (Dog(x) → Animal(x))", "Cat(tom)", "Dog(rex)"], "Animal(rex)")
    v = z.decide(p.premises, p.conclusion, explain=True)
    assert v.outcome is Outcome.TRUE and v.used == (0, 2)
    e = z.entails(p.premises, p.conclusion, used=True)
    assert e.proved is True and e.used == (0, 2)
    q = _p(["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "Animal(tom)")
    assert z.entails(q.premises, q.conclusion).proved is False
    cm = z.countermodel(q.premises, q.conclusion)
    assert cm is not None and len(cm.domain) == 2
    assert cm == z.decide(q.premises, q.conclusion, explain=True).countermodel  # the model an explanation shows
    r = _p(["∀x (Dog(x) → Animal(x))", "¬Animal(rex)"], "Dog(rex)")  # False: only ¬goal's side has a model
    assert z.decide(r.premises, r.conclusion).outcome is Outcome.FALSE
    assert z.countermodel(r.premises, r.conclusion) is not None
    assert z.countermodel(p.premises, p.conclusion) is None
    bad = _p(["P(a)", "¬P(a)"])
    c = z.consistent(bad.premises)
    assert c.outcome is Outcome.INCONSISTENT and c.used == (0, 1)


def test_agreement_of_those_that_decided():
    from provers.outcome import Verdict

    t, f, u = (Verdict(o, "x") for o in (Outcome.TRUE, Outcome.FALSE, Outcome.UNKNOWN))
    assert base.agreement([t, u]) is None and base.agreement([t, None]) is None
    assert base.agreement([t, t, u]) is True and base.agreement([t, f]) is False
    assert base.combined([u, t]) is Outcome.TRUE and base.combined([t, f]) is Outcome.UNKNOWN


def test_rlimit_bounds_checks_and_the_wall_clock_is_a_named_guard():
    p = _p(["∀x ∀y ∀z (R(x, y) ∧ R(y, z) → R(x, z))", "∀x ∃y R(x, y)", "∀x ¬R(x, x)"], "Q(c)")
    tiny = decide(p.premises, p.conclusion, timeout=30, explain=False, rlimit=1)
    assert tiny.outcome is Outcome.UNKNOWN and "rlimit" in tiny.reason
    again = decide(p.premises, p.conclusion, timeout=30, explain=False, rlimit=1)
    assert (again.outcome, again.reason) == (tiny.outcome, tiny.reason)
    guarded = decide(p.premises, p.conclusion, timeout=0.0, explain=False)
    assert guarded.outcome is Outcome.UNKNOWN and HANG_GUARD in guarded.reason


def _same_in_any_order(answers, items: list, seed: int) -> dict:
    """``answers(indices)`` for the items forward; asserts the same answers shuffled and split
    over two processes (spawned: a fresh per-thread solver each), and returns them."""
    forward = answers(items)
    shuffled = items[:]
    random.Random(seed).shuffle(shuffled)
    assert answers(shuffled) == forward
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        halves = list(pool.map(answers, [shuffled[::2], shuffled[1::2]]))
    assert {**halves[0], **halves[1]} == forward
    return forward


def _verdicts(indices):
    out = {}
    for i in indices:
        p = random_problem(i)
        v = decide(p.premises, p.conclusion, timeout=20, explain=True)
        out[i] = {k: val for k, val in v.to_json().items() if k != "seconds"}
    return out


def test_outputs_do_not_depend_on_the_order_of_items_or_workers():
    items = list(range(60))
    forward = _same_in_any_order(_verdicts, items, 7)
    assert _verdicts(list(reversed(items))) == forward


def _quick_verdicts(indices) -> dict:
    """Verdicts without explanations (the per-thread solver), in the order given."""
    return {i: decide(random_problem(i).premises, random_problem(i).conclusion, timeout=20, explain=False).outcome
            for i in indices}


def test_verdicts_alone_are_those_of_the_isolated_path_in_any_order():
    """decide without explanations asks one solver kept per thread (push/pop): its verdicts are
    those of a fresh session per problem, whatever was decided before on that solver."""
    items = list(range(200))
    isolated = {i: decide(random_problem(i).premises, random_problem(i).conclusion, timeout=20,
                          explain=False, cores=True).outcome for i in items}
    assert _quick_verdicts(items) == isolated
    shuffled = items[:]
    random.Random(11).shuffle(shuffled)
    assert _quick_verdicts(shuffled) == isolated
    assert _quick_verdicts(list(reversed(items))) == isolated
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        halves = list(pool.map(_quick_verdicts, [shuffled[::2], shuffled[1::2]]))
    assert {**halves[0], **halves[1]} == isolated
    assert set(isolated.values()) >= {Outcome.TRUE, Outcome.FALSE, Outcome.UNCERTAIN, Outcome.INCONSISTENT}
    for i in items[:40]:  # ⊤ and ⊥ as conclusions: one side needs no check
        prem = random_problem(i).premises
        for goal in (Top(), Bottom()):
            assert (decide(prem, goal, explain=False).outcome
                    is decide(prem, goal, explain=False, cores=True).outcome)


def _own_cores(indices) -> dict:
    """decide_core's (outcome, used) per random problem, in the order given."""
    return {i: (lambda v: (v.outcome, v.used))(decide_core(random_problem(i).premises, random_problem(i).conclusion,
                                                           timeout=20))
            for i in indices}


def test_a_problems_own_core_is_the_same_on_either_solver_in_any_order(monkeypatch):
    """decide_core's core is deletion in index order: a fact about the problem, so the per-thread
    solver (any history, any process) and a fresh session give the same one; it is minimal."""
    from provers import z3_bridge

    items = list(range(150))
    forward = _same_in_any_order(_own_cores, items, 5)
    plain = {i: decide(random_problem(i).premises, random_problem(i).conclusion, timeout=20, explain=False).outcome
             for i in items}
    assert {i: o for i, (o, _) in forward.items()} == plain
    trues = [i for i, (o, _) in forward.items() if o is Outcome.TRUE]
    assert len(trues) >= 15 and all(forward[i][1] is not None for i in trues)
    z = Z3Prover(timeout=20)
    for i in trues[:15]:
        p, used = random_problem(i), forward[i][1]
        assert z.entails([p.premises[j] for j in used], p.conclusion).proved is True
        for j in used:  # minimal: no premise of the core can go
            rest = [p.premises[k] for k in used if k != j]
            assert z.entails(rest, p.conclusion).proved is False
        assert z.entails(p.premises, p.conclusion, used=True).used == used
    monkeypatch.setattr(z3_bridge._Quick, "wanted", lambda self: False)  # the isolated path only
    assert _own_cores(items) == forward


def test_own_core_is_deletion_in_index_order_not_z3s_first_core():
    p = _p(["P(a)", "R(a)", "R(a) → P(a)"], "P(a)")
    assert decide(p.premises, p.conclusion, explain=False, cores=True).used == (0,)
    v = decide_core(p.premises, p.conclusion)
    assert v.outcome is Outcome.TRUE and v.used == (1, 2)  # P(a) goes first: R(a), R(a) → P(a) prove it
    assert Z3Prover().entails(p.premises, p.conclusion, used=True).used == (1, 2)
    assert decide_core(p.premises, _p(["Q(a)"]).premises[0]).used is None  # not True: no core
    assert decide_core(p.premises, Top()).used == () and decide_core(p.premises, Bottom()).outcome is Outcome.FALSE


def test_kept_translations_are_dropped_when_full_with_the_same_verdicts(monkeypatch):
    from provers import z3_bridge

    items = list(range(60))
    want = _quick_verdicts(items)
    monkeypatch.setattr(z3_bridge._Quick, "MAX_CACHE", 8)  # dropped again and again, also mid-problem
    monkeypatch.setattr(z3_bridge, "_QUICK", threading.local())
    assert _quick_verdicts(items) == want and len(z3_bridge._quick().cache) <= 8


def test_kept_translations_still_catch_a_symbol_clash():
    one = _p(["P(a)"], "P(a)")
    assert decide(one.premises, one.conclusion, explain=False).outcome is Outcome.TRUE  # P(a) kept
    two = _p(["P(a, b)"]).premises[0]
    with pytest.raises(SignatureError, match="'P'"):
        decide([one.premises[0], two], one.conclusion, explain=False)


def test_the_per_thread_solver_is_renewed_and_its_guard_follows_the_call(monkeypatch):
    from provers import z3_bridge

    monkeypatch.setattr(z3_bridge._Quick, "MAX_USES", 5)
    items = list(range(12))
    first = z3_bridge._quick()
    assert _quick_verdicts(items) == _quick_verdicts(list(reversed(items)))
    assert z3_bridge._quick() is not first  # worn out after 5 problems: a new context and solver
    monkeypatch.setattr(z3_bridge._Quick, "MAX_USES", 10_000)
    p = random_problem(0)
    decide(p.premises, p.conclusion, timeout=0.001, explain=False)
    assert z3_bridge._quick().limits[1] <= 1
    decide(p.premises, p.conclusion, timeout=20, explain=False)
    assert z3_bridge._quick().limits[1] > 10_000  # a 1 ms guard does not stick to later calls


def test_the_per_thread_solver_steps_aside_when_it_leaves_problems_open(monkeypatch):
    """Problems it cannot close within its small budget (here: all) go to a fresh session with
    the same answers; after half of a window left open it is not asked for a while."""
    from provers import z3_bridge

    asked = []
    monkeypatch.setattr(z3_bridge._Quick, "decide", lambda self, *a, **k: asked.append(1))  # always open
    monkeypatch.setattr(z3_bridge, "_QUICK", threading.local())
    items = list(range(40))
    expected = {i: decide(random_problem(i).premises, random_problem(i).conclusion, timeout=20,
                          explain=False, cores=True).outcome for i in items}
    assert _quick_verdicts(items) == expected
    window, skip = z3_bridge._Quick.WINDOW, z3_bridge._Quick.SKIP
    assert len(asked) == window and z3_bridge._quick().skip == skip - (len(items) - window)


def test_session_caches_translations_and_step_checker_uses_one():
    s = Session()
    p = _p(["∀x (P(x) → Q(x))", "P(a)"], "Q(a)")
    e1 = s.exprs(p.premises)
    assert s.exprs(p.premises) == e1 and len(s._exprs) == 2
    assert s.entails(p.premises, p.conclusion).proved is True
    assert s.entails(p.premises[:1], p.conclusion).proved is False
    checker = StepChecker()
    assert checker.entails(p.premises, p.conclusion) and not checker.entails(p.premises[:1], p.conclusion)
    assert checker.entails(list(reversed(p.premises)), p.conclusion)
    assert checker.stats.checks == 2 and checker.stats.hits == 1


def test_no_module_outside_provers_imports_z3():
    offenders = []
    for top in ("nsp", "synth"):
        for path in (ROOT / top).rglob("*.py"):
            if re.search(r"^\s*(import z3|from z3)", path.read_text(encoding="utf-8"), re.M):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_cvc5_agrees_with_z3_where_both_decide():
    cvc = base.get("cvc5", timeout=10)  # installed by `make install` (extra "cvc5")
    z = base.get("z3", timeout=10)
    both = 0
    for seed in range(150):
        p = random_problem(seed)
        a, b = cvc.decide(p.premises, p.conclusion), z.decide(p.premises, p.conclusion)
        if a.outcome.decided and b.outcome.decided:
            both += 1
            assert a.outcome == b.outcome, seed
    assert both >= 140
    assert cvc.consistent(_p(["P(a)", "¬P(a)"]).premises).outcome is Outcome.INCONSISTENT


# ---- explanations: the problem's own cores and least models, the same on every path


def _value(t, m, env):
    if t.kind == "var":
        return env[t.payload]
    if t.kind == "const":
        return m.constants[t.payload]
    args = tuple(_value(a, m, env) for a in t.children)
    return dict((tuple(a), v) for a, v in m.functions[t.payload])[args]


def _holds(f, m, env=None) -> bool:
    """Truth of ``f`` in the listed model ``m`` (written here, independent of Z3)."""
    env = env or {}
    k = f.kind
    if k == "atom":
        return tuple(_value(t, m, env) for t in f.children) in {tuple(r) for r in m.predicates[f.payload]}
    if k == "eq":
        return _value(f.children[0], m, env) == _value(f.children[1], m, env)
    if k in ("top", "bottom"):
        return k == "top"
    if k == "not":
        return not _holds(f.children[0], m, env)
    if k in ("forall", "exists"):
        test = all if k == "forall" else any
        return test(_holds(f.children[0], m, {**env, **dict(zip(f.payload, vals))})
                    for vals in itertools.product(m.domain, repeat=len(f.payload)))
    vals = [_holds(c, m, env) for c in f.children]
    return {"and": all(vals), "or": any(vals), "implies": (not vals[0]) or vals[1], "iff": vals[0] == vals[1],
            "xor": vals[0] != vals[1]}[k]


def _at_most(n: int):
    """∃x0..x(n-1) ∀y (y = x0 ∨ …): the domain has at most n elements."""
    from nsp.logic.ir import Eq, Exists, Forall, Or, Var

    xs = [f"x{i}" for i in range(n)]
    eqs = [Eq(Var("y"), Var(x)) for x in xs]
    return Exists(tuple(xs), Forall(("y",), eqs[0] if n == 1 else Or(*eqs)))


def _explained(indices) -> dict:
    out = {}
    for i in indices:
        p = random_problem(i)
        v = decide(p.premises, p.conclusion, timeout=20, explain=True)
        out[i] = (v.outcome, v.used, v.countermodel and v.countermodel.to_json(), v.model and v.model.to_json())
    return out


def test_explanations_are_the_same_on_every_path_in_any_order(monkeypatch):
    """decide(explain=True) gives the problem's own minimal core (True, False, Inconsistent) and
    for Uncertain the least model of each side (smallest size, then each table entry's first
    possible value): facts about the problem, so the per-thread solver (grounded search), a fresh
    session, and the quantified search give the same, in any order, in any process."""
    from provers import z3_bridge

    items = list(range(80))
    forward = _same_in_any_order(_explained, items, 3)
    outcomes = {o for o, *_ in forward.values()}
    assert outcomes >= {Outcome.TRUE, Outcome.FALSE, Outcome.UNCERTAIN, Outcome.INCONSISTENT}
    with monkeypatch.context() as m:
        m.setattr(z3_bridge._Quick, "wanted", lambda self: False)  # a fresh session per problem
        assert _explained(items) == forward
        m.setattr(z3_bridge, "least_models", lambda *a, **k: None)  # the quantified search only
        assert _explained(items) == forward
    z = Z3Prover(timeout=20)
    for i, (outcome, used, cm, model) in forward.items():
        p = random_problem(i)
        if outcome in (Outcome.TRUE, Outcome.FALSE, Outcome.INCONSISTENT):
            goal = {Outcome.TRUE: p.conclusion, Outcome.FALSE: Not(p.conclusion), Outcome.INCONSISTENT: Bottom()}[outcome]
            assert z.entails([p.premises[j] for j in used], goal).proved is True
            for j in used:  # minimal
                assert z.entails([p.premises[k] for k in used if k != j], goal).proved is False
        if outcome is Outcome.UNCERTAIN:
            for table, goal in ((cm, Not(p.conclusion)), (model, p.conclusion)):
                m = Model(tuple(table["domain"]), table["constants"], {k: [(tuple(a), v) for a, v in r]
                          for k, r in table["functions"].items()}, table["predicates"])
                assert all(_holds(f, m) for f in [*p.premises, goal]), i
                n = len(m.domain)  # the smallest size: none with one element fewer
                assert n == 1 or z.entails([*p.premises, goal], Not(_at_most(n - 1))).proved is True


_FINITE_CASES = [  # functions (nested), equality, iff/xor, a 0-ary predicate, models of 2 and 3 elements
    (["∀x (P(x) → P(f(x)))", "P(a)", "¬(f(f(a)) = a)"], "P(f(b))"),
    (["∀x ∀y (R(x, y) → R(y, x))", "R(a, g(a, b))", "a ≠ b"], "R(b, a)"),
    (["P(a) ↔ ¬Q(b)", "P(a) ⊕ R(a)", "S"], "Q(a) ∧ S"),
    (["∃x ∃y ∃z (x ≠ y ∧ y ≠ z ∧ x ≠ z)", "∀x (P(x) ∨ Q(x))"], "∃x (P(x) ∧ Q(x))"),
    (["∀x ∃y (L(x, y) ∧ x ≠ y)", "L(a, a) → M"], "M"),
]


def test_sat_least_models_are_those_of_the_quantified_search(monkeypatch):
    """provers/finite.py (SAT on groundings) and the quantified search on Z3 are separate
    implementations of one definition: on problems with functions, equality, iff/xor and
    models of several sizes they give the same least models, each a model of its side, of the
    smallest size."""
    from provers import finite, z3_bridge

    z = Z3Prover(timeout=20)
    sizes, functions = set(), False
    for premises, conclusion in _FINITE_CASES:
        p = _p(premises, conclusion)
        got = finite.least_models(p.premises, p.conclusion)
        assert got is not None, premises
        with monkeypatch.context() as m:
            m.setattr(z3_bridge._Quick, "wanted", lambda self: False)
            m.setattr(z3_bridge, "least_models", lambda *a, **k: None)
            v = decide(p.premises, p.conclusion, timeout=20, explain=True)
        assert v.outcome is Outcome.UNCERTAIN
        assert (v.countermodel, v.model) == got, premises
        for table, goal in zip(got, (Not(p.conclusion), p.conclusion)):
            assert all(_holds(f, table) for f in [*p.premises, goal]), premises
            n = len(table.domain)
            assert n == 1 or z.entails([*p.premises, goal], Not(_at_most(n - 1))).proved is True
            sizes.add(n)
            functions = functions or any(table.functions.values())
    assert sizes >= {1, 2, 3} and functions


def test_sat_least_models_give_up_past_their_bounds_and_decide_searches_on(monkeypatch):
    """A grounding over ``MAX_GROUND`` nodes, or a SAT call past its conflict budget, gives
    None (never a wrong model); decide then finds the same least models the quantified way."""
    from pysat.solvers import Solver

    from provers import finite

    p = _p(_FINITE_CASES[1][0], _FINITE_CASES[1][1])
    want = decide(p.premises, p.conclusion, explain=True)
    monkeypatch.setattr(finite, "MAX_GROUND", 10)
    assert finite.least_models(p.premises, p.conclusion) is None
    again = decide(p.premises, p.conclusion, explain=True)
    assert (again.countermodel, again.model) == (want.countermodel, want.model)
    monkeypatch.undo()
    # pigeonhole: 7 pigeons in 6 holes needs many conflicts; a budget of 10 leaves it open
    var = {(i, j): 6 * i + j + 1 for i in range(7) for j in range(6)}
    clauses = [[var[i, j] for j in range(6)] for i in range(7)]
    clauses += [[-var[i, j], -var[k, j]] for j in range(6) for i in range(7) for k in range(i + 1, 7)]
    monkeypatch.setattr(finite, "CONFLICT_BUDGET", 10)
    sat = finite._Sat(clauses)
    with pytest.raises(finite.Open):
        sat.solve([])
    sat.close()
    with Solver(name=finite.SAT_SOLVER, bootstrap_with=clauses) as full:
        assert full.solve() is False


def test_least_models_take_each_entrys_first_possible_value():
    p = _p(["P(a) ∨ Q(a)", "¬P(b)", "P(a) → R(b)"], "R(a)")
    v = decide(p.premises, p.conclusion, explain=True)
    assert v.outcome is Outcome.UNCERTAIN
    # one element (a = b): P false there (¬P(b)), so Q(a); R(a) false, then true
    assert v.countermodel.to_json() == {"domain": ["e0"], "constants": {"a": "e0", "b": "e0"}, "functions": {},
                                        "predicates": {"P": [], "Q": [["e0"]], "R": []}, "omitted": []}
    assert v.model.to_json() == {"domain": ["e0"], "constants": {"a": "e0", "b": "e0"}, "functions": {},
                                 "predicates": {"P": [], "Q": [["e0"]], "R": [["e0"]]}, "omitted": []}
    two = _p(["P(a)", "¬P(b)"], "Q(b)")
    v = decide(two.premises, two.conclusion, explain=True)
    assert v.countermodel.to_json() == {"domain": ["e0", "e1"], "constants": {"a": "e0", "b": "e1"}, "functions": {},
                                        "predicates": {"P": [["e0"]], "Q": []}, "omitted": []}
    assert v.model.predicates == {"P": [("e0",)], "Q": [("e1",)]}


def test_countermodel_is_the_least_model_an_explanation_shows_where_the_quantified_search_gives_up():
    # a model's translation of a FOLIO dev problem (story 329): Uncertain; Z3's bounded search for
    # a small model of premises ∧ ¬goal runs out of budget, SAT on groundings finds the least one
    z = base.get("z3")
    p = _p(["∀x ((YoungWorkingProfessional(x) ∧ HaveRegular95Job(x)) → HavePet(x))",
            "∃x (LiveIn(x, manhattan) ∧ YoungWorkingProfessional(x) ∧ HaveRegular95Job(x))",
            "∀x (HavePet(x) → (∃y (Child(y) ∧ HavePet(y) ∧ ¬(y = x))))",
            "∀x (¬(¬Child(x) ∧ HavePet(x)) → ¬Own(x, sportsCar))",
            "¬(Own(x, sportsCar) ∨ (¬(x = y) ∧ HavePet(x) ∧ HavePet(y)))"],  # x, y free: constants
           "(YoungWorkingProfessional(mary) ∧ HaveRegular95Job(mary)) → ¬LiveIn(mary, manhattan)")
    v = z.decide(p.premises, p.conclusion, explain=True)
    assert v.outcome is Outcome.UNCERTAIN and v.countermodel is not None
    assert z.countermodel(p.premises, p.conclusion) == v.countermodel
