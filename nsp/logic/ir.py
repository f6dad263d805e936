"""The formula IR: immutable first-order terms and formulas.

Encoding. Every node has a ``kind`` tag, a ``payload`` (names, never nodes) and a tuple of
``children`` (nodes). Terms:

    Var(name)                      payload=name        children=()
    Const(name)                    payload=name        children=()
    App(fn, args)                  payload=fn          children=args (terms, >= 1)

Formulas:

    Atom(pred, args)               payload=pred        children=args (terms, >= 0)
    Eq(left, right)                payload=None        children=(left, right)
    Not(f); And(*fs); Or(*fs)      payload=None        children=operands (And/Or: >= 2)
    Implies(a, b); Iff(a, b); Xor(a, b)
    Forall(vars, body); Exists(vars, body)   payload=vars (tuple of names)  children=(body,)
    Top(); Bottom()

Example: ``∀x (Dog(x) → Animal(x))`` is
``Forall(("x",), Implies(Atom("Dog", (Var("x"),)), Atom("Animal", (Var("x"),))))``.

Nodes are never mutated. Each stores a structural hash computed from its children when it is
built, so ``hash`` is O(1); ``==`` compares iteratively (no recursion, whatever the depth).
Quantifier constructors merge a directly nested quantifier of the same kind
(``Forall(x, Forall(y, b))`` is ``Forall((x, y), b)``) as far as names stay distinct; a repeated
name starts a new group, counting from the innermost (``Forall((x, y), Forall(x, b))`` is
``Forall(x, Forall((y, x), b))``), so every syntax that writes ``∀x ∀y`` or ``all x y.`` reads
back to the same node.
Python's ``hash`` is per-process; content ids live in :mod:`nsp.logic.canon` (hashlib).
"""

from __future__ import annotations

from typing import Iterable

TERM_KINDS = frozenset({"var", "const", "app"})
FORMULA_KINDS = frozenset(
    {"atom", "eq", "not", "and", "or", "implies", "iff", "xor", "forall", "exists", "top", "bottom"}
)


class IRError(ValueError):
    """A node was built with arguments of the wrong shape."""


class Node:
    """Base of every IR node. Build nodes only through the subclasses' constructors."""

    __slots__ = ("payload", "children", "_hash")
    kind: str = "node"

    def _init(self, payload, children: tuple) -> None:
        object.__setattr__(self, "payload", payload)
        object.__setattr__(self, "children", children)
        object.__setattr__(
            self, "_hash", hash((self.kind, payload, tuple(c._hash for c in children)))
        )

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        if not isinstance(other, Node):
            return NotImplemented
        stack = [(self, other)]
        while stack:
            a, b = stack.pop()
            if a is b:
                continue
            if (
                a._hash != b._hash
                or a.kind != b.kind
                or a.payload != b.payload
                or len(a.children) != len(b.children)
            ):
                return False
            stack.extend(zip(a.children, b.children))
        return True

    def __ne__(self, other) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def rebuild(self, children: Iterable[Node]) -> Node:
        """The same kind of node with the same payload and new children."""
        return _REBUILD[self.kind](self.payload, tuple(children))

    @property
    def is_term(self) -> bool:
        return self.kind in TERM_KINDS

    def __repr__(self) -> str:
        from nsp.logic.syntax.folio import write_folio

        return f"<{type(self).__name__} {write_folio(self)}>"

    def __str__(self) -> str:
        from nsp.logic.syntax.folio import write_folio

        return write_folio(self)

    def __reduce__(self):
        # Pickle through the structure-free text form, so pickling never recurses.
        from nsp.logic.serial import from_sexpr, to_sexpr

        return (from_sexpr, (to_sexpr(self),))


# ---------------------------------------------------------------- terms


def _name(value, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise IRError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _terms(args, what: str) -> tuple:
    args = tuple(args)
    for a in args:
        if not isinstance(a, Node) or a.kind not in TERM_KINDS:
            raise IRError(f"arguments of {what} must be terms, got {a!r}")
    return args


def _formulas(args, what: str) -> tuple:
    args = tuple(args)
    for a in args:
        if not isinstance(a, Node) or a.kind not in FORMULA_KINDS:
            raise IRError(f"operands of {what} must be formulas, got {a!r}")
    return args


class Term(Node):
    __slots__ = ()


class Var(Term):
    __slots__ = ()
    kind = "var"

    def __init__(self, name: str):
        self._init(_name(name, "variable name"), ())

    @property
    def name(self) -> str:
        return self.payload


class Const(Term):
    __slots__ = ()
    kind = "const"

    def __init__(self, name: str):
        self._init(_name(name, "constant name"), ())

    @property
    def name(self) -> str:
        return self.payload


class App(Term):
    __slots__ = ()
    kind = "app"

    def __init__(self, fn: str, args):
        args = _terms(args, f"function {fn!r}")
        if not args:
            raise IRError(f"function {fn!r} needs at least one argument (use Const)")
        self._init(_name(fn, "function name"), args)

    @property
    def fn(self) -> str:
        return self.payload

    @property
    def args(self) -> tuple:
        return self.children


# ---------------------------------------------------------------- formulas


class Formula(Node):
    __slots__ = ()


class Atom(Formula):
    __slots__ = ()
    kind = "atom"

    def __init__(self, pred: str, args=()):
        self._init(_name(pred, "predicate name"), _terms(args, f"predicate {pred!r}"))

    @property
    def pred(self) -> str:
        return self.payload

    @property
    def args(self) -> tuple:
        return self.children


class Eq(Formula):
    __slots__ = ()
    kind = "eq"

    def __init__(self, left: Term, right: Term):
        self._init(None, _terms((left, right), "="))

    @property
    def left(self) -> Term:
        return self.children[0]

    @property
    def right(self) -> Term:
        return self.children[1]


class Not(Formula):
    __slots__ = ()
    kind = "not"

    def __init__(self, body: Formula):
        self._init(None, _formulas((body,), "¬"))

    @property
    def body(self) -> Formula:
        return self.children[0]


class _NAry(Formula):
    __slots__ = ()
    symbol = "?"

    def __init__(self, *operands: Formula):
        if len(operands) == 1 and not isinstance(operands[0], Node):
            operands = tuple(operands[0])
        operands = _formulas(operands, self.symbol)
        if len(operands) < 2:
            raise IRError(f"{self.symbol} needs at least two operands (use conj/disj)")
        self._init(None, operands)

    @property
    def args(self) -> tuple:
        return self.children


class And(_NAry):
    __slots__ = ()
    kind = "and"
    symbol = "∧"


class Or(_NAry):
    __slots__ = ()
    kind = "or"
    symbol = "∨"


class _Binary(Formula):
    __slots__ = ()
    symbol = "?"

    def __init__(self, left: Formula, right: Formula):
        self._init(None, _formulas((left, right), self.symbol))

    @property
    def left(self) -> Formula:
        return self.children[0]

    @property
    def right(self) -> Formula:
        return self.children[1]


class Implies(_Binary):
    __slots__ = ()
    kind = "implies"
    symbol = "→"


class Iff(_Binary):
    __slots__ = ()
    kind = "iff"
    symbol = "↔"


class Xor(_Binary):
    __slots__ = ()
    kind = "xor"
    symbol = "⊕"


class _Quant(Formula):
    __slots__ = ()

    def __init__(self, variables, body: Formula):
        if isinstance(variables, str):
            variables = (variables,)
        names = tuple(_name(v.name if isinstance(v, Var) else v, "bound variable") for v in variables)
        if not names:
            raise IRError(f"{type(self).__name__} needs at least one variable")
        if len(set(names)) != len(names):
            raise IRError(f"{type(self).__name__} binds a name twice: {names}")
        (body,) = _formulas((body,), type(self).__name__)
        if body.kind == self.kind:
            # Merge from the innermost group outwards, as far as names stay distinct, so the
            # grouping depends only on the flat prefix (∀x ∀y ∀x is ∀x (∀y x), however built).
            inner = body.payload
            i = len(names)
            while i and names[i - 1] not in inner:
                i -= 1
            if i < len(names):
                merged = names[i:] + inner
                names, body = names[:i], body.children[0]
                if names:
                    body = type(self)(merged, body)
                else:
                    names = merged
        self._init(names, (body,))

    @property
    def vars(self) -> tuple:
        return self.payload

    @property
    def body(self) -> Formula:
        return self.children[0]


class Forall(_Quant):
    __slots__ = ()
    kind = "forall"


class Exists(_Quant):
    __slots__ = ()
    kind = "exists"


class Top(Formula):
    __slots__ = ()
    kind = "top"

    def __init__(self):
        self._init(None, ())


class Bottom(Formula):
    __slots__ = ()
    kind = "bottom"

    def __init__(self):
        self._init(None, ())


_REBUILD = {
    "var": lambda p, c: Var(p),
    "const": lambda p, c: Const(p),
    "app": lambda p, c: App(p, c),
    "atom": lambda p, c: Atom(p, c),
    "eq": lambda p, c: Eq(*c),
    "not": lambda p, c: Not(*c),
    "and": lambda p, c: And(*c),
    "or": lambda p, c: Or(*c),
    "implies": lambda p, c: Implies(*c),
    "iff": lambda p, c: Iff(*c),
    "xor": lambda p, c: Xor(*c),
    "forall": lambda p, c: Forall(p, *c),
    "exists": lambda p, c: Exists(p, *c),
    "top": lambda p, c: Top(),
    "bottom": lambda p, c: Bottom(),
}

KIND_CLASSES = {
    "var": Var, "const": Const, "app": App, "atom": Atom, "eq": Eq, "not": Not, "and": And,
    "or": Or, "implies": Implies, "iff": Iff, "xor": Xor, "forall": Forall, "exists": Exists,
    "top": Top, "bottom": Bottom,
}


def conj(formulas: Iterable[Formula]) -> Formula:
    """∧ of the formulas, normalised: none is ⊤, one is itself."""
    fs = tuple(formulas)
    return Top() if not fs else fs[0] if len(fs) == 1 else And(*fs)


def disj(formulas: Iterable[Formula]) -> Formula:
    """∨ of the formulas, normalised: none is ⊥, one is itself."""
    fs = tuple(formulas)
    return Bottom() if not fs else fs[0] if len(fs) == 1 else Or(*fs)


def is_formula(node) -> bool:
    return isinstance(node, Node) and node.kind in FORMULA_KINDS
