"""Lean 4 export: golden files, Lean's lexical rules, faithful printing, proofs from provenance.

No Lean toolchain is needed here. What Lean itself would say is tested in test_lean_check.py
(skipped without a toolchain). Golden files live in tests/golden/lean/; regenerate them with
``NSP_UPDATE_GOLDEN=1 python -m pytest tests/test_lean_export.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsp.cli import main
from nsp.graph.provenance import add_derivation, add_fact, new_graph
from nsp.logic.canon import alpha_equal
from nsp.logic.ir import (
    And, App, Atom, Bottom, Const, Eq, Exists, Forall, Iff, Implies, Not, Or, Top, Var,
)
from nsp.logic.problem import problem_from_texts
from nsp.logic.syntax import parse_formula
from nsp.logic.syntax.lean import desugar_xor
from provers.lean.export import (
    ExportError, export_formulas, export_problem, export_verdict, lean_signature, normalise_formulas,
    sanitize,
)
from provers.lean.proof import proof_to_lean, prove_step
from provers.lean.sandbox import screen, strip_comments
from provers.outcome import Outcome
from provers.z3_bridge import decide
from tests.strategies import POOLS, formulas, signature_formulas

GOLDEN = Path(__file__).parent / "golden" / "lean"
UPDATE = os.environ.get("NSP_UPDATE_GOLDEN") == "1"

# ---------------------------------------------------------------- Lean 4's lexical rules
# Written out here independently of nsp/logic/syntax/lean.py, from Lean 4's Init/Meta
# (isLetterLike, isSubScriptAlnum, isIdFirst, isIdRest) and its parser's identFn: an identifier
# is dot-separated components, each «anything but »» or idFirst idRest*.
_LETTERLIKE = (
    "\u03b1-\u03ba\u03bc-\u03c9"  # lower Greek except λ (U+03BB)
    "\u0391-\u039f\u03a1\u03a2\u03a4-\u03a9"  # upper Greek except Π (U+03A0) and Σ (U+03A3)
    "\u03ca-\u03fb\u1f00-\u1ffe\u2100-\u214f\U0001d49c-\U0001d59f"
)
_SUBSCRIPT = "\u2080-\u2089\u2090-\u209c\u1d62-\u1d6a"
ID_FIRST = f"A-Za-z_{_LETTERLIKE}"
ID_REST = f"{ID_FIRST}0-9'!?{_SUBSCRIPT}"
COMPONENT = f"(?:«[^»\\n]+»|[{ID_FIRST}][{ID_REST}]*)"
LEAN_IDENT = re.compile(f"{COMPONENT}(?:\\.{COMPONENT})*")
# Tokens of Lean 4 core that look like identifiers (a name spelled like one is not an identifier).
LEAN_KEYWORDS = set("""
    abbrev at attribute axiom by calc catch class continue break decreasing_by def deriving do
    else end example exists export extends false fun for forall from have hiding if import in
    include inductive infix infixl infixr initialize instance let local macro macro_rules match
    mut mutual namespace nomatch nofun noncomputable notation omit opaque open partial postfix
    prefix prelude private protected renaming return scoped section set_option show sorry
    structure suffices syntax termination_by then theorem this try universe unless unsafe using
    variable where with Prop Sort Type""".split())
# Keywords the export template itself writes, each in its proper place.
TEMPLATE_WORDS = {"set_option", "namespace", "end", "axiom", "noncomputable", "instance", "theorem", "by", "sorry",
                  "exact", "have", "fun", "Type", "Prop", "autoImplicit", "false", "NSP"}


def identifiers(lean_text: str) -> list[str]:
    """Every identifier-like token outside comments."""
    code, problems = strip_comments(lean_text)
    assert not problems
    return LEAN_IDENT.findall(code)


def declared_names(lean_text: str) -> list[str]:
    """Names the file binds: axioms, instances, hypotheses, ∀/∃-bound variables, fun binders."""
    code, _ = strip_comments(lean_text)
    out = re.findall(r"^axiom (\S+) :", code, re.M)
    out += re.findall(r"^noncomputable instance (\S+) :", code, re.M)
    out += re.findall(r"^\s+\((\S+) : ", code, re.M)
    for m in re.finditer(r"[∀∃] ([^:,]+) : U,", code):
        out += m.group(1).split()
    return out


def assert_lean_clean(text: str) -> None:
    for name in declared_names(text):
        assert LEAN_IDENT.fullmatch(name), name
        assert name not in LEAN_KEYWORDS, name
        assert "." not in name, name  # a dot would put the name in another namespace
    for tok in identifiers(text):
        assert tok not in LEAN_KEYWORDS or tok in TEMPLATE_WORDS, tok
    assert screen(text) == (), screen(text)


# ---------------------------------------------------------------- golden files

P = parse_formula
GOLDEN_CASES = {
    "modus_ponens": (["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "Animal(rex)", False),
    "quantifiers": (["∀x ∃y Loves(x, y)", "∀x ∀y (Loves(x, y) → Happy(x))", "∃x ∀y ¬Hates(x, y)"],
                    "∀x Happy(x) ∧ ∃z ∃w (Loves(z, w) ∨ ¬Hates(w, z))", False),
    "xor_iff": (["Tea(ann) ⊕ Coffee(ann)", "∀x (Even(x) ↔ ¬Odd(x))", "Rain ⊕ Snow ⊕ Hail"],
                "(Tea(ann) ↔ ¬Coffee(ann)) ∧ (Even(seven) ⊕ Odd(seven))", False),
    "equality_functions": (["∀x f(f(x)) = x", "mother(ann) ≠ ann", "∀x ∀y (g(x, y) = g(y, x))"],
                           "P(f(f(f(a)))) ∨ g(a, f(b)) = g(f(b), a)", False),
    "awkward_names": (["∀x (Risk-averse(x) → ¬Gamble(x))", "Risk-averse(mr.smith)", "Language(c++) ∧ Year(2021)",
                       "∀x (theorem(x) → fun(x))", "theorem(c++)", "U(c++) ∧ True(2021) ∧ Nat(mr.smith)"],
                      "Gamble(mr.smith) ∨ fun(c++)", False),
    "negated_goal": (["Tea(ann) ⊕ Coffee(ann)", "Tea(ann)"], "Coffee(ann)", True),
    "top_bottom_no_premises": ([], "⊤ ∨ ⊥ → ¬⊥", False),
}


def _golden_export(name: str):
    prem, conc, negate = GOLDEN_CASES[name]
    problem = problem_from_texts(prem, conc, syntax="folio", strict=True)
    return export_problem(problem, negate=negate)


def _ir_golden() -> str:
    """Names FOLIO cannot even read, built in the IR: λ, IO, unsafe_x, a newline, -/, «»."""
    lam = Forall("λ", Implies(Atom("λ", [Var("λ")]), Atom("fun", [App("Σ", [Var("λ")])])))
    odd = Atom("IO", [Const("unsafe_x"), Const("weird\n-/ name"), Const("«q»")])
    free = Atom("P", [Var("z")])  # a free variable: closed with ∀
    return export_formulas([lam, odd], free, problem_id="ir-names").text


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.lean"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with NSP_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_export(name):
    text = _golden_export(name).text
    _check_golden(name, text)
    assert_lean_clean(text)


def test_golden_ir_names():
    text = _ir_golden()
    _check_golden("ir_names", text)
    assert_lean_clean(text)


def test_golden_proof():
    g = _dogs_graph()
    proof = proof_to_lean(g, g.graph["goal"])
    _check_golden("proof_dogs", proof.text)
    assert_lean_clean(proof.text)


def test_no_stray_golden_files():
    expected = {f"{n}.lean" for n in GOLDEN_CASES} | {"ir_names.lean", "proof_dogs.lean"}
    assert {p.name for p in GOLDEN.glob("*.lean")} == expected


# ---------------------------------------------------------------- names


@pytest.mark.parametrize("name, lean", [
    ("Risk-averse", "Risk_averse"), ("mr.smith", "mr_smith"), ("c++", "c_plus_plus"), ("a+", "a_plus"),
    ("2021", "n2021"), ("theorem", "theorem_"), ("fun", "fun_"), ("λ", "lam"), ("gpt-3", "gpt_3"),
    ("café", "cafe"), ("IO", "IO_"), ("True", "True_"), ("U", "U_"), ("_x", "x"), ("x!", "x"),
    ("日本", "u65e5_u672c"), ("unsafe_mode", "u_nsafe_mode"), ("'quote", "x'quote"), ("", "x"),
])
def test_sanitize(name, lean):
    assert sanitize(name) == lean


def test_symbol_names_are_injective_and_keep_valid_ones():
    names = ["c++", "c_plus_plus", "c_plus_plus_1", "theorem", "theorem_", "Dog", "Nat", "x'", "α₁"]
    f = And(*[Atom(n, [Const("k")]) for n in names])
    m = lean_signature([f]).names
    assert len(set(m.values())) == len(m)  # injective
    for keep in ("c_plus_plus", "c_plus_plus_1", "theorem_", "Dog", "Nat", "x'", "α₁", "k"):
        assert m[keep] == keep  # valid names are never renamed...
    assert m["c++"] not in names and m["theorem"] not in names  # ...so the others must move aside


def test_header_records_the_mapping():
    e = _golden_export("awkward_names")
    for orig, lean in e.renamed.items():
        assert f'--   "{orig}" ↦ {lean}\n' in e.text
    assert e.renamed == {"Risk-averse": "Risk_averse", "mr.smith": "mr_smith", "c++": "c_plus_plus",
                         "2021": "n2021", "theorem": "theorem_", "fun": "fun_", "U": "U_", "True": "True_"}
    assert "Nat" not in e.renamed  # inside namespace NSP, NSP.Nat does not clash with core Nat


def test_hostile_names_stay_inside_comments():
    text = _ir_golden()
    code, _ = strip_comments(text)
    assert "weird" not in code.replace("weird_", "")  # only the sanitised spelling is code
    assert '"weird\\n-/ name"' in text  # the original is JSON-escaped in a line comment
    assert "-/" not in code


def test_bound_variables_never_capture_symbols():
    # constant x, bound x, and a variable named like the sanitised form of another symbol
    f = And(Atom("P", [Const("x")]), Forall("x", Atom("P", [Var("x")])),
            Forall("c_plus_plus", Atom("Q", [Var("c_plus_plus"), Const("c++")])))
    e = export_formulas([f], Top())
    hyp = e.hypotheses[0][1]
    assert hyp == "P x ∧ (∀ x_1 : U, P x_1) ∧ (∀ c_plus_plus_1 : U, Q c_plus_plus_1 c_plus_plus)"
    # semantic check: read back and compare (see lean_read below)
    lsig = lean_signature([f, Top()])
    assert alpha_equal(_flatten(lean_read(hyp, lsig)), _flatten(lsig.to_lean_ir(f)))


def test_hypothesis_names_avoid_symbols():
    e = export_formulas([Atom("h1"), Atom("h2", [Const("h3")])], Atom("h1"))
    names = [h for h, _ in e.hypotheses]
    assert len(set(names)) == 2 and not set(names) & set(e.symbols.values())


def test_deep_formula_exports_without_recursion():
    f = Atom("P", [Const("a")])
    for i in range(10_000):
        f = Not(f) if i % 2 else Implies(Atom("Q"), f)
    e = export_formulas([f], Atom("P", [Const("a")]))
    assert e.hypotheses[0][1].count("¬") == 5_000


def test_inconsistent_signature_is_split_with_a_note():
    e = export_formulas([Atom("P", [Const("a")]), Atom("P", [Const("a"), Const("b")])], Atom("P", [Const("b")]))
    assert any("renamed predicate P/2" in n for n in e.notes)
    assert "axiom P : U → Prop" in e.text and "axiom P_2 : U → U → Prop" in e.text


def test_verdicts_map_to_theorems():
    prob = problem_from_texts(["Tea(ann) ⊕ Coffee(ann)", "Tea(ann)"], "Coffee(ann)", syntax="folio")
    v = decide(prob.premises, prob.conclusion)
    assert v.outcome is Outcome.FALSE
    e = export_verdict(prob, v)
    assert e.negated and e.goal == "¬(Coffee ann)"
    assert export_verdict(prob, Outcome.TRUE).goal == "Coffee ann"
    assert export_verdict(prob, Outcome.INCONSISTENT).goal == "False"
    with pytest.raises(ExportError):
        export_verdict(prob, Outcome.UNCERTAIN)
    with pytest.raises(ExportError):
        export_problem(problem_from_texts(["P(a)"], None, syntax="folio"))


def test_with_proof_and_commands():
    e = _golden_export("modus_ponens")
    p = e.with_proof("  exact h1 rex h2\n")
    assert not p.has_sorry and e.has_sorry
    assert "theorem nsp_goal\n    (h1 : ∀ x : U, Dog x → Animal x)\n    (h2 : Dog rex) :\n    Animal rex := by\n  exact h1 rex h2\n" in p.text
    assert p.text.replace(p.header, "").startswith("set_option autoImplicit false")
    # the two REPL commands hold the same declarations and theorem as the file
    assert e.decls in e.declarations and e.declarations.endswith("end NSP\n")
    assert "exact h1 rex h2" in e.theorem_command("exact h1 rex h2")


# ---------------------------------------------------------------- faithful printing (read back)


def lean_read(text: str, lsig) -> object:
    """A small reader for the propositions the exporter writes, with Lean 4's precedences
    (↔ 20, → 25 right, ∨ 30 right, ∧ 35 right, ¬ binds an argument at 40, = 50, application
    tightest, ∀/∃ extend to the right). Test-only; recursion is fine at test depths."""
    toks = re.findall(r"«[^»]*»|[∀∃¬∧∨→↔=(),:]|[^\s∀∃¬∧∨→↔=(),:]+", text)
    preds = {lsig.names[s.name]: s.arity for s in lsig.symbols if s.kind == "predicate"}
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take(expected=None):
        t = toks[pos[0]]
        assert expected is None or t == expected, (t, expected, text)
        pos[0] += 1
        return t

    bound: list[set] = [set()]

    def term_atom():
        t = take()
        if t == "(":
            x = term_app()
            take(")")
            return x
        return Var(t) if any(t in b for b in bound) else Const(t)

    def term_app():
        head = take()
        if head == "(":
            x = term_app()
            take(")")
            return x
        args = []
        while peek() not in (None, ")", "=", "∧", "∨", "→", "↔", ","):
            args.append(term_atom())
        if any(head in b for b in bound):
            assert not args
            return Var(head)
        return App(head, args) if args else Const(head)

    def formula(level=0):
        left = unary()
        ops = [("↔", 20, Iff), ("→", 25, Implies), ("∨", 30, Or), ("∧", 35, And)]
        while True:
            op = next((o for o in ops if o[0] == peek() and o[1] >= level), None)
            if op is None:
                return left
            take()
            sym, prec, cls = op
            right = formula(prec if sym == "↔" else prec)  # right-associative (↔ never chains here)
            left = cls(left, right)

    def unary():
        t = peek()
        if t == "¬":
            take()
            return Not(formula(40) if peek() != "(" else unary_paren_or_eq())
        if t in ("∀", "∃"):
            take()
            names = []
            while peek() != ":":
                names.append(take())
            take(":")
            take("U")
            take(",")
            bound.append(set(names))
            body = formula(0)
            bound.pop()
            return (Forall if t == "∀" else Exists)(tuple(names), body)
        return unary_paren_or_eq()

    def unary_paren_or_eq():
        t = peek()
        if t == "(":
            take()
            inner = formula(0)
            take(")")
            return inner
        if t == "True":
            take()
            return Top()
        if t == "False":
            take()
            return Bottom()
        if t in preds:
            take()
            return Atom(t, [term_atom() for _ in range(preds[t])])
        left = term_app()
        take("=")
        return Eq(left, term_app())

    f = formula(0)
    assert pos[0] == len(toks), (toks[pos[0]:], text)
    return f


def _flatten(f):
    """And/Or flattened (associativity), for comparing with the right-nested reading."""
    from nsp.logic.walk import transform

    def step(n, cs):
        if n.kind in ("and", "or"):
            flat = []
            for c in cs:
                flat.extend(c.children if c.kind == n.kind else [c])
            return type(n)(*flat)
        return n.rebuild(cs) if cs else n

    return transform(f, step)


# FOLIO's awkward names and Lean's troublesome ones (sampled: the shared regex pools are slow)
READBACK_POOLS = type(POOLS["folio"])(
    predicates=st.sampled_from(["Dog", "Risk-averse", "P", "Likes", "theorem", "fun", "2021", "Sci.fi", "True",
                                "U", "Nat", "h1", "x", "λ", "IO", "end", "at"]),
    functions=st.sampled_from(["f", "father-of", "g2", "lambda", "U", "default"]),
    constants=st.sampled_from(["a", "mr.smith", "c++", "a+", "2021", "gpt-3", "theorem", "fun", "U", "nsp_goal",
                               "x_1", "Type"]),
    variables=st.sampled_from(["x", "y", "z", "x1", "y-2", "U", "fun", "h1", "c_plus_plus"]),
)


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(formulas(READBACK_POOLS, max_depth=4), min_size=1, max_size=3))
def test_export_reads_back_as_the_same_formula(fs):
    fs, _ = normalise_formulas(fs)
    lsig = lean_signature(fs)
    for f in fs:
        text = lsig.render(f)
        back = lean_read(text, lsig)
        assert alpha_equal(_flatten(back), _flatten(desugar_xor(lsig.to_lean_ir(f)))), text


# ---------------------------------------------------------------- property: total, lexically valid

_WEIRD = st.lists(st.sampled_from(list("aZ_09-.+'!?«»#\"/\\ \n") + ["λ", "Π", "α", "é", "日", "₁", "ℕ", "--", "/-", "-/"]),
                  min_size=1, max_size=5).map("".join)
WEIRD_POOLS = type(POOLS["tptp"])(
    predicates=_WEIRD | st.sampled_from(["theorem", "fun", "IO", "True", "U", "sorry", "Nat", "h1", "end"]),
    functions=_WEIRD | st.sampled_from(["f", "λ", "unsafeIO", "System"]),
    constants=_WEIRD | st.sampled_from(["2021", "c++", "mr.smith", "nsp_goal", "default", "x"]),
    variables=_WEIRD | st.sampled_from(["x", "y", "U", "h1", "fun", "λ"]),
)


@settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(formulas(WEIRD_POOLS, max_depth=4), min_size=1, max_size=4), st.booleans())
def test_every_formula_exports_to_clean_lean(fs, negate):
    # symbols may clash in arity across formulas and names may be anything: export is total
    e = export_formulas(fs[:-1], fs[-1], negate=negate)
    assert_lean_clean(e.text)
    assert export_formulas(fs[:-1], fs[-1], negate=negate).text == e.text  # deterministic
    # every symbol of the (normalised) problem is declared exactly once
    decls = re.findall(r"^axiom (\S+) :", e.text, re.M)
    assert len(decls) == len(set(decls))
    assert set(e.symbols.values()) <= set(decls)


# ---------------------------------------------------------------- proofs from provenance


def _dogs_graph():
    g = new_graph()
    p1 = add_fact(g, P("∀x (Dog(x) → Animal(x))"), "premise", label="p1")
    p2 = add_fact(g, P("∀x (Animal(x) → ¬Plant(x))"), "premise", label="p2")
    p3 = add_fact(g, P("Dog(rex)"), "premise", label="p3")
    s1 = add_fact(g, P("Animal(rex)"), "derived", rule="modus_ponens", checked_by="z3")
    add_derivation(g, [p1, p3], s1, "modus_ponens")
    t = add_fact(g, P("¬Plant(rex)"), "theorem", rule="entailment", checked_by="z3")
    add_derivation(g, [p2, s1], t, "entailment")
    g.graph["goal"] = t
    return g


def test_proof_has_one_have_per_step_in_order():
    g = _dogs_graph()
    before = (sorted(g.nodes(data=True)), sorted(g.edges(data=True)))
    proof = proof_to_lean(g, g.graph["goal"])
    assert (sorted(g.nodes(data=True)), sorted(g.edges(data=True))) == before  # graph untouched
    assert proof.complete and proof.sorry_steps == ()
    assert [s.name for s in proof.steps] == ["s1", "s2"]
    assert [s.tactic for s in proof.steps] == ["exact h1 rex h3", "exact h2 rex s1"]
    body = proof.export.proof
    assert body.index("have s1 : Animal rex") < body.index("have s2 : ¬(Plant rex)") < body.index("exact s2")
    assert [h for _, h in proof.hypotheses] == ["h1", "h2", "h3"]


def test_entailment_steps_without_step_proof_are_sorry_checked_by_z3():
    g = _dogs_graph()
    proof = proof_to_lean(g, g.graph["goal"], reprove_entailment=False)
    assert proof.sorry_steps == (g.graph["goal"],)
    step = proof.steps[-1]
    assert step.sorry and step.reason == "checked by z3" and step.tactic == "sorry"
    assert "-- s2: rule entailment (z3), from h2, s1; sorry: checked by z3\n  have s2 : ¬(Plant rex) := by sorry" in proof.text
    assert proof.export.has_sorry


def test_underivable_and_unjustified_steps_are_sorry_with_reasons():
    g = new_graph()
    a = add_fact(g, P("A"), "premise", label="p1")
    b = add_fact(g, P("B"), "derived", rule="guess")  # wrong: A does not give B
    add_derivation(g, [a], b, "guess")
    c = add_fact(g, P("C ∨ ¬C"), "derived", rule="lemma")  # no parents, but provable outright
    d = add_fact(g, P("D"), "derived", rule="lemma")  # no parents, not provable
    t = add_fact(g, P("B ∧ (C ∨ ¬C) ∧ D"), "theorem", rule="and_intro")
    add_derivation(g, [b, c, d], t, "and_intro")
    proof = proof_to_lean(g, t)
    reasons = {s.node: (s.sorry, s.reason) for s in proof.steps}
    assert reasons[b] == (True, "no step proof found")
    assert reasons[c][0] is False
    assert reasons[d] == (True, "no recorded derivation")
    assert reasons[t] == (False, "")
    assert set(proof.sorry_steps) == {b, d}


def test_cyclic_graph_is_rejected():
    g = new_graph()
    a = add_fact(g, P("A"), "derived", rule="r")
    b = add_fact(g, P("B"), "derived", rule="r")
    add_derivation(g, [a], b, "r")
    add_derivation(g, [b], a, "r")
    with pytest.raises(ValueError, match="cycle"):
        proof_to_lean(g, b)


@pytest.mark.parametrize("premises, goal, term", [
    (["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "Animal(rex)", "h1 rex h2"),
    (["∀x (Dog(x) → Animal(x))", "¬Animal(rex)"], "¬Dog(rex)", "fun h => h2 (h1 rex h)"),
    (["A ∧ B ∧ C"], "C ∧ A", "⟨h1.2.2, h1.1⟩"),
    (["∀x (P(x) ↔ Q(x))", "Q(a)"], "P(a)", "(h1 a).mpr h2"),
    (["a = b", "R(a, c)"], "R(b, c)", "Eq.subst (motive := fun z => R z c) h1 h2"),
    (["∀x ∀y (R(x, y) → R(y, x))", "R(a, b)"], "R(b, a)", "h1 a b h2"),
    (["Likes(ann, bob)"], "∃x ∃y Likes(x, y)", "⟨ann, bob, h1⟩"),
    (["∀x (P(x) ∧ Q(x) → S(x))", "P(a)", "Q(a)"], "S(a)", "h1 a ⟨h2, h3⟩"),
    (["A ∨ B", "¬A"], "B", "Or.elim h1 (fun h => False.elim (h2 h)) (fun h => h)"),
    (["¬¬A"], "A", "Classical.byContradiction (fun h => h1 h)"),
])
def test_step_prover_terms(premises, goal, term):
    prem = [(f"h{i + 1}", P(p)) for i, p in enumerate(premises)]
    assert prove_step(prem, P(goal)) == term


@pytest.mark.parametrize("premises, goal", [
    (["A"], "B"), (["A ∨ B"], "A"), (["∃x P(x)"], "P(a)"), (["∀x ∃y R(x, y)"], "∃y ∀x R(x, y)"),
    (["a = b"], "P(a)"), (["A → B", "B"], "A"),
])
def test_step_prover_rejects_non_consequences(premises, goal):
    assert prove_step([(f"h{i + 1}", P(p)) for i, p in enumerate(premises)], P(goal), budget=800) is None


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(signature_formulas(max_depth=2), min_size=1, max_size=3), signature_formulas(max_depth=2))
def test_step_prover_is_sound(premises, goal):
    """Whenever the search claims a proof term, Z3 confirms the entailment."""
    term = prove_step([(f"h{i + 1}", f) for i, f in enumerate(premises)], goal, budget=300)
    if term is not None:
        v = decide(premises, goal, timeout=10, explain=False)
        assert v.outcome in (Outcome.TRUE, Outcome.INCONSISTENT), (term, v)


def test_decided_examples_get_lean_proofs():
    """Every decided problem of the shared table gets a Lean proof file; most need no sorry."""
    from provers.explain import explanation_graph
    from tests.examples import PROBLEMS

    total = complete = 0
    for ex in PROBLEMS:
        if ex.outcome not in ("True", "False", "Inconsistent"):
            continue
        prob = problem_from_texts(ex.premises, ex.conclusion, syntax="folio", strict=True)
        g = explanation_graph(prob, decide(prob.premises, prob.conclusion))
        goal = g.graph["target"]  # the explanation graph names the fact it concludes
        proof = proof_to_lean(g, goal, budget=1500)
        assert_lean_clean(proof.text)
        assert proof.text.count("have s") == len(proof.steps)
        total += 1
        complete += proof.complete
    assert total >= 25
    assert complete >= 0.8 * total, f"{complete}/{total}"


# ---------------------------------------------------------------- CLI


def test_cli_export(tmp_path):
    src = tmp_path / "p.txt"
    src.write_text("∀x (Risk-averse(x) → ¬Gamble(x))\nRisk-averse(mr.smith)\n---\nGamble(mr.smith)\n")
    out = tmp_path / "p.lean"
    r = CliRunner().invoke(main, ["lean", "export", str(src), "-o", str(out), "--negate"])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "¬(Gamble mr_smith) := by\n  sorry" in text and '"mr.smith" ↦ mr_smith' in text
    r = CliRunner().invoke(main, ["lean", "export", str(src)])
    assert r.exit_code == 0 and r.output.endswith("end NSP\n") and "    Gamble mr_smith := by" in r.output


@pytest.mark.parametrize("content, fragment", [
    ("Dog(\n---\nA\n", "p.txt:1:5"),
    ("P(a)\n", "no conclusion"),
    ("P(a)\n---\n", "no conclusion after '---'"),
])
def test_cli_export_bad_input(tmp_path, content, fragment):
    src = tmp_path / "p.txt"
    src.write_text(content)
    r = CliRunner().invoke(main, ["lean", "export", str(src)])
    assert r.exit_code == 2
    err = r.stderr if hasattr(r, "stderr") else r.output
    lines = [l for l in err.splitlines() if l.strip()]
    assert lines and lines[0].startswith("nsp: error:") and fragment in lines[0]
    assert "Traceback" not in err


def test_cli_export_output_goes_through_the_shared_output_checks(tmp_path):
    src = tmp_path / "p.txt"
    original = "Dog(rex)\n---\nDog(rex)\n"
    src.write_text(original)
    refused = {str(src): "is this job's input", "/dev/null": "is a character device",
               str(tmp_path / "no" / "p.lean"): f"the folder {tmp_path / 'no'} does not exist"}
    for target, says in refused.items():
        r = CliRunner().invoke(main, ["lean", "export", str(src), "-o", target])
        assert r.exit_code == 2 and r.stderr.startswith(f"nsp: error: {target}") and says in r.stderr, r.stderr
        assert len(r.stderr.splitlines()) == 1
    assert src.read_text() == original
    out = tmp_path / "p.lean"
    out.write_text("old")
    r = CliRunner().invoke(main, ["lean", "export", str(src), "-o", str(out)])
    assert r.exit_code == 0 and out.read_text().endswith("end NSP\n")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["p.lean", "p.txt"]  # renamed into place: no temp file left


def test_cli_export_missing_file(tmp_path):
    r = CliRunner().invoke(main, ["lean", "export", str(tmp_path / "nope.txt")])
    assert r.exit_code == 2 and "No such file" in r.output
