"""Least finite models by grounding to SAT: the models ``decide(explain=True)`` gives for Uncertain.

Over a domain of exactly n elements ``e0 .. e(n-1)`` a first-order problem is propositional: a
quantifier is the conjunction (∀) or disjunction (∃) of its body over every tuple of elements,
a predicate entry ``P(ei, ej)`` is a Boolean variable, and a constant's or a function entry's
value is one of n variables of which exactly one holds (one-hot, so every value is in the
domain and the elements are distinct). :class:`Grounding` writes the problem that way as CNF
(Tseitin gates, folded where a part is constant), and a SAT solver from PySAT (MiniSat 2.2)
answers each question in microseconds where an SMT check of the same grounding costs a tenth of
a millisecond.

:func:`least_models` gives the **least model** of each side of an Uncertain problem (premises ∧
¬conclusion, premises ∧ conclusion): the smallest domain size with a model, then each table
entry in a fixed order (constants, then functions, then predicates, each kind by name; argument
tuples in order) takes the first value any model of that size allows, given the entries before
it (element e0 before e1; false before true). Every step asks whether a model with these values
exists, a fact about the problem, so the model is the same whichever solver answers: the
quantified search in :mod:`provers.z3_bridge` (``_least_model`` under a domain bound) finds the
same one. Each SAT call runs under a conflict budget, a deterministic limit; a call that exhausts
it, a grounding over ``MAX_GROUND`` nodes or a side with no model of up to ``MAX_MODEL_SIZE``
elements gives None, and the caller searches the quantified way.
"""

from __future__ import annotations

import itertools
from typing import Callable, Sequence

from pysat.solvers import Solver

from nsp.logic.ir import Node
from provers.outcome import Model

MAX_MODEL_SIZE = 6  # largest domain searched
MAX_TABLE = 4096  # largest predicate/function table listed in a model (larger ones: ``omitted``)
MAX_GROUND = 50_000  # largest grounding (formula nodes) built
CONFLICT_BUDGET = 100_000  # per SAT call: past it the call is left open (deterministic, unlike a clock)
SAT_SOLVER = "minisat22"

T, F = 1, -1  # variable 1 is fixed true: the literals of the constants true and false


class Open(Exception):
    """A SAT call exhausted its conflict budget."""


class TooLarge(Exception):
    """A grounding past ``MAX_GROUND`` nodes."""


class Grounding:
    """The formulas of one problem over ``n`` elements as CNF clauses (:meth:`formula` gives a
    formula's literal). Entry variables are made on first use: :meth:`pred` for a predicate
    entry, :meth:`value` for the one-hot value of a constant's or function's entry."""

    def __init__(self, n: int):
        self.n = n
        self.top = 1
        self.clauses: list[list[int]] = [[T]]
        self.preds: dict[tuple, int] = {}
        self.values: dict[tuple, list[int]] = {}
        self.gates: dict[tuple, int] = {}
        self.symbols: dict[str, tuple[bool, int]] = {}  # name -> (is a predicate, arity), as met
        self.nodes = 0
        self.elems = [[T if i == j else F for i in range(n)] for j in range(n)]  # "= ei" literals of element j

    def new(self) -> int:
        self.top += 1
        return self.top

    def pred(self, name: str, args: tuple) -> int:
        v = self.preds.get((name, args))
        if v is None:
            v = self.preds[(name, args)] = self.new()
        return v

    def value(self, name: str, args: tuple):
        """The literals "entry = ej" for each j (exactly one holds); over one element, 0."""
        if self.n == 1:
            return 0
        vs = self.values.get((name, args))
        if vs is None:
            vs = self.values[(name, args)] = [self.new() for _ in range(self.n)]
            self.clauses.append(list(vs))
            self.clauses.extend([-a, -b] for a, b in itertools.combinations(vs, 2))
        return vs

    # ---- gates (folded where an input is constant; one gate per distinct input set)

    def conj(self, lits: Sequence[int]) -> int:
        kept = set()
        for x in lits:
            if x == F or -x in kept:
                return F
            if x != T:
                kept.add(x)
        if not kept:
            return T
        if len(kept) == 1:
            return next(iter(kept))
        key = tuple(sorted(kept))
        g = self.gates.get(key)
        if g is None:
            g = self.gates[key] = self.new()
            self.clauses.extend([-g, x] for x in key)
            self.clauses.append([g] + [-x for x in key])
        return g

    def disj(self, lits: Sequence[int]) -> int:
        return -self.conj([-x for x in lits])

    def iff(self, a: int, b: int) -> int:
        if a == b:
            return T
        if a == -b:
            return F
        if a in (T, F):
            return b if a == T else -b
        if b in (T, F):
            return a if b == T else -a
        return self.disj([self.conj([a, b]), self.conj([-a, -b])])

    # ---- terms and formulas

    def _lits(self, t) -> list[int]:
        """The value literals of a term: an element's index or a list already."""
        return self.elems[t] if type(t) is int else t

    def formula(self, f: Node, free: Callable[[str], object]) -> int:
        """The literal of formula ``f`` (its clauses added, its symbols noted in ``symbols``);
        ``free(name)``: a free variable's value. Raises :class:`TooLarge` past ``MAX_GROUND``
        nodes in all, RecursionError on a formula nested past Python's stack."""
        return self._visit(f, {}, free)

    def _visit(self, node: Node, env: dict, free):
        """A formula's literal, or a term's value: an element's index where it is known, else
        its n value literals."""
        self.nodes += 1
        if self.nodes > MAX_GROUND:
            raise TooLarge
        k = node.kind
        if k == "var":
            return env[node.payload] if node.payload in env else free(node.payload)
        if k == "atom" or k == "const" or k == "app":
            self.symbols[node.payload] = (k == "atom", len(node.children))
            cs = [self._visit(c, env, free) for c in node.children]
            if all(type(t) is int for t in cs):  # the arguments are known elements
                return self.pred(node.payload, tuple(cs)) if k == "atom" else self.value(node.payload, tuple(cs))
            pairs = []
            for args in itertools.product(range(self.n), repeat=len(cs)):
                lit = self.conj([self._lits(t)[a] for t, a in zip(cs, args)])
                if lit != F:
                    pairs.append((args, lit))
            if k == "atom":
                return self.disj([self.conj([lit, self.pred(node.payload, args)]) for args, lit in pairs])
            return [self.disj([self.conj([lit, self._lits(self.value(node.payload, args))[j]]) for args, lit in pairs])
                    for j in range(self.n)]
        if k == "forall" or k == "exists":
            names, body = node.payload, node.children[0]
            parts = []
            for t in itertools.product(range(self.n), repeat=len(names)):
                inner = dict(env)
                inner.update(zip(names, t))
                parts.append(self._visit(body, inner, free))
            return self.conj(parts) if k == "forall" else self.disj(parts)
        if k == "not":
            return -self._visit(node.children[0], env, free)
        if k == "and":
            return self.conj([self._visit(c, env, free) for c in node.children])
        if k == "or":
            return self.disj([self._visit(c, env, free) for c in node.children])
        if k == "implies":
            return self.disj([-self._visit(node.children[0], env, free), self._visit(node.children[1], env, free)])
        if k == "iff" or k == "xor":
            r = self.iff(self._visit(node.children[0], env, free), self._visit(node.children[1], env, free))
            return r if k == "iff" else -r
        if k == "eq":
            a, b = (self._visit(c, env, free) for c in node.children)
            if type(a) is int and type(b) is int:
                return T if a == b else F
            a, b = self._lits(a), self._lits(b)
            return self.disj([self.conj([x, y]) for x, y in zip(a, b)])
        if k == "top":
            return T
        if k == "bottom":
            return F
        raise TypeError(f"cannot ground node kind {k!r}")


class _Sat:
    """One PySAT solver over a grounding's clauses; :meth:`solve` under the conflict budget."""

    def __init__(self, clauses: list[list[int]]):
        self.solver = Solver(name=SAT_SOLVER, bootstrap_with=clauses)

    def solve(self, assumptions: list[int]) -> list[int] | None:
        """The model (a list: literal of variable v at v - 1) or None (no model); raises
        :class:`Open` past the budget."""
        self.solver.conf_budget(CONFLICT_BUDGET)
        r = self.solver.solve_limited(assumptions=assumptions)
        if r is None:
            raise Open
        return self.solver.get_model() if r else None

    def close(self) -> None:
        self.solver.delete()


def least_models(premises: Sequence[Node], conclusion: Node, expired: Callable[[], bool] = lambda: False
                 ) -> tuple[Model, Model] | None:
    """The least models (module docstring) of premises ∧ ¬conclusion and of premises ∧ conclusion,
    each of its smallest size up to ``MAX_MODEL_SIZE``; None when a side has none that small, a
    grounding would exceed ``MAX_GROUND`` nodes, a SAT call is left open or ``expired()`` (the
    caller's clock) says stop. Each name must have one kind and arity across the formulas
    (``decide`` has checked that before it asks)."""
    found: dict[str, Model] = {}
    for n in range(1, MAX_MODEL_SIZE + 1):
        if expired():
            return None
        g = Grounding(n)
        frees: dict = {}

        def free(name: str, g=g, frees=frees):
            if name not in frees:
                frees[name] = g.value(f"?{name}", ())
            return frees[name]

        try:
            facts = [g.formula(f, free) for f in premises]
            conc = g.formula(conclusion, free)
        except (TooLarge, RecursionError):  # the quantified search takes it
            return None
        table = g.symbols  # the same at every size
        order = sorted(table, key=lambda name: (2 if table[name][0] else 1 if table[name][1] else 0, name))
        g.clauses.extend([x] for x in facts)
        entries, omitted = _entries(g, table, order)
        g.clauses.append([g.top, -g.top])  # every variable made is the solver's (its model lists them all)
        sat = _Sat(g.clauses)
        try:
            for side, lit in (("neg", -conc), ("pos", conc)):
                if side in found or lit == F:
                    continue
                try:
                    m = _least(sat, [] if lit == T else [lit], entries, expired)
                except Open:
                    return None
                if m is None and expired():
                    return None
                if m is not None:
                    found[side] = table_model(n, order, table, entries, m, omitted)
        finally:
            sat.close()
        if len(found) == 2:
            return found["neg"], found["pos"]
    return None


def _entries(g: Grounding, table: dict, order: list[str]) -> tuple[list[tuple], tuple[str, ...]]:
    """The table entries in order: (name, argument tuple, literals of its values: one for a
    predicate, n one-hot for a constant or function, is a predicate); and the symbols left out."""
    entries, omitted = [], []
    for name in order:
        pred, arity = table[name]
        if g.n ** arity > MAX_TABLE:
            omitted.append(name)
            continue
        for args in itertools.product(range(g.n), repeat=arity):
            lits = [g.pred(name, args)] if pred else g._lits(g.value(name, args))
            entries.append((name, args, lits, pred))
    return entries, tuple(omitted)


def _least(sat: _Sat, fixed: list[int], entries: list[tuple], expired: Callable[[], bool]) -> list[int] | None:
    """The least model's values of the entries, in order, under the literals ``fixed`` (the
    side); None when there is no model or ``expired()``. Only values before the current model's
    own are tried: the current model agrees with every entry settled so far."""
    model = sat.solve(fixed)
    if model is None:
        return None
    fixed = list(fixed)
    vals: list[int] = []
    for _, _, lits, pred in entries:  # entry variables are positive: model[v - 1] > 0 when v holds
        v = (model[lits[0] - 1] > 0) if pred else next(j for j, x in enumerate(lits) if model[x - 1] > 0)
        for j in range(v):
            if expired():
                return None
            trial = -lits[0] if pred else lits[j]
            found = sat.solve(fixed + [trial])
            if found is not None:
                model, v = found, j
                break
        vals.append(int(v))
        lit = (lits[0] if v else -lits[0]) if pred else lits[v]
        if lit != T:
            fixed.append(lit)
    return vals


def table_model(n: int, order: list[str], table: dict, entries: list[tuple], vals: list[int],
                omitted: tuple[str, ...]) -> Model:
    """The :class:`Model` over ``e0 .. e(n-1)`` whose table entries (``(name, argument indices,
    _, is a predicate)``, in order) take the values ``vals`` (element indices; 0/1 for a
    predicate); ``table``: name -> (is a predicate, arity), listed in ``order``, except
    ``omitted``."""
    domain = tuple(f"e{i}" for i in range(n))
    constants, functions, predicates = {}, {}, {}
    for name in order:
        if name in omitted:
            continue
        if table[name][0]:
            predicates[name] = []
        elif table[name][1]:
            functions[name] = []
    for (name, args, _, pred), v in zip(entries, vals):
        names = tuple(domain[a] for a in args)
        if pred:
            if v:
                predicates[name].append(names)
        elif args:
            functions[name].append((names, domain[v]))
        else:
            constants[name] = domain[v]
    return Model(domain, constants, functions, predicates, omitted)
