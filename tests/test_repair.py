"""Lenient reading: every repair listed in nsp/logic/syntax/repair.py, on the quirks annotators and
LLMs produce. Each case pins the exact formula, the reported repairs (column, kind, message), and
the error strict reading gives instead (line 1, column, message, caret)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examples import PROBLEMS
from nsp.logic.ir import Atom, Const, Forall, Var
from nsp.logic.problem import ProblemError, problem_from_texts
from nsp.logic.syntax import FormulaSyntaxError, parse, write
from nsp.logic.syntax.repair import repair


def F(text: str):
    """A well-formed FOLIO formula (the expected result of a repair)."""
    return parse(text, "folio", strict=True).formula


# syntax, quirky text, the formula it means, repairs as (column, kind, message),
# strict error as (column, message)
CASES = [
    # 1. trailing '.' or ';'
    ("folio", "∀x (Dog(x) → Animal(x)).", "∀x (Dog(x) → Animal(x))",
     [(24, "trailing", "dropped trailing '.'")], (24, "unexpected character '.'")),
    ("folio", "∀x (Dog(x) → Animal(x)) .", "∀x (Dog(x) → Animal(x))",
     [(25, "trailing", "dropped trailing '.'")], (25, "unexpected character '.'")),
    ("folio", "P(a);", "P(a)", [(5, "trailing", "dropped trailing ';'")], (5, "unexpected character ';'")),
    ("nltk", "-P(ann) & Q(ann).", "¬P(ann) ∧ Q(ann)", [(17, "trailing", "dropped trailing '.'")], (17, "unexpected '.'")),
    # 2. quoted constants
    ("folio", 'Likes("captain america", bob)', "Likes(captainAmerica, bob)",
     [(7, "quoted", 'read quoted constant "captain america" as captainAmerica')],
     (7, "unexpected character '\"'")),
    ("folio", "Teaches('mr smith', logic)", "Teaches(mrSmith, logic)",
     [(9, "quoted", "read quoted constant 'mr smith' as mrSmith")], (9, "unexpected character \"'\"")),
    ("folio", 'Released("2021 film")', "Released(c2021Film)",
     [(10, "quoted", 'read quoted constant "2021 film" as c2021Film')], (10, "unexpected character '\"'")),
    # 3. connectives of another syntax (ASCII in unicode text, unicode in ASCII text)
    ("folio", "∀x (Dog(x) -> Animal(x) & ~Cat(x))", "∀x (Dog(x) → Animal(x) ∧ ¬Cat(x))",
     [(12, "connective", "read '->' as '→'"), (25, "connective", "read '&' as '∧'"),
      (27, "connective", "read '~' as '¬'")], (12, "unexpected character '-'")),
    ("folio", "P(a) ^ Q(a)", "P(a) ∧ Q(a)", [(6, "connective", "read '^' as '∧'")],
     (6, "unexpected character '^'")),
    ("folio", "a != b", "a ≠ b", [(3, "connective", "read '!=' as '≠'")], (3, "unexpected character '!'")),
    ("folio", "P(a) <=> Q(a)", "P(a) ↔ Q(a)", [(6, "connective", "read '<=>' as '↔'")],
     (6, "unexpected character '<'")),
    ("folio", "P(a) | Q(a)", "P(a) ∨ Q(a)", [(6, "connective", "read '|' as '∨'")],
     (6, "unexpected character '|'")),
    ("folio", "P(a) => Q(a)", "P(a) → Q(a)", [(6, "connective", "read '=>' as '→'")],
     (7, "unexpected character '>'")),
    ("folio", "!P(a)", "¬P(a)", [(1, "connective", "read '!' as '¬'")], (1, "unexpected character '!'")),
    ("folio", "P(a) <~> Q(a)", "P(a) ⊕ Q(a)", [(6, "connective", "read '<~>' as '⊕'")],
     (6, "unexpected character '<'")),
    ("nltk", "all x.(Dog(x) → Animal(x) ∧ ¬Cat(x))", "∀x (Dog(x) → Animal(x) ∧ ¬Cat(x))",
     [(15, "connective", "read '→' as '->'"), (27, "connective", "read '∧' as '&'"),
      (29, "connective", "read '¬' as '-'")], (15, "unexpected character '→'")),
    ("nltk", "ann ≠ bob", "ann ≠ bob", [(5, "connective", "read '≠' as '!='")], (5, "unexpected character '≠'")),
    ("nltk", "∀x.(P(x))", "∀x P(x)", [(1, "connective", "read '∀' as 'all'")], (1, "unexpected character '∀'")),
    # 4. unbalanced parentheses, both ways
    ("folio", "¬WorkAtPool(mary))", "¬WorkAtPool(mary)",
     [(18, "parenthesis", "dropped a ')' that closes nothing")], (18, "unexpected ')'")),
    ("folio", "∀x (Road(x) → (Concrete(x) ∨ Asphalt(x))", "∀x (Road(x) → (Concrete(x) ∨ Asphalt(x)))",
     [(41, "parenthesis", "added 1 missing ')' at the end")], (41, "unexpected end of formula")),
    ("folio", "((P(a) ∧ (Q(a) ∨ R(a)", "P(a) ∧ (Q(a) ∨ R(a))",
     [(22, "parenthesis", "added 3 missing ')' at the end")], (22, "unexpected end of formula")),
    ("tptp", "![X]: (p(X) => q(X)))", "∀X (p(X) → q(X))",
     [(21, "parenthesis", "dropped a ')' that closes nothing")], (21, "unexpected ')'")),
    ("nltk", "all x.(P(x) -> Q(x)))", "∀x (P(x) → Q(x))",
     [(21, "parenthesis", "dropped a ')' that closes nothing")], (21, "unexpected ')'")),
    # 5. connectives written as functions
    ("folio", "Exists(x, Dog(x) ∧ Barks(x))", "∃x (Dog(x) ∧ Barks(x))",
     [(1, "function-connective", "read Exists(...) as a connective")], (18, "unexpected '∧'")),
    ("folio", "ForAll(x, Dog(x) → Animal(x))", "∀x (Dog(x) → Animal(x))",
     [(1, "function-connective", "read ForAll(...) as a connective")], (18, "unexpected '→'")),
    ("folio", "Not(Dog(rex))", "¬Dog(rex)",
     [(1, "function-connective", "read Not(...) as a connective")],
     (1, "connective written as a function: 'Not(...)'")),
    ("folio", "And(Dog(rex), Cat(tom), Bird(tweety))", "Dog(rex) ∧ Cat(tom) ∧ Bird(tweety)",
     [(1, "function-connective", "read And(...) as a connective")],
     (1, "connective written as a function: 'And(...)'")),
    ("folio", "ForAll(x, Implies(Dog(x), Not(Cat(x))))", "∀x (Dog(x) → ¬Cat(x))",
     [(27, "function-connective", "read Not(...) as a connective"),
      (11, "function-connective", "read Implies(...) as a connective"),
      (1, "function-connective", "read ForAll(...) as a connective")],
     (1, "connective written as a function: 'ForAll(...)'")),
    ("folio", "Exists([x, y], Likes(x, y))", "∃x ∃y Likes(x, y)",
     [(1, "function-connective", "read Exists(...) as a connective")], (8, "unexpected character '['")),
    ("folio", "Tall(ann) ∧ Or(Dog(rex), Xor(Cat(tom), Iff(P(a), Q(a))))",
     "Tall(ann) ∧ (Dog(rex) ∨ (Cat(tom) ⊕ (P(a) ↔ Q(a))))",
     [(40, "function-connective", "read Iff(...) as a connective"),
      (26, "function-connective", "read Xor(...) as a connective"),
      (13, "function-connective", "read Or(...) as a connective")],
     (13, "connective written as a function: 'Or(...)'")),
    ("nltk", "exists(x, Dog(x) & Barks(x))", "∃x (Dog(x) ∧ Barks(x))",
     [(1, "function-connective", "read exists(...) as a connective")], (7, "unexpected '('")),
    ("nltk", "ForAll(x, Not(Dog(x)) -> Cat(x))", "∀x (¬Dog(x) → Cat(x))",
     [(11, "function-connective", "read Not(...) as a connective"),
      (1, "function-connective", "read ForAll(...) as a connective")], (23, "unexpected '->'")),
    # 6. quantifier prefixes
    ("folio", "∀x, y (Likes(x, y) → Knows(x, y))", "∀x ∀y (Likes(x, y) → Knows(x, y))",
     [(2, "quantifier", "expanded variable list x, y to one ∀ per variable")], (3, "unexpected ','")),
    ("folio", "∃x,y,z (R(x, y) ∧ R(y, z))", "∃x ∃y ∃z (R(x, y) ∧ R(y, z))",
     [(2, "quantifier", "expanded variable list x, y, z to one ∃ per variable")], (3, "unexpected ','")),
    ("folio", "∀x: Dog(x) → Animal(x)", "∀x (Dog(x) → Animal(x))",
     [(3, "quantifier", "dropped ':' after the quantified variable")], (3, "unexpected character ':'")),
    ("folio", "∀x. Dog(x) → Animal(x)", "∀x (Dog(x) → Animal(x))",
     [(3, "quantifier", "dropped '.' after the quantified variable")], (3, "unexpected character '.'")),
    ("folio", "∀xDog(x) → Animal(x)", "∀x (Dog(x) → Animal(x))",
     [(2, "spacing", "split 'xDog' into variable 'x' and 'Dog'")],
     (2, "quantified variable 'xDog' runs into '('")),
    ("folio", "∀xP(x)", "∀x P(x)", [(2, "spacing", "split 'xP' into variable 'x' and 'P'")],
     (2, "quantified variable 'xP' runs into '('")),
    ("nltk", "all x y (Likes(x,y) -> Knows(x,y))", "∀x ∀y (Likes(x, y) → Knows(x, y))",
     [(7, "quantifier", "added '.' after the quantified variables")], (9, "unexpected '('")),
    ("nltk", "all x, y.(Likes(x,y))", "∀x ∀y Likes(x, y)",
     [(6, "quantifier", "dropped ',' between quantified variables")], (6, "unexpected ','")),
    ("nltk", "all x: Dog(x)", "∀x Dog(x)", [(5, "quantifier", "added '.' after the quantified variables")],
     (6, "unexpected character ':'")),
    # 7. multi-word constants
    ("folio", "Superhero(captain america)", "Superhero(captainAmerica)",
     [(11, "multiword", "joined multi-word constant 'captain america' as captainAmerica")],
     (19, "unexpected 'america'")),
    ("folio", "∀x (Superhero(x) → ComeFrom(x, dc universe))", "∀x (Superhero(x) → ComeFrom(x, dcUniverse))",
     [(32, "multiword", "joined multi-word constant 'dc universe' as dcUniverse")],
     (35, "unexpected 'universe'")),
    ("folio", "Visited(new york city, mr.smith)", "Visited(newYorkCity, mr.smith)",
     [(9, "multiword", "joined multi-word constant 'new york city' as newYorkCity")], (13, "unexpected 'york'")),
    # 7b. multi-word predicates (model output), and dashes inside names
    ("folio", "Colleagues(niu) ∧ A colleague(niu)", "Colleagues(niu) ∧ AColleague(niu)",
     [(19, "multiword", "joined multi-word predicate 'A colleague' as AColleague")], (21, "unexpected 'colleague'")),
    ("folio", "∀x (Shy(x) → ¬TalkingTo strangers(x))", "∀x (Shy(x) → ¬TalkingToStrangers(x))",
     [(15, "multiword", "joined multi-word predicate 'TalkingTo strangers' as TalkingToStrangers")],
     (25, "unexpected 'strangers'")),
    ("folio", "Won(rhos, 2005–06)", "Won(rhos, 2005-06)",
     [(15, "dash", "read '2005–06' as one name 2005-06")], (15, "unexpected character '–'")),
    # 8. formulas side by side
    ("folio", "∃x (Country(x) Nearby(medeempire, x) ∧ Plots(medeempire, x))",
     "∃x (Country(x) ∧ Nearby(medeempire, x) ∧ Plots(medeempire, x))",
     [(16, "juxtaposition", "inserted '∧' before 'Nearby'")], (16, "unexpected 'Nearby'")),
    ("folio", "Dog(rex) ¬Cat(rex)", "Dog(rex) ∧ ¬Cat(rex)",
     [(10, "juxtaposition", "inserted '∧' before '¬'")], (10, "unexpected '¬'")),
    # 9. a comma for ∧
    ("folio", "Dog(rex), Cat(tom)", "Dog(rex) ∧ Cat(tom)", [(9, "comma", "read ',' as '∧'")],
     (9, "unexpected ','")),
    ("folio", "∀x (Dog(x), Barks(x) → Loud(x))", "∀x (Dog(x) ∧ Barks(x) → Loud(x))",
     [(11, "comma", "read ',' as '∧'")], (11, "unexpected ','")),
    # several at once, as an LLM writes them
    ("folio", "ForAll(x, Dog(x) -> Animal(x)), Dog(\"rex the dog\").",
     "(∀x (Dog(x) → Animal(x))) ∧ Dog(rexTheDog)",
     [(51, "trailing", "dropped trailing '.'"),
      (37, "quoted", 'read quoted constant "rex the dog" as rexTheDog'),
      (18, "connective", "read '->' as '→'"),
      (1, "function-connective", "read ForAll(...) as a connective"),
      (31, "comma", "read ',' as '∧'")], (18, "unexpected character '-'")),
    # free variables (TPTP upper-case names) are closed with ∀
    ("tptp", "p(X) => q(X)", "∀X (p(X) → q(X))", [(1, "free-variable", "closed unbound variable(s) X with ∀")],
     (1, "unbound variable(s) X")),
]


@pytest.mark.parametrize("syntax,text,meaning,repairs,strict_error", CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_lenient_repairs(syntax, text, meaning, repairs, strict_error):
    parsed = parse(text, syntax)
    assert parsed.formula == F(meaning)
    assert [(r.column, r.kind, r.message) for r in parsed.repairs] == repairs
    assert parsed.syntax == syntax
    for r in parsed.repairs:
        assert str(r) == f"column {r.column}: {r.message}"


@pytest.mark.parametrize("syntax,text,meaning,repairs,strict_error", CASES, ids=lambda v: v if isinstance(v, str) else None)
def test_strict_rejects_each_quirk_with_a_caret(syntax, text, meaning, repairs, strict_error):
    column, message = strict_error
    with pytest.raises(FormulaSyntaxError) as info:
        parse(text, syntax, strict=True)
    err = info.value
    assert (err.line, err.column, err.message) == (1, column, message)
    shown, caret = err.pointer().split("\n")
    assert shown == "  " + text and caret == " " * (column + 1) + "^"


def test_ascii_quantifier_words_in_folio_are_not_connectives():
    # FOLIO has no 'all' keyword: all(x) is a predicate; NLTK reads 'all x.' as a quantifier
    assert parse("all(x)", "folio", strict=True).formula == Atom("all", [Const("x")])
    assert parse("all x.P(x)", "nltk", strict=True).formula == Forall("x", Atom("P", [Var("x")]))


def test_well_formed_spacing_variants_need_no_repair():
    for text, meaning in [("∀x∀y (R(x, y) → R(y, x))", "∀x ∀y (R(x, y) → R(y, x))"),
                          ("P(a)∧Q(a)", "P(a) ∧ Q(a)"),
                          ("∀x(Dog(x)→Animal(x))", "∀x (Dog(x) → Animal(x))"),
                          ("  ¬ ¬ P(a)  ", "¬¬P(a)"),
                          ("a ≠ b", "¬(a = b)")]:
        parsed = parse(text, "folio")
        assert parsed.formula == F(meaning) and parsed.repairs == ()
        assert parse(text, "folio", strict=True).formula == parsed.formula


def test_predicates_named_like_connectives_over_constants_are_atoms():
    # And(a, b) with constant arguments is an ordinary atom in both modes; only formula-shaped
    # arguments make it a connective written as a function.
    for text in ("And(a, b)", "Not(a)", "Exists(x, y)"):
        assert parse(text, "folio").repairs == ()
        assert parse(text, "folio").formula == parse(text, "folio", strict=True).formula


def test_failed_repair_reports_the_error_in_the_users_text():
    # '&' is repaired to ∧, but '∧ ∧' still fails: the error points into the original text.
    with pytest.raises(FormulaSyntaxError) as info:
        parse("P(a) & & Q(a)", "folio")
    err = info.value
    assert (err.column, err.message) == (6, "unexpected character '&'")
    assert err.pointer() == "  P(a) & & Q(a)\n       ^"


def test_repair_text_is_in_the_target_syntax():
    fixed, repairs = repair("ForAll(x, Dog(x) -> Animal(x))", "nltk")
    assert parse(fixed, "nltk", strict=True).formula == F("∀x (Dog(x) → Animal(x))")
    assert [r.kind for r in repairs] == ["function-connective"]
    fixed, repairs = repair("∀x (Dog(x) -> Animal(x))", "folio")
    assert fixed == "∀x (Dog(x)  →  Animal(x))" and [r.kind for r in repairs] == ["connective"]


def test_problem_collects_repairs_with_where_they_were_made():
    p = problem_from_texts(["∀x (Dog(x) -> Animal(x))", "Dog(rex))"], "Animal(rex).", "folio")
    assert [(where, r.kind) for where, r in p.repairs] == [
        ("premise 1", "connective"), ("premise 2", "parenthesis"), ("the conclusion", "trailing")]
    with pytest.raises(ProblemError) as info:
        problem_from_texts(["∀x (Dog(x) -> Animal(x))"], "Animal(rex)", "folio", strict=True)
    assert str(info.value) == "premise 1, column 12: unexpected character '-'; expected ')' or ',' or '=' or " \
                              "'→' or '↔' or '∧' or '∨' or '≠' or ..."
    # strict reading refuses a connective written as a function (lenient reads it as ¬Dog(rex))
    with pytest.raises(ProblemError, match="connective written as a function"):
        problem_from_texts(["Dog(rex)", "Not(Dog(rex))"], None, "folio", strict=True)


# ---------------------------------------------------------------- strict and lenient agree

_TEXTS = sorted({t for ex in PROBLEMS for t in (*ex.premises, ex.conclusion)})
_INSERTS = list("(),.;:'\" ^&|~!-=<>∀∃¬∧∨→↔⊕xyPQ") + ["->", "!=", "Not(", "Exists(", "∀x", " captain america", "xP"]


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(_TEXTS))
    syntax = draw(st.sampled_from(["folio", "nltk"]))
    if syntax == "nltk":
        text = write(F(text), "nltk")
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:pos] + draw(st.sampled_from(_INSERTS)) + text[pos:]
        else:
            text = text[:pos] + text[pos + 1 :]
    return syntax, text


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_strict_acceptance_means_lenient_changes_nothing(case):
    """Whatever strict reading accepts, lenient reading reads the same way and repairs nothing;
    whatever lenient reading accepts has a repair to show for it, or strict accepts it too."""
    syntax, text = case
    try:
        strict = parse(text, syntax, strict=True)
    except FormulaSyntaxError:
        strict = None
    try:
        lenient = parse(text, syntax)
    except FormulaSyntaxError:
        assert strict is None
        return
    if strict is not None:
        assert lenient.formula == strict.formula and lenient.repairs == ()
    else:
        assert lenient.repairs != ()
