"""The shared table of example problems and formulas (pySMT's ``examples.py`` style).

``PROBLEMS`` drives the parser, printer and solver tests: each row is premises and a conclusion in
FOLIO syntax (all well-formed: strict reading accepts them), the outcome Z3 must reach, and, where
only one minimal set of premises yields it, those premises (0-based). Expected outcomes were
worked out by hand from the meaning of the formulas; the comments say why.

``FORMULAS`` lists single formulas with the exact text every writer must produce, for the cases
where spelling matters: precedence and parenthesisation, quantifier scope, ⊕ and ⊤/⊥ in syntaxes
without them, names each syntax must quote, escape or replace.

Rows marked "FOLIO (CC BY-SA 4.0)" copy premises verbatim from FOLIO v0.0 train
(Yale-LILY/FOLIO, licensed CC BY-SA 4.0); the conclusions there are ours.
"""

from __future__ import annotations

from dataclasses import dataclass

TRUE, FALSE, UNCERTAIN, INCONSISTENT = "True", "False", "Uncertain", "Inconsistent"


@dataclass(frozen=True)
class Example:
    id: str
    premises: tuple[str, ...]
    conclusion: str
    outcome: str
    used: tuple[int, ...] | None = None  # the unique minimal premise set, when there is one

    def __str__(self) -> str:
        return self.id


def _ex(id, premises, conclusion, outcome, used=None) -> Example:
    return Example(id, tuple(premises), conclusion, outcome, None if used is None else tuple(used))


PROBLEMS: tuple[Example, ...] = (
    # --- quantifiers
    _ex("syllogism", ["∀x (Man(x) → Mortal(x))", "Man(socrates)", "Greek(socrates)"],
        "Mortal(socrates)", TRUE, [0, 1]),
    # ∀x P(x) → Q(x) is ∀x (P(x) → Q(x)): the body extends as far right as possible.
    _ex("wide-scope", ["∀x Dog(x) → Animal(x)", "Dog(rex)"], "Animal(rex)", TRUE, [0, 1]),
    _ex("nested-forall-exists", ["∀x ∃y Loves(x, y)", "∀x ∀y (Loves(x, y) → Happy(x))"],
        "∀x Happy(x)", TRUE, [0, 1]),
    _ex("multi-variable", ["∀x ∀y (Sibling(x, y) → Sibling(y, x))", "Sibling(ann, bob)"],
        "Sibling(bob, ann)", TRUE, [0, 1]),
    # ∀∃ does not give ∃∀: a two-element model where each is its own parent refutes it.
    _ex("no-quantifier-swap", ["∀x ∃y Parent(y, x)"], "∃y ∀x Parent(y, x)", UNCERTAIN),
    # the inner ∃x shadows the outer x
    _ex("shadowing", ["∀x (P(x) → ∃x Q(x))", "P(a)"], "∃y Q(y)", TRUE, [0, 1]),
    _ex("exists-intro", ["Likes(ann, bob)"], "∃x ∃y Likes(x, y)", TRUE, [0]),
    _ex("exists-not-instance", ["∃x Dog(x)"], "Dog(rex)", UNCERTAIN),
    _ex("quantified-contradiction", ["∀x P(x)", "Q(b)", "∃x ¬P(x)"], "Q(a)", INCONSISTENT, [0, 2]),
    _ex("skolem-witness", ["∀x (Book(x) → ∃y (Author(y) ∧ Wrote(y, x)))", "Book(dune)"],
        "∃y Wrote(y, dune)", TRUE, [0, 1]),
    # --- connectives and precedence
    _ex("xor-resolves", ["Tea(ann) ⊕ Coffee(ann)", "Tea(ann)"], "Coffee(ann)", FALSE, [0, 1]),
    _ex("iff", ["∀x (Even(x) ↔ ¬Odd(x))", "Odd(seven)"], "Even(seven)", FALSE, [0, 1]),
    # → is right-associative: Rain → (Wet → Slippery) says nothing once ¬Rain.
    # Read left-associatively it would force Slippery.
    _ex("imp-right-assoc", ["Rain → Wet → Slippery", "¬Rain"], "Slippery", UNCERTAIN),
    # ∧ binds tighter than ∨: P ∨ (Q ∧ R) with ¬R gives P. Read as (P ∨ Q) ∧ R it is inconsistent.
    _ex("and-over-or", ["P(a) ∨ Q(a) ∧ R(a)", "¬R(a)"], "P(a)", TRUE, [0, 1]),
    # ∨ binds tighter than ⊕: Tea ⊕ (Milk ∨ Sugar) with Tea refutes Sugar.
    _ex("or-over-xor", ["Tea ⊕ Milk ∨ Sugar", "Tea"], "Sugar", FALSE, [0, 1]),
    # ⊕ binds tighter than →: (Tea ⊕ Milk) → Happy.
    _ex("xor-over-imp", ["Tea ⊕ Milk → Happy", "Tea", "¬Milk"], "Happy", TRUE, [0, 1, 2]),
    # ¬ binds tightest: (¬P) ∧ Q gives Q.
    _ex("negation-scope", ["¬P(a) ∧ Q(a)"], "Q(a)", TRUE, [0]),
    _ex("xor-chain", ["Rain ⊕ Snow", "¬Rain"], "Snow", TRUE, [0, 1]),
    # --- equality and function terms
    _ex("equality-substitution", ["morningStar = eveningStar", "Planet(morningStar)"],
        "Planet(eveningStar)", TRUE, [0, 1]),
    _ex("neq-two-elements", ["a ≠ b", "∀x (x = a ∨ x = b)"], "¬∃x (x ≠ a ∧ x ≠ b)", TRUE, [1]),
    _ex("neq-distinct", ["a ≠ b", "P(a)"], "∃x ∃y x ≠ y", TRUE, [0]),
    _ex("function-chain", ["∀x (Person(x) → Person(mother(x)))", "Person(ann)"],
        "Person(mother(mother(ann)))", TRUE, [0, 1]),
    # f is an involution, so f(f(f(a))) = f(a)
    _ex("function-equality", ["∀x f(f(x)) = x", "P(f(a))"], "P(f(f(f(a))))", TRUE, [0, 1]),
    _ex("function-neq", ["∀x f(x) ≠ x", "a = f(b)"], "a ≠ b", TRUE, [0, 1]),
    # --- ⊤ and ⊥
    _ex("top-premise-bottom-conclusion", ["⊤"], "⊥", FALSE, []),
    _ex("bottom-premise", ["P(a)", "⊥"], "Q(a)", INCONSISTENT, [1]),
    _ex("top-conclusion", ["P(a)"], "⊤", TRUE, []),
    # --- awkward names
    _ex("hyphen-and-dot-names", ["∀x (Risk-averse(x) → ¬Gamble(x))", "Risk-averse(mr.smith)"],
        "Gamble(mr.smith)", FALSE, [0, 1]),
    _ex("plus-names", ["∀x (Language(x) → Tool(x))", "Language(c++)", "Grade(a+)"],
        "Tool(c++)", TRUE, [0, 1]),
    _ex("digits-first-names", ["Year(2021)", "∀x (Year(x) → ¬Person(x))", "Person(gpt-3)"],
        "Person(2021)", FALSE, [0, 1]),
    # names that are keywords in Lean (theorem, fun, end), SMT-LIB (assert, forall, true) or TPTP
    _ex("keyword-names", ["∀x (theorem(x) → fun(x))", "theorem(assert)", "end(forall) ∧ true(fof)"],
        "fun(assert)", TRUE, [0, 1]),
    _ex("keyword-names-uncertain", ["∀x (def(x) ∨ let(x))", "def(true)"], "let(true)", UNCERTAIN),
    # --- FOLIO-style stories
    _ex("folio-406-caffeine", [  # FOLIO (CC BY-SA 4.0), story 406
        "∀x (Drinks(x) → Dependent(x))",
        "∀x (Drinks(x) ⊕ Jokes(x))",
        "∀x (Jokes(x) → ¬Unaware(x))",
        "(Student(rina) ∧ Unaware(rina)) ⊕ ¬(Student(rina) ∨ Unaware(rina))",
        "¬(Dependent(rina) ∧ Student(rina)) → (Dependent(rina) ∧ Student(rina)) ⊕ ¬(Dependent(rina) ∨ Student(rina))",
    ], "Jokes(rina) ⊕ Unaware(rina)", TRUE, [0, 1, 2, 3, 4]),
    # Premises 4 and 5 say Student ↔ Unaware and Dependent ↔ Student for rina; jokes or not,
    # the conclusion holds, so it is not refuted either way: "¬Jokes(rina)" is Uncertain.
    _ex("folio-406-uncertain", [  # FOLIO (CC BY-SA 4.0), story 406
        "∀x (Drinks(x) → Dependent(x))",
        "∀x (Drinks(x) ⊕ Jokes(x))",
        "∀x (Jokes(x) → ¬Unaware(x))",
        "(Student(rina) ∧ Unaware(rina)) ⊕ ¬(Student(rina) ∨ Unaware(rina))",
        "¬(Dependent(rina) ∧ Student(rina)) → (Dependent(rina) ∧ Student(rina)) ⊕ ¬(Dependent(rina) ∨ Student(rina))",
    ], "¬Jokes(rina)", UNCERTAIN),
    # Larger(x, y) ↔ ¬Larger(y, x) at x = y is a contradiction on its own.
    _ex("folio-7-inconsistent", [  # FOLIO (CC BY-SA 4.0), story 7
        "RealNum(six) ∧ RealNum(seven) ∧ RealNum(eight)",
        "∀x ∀y (RealNum(x) ∧ RealNum(y) ∧ EqualAddOne(x, y) → Larger(x, y))",
        "∀x ∀y (Larger(x, y) ↔ ¬Larger(y, x))",
        "EqualAddOne(seven, six)",
        "EqualAddOne(eight, seven)",
    ], "Larger(eight, seven)", INCONSISTENT, [2]),
    _ex("folio-321-risk-averse", [  # FOLIO (CC BY-SA 4.0), story 321
        "∀x (WorkAtCorporateJobs(x) → ¬StartingANewCompany(x))",
        " ∀x (Entrepreneurs(x) → StartingANewCompany(x))",
        " ∀x (Risk-averse(x) → WorkAtCorporateJobs(x))",
        " ∀x (HateWorkingForOthers(x) → Entrepreneurs(x))",
        " ¬Entrepreneurs(markZuckerberg) ∨ ¬HateWorkingForOthers(markZuckerberg) → ¬Risk-averse(markZuckerberg)",
    ], "Entrepreneurs(markZuckerberg)", UNCERTAIN),
    # Risk-averse(m) gives corporate job, so not starting a company, so not an entrepreneur.
    _ex("folio-321-derived", [  # FOLIO (CC BY-SA 4.0), story 321 (first three premises)
        "∀x (WorkAtCorporateJobs(x) → ¬StartingANewCompany(x))",
        " ∀x (Entrepreneurs(x) → StartingANewCompany(x))",
        " ∀x (Risk-averse(x) → WorkAtCorporateJobs(x))",
    ], "∀x (Risk-averse(x) → ¬Entrepreneurs(x))", TRUE, [0, 1, 2]),
    # our own story in FOLIO style
    _ex("story-library", [
        "∀x (Novel(x) → Book(x))",
        "∀x (Book(x) ∧ Borrowed(x) → ¬OnShelf(x))",
        "Novel(dune) ∧ Borrowed(dune)",
        "∀x (OnShelf(x) ∨ Lost(x) ∨ Borrowed(x))",
        "∃x (Book(x) ∧ Lost(x))",
    ], "OnShelf(dune)", FALSE, [0, 1, 2]),
    _ex("story-library-lost", [
        "∀x (Novel(x) → Book(x))",
        "∀x (Book(x) ∧ Borrowed(x) → ¬OnShelf(x))",
        "Novel(dune) ∧ Borrowed(dune)",
        "∀x (OnShelf(x) ∨ Lost(x) ∨ Borrowed(x))",
        "∃x (Book(x) ∧ Lost(x))",
    ], "Lost(dune)", UNCERTAIN),
)


@dataclass(frozen=True)
class Spelling:
    """A formula (FOLIO text, read strictly) and its exact text in each written syntax (in NLTK a
    constant such as ``a`` is written ``a_``: NLTK reads ``a`` as a variable)."""

    id: str
    folio_in: str
    folio: str
    nltk: str
    tptp: str
    smtlib: str
    lean: str

    def __str__(self) -> str:
        return self.id

    def expected(self, syntax: str) -> str:
        return getattr(self, syntax)


FORMULAS: tuple[Spelling, ...] = (
    Spelling("forall-implication", "∀x (Dog(x) → Animal(x))",
             "∀x (Dog(x) → Animal(x))",
             "all x.(Dog(x) -> Animal(x))",
             "! [X] : ('Dog'(X) => 'Animal'(X))",
             "(forall ((x U)) (=> (Dog x) (Animal x)))",
             "∀ x : U, Dog x → Animal x"),
    Spelling("wide-scope", "∀x P(x) → Q(x)",
             "∀x (P(x) → Q(x))",
             "all x.(P(x) -> Q(x))",
             "! [X] : ('P'(X) => 'Q'(X))",
             "(forall ((x U)) (=> (P x) (Q x)))",
             "∀ x : U, P x → Q x"),
    # ⊕: NLTK and Lean have no xor and write ¬(A ↔ B)
    Spelling("xor", "Tea(ann) ⊕ Coffee(ann)",
             "Tea(ann) ⊕ Coffee(ann)",
             "-(Tea(ann) <-> Coffee(ann))",
             "'Tea'(ann) <~> 'Coffee'(ann)",
             "(xor (Tea ann) (Coffee ann))",
             "¬(Tea ann ↔ Coffee ann)"),
    Spelling("and-over-or", "P(a) ∨ Q(a) ∧ R(a)",
             "P(a) ∨ (Q(a) ∧ R(a))",
             "P(a_) | (Q(a_) & R(a_))",
             "'P'(a) | ('Q'(a) & 'R'(a))",
             "(or (P a) (and (Q a) (R a)))",
             "P a ∨ (Q a ∧ R a)"),
    Spelling("or-over-xor", "Rain ⊕ Snow ∨ Hail",
             "Rain ⊕ (Snow ∨ Hail)",
             "-(Rain <-> (Snow | Hail))",
             "'Rain' <~> ('Snow' | 'Hail')",
             "(xor Rain (or Snow Hail))",
             "¬(Rain ↔ (Snow ∨ Hail))"),
    Spelling("imp-right-assoc", "A → B → C",
             "A → (B → C)", "A -> (B -> C)", "'A' => ('B' => 'C')", "(=> A (=> B C))", "A → (B → C)"),
    Spelling("iff-left-assoc", "A ↔ B ↔ C",
             "(A ↔ B) ↔ C", "(A <-> B) <-> C", "('A' <=> 'B') <=> 'C'", "(= (= A B) C)", "(A ↔ B) ↔ C"),
    Spelling("negated-quantifier", "¬∀x P(x)",
             "¬(∀x P(x))", "-(all x.P(x))", "~ (! [X] : 'P'(X))", "(not (forall ((x U)) (P x)))",
             "¬(∀ x : U, P x)"),
    Spelling("quantifier-operand", "(∀x P(x)) ∧ Q(a)",
             "(∀x P(x)) ∧ Q(a)", "(all x.P(x)) & Q(a_)", "(! [X] : 'P'(X)) & 'Q'(a)",
             "(and (forall ((x U)) (P x)) (Q a))", "(∀ x : U, P x) ∧ Q a"),
    Spelling("negation-binds-tightest", "¬P(a) ∧ Q(a)",
             "¬P(a) ∧ Q(a)", "-P(a_) & Q(a_)", "~ 'P'(a) & 'Q'(a)", "(and (not (P a)) (Q a))",
             "¬(P a) ∧ Q a"),
    Spelling("neq", "a ≠ b",
             "¬(a = b)", "-(a_ = b_)", "~ (a = b)", "(not (= a b))", "¬(a = b)"),
    Spelling("top-bottom", "⊤ → ⊥",
             "⊤ → ⊥", "(all x.x = x) -> -(all x.x = x)", "$true => $false", "(=> true false)",
             "True → False"),
    Spelling("nested-quantifiers", "∀x ∃y Loves(x, y)",
             "∀x ∃y Loves(x, y)", "all x.exists y.Loves(x,y)", "! [X] : ? [Y] : 'Loves'(X,Y)",
             "(forall ((x U)) (exists ((y U)) (Loves x y)))", "∀ x : U, ∃ y : U, Loves x y"),
    Spelling("multi-variable", "∀x ∀y (R(x, y) → R(y, x))",
             "∀x ∀y (R(x, y) → R(y, x))", "all x y.(R(x,y) -> R(y,x))",
             "! [X, Y] : ('R'(X,Y) => 'R'(Y,X))",
             "(forall ((x U) (y U)) (=> (R x y) (R y x)))", "∀ x y : U, R x y → R y x"),
    Spelling("function-terms", "∀x f(f(x)) = x",
             "∀x f(f(x)) = x", "all x.f(f(x)) = x", "! [X] : f(f(X)) = X",
             "(forall ((x U)) (= (f (f x)) x))", "∀ x : U, f (f x) = x"),
    Spelling("nested-application", "Person(mother(ann))",
             "Person(mother(ann))", "Person(mother(ann))", "'Person'(mother(ann))",
             "(Person (mother ann))", "Person (mother ann)"),
    Spelling("hyphen-dot-names", "Risk-averse(mr.smith)",
             "Risk-averse(mr.smith)", "Risk_averse(mr_smith)", "'Risk-averse'('mr.smith')",
             "(Risk-averse mr.smith)", "«Risk-averse» «mr.smith»"),
    Spelling("plus-names", "c++(a+) ∧ Sci.fi(gpt-3)",
             "c++(a+) ∧ Sci.fi(gpt-3)", "c_(a_) & Sci_fi(gpt_3)", "'c++'('a+') & 'Sci.fi'('gpt-3')",
             "(and (c++ a+) (Sci.fi gpt-3))", "«c++» «a+» ∧ «Sci.fi» «gpt-3»"),
    # theorem/fun/end are Lean keywords, assert/forall/true SMT-LIB ones, fof starts TPTP input
    Spelling("keyword-names", "theorem(fun) ∧ assert(2021)",
             "theorem(fun) ∧ assert(2021)", "theorem(fun) & assert(2021)", "theorem(fun) & assert('2021')",
             "(and (theorem fun) (|'assert| |2021|))", "«theorem» «fun» ∧ assert «2021»"),
    Spelling("more-keyword-names", "fof(forall) ∨ end(true)",
             "fof(forall) ∨ end(true)", "fof(forall_) | end(true)", "'fof'(forall) | end(true)",
             "(or (fof |'forall|) (end |'true|))", "fof «forall» ∨ «end» true"),
)


@dataclass(frozen=True)
class NltkReading:
    """NLTK text as ``nltk.sem.logic`` reads it (and LINC's Prover9 after it), the same meaning
    written by nsp's FOLIO writer, and the kinds of lenient repair it takes."""

    id: str
    nltk: str
    folio: str
    repairs: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.id


# Formulas written by GPT-3.5 for FOLIO problems, as LINC recorded them (benlipkin/linc, outputs/,
# MIT; the FOLIO sentences behind them are CC BY-SA 4.0), copied verbatim from
# ../shared/data/linc/gpt35-folio-replay.jsonl. NLTK's reading of each was checked with nltk 3.10.
NLTK_READINGS: tuple[NltkReading, ...] = (
    # a quantifier binds like negation: its body is the group right after it
    NltkReading("quantifier-binds-like-negation", "all x. (Twins(x) | Triplets(x)) -> SpendTimeWithSiblings(x)",
                "∀x ((∀x (Twins(x) ∨ Triplets(x))) → SpendTimeWithSiblings(x))"),
    NltkReading("exists-binds-like-negation",
                "(exists y. (Child(John, y)) -> (-HoneymoonInParis(John) & -HaveWedding(John)))",
                "(∃y Child(John, y)) → (¬HoneymoonInParis(John) ∧ ¬HaveWedding(John))"),
    # a free x is a variable (one lower-case letter, digits), closed with ∀ as Prover9 does
    NltkReading("free-variable-closed",
                "(FemaleTennisPlayer(x) & At(x, RolandGarros2022)) | (MaleTennisPlayer(x) & At(x, RolandGarros2022))",
                "∀x ((FemaleTennisPlayer(x) ∧ At(x, RolandGarros2022)) ∨ (MaleTennisPlayer(x) ∧ At(x, RolandGarros2022)))"),
    NltkReading("free-variable-in-conclusion", "Feud(Imperium, x) -> -Includes(x, IvyNile)",
                "∀x (Feud(Imperium, x) → ¬Includes(x, IvyNile))"),
    # every binary connective is left-associative in NLTK: (A -> B) -> C
    NltkReading("implication-left-assoc",
                "LargestEndowment(Yale) & all x. (University(x) & Endowment(y) -> EndowmentValue(Yale, y) -> "
                "EndowmentValue(x, y))",
                "∀y (LargestEndowment(Yale) ∧ (∀x (((University(x) ∧ Endowment(y)) → EndowmentValue(Yale, y)) → "
                "EndowmentValue(x, y))))"),
    NltkReading("neq-without-spaces", "all x. all y. (Departure(x) & Arrival(y) & x!=y)",
                "∀x ∀y (Departure(x) ∧ Arrival(y) ∧ ¬(x = y))"),
    NltkReading("not-keyword", "-not exists x. (In(x, DiamondMine) & IvyNile(x)) -> -Feud(Imperium, x)",
                "∀x (¬¬(∃x (In(x, DiamondMine) ∧ IvyNile(x))) → ¬Feud(Imperium, x))"),
    # NLTK's names: anything between its operators ('s, $, a decimal point)
    NltkReading("apostrophe-in-name", "In(Joe'sVehicleRegistrationPlate, Istanbul)",
                "In(Joe_sVehicleRegistrationPlate, Istanbul)"),
    NltkReading("dollar-in-name", "Equal(Rent(OliveGarden), 2000$)", "Equal(Rent(OliveGarden), 2000_)"),
    NltkReading("decimal-in-name", "EndowmentValue(Yale, 42.3Billion)", "EndowmentValue(Yale, 42.3Billion)"),
    # NLTK rejects these; LINC's preprocessing turns '-' inside arguments into '_' before NLTK reads them
    NltkReading("hyphen-in-argument",
                "all x. (University(Beijing, x) -> Rank(x, Best, Asia-Pacific) & Rank(x, Best, World))",
                "∀x (University(Beijing, x) → (Rank(x, Best, Asia_Pacific) ∧ Rank(x, Best, World)))", ("dash",)),
    NltkReading("negated-constant-argument", "MostMedals(Winner, Tokyo) & -MostMedals(Winner, -Tokyo)",
                "MostMedals(Winner, Tokyo) ∧ ¬MostMedals(Winner, _Tokyo)", ("dash",)),
)
