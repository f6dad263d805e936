"""The formula IR: immutability, equality and hashing, smart constructors, free variables,
capture-avoiding substitution, canonical forms and content ids, signatures, pickling, and
formulas nested 10,000 deep handled without recursion."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import subprocess
import sys

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from nsp.logic.analysis import (
    SignatureError, Symbol, close_universally, free_vars, rename_bound, separate_clashes,
    signature, substitute,
)
from nsp.logic.canon import alpha_equal, canonical, canonical_records, content_id
from nsp.logic.ir import (
    And, App, Atom, Bottom, Const, Eq, Exists, Forall, Iff, Implies, IRError, Not, Or, Top, Var,
    conj, disj, is_formula,
)
from nsp.logic.serial import from_records, from_sexpr, to_records, to_sexpr
from nsp.logic.syntax import SYNTAXES_WRITTEN, parse, write
from nsp.logic.syntax.smtlib import smtlib_script
from nsp.logic.walk import depth, size
from provers.z3_bridge import decide
from strategies import POOLS, formulas

x, y, z = Var("x"), Var("y"), Var("z")
a, b = Const("a"), Const("b")


def P(*args):
    return Atom("P", args)


def R(*args):
    return Atom("R", args)


# ---------------------------------------------------------------- immutability and equality


def test_nodes_are_immutable():
    f = And(P(x), Atom("Q", [a]))
    with pytest.raises(AttributeError, match="And is immutable"):
        f.children = ()
    with pytest.raises(AttributeError, match="Var is immutable"):
        x.payload = "y"
    with pytest.raises(AttributeError, match="immutable"):
        del f.payload
    with pytest.raises(AttributeError):
        f.extra = 1  # __slots__: no instance dict to add to
    assert not hasattr(f, "__dict__")


def test_structural_equality_and_hash():
    f1 = Forall("x", Implies(P(x), Atom("Q", [App("f", [x, a])])))
    f2 = Forall("x", Implies(P(x), Atom("Q", [App("f", [x, a])])))
    assert f1 is not f2 and f1 == f2 and hash(f1) == hash(f2)
    assert len({f1, f2}) == 1
    different = [
        Forall("y", Implies(P(y), Atom("Q", [App("f", [y, a])]))),  # alpha-variant: not ==
        Exists("x", Implies(P(x), Atom("Q", [App("f", [x, a])]))),
        Forall("x", Implies(Atom("Q", [App("f", [x, a])]), P(x))),
        Forall("x", Iff(P(x), Atom("Q", [App("f", [x, a])]))),
        Forall("x", Implies(P(x), Atom("Q", [App("f", [a, x])]))),
    ]
    for g in different:
        assert f1 != g
    assert Var("a") != Const("a") and hash(Var("a")) != hash(Const("a"))
    assert Atom("P") != App("P", [a]) and Top() != Bottom()
    assert And(P(a), P(b)) != And(P(b), P(a))  # operand order matters
    assert And(P(a), P(b), P(x)) != And(And(P(a), P(b)), P(x))  # n-ary is not nested
    assert (P(a) == "P(a)") is False and P(a) != "P(a)"


def test_constructors_check_their_arguments():
    with pytest.raises(IRError, match="needs at least two operands"):
        And(P(a))
    with pytest.raises(IRError, match="needs at least one argument"):
        App("f", [])
    with pytest.raises(IRError, match="must be a non-empty string"):
        Const("")
    with pytest.raises(IRError, match="arguments of predicate 'P' must be terms"):
        Atom("P", [P(a)])
    with pytest.raises(IRError, match="operands of ∧ must be formulas"):
        And(P(a), a)
    with pytest.raises(IRError, match="binds a name twice"):
        Forall(("x", "x"), P(x))
    with pytest.raises(IRError, match="needs at least one variable"):
        Exists((), P(a))


def test_conj_and_disj_normalise():
    assert conj([]) == Top() and disj([]) == Bottom()
    assert conj([P(a)]) == P(a) and disj([P(a)]) == P(a)
    assert conj([P(a), P(b)]) == And(P(a), P(b)) and disj(iter([P(a), P(b)])) == Or(P(a), P(b))
    assert And([P(a), P(b)]) == And(P(a), P(b))  # one iterable argument
    assert is_formula(P(a)) and not is_formula(a) and not is_formula("P")


def test_quantifier_merging():
    assert Forall("x", Forall("y", R(x, y))) == Forall(("x", "y"), R(x, y))
    assert Forall("x", Forall("y", R(x, y))).payload == ("x", "y")
    assert Forall([x, "y"], R(x, y)).payload == ("x", "y")  # Var objects or names
    assert Forall("x", Exists("y", R(x, y))).body == Exists("y", R(x, y))  # kinds never merge
    # a repeated name starts a new group, counted from the innermost quantifier
    inner_first = Forall("x", Forall(("y", "x"), P(x)))
    assert inner_first.payload == ("x",) and inner_first.body.payload == ("y", "x")
    assert Forall(("x", "y"), Forall("x", P(x))) == inner_first
    assert Forall("x", Forall("y", Forall("x", P(x)))) == inner_first
    three = Forall(("a", "b"), Forall(("c", "a"), Forall(("d", "c"), P(x))))
    assert [three.payload, three.body.payload] == [("a", "b", "c"), ("a", "d", "c")]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from("xyzw"), min_size=1, max_size=3, unique=True), min_size=1, max_size=5))
def test_quantifier_grouping_depends_only_on_the_flat_prefix(groups):
    """Any way of building ∀v1 ∀v2 ... ∀vn gives the same node as building it one name at a time."""
    body = R(a, b)
    built = body
    for g in reversed(groups):
        built = Forall(tuple(g), built)
    one_by_one = body
    for v in reversed([v for g in groups for v in g]):
        one_by_one = Forall(v, one_by_one)
    assert built == one_by_one
    # and the groups are maximal: no name can move to the next group out
    node = built
    while node.kind == "forall" and node.body.kind == "forall":
        assert node.payload[-1] in node.body.payload
        node = node.body
    assert parse(write(built, "folio"), "folio", strict=True).formula == built


# ---------------------------------------------------------------- free variables, substitution


def test_free_variables():
    assert free_vars(P(x)) == {"x"}
    assert free_vars(Forall("x", R(x, y))) == {"y"}
    assert free_vars(And(Forall("x", P(x)), P(x))) == {"x"}  # the second x is free
    assert free_vars(Exists("y", Atom("Q", [App("f", [y, z])]))) == {"z"}
    assert free_vars(Forall(("x", "y"), Eq(x, y))) == frozenset()
    assert free_vars(P(a)) == frozenset()
    assert close_universally(R(y, x)) == Forall(("x", "y"), R(y, x))
    closed = P(a)
    assert close_universally(closed) is closed


def test_substitution_renames_to_avoid_capture():
    # substituting y for x in ∀y P(x, y) must not capture: ∀y1 P(y, y1)
    f = Forall("y", Atom("P", [x, y]))
    g = substitute(f, {"x": y})
    assert g == Forall("y1", Atom("P", [y, Var("y1")]))
    assert free_vars(g) == {"y"}
    assert alpha_equal(g, Forall("w", Atom("P", [y, Var("w")])))
    # the fresh name avoids every name already in the formula
    h = substitute(Forall("y", And(Atom("P", [x, y]), Atom("y1", [Const("y2")]))), {"x": App("f", [y])})
    assert h == Forall("y3", And(Atom("P", [App("f", [y]), Var("y3")]), Atom("y1", [Const("y2")])))


def test_substitution_respects_binders():
    f = And(P(x), Forall("x", P(x)))
    assert substitute(f, {"x": a}) == And(P(a), Forall("x", P(x)))  # bound x untouched
    g = Forall("x", P(x))
    assert substitute(g, {"x": a}) is g  # nothing free to replace: the very same node
    assert substitute(P(x), {}) == P(x)
    # simultaneous, not sequential
    assert substitute(R(x, y), {"x": y, "y": x}) == R(y, x)
    assert rename_bound(Forall("x", R(x, y)), {"x": "z"}) == Forall("z", R(z, y))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(formulas(POOLS["nltk"], max_depth=3), st.sampled_from(["x", "y", "z"]))
def test_substitution_never_captures(f, name):
    """Opening a quantifier and substituting a term with free variables keeps them free."""
    body = f.body if f.kind in ("forall", "exists") else f
    term = App("g", [Var("x"), Var("y")])
    out = substitute(body, {name: term})
    expected_free = (free_vars(body) - {name}) | ({"x", "y"} if name in free_vars(body) else set())
    assert free_vars(out) == expected_free


# ---------------------------------------------------------------- canonical forms and content ids


ALPHA_VARIANTS = [
    (Forall("x", P(x)), Forall("y", P(y))),
    (Forall(("x", "y"), R(x, y)), Forall(("u", "w"), R(Var("u"), Var("w")))),
    (Exists("x", And(P(x), Forall("x", R(x, a)))), Exists("z", And(P(z), Forall("y", R(y, a))))),
    (Forall("x", Exists("y", R(x, y))), Forall("y", Exists("x", R(y, x)))),
]
NOT_ALPHA = [
    (Forall(("x", "y"), R(x, y)), Forall(("y", "x"), R(x, y))),  # binder order
    (Forall("x", P(x)), Exists("x", P(x))),
    (Forall("x", R(x, y)), Forall("x", R(x, z))),  # different free variables
    (Forall("x", P(x)), Forall("x", P(a))),
]


@pytest.mark.parametrize("f,g", ALPHA_VARIANTS)
def test_alpha_variants_share_canonical_form_and_id(f, g):
    assert f != g
    assert canonical(f) == canonical(g) and alpha_equal(f, g)
    assert content_id(f) == content_id(g)
    assert len(content_id(f)) == 16 and int(content_id(f), 16) >= 0


@pytest.mark.parametrize("f,g", NOT_ALPHA)
def test_different_formulas_differ(f, g):
    assert not alpha_equal(f, g)
    assert content_id(f) != content_id(g)


def test_canonical_form_skips_free_names():
    f = Forall("x", R(x, Var("v1")))  # v1 is free, so the bound variable cannot become v1
    assert canonical(f) == Forall("v2", R(Var("v2"), Var("v1")))


def test_content_id_is_sha256_of_the_documented_encoding():
    # serial.py: the pre-order list of [kind, payload, n_children]; canon.py: 16 hex digits of
    # SHA-256 of the canonical form's serialisation.
    f = Forall("y", Implies(P(y), Atom("Q", [a])))
    records = [["forall", ["v1"], 1], ["implies", None, 2], ["atom", "P", 1], ["var", "v1", 0],
               ["atom", "Q", 1], ["const", "a", 0]]
    text = json.dumps(records, ensure_ascii=False, separators=(",", ":"))
    assert to_sexpr(canonical(f)) == text
    assert content_id(f) == hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(formulas(POOLS["tptp"], max_depth=4))
def test_content_id_walk_equals_the_canonical_form_serialised(f):
    """content_id walks once (canonical_records) instead of building canonical(f): same text."""
    assert canonical_records(f) == to_records(canonical(f))
    assert content_id(f) == hashlib.sha256(to_sexpr(canonical(f)).encode("utf-8")).hexdigest()[:16]


def test_content_id_walk_merges_quantifier_chains_as_the_constructors_do():
    for text in ["∀x ∀y ∀x P(x, y)", "∀x (P(x) ∧ ∀x Q(x))", "∀x ∃y ∀z (R(x, y) → ∃w ∃y S(w, y, z))",
                 "P(v1) ∧ ∀x Q(x, v1)", "∀v1 ∀v2 (P(v2) ∨ ∀v2 Q(v2, v3))", "∃x ∃x ∃y ¬∃y T(x, y)"]:
        f = parse(text, "folio").formula
        assert canonical_records(f) == to_records(canonical(f)), text


_ID_FORMULAS = ["∀x (Dog(x) → Animal(x))", "∃y (Risk-averse(y) ∧ ¬Likes(y, mr.smith))", "P(f(a), b) ⊕ ⊤"]


def test_content_ids_are_equal_across_processes():
    """Python's hash() changes per process; content ids must not."""
    here = [content_id(parse(t, "folio", strict=True).formula) for t in _ID_FORMULAS]
    code = (
        "import json, sys\n"
        "from nsp.logic.canon import content_id\n"
        "from nsp.logic.syntax import parse\n"
        "texts = json.loads(sys.argv[1])\n"
        "print(json.dumps([content_id(parse(t, 'folio', strict=True).formula) for t in texts]))\n"
    )
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", code, json.dumps(_ID_FORMULAS)], env=env,
                             capture_output=True, text=True, check=True, timeout=120)
        assert json.loads(out.stdout) == here


@settings(max_examples=100, deadline=None, derandomize=True)
@given(formulas(POOLS["tptp"], max_depth=3))
def test_content_id_is_invariant_under_bound_renaming(f):
    # TPTP reading renames every bound variable (x becomes X): same id, same canonical form
    g = parse(write(f, "tptp"), "tptp", strict=True).formula
    assert content_id(g) == content_id(f)
    assert canonical(canonical(f)) == canonical(f)


# ---------------------------------------------------------------- signatures


def test_signature_inference():
    fs = [parse(t, "folio", strict=True).formula for t in
          ["∀x (Dog(x) → Animal(x))", "Owns(ann, father(rex))", "Dog(rex) ∧ Rain"]]
    sig = signature(fs)
    assert list(sig) == ["Dog", "Animal", "Owns", "ann", "father", "rex", "Rain"]
    assert sig["Owns"] == Symbol("Owns", "predicate", 2)
    assert sig["father"] == Symbol("father", "function", 1)
    assert sig["ann"] == Symbol("ann", "constant", 0)
    assert sig["Rain"] == Symbol("Rain", "predicate", 0)
    assert sig["father"].describe() == "function father/1"


def test_signature_clash_names_both_uses():
    fs = [parse(t, "folio", strict=True).formula for t in ["P(a)", "Q(b)", "∀x P(x, b)"]]
    with pytest.raises(SignatureError) as info:
        signature(fs)
    assert str(info.value) == "symbol 'P' is used as predicate/1 in formula 1 and as predicate/2 in formula 3"
    with pytest.raises(SignatureError, match="symbol 'a' is used as constant/0 in premise 1 and as "
                                             "predicate/1 in the conclusion"):
        signature([P(a), Atom("a", [b])], ["premise 1", "the conclusion"])
    with pytest.raises(SignatureError, match="as function/1 in formula 1 and as function/2 in formula 1"):
        signature([Eq(App("f", [a]), App("f", [a, b]))])
    renamed, notes = separate_clashes(fs)
    assert renamed[2] == Forall("x", Atom("P_2", [x, b]))
    assert notes == ["renamed predicate P/2 to P_2 (P is also used as predicate/1)"]
    signature(renamed)  # consistent now


# ---------------------------------------------------------------- pickling and serialisation


@settings(max_examples=100, deadline=None, derandomize=True)
@given(formulas(POOLS["tptp"]))
def test_pickle_and_serial_round_trip(f):
    g = pickle.loads(pickle.dumps(f))
    assert g == f and hash(g) == hash(f) and type(g) is type(f)
    assert from_sexpr(to_sexpr(f)) == f


def test_serial_rejects_malformed_records():
    with pytest.raises(ValueError, match="unknown node kind 'bogus'"):
        from_records([["bogus", None, 0]])
    with pytest.raises(ValueError, match="missing children"):
        from_records([["not", None, 1]])
    with pytest.raises(ValueError, match="not exactly one root"):
        from_records([["top", None, 0], ["bottom", None, 0]])


def test_repr_and_str_are_folio():
    f = Forall("x", Implies(P(x), Atom("Q", [x])))
    assert str(f) == "∀x (P(x) → Q(x))"
    assert repr(f) == "<Forall ∀x (P(x) → Q(x))>"


# ---------------------------------------------------------------- 10,000 deep, no recursion

DEEP = 10_000


@contextlib.contextmanager
def low_recursion_limit(limit: int = 1000):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def not_and_chain(n: int):
    """∀x g_n where g_0 = P(x), g_(i+1) = ¬g_i (i even) or g_i ∧ Q(x) (i odd): n nested ¬ / ∧.

    Simplifying: g_2 = ¬P ∧ Q, g_4 = (P ∨ ¬Q) ∧ Q = P ∧ Q, and the pattern repeats every 4."""
    g = Atom("P", [x])
    for i in range(n):
        g = Not(g) if i % 2 == 0 else And(g, Atom("Q", [x]))
    return Forall("x", g)


def quantifier_tower(n: int):
    """n nested quantifiers over one name, alternating ∃x / ∀x, innermost ∃x P(x)."""
    g = Atom("P", [x])
    for i in range(n):
        g = (Exists if i % 2 == 0 else Forall)("x", g)
    return g


@pytest.fixture(scope="module")
def deep_formulas():
    with low_recursion_limit():
        return {"not-and": (not_and_chain(DEEP), not_and_chain(DEEP)),
                "quantifiers": (quantifier_tower(DEEP), quantifier_tower(DEEP))}


@pytest.mark.parametrize("kind", ["not-and", "quantifiers"])
def test_deep_formula_without_recursion(deep_formulas, kind):
    f, twin = deep_formulas[kind]
    with low_recursion_limit():
        assert depth(f) > DEEP and size(f) > DEEP
        assert f == twin and hash(f) == hash(twin) and f is not twin
        assert f != f.body
        for syntax in SYNTAXES_WRITTEN:
            assert len(write(f, syntax)) > DEEP
        text = write(f, "folio")
        assert parse(text, "folio", strict=True).formula == f
        assert parse(text, "folio").formula == f  # lenient: the repair pass is iterative too
        canon = canonical(f)
        assert canon.payload == ("v1",) and depth(canon) == depth(f)
        assert content_id(f) == content_id(twin)
        assert free_vars(f) == frozenset()
        opened = f.body
        assert free_vars(opened) <= {"x"}
        substituted = substitute(opened, {"x": App("f", [Var("y")])})
        assert free_vars(substituted) <= {"y"}
        assert pickle.loads(pickle.dumps(f)) == f


def test_deep_not_and_is_decided_by_z3(deep_formulas):
    f, _ = deep_formulas["not-and"]  # DEEP is a multiple of 4: ∀x (P(x) ∧ Q(x))
    with low_recursion_limit():
        v = decide([f], Atom("Q", [a]), timeout=60)
        assert v.outcome.value == "True" and v.used == (0,)
        # one level more is ¬(P ∧ Q) with the pattern: ∀x ¬(P(x) ∧ Q(x)) refutes P(a) ∧ Q(a)
        g = Forall("x", Not(f.body))
        v = decide([g], And(Atom("P", [a]), Atom("Q", [a])), timeout=60)
        assert v.outcome.value == "False"


def test_deep_quantifiers_are_decided_by_z3(deep_formulas):
    # The tower means ∃x P(x) (the outer quantifiers bind nothing new): P(b) does not follow,
    # and it is consistent with ¬P(b). Decided through Z3's own SMT-LIB reader.
    f, _ = deep_formulas["quantifiers"]
    with low_recursion_limit():
        def check(premises, conclusion):
            s = z3.Solver()
            s.set("timeout", 60_000)
            s.from_string(smtlib_script(premises, conclusion))
            return s.check()

        assert check([f], Atom("P", [b])) == z3.sat
        assert check([f], Not(Atom("P", [b]))) == z3.sat
        assert check([f], Exists("y", Atom("P", [Var("y")]))) == z3.unsat
        assert check([f, Forall("x", Not(Atom("P", [x])))], Top()) == z3.unsat  # inconsistent
