"""Reading and writing: the example table, round trips in every syntax, SMT-LIB through Z3's own
parser, Lean identifiers by Lean's lexical rules, and strict-mode errors that point."""

from __future__ import annotations

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examples import FORMULAS, PROBLEMS
from nsp.logic.analysis import all_names
from nsp.logic.canon import alpha_equal
from nsp.logic.ir import And, App, Atom, Const, Eq, Exists, Forall, Iff, Implies, Not, Or, Var, Xor
from nsp.logic.problem import problem_from_texts
from nsp.logic.syntax import FormulaSyntaxError, SYNTAXES_READ, SYNTAXES_WRITTEN, detect_syntax, parse, write
from nsp.logic.syntax.nltk import desugar_for_nltk
from nsp.logic.syntax.smtlib import smt_symbol, smtlib_script
from nsp.logic.walk import postorder, preorder
from provers.z3_bridge import decide
from strategies import POOLS, Pools, formulas, signature_formulas

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def _same(syntax: str, original, read_back) -> bool:
    """What a round trip through ``syntax`` must give back (names valid in ``syntax``)."""
    if syntax == "folio":
        return read_back == original
    if syntax == "nltk":  # constants of NLTK's variable form (a, x1) are renamed
        return renamed_injectively(desugar_for_nltk(original), read_back)
    return alpha_equal(read_back, original)


def renamed_injectively(a, b) -> bool:
    """``b`` is ``a`` with names replaced by a one-to-one map (NLTK spells c++ as c_)."""
    fwd, back = {}, {}
    for x, y in zip(preorder(a), preorder(b), strict=True):
        if x.kind != y.kind or len(x.children) != len(y.children):
            return False
        xs = x.payload if isinstance(x.payload, tuple) else (x.payload,)
        ys = y.payload if isinstance(y.payload, tuple) else (y.payload,)
        if len(xs) != len(ys):
            return False
        for m, n in zip(xs, ys):
            if fwd.setdefault(m, n) != n or back.setdefault(n, m) != m:
                return False
    return True


def _same_or_renamed(syntax: str, original, read_back) -> bool:
    if syntax == "nltk":
        return renamed_injectively(desugar_for_nltk(original), read_back)
    return _same(syntax, original, read_back)


# ---------------------------------------------------------------- the example table


@pytest.mark.parametrize("ex", PROBLEMS, ids=str)
def test_table_texts_are_strict_folio(ex):
    for text in (*ex.premises, ex.conclusion):
        parsed = parse(text, "folio", strict=True)
        assert parsed.repairs == ()
        assert detect_syntax(text) == "folio"
        assert parse(text).formula == parsed.formula  # auto, lenient: the same formula


@pytest.mark.parametrize("ex", PROBLEMS, ids=str)
@pytest.mark.parametrize("syntax", SYNTAXES_READ)
def test_table_round_trips(ex, syntax):
    for text in (*ex.premises, ex.conclusion):
        f = parse(text, "folio", strict=True).formula
        written = write(f, syntax)
        assert _same_or_renamed(syntax, f, parse(written, syntax, strict=True).formula), written
        assert _same_or_renamed(syntax, f, parse(written, "auto").formula), written


@pytest.mark.parametrize("ex", PROBLEMS, ids=str)
@pytest.mark.parametrize("syntax", SYNTAXES_READ)
def test_table_outcome_survives_every_syntax(ex, syntax):
    """Writing each formula in a syntax and reading it back decides the same way."""
    p = problem_from_texts(ex.premises, ex.conclusion, "folio", strict=True)
    premises = [parse(write(f, syntax), syntax, strict=True).formula for f in p.premises]
    conclusion = parse(write(p.conclusion, syntax), syntax, strict=True).formula
    v = decide(premises, conclusion, timeout=30)
    assert v.outcome.value == ex.outcome
    if ex.used is not None:
        assert v.used == ex.used


@pytest.mark.parametrize("spelling", FORMULAS, ids=str)
@pytest.mark.parametrize("syntax", SYNTAXES_WRITTEN)
def test_formula_spellings(spelling, syntax):
    f = parse(spelling.folio_in, "folio", strict=True).formula
    assert write(f, syntax) == spelling.expected(syntax)
    if syntax in SYNTAXES_READ:
        assert _same_or_renamed(syntax, f, parse(spelling.expected(syntax), syntax, strict=True).formula)


def test_nltk_xor_is_negated_iff():
    f = parse("P(a) ⊕ Q(a)", "folio", strict=True).formula
    assert write(f, "nltk") == "-(P(a_) <-> Q(a_))"
    assert renamed_injectively(Not(Iff(f.left, f.right)), parse(write(f, "nltk"), "nltk", strict=True).formula)
    assert parse("P(ann) <~> Q(ann)", "nltk", strict=True).formula == parse("P(ann) ⊕ Q(ann)").formula  # an extension


def test_writers_keep_variables_and_constants_apart():
    # ∀x P(x) next to the constant x: FOLIO, NLTK and Lean share one namespace for both.
    f = And(Forall("x", Atom("P", [Var("x")])), Atom("Q", [Const("x")]))
    assert write(f, "folio") == "(∀x1 P(x1)) ∧ Q(x)"
    assert write(f, "nltk") == "(all x1.P(x1)) & Q(x_)"  # NLTK would read a constant x as a variable
    assert write(f, "tptp") == "(! [X] : 'P'(X)) & 'Q'(x)"
    assert write(f, "lean") == "(∀ x1 : U, P x1) ∧ Q x"
    for syntax in SYNTAXES_READ:
        back = parse(write(f, syntax), syntax, strict=True).formula
        if syntax == "nltk":  # the bound x is x1 as in FOLIO, the constant x is x_
            assert renamed_injectively(parse(write(f, "folio"), "folio", strict=True).formula, back)
        else:
            assert alpha_equal(back, f)


def test_write_rejects_unknown_syntax():
    with pytest.raises(ValueError, match="cannot write syntax 'prolog'; choose one of folio, nltk"):
        write(Atom("P"), "prolog")
    with pytest.raises(ValueError, match="cannot read syntax 'prolog'"):
        parse("P", "prolog")


def test_tptp_annotated_formula():
    p = parse("fof(ax1, axiom, ! [X] : ('Dog'(X) => animal(X))).", "auto")
    assert (p.syntax, p.name, p.role) == ("tptp", "ax1", "axiom")
    assert p.formula == Forall("X", Implies(Atom("Dog", [Var("X")]), Atom("animal", [Var("X")])))
    # fof and tff are ordinary names inside a formula; the writer quotes them so they cannot
    # be read as the start of an annotated formula
    f = And(Atom("fof", [Const("a")]), Atom("tff"))
    assert write(f, "tptp") == "'fof'(a) & 'tff'"
    assert parse(write(f, "tptp"), "auto").formula == f


# ---------------------------------------------------------------- round trips (hypothesis)


@settings(max_examples=300, **SETTINGS)
@given(formulas(POOLS["folio"]))
def test_folio_round_trip_exact(f):
    text = write(f, "folio")
    assert parse(text, "folio", strict=True).formula == f
    lenient = parse(text, "folio")
    assert lenient.formula == f and lenient.repairs == ()


@settings(max_examples=200, **SETTINGS)
@given(formulas(POOLS["tptp"]))
def test_tptp_round_trip_up_to_bound_renaming(f):
    text = write(f, "tptp")
    g = parse(text, "tptp", strict=True).formula
    assert alpha_equal(g, f), text
    assert all_names(g) - all_names(f) <= {n for n in all_names(g) if n[:1].isupper()}  # only variables renamed
    lenient = parse(text, "tptp")
    assert lenient.formula == g and lenient.repairs == ()


@settings(max_examples=200, **SETTINGS)
@given(formulas(POOLS["nltk"]))
def test_nltk_round_trip_modulo_desugaring(f):
    text = write(f, "nltk")
    assert _same("nltk", f, parse(text, "nltk", strict=True).formula), text
    lenient = parse(text, "nltk")
    assert _same("nltk", f, lenient.formula) and lenient.repairs == ()


@settings(max_examples=150, **SETTINGS)
@given(formulas(POOLS["auto"]), st.sampled_from(SYNTAXES_READ))
def test_auto_detection_reads_every_writers_output(f, syntax):
    text = write(f, syntax)
    parsed = parse(text, "auto")
    assert parsed.repairs == ()
    assert _same(syntax, f, parsed.formula), (text, parsed.syntax)
    # when the text says which syntax it is, auto detection names it
    if any(c in text for c in "∀∃¬∧∨→↔⊕"):
        assert parsed.syntax == "folio"
    if any(s in text for s in ("! [", "? [", "=>", "<~>", "$true", "'")):
        assert parsed.syntax == "tptp"
    if any(s in text for s in ("all ", "exists ", "->", " & ", " | ")) and "'" not in text:
        assert parsed.syntax in ("nltk", "tptp")


@settings(max_examples=100, **SETTINGS)
@given(formulas(POOLS["folio"], max_depth=3))
def test_folio_through_tptp_and_back(f):
    """FOLIO names survive TPTP quoting; only bound variables change (to upper-case words)."""
    g = parse(write(f, "tptp"), "tptp", strict=True).formula
    assert alpha_equal(g, f)
    assert parse(write(g, "folio"), "folio", strict=True).formula == g


def test_quantifier_grouping_round_trips():
    # ∀x ∀y ∀x P(x): a repeated name splits the prefix; every reading must group it alike.
    p = Atom("P", [Var("x")])
    built = Forall(("x", "y"), Forall("x", p))
    assert built == Forall("x", Forall(("y", "x"), p))
    for syntax in SYNTAXES_READ:
        assert _same(syntax, built, parse(write(built, syntax), syntax, strict=True).formula)


# ---------------------------------------------------------------- SMT-LIB through Z3's parser


def _z3_script_result(script: str) -> z3.CheckSatResult:
    s = z3.Solver()
    s.set("timeout", 20_000)
    s.from_string(script)
    return s.check()


@pytest.mark.parametrize("ex", PROBLEMS, ids=str)
def test_smtlib_script_is_read_by_z3_and_decides(ex):
    p = problem_from_texts(ex.premises, ex.conclusion, "folio", strict=True)
    script = smtlib_script(p.premises, p.conclusion)
    result = _z3_script_result(script)
    assert result in (z3.sat, z3.unsat)
    assert (result == z3.unsat) == (ex.outcome in ("True", "Inconsistent"))
    # premises alone: unsat exactly when Inconsistent
    assert (_z3_script_result(smtlib_script(p.premises)) == z3.unsat) == (ex.outcome == "Inconsistent")


@settings(max_examples=60, **SETTINGS)
@given(st.lists(signature_formulas(), min_size=1, max_size=3), signature_formulas())
def test_smtlib_agrees_with_the_z3_bridge(premises, conclusion):
    result = _z3_script_result(smtlib_script(premises, conclusion))
    verdict = decide(premises, conclusion, timeout=20, explain=False)
    assert (result == z3.unsat) == (verdict.outcome.value in ("True", "Inconsistent"))


# Names Z3 reserves or defines, names that need |quoting|, and names quoting cannot hold.
_SMT_NAMES = st.sampled_from(
    ["assert", "check-sat", "forall", "exists", "let", "_", "!", "as", "par", "lambda", "true", "false",
     "not", "and", "or", "xor", "=>", "=", "distinct", "ite", "iff", "<", "<=", ">", ">=", "+", "-",
     "set.union", "re.all", "seq.unit", "linear-order", "root-obj", "U", "Bool", "Int", "premise1",
     "2021", "a b", "c++", "mr.smith", "|x|", "a\\b", "'", "'and", "''and", "é", "∀x", "x", "y"]
) | st.text(st.sampled_from(list("ab|\\' é∀X1")), min_size=1, max_size=5)


@settings(max_examples=80, **SETTINGS)
@given(st.data())
def test_smtlib_symbols_survive_z3(data):
    names = data.draw(st.lists(_SMT_NAMES, min_size=3, max_size=3, unique=True))
    pred, fn, const = names
    var = data.draw(_SMT_NAMES)
    # pred(fn(const)) and ∀var pred(var) ⊢ pred(const)... built to be a theorem and a non-theorem
    body = Atom(pred, [Var(var)])
    premises = [Forall(var, Implies(body, Atom(pred, [App(fn, [Var(var)])]))), Atom(pred, [Const(const)])]
    entailed = Atom(pred, [App(fn, [Const(const)])])
    assert _z3_script_result(smtlib_script(premises, entailed)) == z3.unsat
    not_entailed = Atom(pred, [App(fn, [App(fn, [App(fn, [Const(const)])])])])
    assert _z3_script_result(smtlib_script(premises[1:], not_entailed)) == z3.sat


@settings(max_examples=200, **SETTINGS)
@given(st.lists(_SMT_NAMES, min_size=2, max_size=2, unique=True))
def test_smt_symbol_is_injective(pair):
    a, b = pair
    assert smt_symbol(a) != smt_symbol(b)


# ---------------------------------------------------------------- Lean identifiers

# Lean 4's identifier characters (Lean.isIdFirst / isIdRest, Init/Meta), written out here
# independently of the writer. Letter-like: Greek except λ Π Σ, Coptic, polytonic Greek, the
# Letterlike block, mathematical alphanumerics (the set every Lean 4 version accepts).


def _letter_like(c: str) -> bool:
    v = ord(c)
    return ((0x3B1 <= v <= 0x3C9 and v != 0x3BB) or (0x391 <= v <= 0x3A9 and v not in (0x3A0, 0x3A3))
            or 0x3CA <= v <= 0x3FB or 0x1F00 <= v <= 0x1FFE or 0x2100 <= v <= 0x214F
            or 0x1D49C <= v <= 0x1D59F)


def _id_first(c: str) -> bool:
    return c.isascii() and (c.isalpha() or c == "_") or _letter_like(c)


def _id_rest(c: str) -> bool:
    v = ord(c)
    return (_id_first(c) or (c.isascii() and c.isdigit()) or c in "'!?"
            or 0x2080 <= v <= 0x2089 or 0x2090 <= v <= 0x209C or 0x1D62 <= v <= 0x1D6A)


# Identifier-like tokens of Lean 4 core (commands, term syntax, do-notation), and the hole `_`.
LEAN_TOKENS = frozenset(
    """_ at by calc class def deriving do else end example export extends fun have if import in
    inductive instance let local macro match mutual namespace noncomputable notation open partial
    private protected return section show structure suffices syntax then theorem universe unsafe
    variable where with Prop Sort Type from mut for unless try catch finally break continue
    nomatch nofun opaque abbrev axiom forall exists this sorry attribute scoped infix infixl infixr
    prefix postfix set_option termination_by decreasing_by omit include""".split()
)
_LEAN_PUNCT = set("∀∃¬∧∨→↔=(),:")


def lean_identifiers(text: str) -> list[str]:
    """Every identifier in the Lean writer's output; raises AssertionError on an invalid one."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c.isspace() or c in _LEAN_PUNCT:
            i += 1
            continue
        if c == "«":
            j = text.find("»", i + 1)
            assert j > i + 1, f"unterminated or empty «» at {i} in {text!r}"
            inner = text[i + 1 : j]
            assert "«" not in inner and "\n" not in inner, text
            out.append(inner)
            i = j + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in _LEAN_PUNCT:
                j += 1
            word = text[i:j]
            assert _id_first(word[0]) and all(_id_rest(ch) for ch in word[1:]), f"{word!r} in {text!r}"
            assert word not in LEAN_TOKENS, f"keyword {word!r} unescaped in {text!r}"
            out.append(word)
            i = j
        assert i == len(text) or text[i].isspace() or text[i] in _LEAN_PUNCT, f"identifier runs on at {i}: {text!r}"
    return out


_LEAN_NAMES = st.sampled_from(
    sorted(LEAN_TOKENS) + ["True", "False", "U", "2021", "x'", "x!", "α", "λ", "Π", "Σ", "ℕ", "x₁", "a.b",
                           "a b", "c++", "naïve", "«a»", "a»b", "Risk-averse", "mr.smith", "P", "x"]
) | st.text(st.sampled_from(list("ab_'1 .«»λα-")), min_size=1, max_size=5)


@pytest.mark.parametrize("ex", PROBLEMS, ids=str)
def test_lean_identifiers_of_table_problems(ex):
    for text in (*ex.premises, ex.conclusion):
        f = parse(text, "folio", strict=True).formula
        idents = set(lean_identifiers(write(f, "lean")))
        assert idents >= _symbols(f)


@settings(max_examples=200, **SETTINGS)
@given(formulas(Pools(_LEAN_NAMES, _LEAN_NAMES, _LEAN_NAMES, _LEAN_NAMES), max_depth=3))
def test_lean_identifiers_are_lexically_valid(f):
    idents = set(lean_identifiers(write(f, "lean")))
    assert _symbols(f) <= idents


def _symbols(f) -> set[str]:
    """Predicate, function and constant names as the Lean writer must spell them: itself (bound
    variables may be renamed apart), so declarations elsewhere can use the same spelling."""
    return {n.payload.replace("«", "_").replace("»", "_").replace("\n", " ")
            for n in postorder(f) if n.kind in ("const", "app", "atom")}


# ---------------------------------------------------------------- strict errors that point


def _error(text: str, syntax: str = "folio") -> FormulaSyntaxError:
    with pytest.raises(FormulaSyntaxError) as info:
        parse(text, syntax, strict=True)
    return info.value


def _caret_char(err: FormulaSyntaxError) -> str:
    """The character of the shown source line that the caret stands under."""
    shown, caret = err.pointer().split("\n")
    return shown[caret.index("^")] if caret.index("^") < len(shown) else ""


STRICT_ERRORS = [
    # text, syntax, line, column, message, expected, character under the caret
    ("∀x (P(x) → Q(x)))", "folio", 1, 17, "unexpected ')'", "end of formula", ")"),
    ("P(a) ∧", "folio", 1, 7, "unexpected end of formula", "a formula", ""),
    ("P(a) ∧\n  Q(b", "folio", 2, 6, "unexpected end of formula", "')' or ','", ""),
    ("Likes(captain america)", "folio", 1, 15, "unexpected 'america'", "'(' or ')' or ','", "a"),
    ("P(a) Q(b)", "folio", 1, 6, "unexpected 'Q'",
     "'=' or '→' or '↔' or '∧' or '∨' or '≠' or '⊕' or end of formula", "Q"),
    ("∀ (P(x))", "folio", 1, 3, "unexpected '('", "a name", "("),
    ("∀xDog(x)", "folio", 1, 2, "quantified variable 'xDog' runs into '('",
     "a space between the variable and the formula, as in '∀x Dog(...)'", "x"),
    ("all x (P(x))", "nltk", 1, 7, "unexpected '('", "'.' or a name", "("),
    ("! [x] : p(x)", "tptp", 1, 4, "unexpected 'x'", "a variable", "x"),
    ("fof(a, axiom, p(a))", "tptp", 1, 20, "unexpected end of formula", "'.'", ""),
    ("", "folio", 1, 1, "empty formula", "a formula", ""),
]


@pytest.mark.parametrize("text,syntax,line,column,message,expected,under", STRICT_ERRORS)
def test_strict_errors_point(text, syntax, line, column, message, expected, under):
    err = _error(text, syntax)
    assert (err.line, err.column, err.message, err.expected) == (line, column, message, expected)
    assert str(err) == f"line {line}, column {column}: {message}; expected {expected}"
    assert _caret_char(err) == under
    src_line = text.splitlines()[line - 1] if text else ""
    assert err.pointer().split("\n")[0] == "  " + src_line


def test_pointer_by_hand():
    err = _error("∀x (P(x) → Q(x)))")
    assert err.pointer() == "  ∀x (P(x) → Q(x)))\n                  ^"
    err = _error("P(a) & Q(a)")
    assert err.message == "unexpected character '&'"
    assert err.pointer() == "  P(a) & Q(a)\n       ^"


def test_pointer_clips_long_lines_around_the_column():
    text = "P(a) ∧ " + " ∧ ".join(f"Q{i}(a)" for i in range(30)) + " ∧ )"
    err = _error(text)
    assert err.column == len(text) and err.message == "unexpected ')'"
    shown, caret = err.pointer().split("\n")
    assert shown.startswith("  …") and shown.endswith(")")
    assert _caret_char(err) == ")"
    assert len(shown) < 2 + 1 + 60 + 1 + 60 + 1


def test_strict_rejects_unbound_tptp_variables():
    err = _error("p(X)", "tptp")
    assert err.message == "unbound variable(s) X" and err.expected == "a closed formula"
    lenient = parse("p(X)", "tptp")
    assert lenient.formula == Forall("X", Atom("p", [Var("X")]))
    assert [r.kind for r in lenient.repairs] == ["free-variable"]


def test_unbound_folio_names_are_constants():
    # In FOLIO and NLTK text a name no quantifier binds is a constant, in strict mode too ...
    assert parse("∀x P(y)", "folio", strict=True).formula == Forall("x", Atom("P", [Const("y")]))
    assert parse("P(x)", "folio", strict=True).formula == Atom("P", [Const("x")])
    assert parse("P(rex, x_1, Xy)", "nltk", strict=True).formula == Atom("P", [Const("rex"), Const("x_1"), Const("Xy")])
    # ... except NLTK's variable form (one lower-case letter, digits), closed with ∀ as Prover9 does
    p = parse("P(x) & Q(y1, rex)", "nltk", strict=True)
    assert p.formula == Forall(("x", "y1"), And(Atom("P", [Var("x")]), Atom("Q", [Var("y1"), Const("rex")])))
    assert p.closed == ("x", "y1") and p.repairs == ()


def test_strict_accepts_what_no_repair_touches():
    # ∀x∀y without spaces and P(a)∧Q(a) are well-formed FOLIO; so is ∀x(P(x)) glued to '('.
    assert parse("∀x∀y (R(x, y) → R(y, x))", "folio", strict=True).formula == Forall(
        ("x", "y"), Implies(Atom("R", [Var("x"), Var("y")]), Atom("R", [Var("y"), Var("x")])))
    assert parse("P(a)∧Q(a)", "folio", strict=True).formula == And(Atom("P", [Const("a")]), Atom("Q", [Const("a")]))
    assert parse("∀x(P(x))", "folio", strict=True).formula == Forall("x", Atom("P", [Var("x")]))
    assert parse("a ≠ b", "folio", strict=True).formula == Not(Eq(Const("a"), Const("b")))
    assert parse("∃x (P(x) ⊕ Q(x) ∨ R)", "folio", strict=True).formula == Exists(
        "x", Xor(Atom("P", [Var("x")]), Or(Atom("Q", [Var("x")]), Atom("R"))))


def test_smtlib_bound_variable_cannot_capture_a_symbol():
    # TPTP keeps the variable X and the constant 'X' apart; SMT-LIB has one namespace, so the
    # writer must rename the variable or ∀X p(X, 'X') would become ∀X p(X, X).
    f = parse("! [X] : p(X, 'X')", "tptp", strict=True).formula
    assert f == Forall("X", Atom("p", [Var("X"), Const("X")]))
    reflexive = parse("! [Y] : p(Y, Y)", "tptp", strict=True).formula
    assert _z3_script_result(smtlib_script([f], reflexive)) == z3.sat
    assert _z3_script_result(smtlib_script([f], Atom("p", [Const("X"), Const("X")]))) == z3.unsat
    # a bound variable named like the predicate it sits under
    g = Forall("P", Implies(Atom("P", [Var("P")]), Atom("Q", [Var("P")])))
    assert _z3_script_result(smtlib_script([g, Atom("P", [Const("a")])], Atom("Q", [Const("a")]))) == z3.unsat
