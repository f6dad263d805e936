"""Lark LALR(1) grammars of the three readable syntaxes, and the callbacks that build the IR.

Precedence, tightest first, in every syntax: ¬, (∧), (∨), (⊕), (→, right-associative),
(↔, left-associative). Quantifier scope differs by syntax, as each community reads it:

* FOLIO: a quantifier's body extends as far right as possible (``∀x P(x) → Q(x)`` is
  ``∀x (P(x) → Q(x))``), as FOLIO's annotators write it; the grammar is ambiguous there and
  LALR's shift preference picks the widest body.
* NLTK: as ``nltk.sem.logic`` reads it (and so LINC's Prover9 runs): a quantifier binds like
  negation, its body is one unary formula (``all x. P(x) -> Q(x)`` is ``(all x.P(x)) -> Q(x)``),
  and every binary connective is left-associative (``A -> B -> C`` is ``(A -> B) -> C``).
  Names are NLTK's tokens: letters, digits, ``_``, ``$``, and an inner apostrophe (``Joe'sPlate``);
  NLTK's other spellings of the connectives (``not``/``!``, ``and``/``^``, ``or``, ``implies``/``=>``,
  ``iff``/``<=>``, ``==``) are read too.
* TPTP: the body is a unit formula (``! [X] : p(X) => q(X)`` is ``(! [X] : p(X)) => q(X)``).

Parsing is table-driven with the IR built in callbacks during the parse (no parse tree and no
recursion), so a formula nested 10,000 deep reads in linear time.
Identifiers are resolved afterwards: in FOLIO/NLTK a name bound by an enclosing quantifier is a
variable, any other term name is a constant, except that in NLTK a free name of NLTK's variable
form (one lower-case letter, optional digits: ``x``, ``y1``) is a free variable, which reading
closes with ∀ as Prover9 does; in TPTP upper-case names are variables.
"""

from __future__ import annotations

import functools

from lark import Lark, Transformer, v_args

from nsp.logic.ir import (
    And, App, Atom, Bottom, Const, Eq, Exists, Forall, Iff, Implies, Not, Or, Top, Var, Xor,
)

# Identifiers FOLIO annotators use: letters (any script: Beyoncé, Pokémon), digits, _, with inner
# - or . (Risk-averse, mr.smith) and trailing + (c++, a+).
FOLIO_NAME = r"\w+(?:[-.]\w+)*\+*"
# NLTK's tokens split only at its operators and punctuation; these are the name characters its
# users write (LLM output: 2000$, People'sRepublicOfChina, 42.3billion).
NLTK_NAME = r"(?:[0-9]+\.(?=[0-9]))?[A-Za-z0-9_$]+(?:'[A-Za-z0-9_$]+)*"
# NLTK's individual variables (nltk.sem.logic.is_indvar, with its event variables e, e1, ...).
NLTK_VARIABLE = r"[a-z][0-9]*"

# The connectives' chain and the atoms, shared by FOLIO and NLTK; → associates right in FOLIO, left in NLTK.
_CHAIN = r"""
    ?formula: iff
    ?iff: imp
        | iff IFF imp            -> iff
    ?xor: or_
        | xor XOR or_            -> xor
    ?or_: and_
        | and_ (OR and_)+        -> or_
    ?and_: unary
        | unary (AND unary)+     -> and_
"""
IMP_RIGHT = r"""
    ?imp: xor
        | xor IMP imp            -> implies
"""
IMP_LEFT = r"""
    ?imp: xor
        | imp IMP xor            -> implies
"""
_ATOMS = r"""
    ?primary: "(" formula ")"
        | TOP                    -> top
        | BOTTOM                 -> bottom
        | app                    -> atom
        | app EQ app             -> eq
        | app NEQ app            -> neq
    app: NAME
        | NAME "(" app ("," app)* ")"
    %import common.WS
    %ignore WS
"""

FOLIO_GRAMMAR = _CHAIN + IMP_RIGHT + _ATOMS + rf"""
    start: formula
    ?unary: NOT unary                -> not_
        | QUANT NAME formula         -> quant
        | primary
    QUANT: "∀" | "∃"
    NOT: "¬"
    AND: "∧"
    OR: "∨"
    XOR: "⊕"
    IMP: "→"
    IFF: "↔"
    EQ: "="
    NEQ: "≠"
    TOP: "⊤"
    BOTTOM: "⊥"
    NAME: /{FOLIO_NAME}/
"""

NLTK_GRAMMAR = _CHAIN + IMP_LEFT + _ATOMS + rf"""
    start: formula
    ?unary: NOT unary                -> not_
        | QUANT NAME+ DOT unary      -> quant
        | primary
    QUANT.2: /(forall|all|exists|exist|some)(?![A-Za-z0-9_$'])/
    DOT: "."
    NOT.2: /-|!|not(?![A-Za-z0-9_$'])/
    AND.2: /&|\^|and(?![A-Za-z0-9_$'])/
    OR.2: /\||or(?![A-Za-z0-9_$'])/
    XOR: "<~>"
    IMP.2: /->|=>|implies(?![A-Za-z0-9_$'])/
    IFF.2: /<->|<=>|iff(?![A-Za-z0-9_$'])/
    EQ: /==?/
    NEQ: "!="
    TOP: "⊤"
    BOTTOM: "⊥"
    NAME: /{NLTK_NAME}/
"""

TPTP_GRAMMAR = r"""
    start: formula
        | FOF "(" NAME "," NAME "," formula ("," annotation)? ")" "."   -> annotated
    annotation: /[^()]+/ | annotation? "(" annotation? ")" annotation?
    FOF.2: /(fof|tff)(?=\s*\()/
    ?formula: iff
    ?iff: imp
        | iff IFF imp            -> iff
        | iff XOR imp            -> xor
        | iff NOR imp            -> nor
        | iff NAND imp           -> nand
    ?imp: or_
        | or_ IMP imp            -> implies
        | or_ REVIMP imp         -> revimp
    ?or_: and_
        | and_ (OR and_)+        -> or_
    ?and_: unary
        | unary (AND unary)+     -> and_
    ?unary: NOT unary            -> not_
        | QUANT "[" VARIABLE ("," VARIABLE)* "]" ":" unary   -> quant
        | primary
    ?primary: "(" formula ")"
        | TOP                    -> top
        | BOTTOM                 -> bottom
        | app                    -> atom
        | app EQ app             -> eq
        | app NEQ app            -> neq
    app: functor
        | functor "(" app ("," app)* ")"
        | VARIABLE               -> variable
    functor: NAME | QUOTED
    QUANT: "!" | "?"
    NOT: "~"
    AND: "&"
    OR: "|"
    IMP: "=>"
    REVIMP: "<="
    IFF: "<=>"
    XOR: "<~>"
    NOR: "~|"
    NAND: "~&"
    EQ: "="
    NEQ: "!="
    TOP: "$true"
    BOTTOM: "$false"
    VARIABLE: /[A-Z][A-Za-z0-9_]*/
    NAME: /[a-z0-9][A-Za-z0-9_]*/
    QUOTED: /'(?:[^'\\]|\\.)+'/
    COMMENT: /%[^\n]*/
    %ignore COMMENT
    %import common.WS
    %ignore WS
"""


class _Pre:
    """An application-shaped phrase, not yet known to be an atom or a term."""

    __slots__ = ("name", "args", "is_var")

    def __init__(self, name: str, args: tuple, is_var: bool = False):
        self.name, self.args, self.is_var = name, args, is_var

    def term(self):
        """The term, built bottom-up without recursion (a term nested 10,000 deep reads fine)."""
        done: dict[int, object] = {}
        stack = [(self, False)]
        while stack:
            pre, expanded = stack.pop()
            if pre.is_var:
                done[id(pre)] = Var(pre.name)
            elif not pre.args:
                done[id(pre)] = Const(pre.name)
            elif expanded:
                done[id(pre)] = App(pre.name, tuple(done[id(a)] for a in pre.args))
            else:
                stack.append((pre, True))
                stack.extend((a, False) for a in pre.args if id(a) not in done)
        return done[id(self)]

    def atom(self):
        return Atom(self.name, tuple(a.term() for a in self.args))


def _ops(items) -> list:
    """Operands of a flat chain, dropping the operator tokens between them."""
    return items[::2]


@v_args(inline=False)
class _Build(Transformer):
    """Parse callbacks shared by all syntaxes (IR nodes, with names left unresolved)."""

    def start(self, items):
        return items[0]

    def annotated(self, items):
        # fof(name, role, formula[, annotations]).
        return ("annotated", str(items[1]), str(items[2]), items[3])

    def annotation(self, items):
        return None

    def functor(self, items):
        tok = str(items[0])
        if tok.startswith("'"):
            tok = tok[1:-1].replace("\\'", "'").replace("\\\\", "\\")
        return tok

    def variable(self, items):
        return _Pre(str(items[0]), (), is_var=True)

    def app(self, items):
        return _Pre(str(items[0]), tuple(items[1:]))

    def atom(self, items):
        pre = items[0]
        if pre.is_var:
            raise ValueError(f"variable {pre.name} used as a formula")
        return pre.atom()

    def eq(self, items):
        return Eq(items[0].term(), items[2].term())

    def neq(self, items):
        return Not(Eq(items[0].term(), items[2].term()))

    def top(self, items):
        return Top()

    def bottom(self, items):
        return Bottom()

    def not_(self, items):
        return Not(items[1])

    def and_(self, items):
        return And(*_ops(items))

    def or_(self, items):
        return Or(*_ops(items))

    def xor(self, items):
        return Xor(items[0], items[2])

    def implies(self, items):
        return Implies(items[0], items[2])

    def revimp(self, items):
        return Implies(items[2], items[0])

    def iff(self, items):
        return Iff(items[0], items[2])

    def nor(self, items):
        return Not(Or(items[0], items[2]))

    def nand(self, items):
        return Not(And(items[0], items[2]))

    def quant(self, items):
        q = str(items[0])
        names = tuple(str(t) for t in items[1:-1] if t.type in ("NAME", "VARIABLE"))
        cls = Forall if q in ("∀", "!", "all", "forall") else Exists
        return cls(_unique(names), items[-1])


def _unique(names: tuple) -> tuple:
    out = []
    for n in names:
        if n not in out:
            out.append(n)
    return tuple(out)


GRAMMARS = {"folio": FOLIO_GRAMMAR, "nltk": NLTK_GRAMMAR, "tptp": TPTP_GRAMMAR}


@functools.cache
def parser(syntax: str) -> Lark:
    """The LALR parser for ``syntax``, built once per process (building takes ~50 ms)."""
    return Lark(
        GRAMMARS[syntax],
        parser="lalr",
        transformer=_Build(),
        propagate_positions=False,
        maybe_placeholders=False,
    )
