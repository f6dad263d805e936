"""Evaluating terms over numerals with the recursive equations of an axiom set.

An axiom set over a constant ``zero`` and a unary ``s`` (the *constructors*: symbols that never
head the left side of a defining equation) defines other functions by equations
``∀x̄ (f(p₁, …, pₙ) = r)`` whose argument patterns ``pᵢ`` are built from variables, ``zero`` and
``s`` (e.g. ``add(x, s(y)) = s(add(x, y))``). Read left to right they compute ``f`` on
numerals: the numeral ``s(s(zero))`` is the int 2, and ``add(2, 1)`` is found by the first
equation whose patterns match (``s(p)`` matches n > 0 with ``p`` matching n - 1, ``zero``
matches 0, a variable anything), then evaluating its right side.

:class:`Evaluator` does this with an explicit stack and a memo (no recursion, so a definition
that recurses 10,000 times is fine); a value that is undefined (no equation matches, the
definition does not terminate, or a value exceeds ``max_value``) is None. Term fingerprints
(:meth:`Evaluator.fingerprint`) are a term's values at every assignment of small numerals to
its variables: two terms with different fingerprints are different functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from nsp.logic.ir import Node
from nsp.logic.walk import postorder

LIMIT = 1_000_000  # values above this count as undefined


class NotRecursive(ValueError):
    """The axioms do not have the shape the evaluator needs."""


@dataclass(frozen=True)
class Definition:
    fn: str
    patterns: tuple[Node, ...]
    rhs: Node


@dataclass(frozen=True)
class Signature:
    zero: str  # the constant constructor
    succ: str  # the unary constructor
    functions: dict  # defined function name -> arity
    definitions: tuple[Definition, ...]


def _strip_forall(f: Node) -> Node:
    while f.kind == "forall":
        f = f.children[0]
    return f


def read_signature(axioms: Sequence[Node]) -> Signature:
    """Constructors and defining equations of an axiom set (see module docstring)."""
    from nsp.logic.analysis import signature

    sig = signature(list(axioms))
    defs: list[Definition] = []
    defined: dict[str, int] = {}
    for ax in axioms:
        body = _strip_forall(ax)
        if body.kind != "eq" or body.children[0].kind != "app":
            continue
        lhs, rhs = body.children
        defs.append(Definition(lhs.payload, lhs.children, rhs))
        defined[lhs.payload] = len(lhs.children)
    constants = [s.name for s in sig.values() if s.kind == "constant" and s.name not in defined]
    unary = [s.name for s in sig.values() if s.kind == "function" and s.arity == 1 and s.name not in defined]
    if len(constants) != 1 or len(unary) != 1:
        raise NotRecursive(
            f"expected one constant and one unary function as constructors (zero and successor), found "
            f"constants {constants or 'none'} and unary functions {unary or 'none'}")
    zero, succ = constants[0], unary[0]
    for d in defs:
        for p in d.patterns:
            for n in postorder(p):
                if n.kind == "app" and n.payload != succ or n.kind == "const" and n.payload != zero:
                    raise NotRecursive(f"the definition of {d.fn} matches on {n.payload}, not on {zero}/{succ}")
    return Signature(zero, succ, defined, tuple(defs))


class Evaluator:
    """Values of defined functions on numerals, memoised (see module docstring)."""

    def __init__(self, sig: Signature, max_value: int = LIMIT):
        self.sig = sig
        self.max_value = max_value
        self.memo: dict[tuple, int | None] = {}
        self._by_fn: dict[str, list[Definition]] = {}
        for d in sig.definitions:
            self._by_fn.setdefault(d.fn, []).append(d)

    def _match(self, pattern: Node, value: int, env: dict) -> bool:
        while True:
            k = pattern.kind
            if k == "var":
                bound = env.get(pattern.payload)
                if bound is None:
                    env[pattern.payload] = value
                    return True
                return bound == value
            if k == "const":
                return value == 0
            if value == 0:
                return False
            pattern, value = pattern.children[0], value - 1

    def _rhs(self, term: Node, env: dict) -> tuple[int | None, tuple | None]:
        """(value, None), or (None, call) when the value of ``call`` is not known yet."""
        memo: dict[int, int | None] = {}
        for n in postorder(term):
            k = n.kind
            if k == "var":
                v = env.get(n.payload)
            elif k == "const":
                v = 0 if n.payload == self.sig.zero else None
            else:
                args = tuple(memo[id(c)] for c in n.children)
                if any(a is None for a in args):
                    v = None
                elif n.payload == self.sig.succ:
                    v = args[0] + 1
                else:
                    key = (n.payload, args)
                    if key not in self.memo:
                        return None, key
                    v = self.memo[key]
            if v is not None and v > self.max_value:
                v = None
            memo[id(n)] = v
        return memo[id(term)], None

    def call(self, fn: str, args: tuple[int, ...]) -> int | None:
        """``fn(args)`` on numerals, or None when undefined."""
        root = (fn, tuple(args))
        stack = [root]
        on_stack = {root}
        while stack:
            key = stack[-1]
            if key in self.memo:
                stack.pop()
                on_stack.discard(key)
                continue
            value, missing = None, None
            for d in self._by_fn.get(key[0], ()):
                env: dict = {}
                if len(d.patterns) == len(key[1]) and all(
                        self._match(p, a, env) for p, a in zip(d.patterns, key[1])):
                    value, missing = self._rhs(d.rhs, env)
                    break
            if missing is not None:
                if missing in on_stack:  # the definition does not terminate here
                    self.memo[key] = None
                else:
                    stack.append(missing)
                    on_stack.add(missing)
                continue
            self.memo[key] = value
            stack.pop()
            on_stack.discard(key)
        return self.memo[root]

    def apply(self, fn: str, args: tuple) -> int | None:
        if any(a is None for a in args):
            return None
        if fn == self.sig.succ:
            v = args[0] + 1
            return v if v <= self.max_value else None
        return self.call(fn, args)
