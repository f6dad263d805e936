"""Deciding premises ⊢ conclusion with Z3, over one uninterpreted sort.

Two checks decide every case: premises ∧ ¬conclusion (unsat: True) and premises ∧ conclusion
(unsat: False); both unsat means the premises are Inconsistent, both sat means Uncertain.
Explanations: a minimal unsat core over the premises (deletion-minimised), and for Uncertain the
smallest finite model found by bounding the domain to 1, 2, ... elements.
Each call uses a fresh Z3 context with fixed seeds, so results do not depend on call order.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Sequence

import z3
from z3 import z3core

from nsp.logic.analysis import signature
from nsp.logic.ir import Node
from nsp.logic.walk import Descend, Done, scoped
from provers.outcome import Model, Outcome, Verdict

PROVER = "z3"
MAX_MODEL_SIZE = 6
MAX_TABLE = 4096  # largest predicate/function table listed in a model


class _Budget:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def ms(self) -> int:
        return max(1, int((self.deadline - time.monotonic()) * 1000))

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.deadline


@dataclass
class Translation:
    """IR formulas turned into Z3 expressions in one context."""

    ctx: z3.Context
    sort: z3.SortRef
    decls: dict  # symbol name -> z3 FuncDeclRef (constants: 0-ary)
    exprs: list  # z3 BoolRef per formula, in order


def translate(formulas: Sequence[Node], ctx: z3.Context | None = None) -> Translation:
    """Translate formulas sharing one signature (raises SignatureError on a clash).

    Bound variables become de Bruijn indices (``z3.Var``) and quantifiers are built directly with
    ``Z3_mk_quantifier``, so translation is linear in the formula's size at any nesting depth.
    """
    ctx = ctx or z3.Context()
    sort = z3.DeclareSort("U", ctx)
    boolean = z3.BoolSort(ctx)
    decls = {}
    for sym in signature(formulas).values():
        rng = boolean if sym.kind == "predicate" else sort
        decls[sym.name] = z3.Function(sym.name, *([sort] * sym.arity), rng)
    free_consts: dict[str, z3.ExprRef] = {}

    def free(name: str) -> z3.ExprRef:  # a free variable (callers normally close formulas)
        if name not in free_consts:
            free_consts[name] = z3.Const(f"?{name}", sort)
        return free_consts[name]

    def quantifier(forall: bool, names: tuple, body: z3.ExprRef) -> z3.ExprRef:
        k = len(names)
        sorts = (z3core.Sort * k)(*[sort.ast] * k)
        symbols = (z3core.Symbol * k)(*[z3.to_symbol(n, ctx) for n in names])
        ast = z3core.Z3_mk_quantifier(ctx.ref(), forall, 1, 0, None, k, sorts, symbols, body.as_ast())
        return z3.QuantifierRef(ast, ctx)

    def build(n: Node, cs: list):
        k = n.kind
        if k in ("const", "app", "atom"):
            d = decls[n.payload]
            return d(*cs) if cs else d()
        if k == "eq":
            return cs[0] == cs[1]
        if k == "not":
            return z3.Not(cs[0])
        if k == "and":
            return z3.And(*cs)
        if k == "or":
            return z3.Or(*cs)
        if k == "implies":
            return z3.Implies(cs[0], cs[1])
        if k == "iff":
            return cs[0] == cs[1]
        if k == "xor":
            return z3.Xor(cs[0], cs[1])
        if k in ("forall", "exists"):
            return quantifier(k == "forall", n.payload, cs[0])
        if k == "top":
            return z3.BoolVal(True, ctx)
        if k == "bottom":
            return z3.BoolVal(False, ctx)
        raise TypeError(f"Z3 bridge cannot translate node kind {k!r}")

    def visit(n: Node, env: tuple):
        positions, depth = env
        if n.kind == "var":
            if n.payload in positions:
                return Done(z3.Var(depth - 1 - positions[n.payload], sort))
            return Done(free(n.payload))
        if not n.children:
            return Done(build(n, []))
        if n.kind in ("forall", "exists"):
            inner = dict(positions)
            for i, v in enumerate(n.payload):
                inner[v] = depth + i
            return Descend(((inner, depth + len(n.payload)),), lambda cs, n=n: build(n, cs))
        return Descend((env,) * len(n.children), lambda cs, n=n: build(n, cs))

    exprs = [scoped(f, ({}, 0), visit) for f in formulas]
    return Translation(ctx, sort, decls, exprs)


def _solver(ctx: z3.Context) -> z3.Solver:
    s = z3.Solver(ctx=ctx)
    s.set("random_seed", 0)
    return s


def _check(ctx, facts: list, budget: _Budget):
    """sat/unsat/unknown of the conjunction of facts, within the budget; with the solver."""
    if budget.expired:
        return z3.unknown, None, "timeout"
    s = _solver(ctx)
    s.set("timeout", budget.ms())
    s.add(*facts)
    r = s.check()
    return r, s, (s.reason_unknown() if r == z3.unknown else "")


def minimal_core(ctx, premises: list, extra: list, budget: _Budget) -> tuple[int, ...] | None:
    """Indices of a minimal subset of ``premises`` that with ``extra`` is unsat (None: no time)."""
    s = _solver(ctx)
    s.set("timeout", budget.ms())
    flags = [z3.Bool(f"!p{i}", ctx) for i in range(len(premises))]
    for f, p in zip(flags, premises):
        s.add(z3.Implies(f, p))
    s.add(*extra)
    if s.check(*flags) != z3.unsat:
        return None
    core = sorted(int(str(c)[2:]) for c in s.unsat_core())
    # Deletion-based minimisation: drop each premise the rest can do without.
    i = 0
    while i < len(core):
        if budget.expired:
            return tuple(core)
        trial = core[:i] + core[i + 1 :]
        s.set("timeout", budget.ms())
        if s.check(*[flags[j] for j in trial]) == z3.unsat:
            core = trial
        else:
            i += 1
    return tuple(core)


def small_model(tr: Translation, facts: list, budget: _Budget, max_size: int = MAX_MODEL_SIZE) -> Model | None:
    """The smallest model of ``facts`` with at most ``max_size`` elements, else Z3's own."""
    ctx, sort = tr.ctx, tr.sort
    x = z3.Const("!x", sort)
    for n in range(1, max_size + 1):
        if budget.expired:
            return None
        elems = [z3.Const(f"!e{i}", sort) for i in range(n)]
        bound = z3.ForAll([x], z3.Or(*[x == e for e in elems])) if n > 1 else z3.ForAll([x], x == elems[0])
        s = _solver(ctx)
        s.set("timeout", max(1, budget.ms() // 2))
        s.add(*facts, bound)
        if s.check() == z3.sat:
            return _extract(tr, s.model())
    r, s, _ = _check(ctx, facts, budget)
    return _extract(tr, s.model()) if r == z3.sat else None


def _extract(tr: Translation, m: z3.ModelRef) -> Model:
    universe = m.get_universe(tr.sort) or []
    names = {str(e): f"e{i}" for i, e in enumerate(universe)}
    domain = tuple(names[str(e)] for e in universe)

    def elem(expr) -> str:
        v = m.eval(expr, model_completion=True)
        return names.get(str(v), str(v))

    constants, functions, predicates, omitted = {}, {}, {}, []
    for name, d in tr.decls.items():
        arity = d.arity()
        if arity == 0 and d.range() == tr.sort:
            constants[name] = elem(d())
            continue
        if len(universe) ** arity > MAX_TABLE:
            omitted.append(name)
            continue
        rows = []
        for args in itertools.product(universe, repeat=arity):
            value = m.eval(d(*args), model_completion=True)
            arg_names = tuple(names[str(a)] for a in args)
            if d.range() == tr.sort:
                rows.append((arg_names, names.get(str(value), str(value))))
            elif z3.is_true(value):
                rows.append(arg_names)
        (functions if d.range() == tr.sort else predicates)[name] = rows
    return Model(domain, constants, functions, predicates, tuple(omitted))


def decide(
    premises: Sequence[Node],
    conclusion: Node,
    timeout: float = 10.0,
    explain: bool = True,
    cores: bool = False,
) -> Verdict:
    """Decide premises ⊢ conclusion (see module docstring). ``timeout`` bounds the whole call.
    ``explain``: premises used (minimal cores) and models; ``cores``: the minimal cores alone."""
    start = time.monotonic()
    budget = _Budget(timeout)
    tr = translate(list(premises) + [conclusion])
    prem, conc = tr.exprs[:-1], tr.exprs[-1]
    ctx = tr.ctx

    r_neg, _, why_neg = _check(ctx, prem + [z3.Not(conc)], budget)  # unsat: entailed
    r_pos, _, why_pos = _check(ctx, prem + [conc], budget)  # unsat: refuted

    def done(outcome, reason="", used=None, countermodel=None, model=None):
        return Verdict(outcome, PROVER, time.monotonic() - start, reason, used, countermodel, model)

    core = explain or cores
    if r_neg == z3.unsat and r_pos == z3.unsat:
        return done(Outcome.INCONSISTENT, used=minimal_core(ctx, prem, [], budget) if core else None)
    if r_neg == z3.unsat and r_pos == z3.sat:
        return done(Outcome.TRUE, used=minimal_core(ctx, prem, [z3.Not(conc)], budget) if core else None)
    if r_pos == z3.unsat and r_neg == z3.sat:
        return done(Outcome.FALSE, used=minimal_core(ctx, prem, [conc], budget) if core else None)
    if r_neg == z3.sat and r_pos == z3.sat:
        if not explain:
            return done(Outcome.UNCERTAIN)
        counter = small_model(tr, prem + [z3.Not(conc)], budget)
        model = small_model(tr, prem + [conc], budget)
        return done(Outcome.UNCERTAIN, countermodel=counter, model=model)
    # One side unknown: the other side alone cannot separate e.g. True from Inconsistent.
    reasons = []
    if r_neg == z3.unknown:
        reasons.append(f"premises ∧ ¬conclusion: {why_neg or 'unknown'}")
    if r_pos == z3.unknown:
        reasons.append(f"premises ∧ conclusion: {why_pos or 'unknown'}")
    return done(Outcome.UNKNOWN, reason="; ".join(reasons))


def consistent(premises: Sequence[Node], timeout: float = 10.0) -> Verdict:
    """Are the premises satisfiable? Inconsistent (with a minimal core), Uncertain (they have a
    model: nothing follows either way about no conclusion), or Unknown."""
    start = time.monotonic()
    budget = _Budget(timeout)
    tr = translate(list(premises))
    r, _, why = _check(tr.ctx, tr.exprs, budget)
    elapsed = lambda: time.monotonic() - start  # noqa: E731
    if r == z3.unsat:
        return Verdict(Outcome.INCONSISTENT, PROVER, elapsed(), used=minimal_core(tr.ctx, tr.exprs, [], budget))
    if r == z3.sat:
        return Verdict(Outcome.UNCERTAIN, PROVER, elapsed(), reason="premises are satisfiable")
    return Verdict(Outcome.UNKNOWN, PROVER, elapsed(), reason=why or "unknown")
