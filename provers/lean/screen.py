"""The allow-list screen for untrusted Lean 4 text: accept nsp's own small Lean language, reject
everything else with one line giving the position and the reason.

Why an allow-list. A block-list has to guess every way Lean can be made to run code (``#eval``,
``run_cmd``, ``elab``, macros, ``initialize``, ``@[command_elab]``, ``Lean.reduceBool``...) and
every way to hide a word from a scanner (``'«'`` … ``'»'``, strings, nested comments); the old
screen lost that race. This one states what nsp writes and accepts nothing more:

* **Lexical structure** (Lean's own rules): ``--`` line comments; ``/- -/`` block comments,
  nested, with ``/--`` and ``/-!`` doc comments, scanned by Lean's ``finishCommentBlock``
  algorithm; identifiers ``idFirst idRest*`` in dotted names. Lexed but always rejected: string
  literals, character literals (``'«'``), ``«escaped»`` identifiers, numbers outside ``.1``/``.2``,
  ``#commands`` other than ``#print``, ``@[attributes]``, any other character.
* **Commands**: ``import M`` (exact module names from ``allowed_imports``; header only),
  ``set_option autoImplicit false|true``, ``namespace NSP``/``end NSP``, ``axiom n : t``,
  ``noncomputable instance n : t := t``, ``theorem n (h : t)* : t := proof``,
  ``example (h : t)* : t := proof``, ``#print axioms n``.
* **Terms**: names, application, ``( )``, ``⟨ , ⟩``, ``∀``/``∃ x y : t, t``, ``fun x y => t``,
  ``¬``, ``∧ ∨ → ↔ = ≠``, ``Type``, ``Prop``, ``sorry``, ``rfl``, ``trivial``, projections
  ``.1 .2 .mp .mpr .symm .elim .left .right .trans``, a named argument ``(motive := t)``. A dotted
  name must be in :data:`QUALIFIED_NAMES`, start with ``NSP.``, or be a lower-case local with
  projections (``h1.mp``).
* **Tactics** (after ``by``, separated by newlines or ``;``): ``exact``, ``apply``, ``intro``,
  ``have n : t := by tactic | term``, ``show``, ``exists``, ``constructor``, ``assumption``,
  ``trivial``, ``rfl``, ``contradiction``, ``exfalso``, ``left``, ``right``, ``simp [only] [t,*]``,
  ``sorry``, ``admit``.
* **Identifiers**: no Lean keyword (:data:`LEAN_WORDS`, which also covers the keywords of this
  grammar), no leading ``_``, no ``!``/``?``, and, as a second line of defence, none with a
  component naming the IO world (``IO``, ``System``...) or containing ``unsafe``,
  ``native_decide``, ``ofReduce``... (:func:`identifier_violation`; the exporter renames such
  names, so what it writes always passes).

Hand-written over lark: a lark LALR(1) grammar (basic lexer: one tokenization whatever the parser
state) does lexing and parsing; a post-lexer checks each token (rejected lexical classes,
identifiers, ``import`` modules, ``set_option``/``namespace``/``#print`` arguments) so the first
offending token in text order is reported. Block comments nest, which no regular expression can
follow, so they are blanked first by a counter scanner that keeps every offset (positions stay
exact). Nothing recurses: the scanner and the LALR parser are loops over explicit stacks, and the
parse builds no tree (every rule's callback returns an empty tree), so nesting depth is bounded
only by :data:`MAX_CHARS`. LALR resolves the grammar's four shift/reduce conflicts (how far a
binder body or an application extends) by shifting; every reading is inside the language, so
acceptance does not depend on it.

Three languages share the grammar: ``"module"`` (a file or REPL command), ``"tactics"`` (what
``run_tac`` sends) and ``"term"`` (a theorem name). ``screen(text)`` accepts text in any of them
(each is harmless as a Lean file: Lean rejects a bare tactic or term without running anything).
"""

from __future__ import annotations

import contextvars
import functools
import re
from dataclasses import dataclass
from typing import Sequence

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

#: nsp's exports import nothing (core Lean's ``Init`` is loaded without an import).
DEFAULT_ALLOWED_IMPORTS: tuple[str, ...] = ()
MAX_CHARS = 4_000_000  # longer text is rejected outright
KINDS = ("module", "tactics", "term")

# Identifier components that name the IO world (defence in depth: dotted names are allow-listed).
FORBIDDEN_COMPONENTS = frozenset({"IO", "EIO", "BaseIO", "System", "Lean"})
# Substrings no identifier may contain
# (exactly the ones provers.lean.export.sanitize rewrites, so renaming always terminates).
FORBIDDEN_SUBSTRINGS = ("unsafe", "implemented_by", "native_decide", "skipKernelTC", "ofReduce")
# Identifier-like tokens of Lean 4 (commands, terms, tactics, modifiers) and of this grammar: no
# identifier may be one, so Lean can never read a name here as a keyword (``by_elab x`` runs code).
LEAN_WORDS = frozenset("""
    abbrev add_decl_doc admit all_goals and_intros any_goals apply assert assumption at attribute axiom
    break builtin_initialize by by_cases by_contra by_elab calc case cases catch change checkpoint class
    clear congr constructor continue contradiction conv dbg_trace decide declare_syntax_cat
    decreasing_by def deriving do done dsimp elab elab_rules else end example exact exfalso exists
    existsi export ext extends extern fail fail_if_success finally first focus for forall from fun
    funext generalize generalizing global guard_expr guard_hyp guard_target have haveI hiding if
    implemented_by import in include induction inductive infer_instance infix infixl infixr initialize
    injection injections instance intro intros iterate lemma left let letI local macro macro_rules match
    meta module mut mutual namespace native_decide next nofun nomatch noncomputable nonrec notation
    obtain omega omit only opaque open partial postfix prefix prelude private protected public rcases
    refine rename rename_i renaming repeat replace return revert rfl right rintro run_cmd run_elab
    run_meta run_tac rw rwa rewrite scoped section set_option show show_term simp simp_all simp_arith
    simpa skip sleep sorry specialize split stop structure subst suffices symm syntax termination_by
    then theorem this trace trans trivial try unfold universe unless unsafe using variable where with
    with_reducible Prop Sort Type
    """.split())
#: Dotted core names a term may use (nsp's step prover writes the first ones).
QUALIFIED_NAMES = frozenset("""
    Or.inl Or.inr Or.elim Or.resolve_left Or.resolve_right Exists.elim Exists.intro False.elim
    Eq.subst Eq.symm Eq.trans Eq.mp Eq.mpr Classical.byContradiction Classical.byCases Classical.em
    And.intro And.left And.right Iff.intro Iff.mp Iff.mpr Not.elim True.intro absurd
    """.split())
ALLOWED_NAMESPACES = frozenset({"NSP"})
PROJECTIONS = frozenset({"mp", "mpr", "symm", "elim", "left", "right", "trans", "1", "2"})
ALLOWED_OPTIONS = {"autoImplicit": frozenset({"false", "true"})}

# Lean 4's identifier characters (Init/Meta isIdFirst/isIdRest, the set every version accepts),
# without ``!``/``?`` and without a leading ``_``.
_LETTERLIKE = ("\u03b1-\u03ba\u03bc-\u03c9\u0391-\u039f\u03a1\u03a2\u03a4-\u03a9\u03ca-\u03fb"
               "\u1f00-\u1ffe\u2100-\u214f\U0001d49c-\U0001d59f")
_SUBSCRIPT = "\u2080-\u2089\u2090-\u209c\u1d62-\u1d6a"
_FIRST = f"A-Za-z{_LETTERLIKE}"
_REST = f"A-Za-z_0-9'{_LETTERLIKE}{_SUBSCRIPT}"
_COMPONENT = f"[{_FIRST}][{_REST}]*"
_COMPONENT_RE = re.compile(_COMPONENT)
_PART = f"(?:{_COMPONENT}|«[^»]*»)"  # a component as Lean lexes it; «escaped» ones are then rejected
_ID_CHAR = re.compile(f"[{_FIRST}_0-9'!?{_SUBSCRIPT}]")

GRAMMAR = rf"""
    module: import_* command*
    tactics: tactic (SEMI? tactic)*
    term: _term

    import_: IMPORT IDENT
    ?command: SET_OPTION IDENT IDENT                          -> set_option
        | NAMESPACE IDENT                                     -> namespace
        | END IDENT                                           -> end
        | AXIOM IDENT COLON _term                              -> axiom
        | NONCOMPUTABLE INSTANCE IDENT COLON _term ASSIGN _term -> instance
        | THEOREM IDENT binder* COLON _term ASSIGN proof       -> theorem
        | EXAMPLE binder* COLON _term ASSIGN proof             -> example
        | HASH IDENT IDENT                                    -> print_axioms
    binder: LPAR IDENT+ COLON _term RPAR
    proof: BY tactics | _term

    ?tactic: EXACT _term | APPLY _term | INTRO IDENT* | SHOW _term
        | HAVE IDENT COLON _term ASSIGN (BY tactic | _term)
        | EXISTS _term (COMMA _term)*
        | SIMP ONLY? (LBRACK _term (COMMA _term)* RBRACK)?
        | CONSTRUCTOR | ASSUMPTION | TRIVIAL | RFL | CONTRADICTION | EXFALSO | LEFT | RIGHT
        | SORRY | ADMIT

    _term: binder_term | _opexpr
    binder_term: QUANT IDENT+ COLON _term COMMA _term
        | FUN IDENT+ DARROW _term
    _opexpr: _unary | _unary BINOP _term
    _unary: NOT _unary | NOT binder_term | app
    app: atom+
    ?atom: IDENT | TYPE | PROP | SORRY | RFL | TRIVIAL
        | LPAR _term RPAR
        | LPAR IDENT ASSIGN _term RPAR                        -> named_arg
        | LANGLE (_term (COMMA _term)*)? RANGLE               -> anonymous
        | atom FIELD                                          -> projection

    IDENT: /{_PART}(?:\.{_PART})*/
    FIELD: /\.(?:[0-9]+|{_COMPONENT})/
    HASH: /#[A-Za-z_][A-Za-z0-9_!?]*/
    IMPORT: "import"
    SET_OPTION: "set_option"
    NAMESPACE: "namespace"
    END: "end"
    AXIOM: "axiom"
    NONCOMPUTABLE: "noncomputable"
    INSTANCE: "instance"
    THEOREM: "theorem"
    EXAMPLE: "example"
    BY: "by"
    EXACT: "exact"
    APPLY: "apply"
    INTRO: "intro"
    SHOW: "show"
    HAVE: "have"
    EXISTS: "exists"
    SIMP: "simp"
    ONLY: "only"
    CONSTRUCTOR: "constructor"
    ASSUMPTION: "assumption"
    TRIVIAL: "trivial"
    RFL: "rfl"
    CONTRADICTION: "contradiction"
    EXFALSO: "exfalso"
    LEFT: "left"
    RIGHT: "right"
    SORRY: "sorry"
    ADMIT: "admit"
    FUN: "fun"
    TYPE: "Type"
    PROP: "Prop"
    QUANT: "∀" | "∃"
    NOT: "¬"
    BINOP: "→" | "∧" | "∨" | "↔" | "=" | "≠"
    DARROW: "=>"
    ASSIGN: ":="
    COLON: ":"
    COMMA: ","
    SEMI: ";"
    LPAR: "("
    RPAR: ")"
    LANGLE: "⟨"
    RANGLE: "⟩"
    LBRACK: "["
    RBRACK: "]"

    // lexed so that they can be named in the rejection, never accepted by a rule
    STRING: /"(?:[^"\\]|\\.)*"/
    CHAR: /'(?:\\(?:u\{{[0-9A-Fa-f]*\}}|x[0-9A-Fa-f]{{2}}|.)|[^'\\\n])'/
    NUMBER: /[0-9][0-9A-Za-z_.]*/
    ATTRIBUTE: "@["

    WS: /(?:[ \n]|\r\n)+/
    %ignore WS
"""

_REJECTED_CLASSES = {
    "STRING": "string literals are not accepted",
    "CHAR": "character literals are not accepted",
    "NUMBER": "numerals are not accepted (only .1/.2 projections)",
    "ATTRIBUTE": "attributes are not accepted",
}


@dataclass(frozen=True)
class Violation:
    """One rejected construct in untrusted text: 1-based line and column, and why."""

    line: int
    column: int
    construct: str
    reason: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: forbidden {self.construct!r}: {self.reason}"


class _Reject(Exception):
    def __init__(self, offset: int, construct: str, reason: str):
        super().__init__(reason)
        self.offset, self.construct, self.reason = offset, construct, reason


# ---------------------------------------------------------------- comments, the way Lean reads them


def _skip_literal(text: str, i: int) -> int:
    """End of the string/char literal or «escaped» identifier starting at ``i`` (or ``i + 1``)."""
    c, n = text[i], len(text)
    if c == "«":
        j = text.find("»", i + 1)
        return n if j < 0 else j + 1
    quote = c
    j = i + 1
    while j < n and text[j] != quote and not (quote == "'" and text[j] == "\n"):
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, n)


def _block_end(text: str, i: int) -> int:
    """Offset after the block comment whose body starts at ``i`` (Lean's finishCommentBlock with
    nesting 1); -1 when it is not closed."""
    n, depth = len(text), 1
    while i < n:
        c = text[i]
        if c == "-" and i + 1 < n and text[i + 1] == "/":
            depth -= 1
            i += 2
            if depth == 0:
                return i
        elif c == "/" and i + 1 < n and text[i + 1] == "-":
            depth += 1
            i += 2
        else:
            i += 1
    return -1


def blank_comments(text: str) -> tuple[str, int | None]:
    """``text`` with every comment replaced by spaces (newlines kept, so offsets stay valid), and
    the offset of an unterminated block comment (None when there is none).

    ``--`` runs to the end of the line; ``/-`` opens a nested block comment; ``/--`` and ``/-!``
    (doc comments) have the same body. Comment markers inside string and character literals and
    ``«»`` identifiers are not comments (those are rejected later anyway)."""
    out: list[str] = []
    i, n, last = 0, len(text), 0
    while i < n:
        c = text[i]
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif c == "/" and text.startswith("/-", i):
            body = i + 3 if text.startswith(("/--", "/-!"), i) else i + 2
            j = _block_end(text, body)
            if j < 0:
                out.append(text[last:i])
                return "".join(out), i
        elif c == '"' or c == "«" or (c == "'" and not (i and _ID_CHAR.match(text[i - 1]))):
            i = _skip_literal(text, i)
            continue
        else:
            i += 1
            continue
        out.append(text[last:i])
        out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
        i = last = j
    out.append(text[last:])
    return "".join(out), None


def strip_comments(text: str) -> tuple[str, list[Violation]]:
    """:func:`blank_comments` with an unterminated comment reported as a violation."""
    code, open_at = blank_comments(text)
    if open_at is None:
        return code, []
    return code, [_violation(text, open_at, "/-", "unterminated block comment")]


# ---------------------------------------------------------------- identifiers


def components(ident: str) -> list[str]:
    """The dot-separated components of a name, with «» escapes removed."""
    parts = re.findall(r"«[^»]*»|[^.«]+", ident)
    return [p[1:-1] if p.startswith("«") else p for p in parts]


def identifier_violation(name: str) -> str | None:
    """Why the screen would reject ``name`` as a (component of an) identifier; None if it would
    not. The exporter renames every symbol for which this is not None."""
    for part in components(name) or [name]:
        if not _COMPONENT_RE.fullmatch(part):
            return f"{part!r} is not a plain Lean identifier (letters, digits, _ and ' only)"
        if part in LEAN_WORDS:
            return f"{part} is a Lean keyword outside nsp's Lean language"
        if part in FORBIDDEN_COMPONENTS:
            return f"{part} names Lean's IO world or its meta level"
        for bad in FORBIDDEN_SUBSTRINGS:
            if bad in part:
                return f"identifiers containing {bad!r} are not accepted"
    return None


def _check_ident(value: str) -> str | None:
    """Why a name token is rejected (None: accepted). Only a first component can be read as a
    keyword by Lean; the rest of a dotted name is allow-listed."""
    if "«" in value:
        return "«escaped» identifiers are not accepted (nsp writes plain names)"
    if value in QUALIFIED_NAMES:
        return None
    head, *rest = value.split(".")
    why = identifier_violation(head)
    if why or not rest:
        return why
    if head in ALLOWED_NAMESPACES:
        return next(filter(None, map(identifier_violation, rest)), None)
    if not head[0].isupper() and all(p in PROJECTIONS for p in rest):
        return None
    return "dotted names must be allow-listed core names, NSP.* or projections of a local"


# ---------------------------------------------------------------- the parser


class _PostLex:
    """Checks every token in text order; raises _Reject for the first one outside the language."""

    always_accept = (*_REJECTED_CLASSES, "HASH")

    def process(self, stream):
        allowed = _ALLOWED_IMPORTS.get()
        prev: Token | None = None
        header = True
        for tok in stream:
            t, v = tok.type, str(tok)
            if t in _REJECTED_CLASSES:
                raise _Reject(tok.start_pos, v[:40], _REJECTED_CLASSES[t])
            if t == "HASH" and v != "#print":
                raise _Reject(tok.start_pos, v, "commands other than '#print axioms' are not accepted")
            if t == "FIELD" and v[1:] not in PROJECTIONS:
                raise _Reject(tok.start_pos, v, f"only the projections {', '.join(sorted(PROJECTIONS))} are accepted")
            if t == "IMPORT" and not header:
                raise _Reject(tok.start_pos, v, "imports must come first in the file")
            if t != "IMPORT" and not (prev is not None and prev.type == "IMPORT"):
                header = False
            if t == "IDENT":
                why = self._context(prev, v, allowed)
                if why is None and not (prev is not None and prev.type == "IMPORT"):
                    why = _check_ident(v)
                if why:
                    shown = f"import {v}" if prev is not None and prev.type == "IMPORT" else v
                    raise _Reject(tok.start_pos, shown, why)
            prev = tok
            yield tok

    @staticmethod
    def _context(prev: Token | None, v: str, allowed: Sequence[str]) -> str | None:
        if prev is None:
            return None
        p = prev.type
        if p == "IMPORT" and v not in allowed:
            return f"module not in the import allow-list ({', '.join(allowed) or 'none'}; exact names only)"
        if p == "HASH" and v != "axioms":
            return "only '#print axioms NAME' is accepted"
        if p == "SET_OPTION" and v not in ALLOWED_OPTIONS:
            return f"only the options {', '.join(ALLOWED_OPTIONS)} may be set"
        if p in ("NAMESPACE", "END") and v not in ALLOWED_NAMESPACES:
            return f"only the namespaces {', '.join(sorted(ALLOWED_NAMESPACES))} are accepted"
        return None


class _NoTree(Transformer):
    """Every rule builds nothing: the screen needs only acceptance, and no tree means no depth."""

    def __default__(self, data, children, meta):
        # a fresh childless Tree (lark inlines ``_rule`` results by extending their child list)
        return Tree("screened", [])

    def __default_token__(self, token):
        return token

    def set_option(self, children):
        name, value = children[1], children[2]
        if str(value) not in ALLOWED_OPTIONS.get(str(name), ()):
            raise _Reject(value.start_pos, f"set_option {name} {value}", "value not in the allow-list")
        return Tree("screened", [])


_ALLOWED_IMPORTS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("allowed", default=())


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="basic", start=list(KINDS), postlex=_PostLex(),
                transformer=_NoTree(), maybe_placeholders=False)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _violation(text: str, offset: int, construct: str, reason: str) -> Violation:
    line, column = _position(text, offset)
    return Violation(line, column, construct, reason)


_NAMES = {"IDENT": "a name", "FIELD": "a projection", "BINOP": "an operator", "QUANT": "∀/∃", "NOT": "¬",
          "LPAR": "(", "RPAR": ")", "LANGLE": "⟨", "RANGLE": "⟩", "LBRACK": "[", "RBRACK": "]",
          "COLON": ":", "ASSIGN": ":=", "COMMA": ",", "SEMI": ";", "DARROW": "=>", "HASH": "#print",
          "$END": "end of text"}


def _expected(exc: UnexpectedInput) -> str:
    names = sorted({_NAMES.get(t, t.lower()) for t in getattr(exc, "expected", ()) or ()})
    if not names:
        return ""
    more = len(names) > 8
    return " (expected " + ", ".join(names[:8]) + (", …" if more else "") + ")"


def _parse(code: str, kind: str) -> Violation | _Reject | None:
    try:
        _parser().parse(code, start=kind)
    except _Reject as r:
        return r
    except UnexpectedCharacters as e:
        return _Reject(e.pos_in_stream, code[e.pos_in_stream], "character outside nsp's Lean language")
    except UnexpectedEOF as e:
        return _Reject(len(code), "end of text", "the text ends too early" + _expected(e))
    except UnexpectedToken as e:
        tok = e.token
        if tok.type == "$END":
            return _Reject(len(code), "end of text", "the text ends too early" + _expected(e))
        where = {"module": "commands", "tactics": "tactics", "term": "terms"}[kind]
        return _Reject(tok.start_pos, str(tok), f"not accepted here by the grammar of nsp's {where}" + _expected(e))
    return None


def screen(text: str, allowed_imports: Sequence[str] = DEFAULT_ALLOWED_IMPORTS, kind: str | None = None
           ) -> tuple[Violation, ...]:
    """() when ``text`` is in nsp's Lean language, else one :class:`Violation` for the first
    offending token. ``kind``: "module", "tactics" or "term"; None accepts any of them (and
    reports the failure that got furthest). ``allowed_imports``: exact module names."""
    if not isinstance(text, str):
        return (Violation(1, 1, type(text).__name__, "not text"),)
    if len(text) > MAX_CHARS:
        return (Violation(1, 1, "text", f"longer than {MAX_CHARS} characters"),)
    code, open_at = blank_comments(text)
    token = _ALLOWED_IMPORTS.set(tuple(allowed_imports))
    try:
        failures = []
        for k in (KINDS if kind is None else (kind,)):
            r = _parse(code, k)
            if r is None:
                if open_at is not None:
                    return (_violation(text, open_at, "/-", "unterminated block comment"),)
                return ()
            failures.append(r)
    finally:
        _ALLOWED_IMPORTS.reset(token)
    if open_at is not None:
        failures.append(_Reject(open_at, "/-", "unterminated block comment"))
    # the first offending position in text order of the reading that got furthest
    best = max(failures, key=lambda r: r.offset)
    return (_violation(text, best.offset, best.construct, best.reason),)


def check(text: str, allowed_imports: Sequence[str] = DEFAULT_ALLOWED_IMPORTS, kind: str | None = None) -> str | None:
    """The one-line reason ``text`` is rejected (``line:column: ...``), or None when accepted."""
    found = screen(text, allowed_imports, kind)
    return str(found[0]) if found else None
