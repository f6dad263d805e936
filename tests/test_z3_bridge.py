"""The Z3 bridge: outcomes, minimal cores, counter-models, timeouts, determinism."""

from __future__ import annotations

import z3

from nsp.logic.problem import problem_from_texts
from provers.outcome import Outcome
from provers.z3_bridge import consistent, decide, translate


def _decide(premises, conclusion, **kw):
    p = problem_from_texts(premises, conclusion, syntax="folio")
    return decide(p.premises, p.conclusion, **kw)


def test_true_with_minimal_core():
    v = _decide(["∀x (Dog(x) → Animal(x))", "Cat(tom)", "Dog(rex)", "∀x (Cat(x) → Animal(x))"], "Animal(rex)")
    assert v.outcome is Outcome.TRUE
    assert v.used == (0, 2)


def test_false_with_core():
    v = _decide(["∀x (Bird(x) → Flies(x))", "Bird(tweety)", "Penguin(pingu)"], "¬Flies(tweety)")
    assert v.outcome is Outcome.FALSE
    assert v.used == (0, 1)


def test_inconsistent_core_is_minimal():
    v = _decide(["P(a)", "Q(b)", "¬P(a) ∨ R(c)", "¬R(c)"], "S(d)")
    assert v.outcome is Outcome.INCONSISTENT
    assert v.used == (0, 2, 3)


def test_uncertain_models_are_small_and_correct():
    v = _decide(["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "Animal(tom)")
    assert v.outcome is Outcome.UNCERTAIN
    cm, m = v.countermodel, v.model
    # counter-model: tom is not an animal, rex is a dog and an animal: needs two elements
    assert len(cm.domain) == 2
    assert cm.constants["tom"] not in {a[0] for a in cm.predicates["Animal"]}
    assert (cm.constants["rex"],) in cm.predicates["Dog"]
    assert len(m.domain) == 1
    assert (m.constants["tom"],) in m.predicates["Animal"]


def _holds(model, premises, conclusion_negated):
    """Check a reported model with Z3 itself: pin every symbol to its table and re-solve."""
    p = problem_from_texts(premises, conclusion_negated, syntax="folio")
    tr = translate(list(p.formulas))
    elems = {e: z3.Const(f"el_{e}", tr.sort) for e in model.domain}
    s = z3.Solver(ctx=tr.ctx)
    s.add(z3.Distinct(*elems.values()) if len(elems) > 1 else z3.BoolVal(True, tr.ctx))
    x = z3.Const("x", tr.sort)
    s.add(z3.ForAll([x], z3.Or(*[x == e for e in elems.values()])))
    for c, e in model.constants.items():
        s.add(tr.decls[c]() == elems[e])
    for name, rows in model.predicates.items():
        d = tr.decls[name]
        import itertools

        for args in itertools.product(model.domain, repeat=d.arity()):
            atom = d(*[elems[a] for a in args]) if args else d()
            s.add(atom if tuple(args) in {tuple(r) for r in rows} else z3.Not(atom))
    s.add(*tr.exprs)
    return s.check() == z3.sat


def test_countermodel_really_is_one():
    prem = ["∀x (Student(x) → ¬Drives(x))", "∃x (Student(x) ∧ Tall(x))", "Drives(ann) ∨ Tall(ann)"]
    v = _decide(prem, "Tall(ann)")
    assert v.outcome is Outcome.UNCERTAIN
    assert _holds(v.countermodel, prem, "¬Tall(ann)")
    assert _holds(v.model, prem, "Tall(ann)")


def test_equality_functions_xor_iff():
    assert _decide(["f(a) = b", "P(b)"], "P(f(a))").outcome is Outcome.TRUE
    assert _decide(["P(a) ⊕ Q(a)", "P(a)"], "Q(a)").outcome is Outcome.FALSE
    assert _decide(["∀x (P(x) ↔ Q(x))", "¬Q(c)"], "P(c)").outcome is Outcome.FALSE
    assert _decide(["a = b", "a ≠ b"], "P(a)").outcome is Outcome.INCONSISTENT


def test_timeout_gives_unknown_with_reason():
    # A hard pigeonhole-style instance with a tiny budget cannot be finished in 1 ms.
    holes = 9
    prem = [f"∀x (Pigeon(x) → {' ∨ '.join(f'In{h}(x)' for h in range(holes))})"]
    prem += [f"∀x ∀y (In{h}(x) ∧ In{h}(y) → x = y)" for h in range(holes)]
    prem += [f"Pigeon(p{i})" for i in range(holes + 1)]
    prem += [f"p{i} ≠ p{j}" for i in range(holes + 1) for j in range(i + 1, holes + 1)]
    v = _decide(prem, "Q(c)", timeout=0.001)
    assert v.outcome is Outcome.UNKNOWN
    assert v.reason


def test_deterministic():
    prem = ["∀x (A(x) ∨ B(x))", "∃x ¬A(x)", "C(k) → A(k)"]
    a = _decide(prem, "B(k)")
    b = _decide(prem, "B(k)")
    assert a.outcome == b.outcome
    assert a.countermodel == b.countermodel and a.model == b.model


def test_consistency_check():
    p = problem_from_texts(["∀x ∀y (L(x, y) ↔ ¬L(y, x))", "R(a)"], None, syntax="folio")
    v = consistent(p.premises)
    assert v.outcome is Outcome.INCONSISTENT and v.used == (0,)
    p = problem_from_texts(["∀x (L(x) → M(x))"], None)
    assert consistent(p.premises).outcome is Outcome.UNCERTAIN


def test_bound_variable_named_like_a_constant_is_not_captured():
    # the constant x and the bound x are different symbols
    assert _decide(["P(x)"], "∀x P(x)").outcome is Outcome.UNCERTAIN
