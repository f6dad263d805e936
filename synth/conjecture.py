"""Candidate equations by enumeration and testing (the QuickSpec recipe).

Terms over a signature (constructors, defined functions, variables ``x, y, z …``) are
enumerated by size (number of symbols). Each term gets a *fingerprint*: its values
(:mod:`synth.numerals`) at every assignment of the numerals ``0..max_value`` to the variables.
Terms with equal fingerprints form a class; the first (smallest, then earliest) is the class
*representative*. Only terms whose immediate subterms are representatives are built: any other
term equals one of those by congruence with smaller equations, so nothing is lost.

Every new term whose fingerprint is already taken yields candidates ``term = member`` for the
first ``pairs`` members of its class (the representative first): no counterexample among the
small numerals. Pairing with members other than the representative matters: in Peano
arithmetic the class of ``mul(y, s(x))`` also holds ``mul(s(x), y)`` and ``add(mul(x, y), y)``,
and the lemma an induction needs is the equation between those two. Candidates are deduplicated up to renaming of
variables and orientation, and come out smallest first (by the size of the larger side, then
the total size, then text), which is the order a prover should try them in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator

from nsp.logic.analysis import free_vars, substitute
from nsp.logic.ir import App, Const, Eq, Forall, Node, Var
from nsp.logic.serial import to_sexpr
from nsp.logic.syntax import write
from nsp.logic.walk import preorder, size
from synth.numerals import Evaluator, Signature

VARIABLE_NAMES = ("x", "y", "z", "w")


@dataclass(frozen=True)
class Candidate:
    """A conjectured law ``∀x̄ (left = right)``; ``left`` is the larger side."""

    left: Node
    right: Node
    formula: Node  # the closed equation, variables in order of first occurrence
    key: str  # canonical text, equal for renamings and flipped sides

    @property
    def size(self) -> int:
        return size(self.left) + size(self.right)

    @property
    def text(self) -> str:
        return write(self.formula, "folio")


def _var_order(*terms: Node) -> list[str]:
    order: list[str] = []
    for t in terms:
        for n in preorder(t):
            if n.kind == "var" and n.payload not in order:
                order.append(n.payload)
    return order


def _renamed(t: Node, mapping: dict[str, str]) -> Node:
    return substitute(t, {k: Var(v) for k, v in mapping.items()})


def canonical_equation(left: Node, right: Node) -> tuple[Node, Node, str]:
    """The equation with variables renamed v0, v1, … by first occurrence, oriented so that
    its text is the smaller of the two orientations; returns (left, right, key)."""
    best = None
    for a, b in ((left, right), (right, left)):
        order = _var_order(a, b)
        mapping = {v: f"v{i}" for i, v in enumerate(order)}
        ra, rb = _renamed(a, mapping), _renamed(b, mapping)
        key = to_sexpr(ra) + " = " + to_sexpr(rb)
        if best is None or key < best[2]:
            best = (ra, rb, key)
    return best


def equation_key(formula: Node) -> str | None:
    """The canonical key of a universally closed equation (equal for two equations exactly
    when they are the same up to renaming and reordering variables and swapping sides), or
    None for any other formula."""
    while formula.kind == "forall":
        formula = formula.children[0]
    if formula.kind != "eq":
        return None
    return canonical_equation(formula.children[0], formula.children[1])[2]


def close(left: Node, right: Node, names: tuple[str, ...] = VARIABLE_NAMES) -> Node:
    """``∀x̄ (left = right)`` with variables named x, y, z … in order of first occurrence."""
    order = _var_order(left, right)
    mapping = {v: names[i] if i < len(names) else f"x{i}" for i, v in enumerate(order)}
    eq = Eq(_renamed(left, mapping), _renamed(right, mapping))
    fv = [mapping[v] for v in order]
    return Forall(tuple(fv), eq) if fv else eq


class Enumerator:
    """Terms by size, their classes, and the candidate equations (module docstring)."""

    def __init__(self, sig: Signature, evaluator: Evaluator, variables: int = 3, max_value: int = 4,
                 pairs: int = 2):
        self.sig = sig
        self.ev = evaluator
        self.variables = tuple(VARIABLE_NAMES[:variables])
        self.envs = list(itertools.product(range(max_value + 1), repeat=variables))
        self.reps: dict[int, list[Node]] = {}  # size -> representatives
        self.fingerprints: dict[Node, tuple] = {}
        self.rep_of: dict[tuple, Node] = {}
        self.members: dict[tuple, list[Node]] = {}  # first members of each class
        self.pairs = pairs
        self.candidates: list[Candidate] = []
        self._keys: set[str] = set()
        self.terms = 0
        self.undefined = 0
        symbols = [(sig.succ, 1)] + sorted(sig.functions.items())
        self.functions = symbols

    def _leaf_fp(self, t: Node) -> tuple:
        if t.kind == "var":
            i = self.variables.index(t.payload)
            return tuple(env[i] for env in self.envs)
        return (0,) * len(self.envs)  # zero

    def _add(self, t: Node, fp: tuple | None, s: int) -> None:
        self.terms += 1
        if fp is None:
            self.undefined += 1
            return
        rep = self.rep_of.get(fp)
        if rep is None:
            self.rep_of[fp] = t
            self.members[fp] = [t]
            self.fingerprints[t] = fp
            self.reps.setdefault(s, []).append(t)
            return
        members = self.members[fp]
        for other in members[: self.pairs]:
            self._candidate(t, other)
        if len(members) < self.pairs:
            members.append(t)

    def _candidate(self, t: Node, other: Node) -> None:
        left, right = (t, other) if size(t) >= size(other) else (other, t)
        if not free_vars(left) >= free_vars(right):
            return  # a variable only on the right: equal by accident of the test values
        _, _, key = canonical_equation(left, right)
        if key in self._keys:
            return
        self._keys.add(key)
        self.candidates.append(Candidate(left, right, close(left, right), key))

    def run(self, max_size: int) -> list[Candidate]:
        """Enumerate every term up to ``max_size``; returns the candidates, smallest first."""
        for v in self.variables:
            t = Var(v)
            self._add(t, self._leaf_fp(t), 1)
        zero = Const(self.sig.zero)
        self._add(zero, self._leaf_fp(zero), 1)
        for s in range(2, max_size + 1):
            for fn, arity in self.functions:
                for sizes in _compositions(s - 1, arity):
                    pools = [self.reps.get(k, []) for k in sizes]
                    for args in itertools.product(*pools):
                        t = App(fn, args)
                        fps = [self.fingerprints[a] for a in args]
                        fp = []
                        for vals in zip(*fps):
                            v = self.ev.apply(fn, vals)
                            if v is None:
                                fp = None
                                break
                            fp.append(v)
                        self._add(t, tuple(fp) if fp is not None else None, s)
        self.candidates.sort(key=lambda c: (max(size(c.left), size(c.right)), c.size, c.key))
        return self.candidates


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Ordered ways to write ``total`` as ``parts`` positive sizes."""
    if parts == 1:
        yield (total,)
        return
    for first in range(1, total - parts + 2):
        for rest in _compositions(total - first, parts - 1):
            yield (first,) + rest
