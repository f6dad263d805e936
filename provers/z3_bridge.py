"""Deciding premises ⊢ conclusion with Z3, over one uninterpreted sort.

Two checks decide every case: premises ∧ ¬conclusion (unsat: True) and premises ∧ conclusion
(unsat: False); both unsat means the premises are Inconsistent, both sat means Uncertain.
Explanations (``decide(explain=True)``): the problem's own minimal core over the premises, and
for Uncertain the least model of each side (the smallest size, then each table entry's first
possible value), found by SAT on groundings over 1, 2, ... elements
(:func:`provers.finite.least_models`), else by :func:`_least_model` on Z3 with a quantified bound
on the domain. Two kinds of core:
``decide(cores=True)`` minimises the core Z3 finds first (so it depends on Z3's search; recorded
synth theorems depend on it); explanations, :func:`decide_core` and ``entails(used=True)`` give
the problem's own core, deletion in index order from all premises (:func:`_deletion_core`). Own
cores and least models are the same on any solver in any call order wherever every check
decides, so they are asked of the per-thread solver first.

Every question about one item is put to one :class:`Session`: one Z3 context and one solver with
fixed seeds, translations cached per IR node. ``decide`` asserts each premise behind an
assumption literal, and the conclusion and its negation behind two more, once; the two checks,
the core minimisation and the model search are then checks under assumptions (models: inside a
push/pop), so nothing is built twice. Nothing is shared between items, so results do not depend
on call order. A verdict alone (``decide`` without explanations), an explained verdict (own core
or least models), an own core and a backbone are asked first of one context and solver kept per
thread (:class:`_Quick`, push/pop, ``QUICK_RLIMIT``): only a decided pair
of checks is taken from it (sat and unsat do not depend on what the solver saw before); a check
it leaves open sends the problem to a fresh session as above. So a verdict is the isolated
path's, in any call order, wherever that path decides; only a problem the isolated path leaves
Unknown (its rlimit ran out) could be decided here, correctly, depending on what came before
(none in the benches' 3,288 problems, the FOLIO mutants or the Peano graph). Budgets
(:mod:`provers.limits`): each check runs under a Z3 resource limit (``rlimit``, deterministic);
the wall-clock ``timeout`` only guards against hangs, and a check it stops says so in the
verdict's reason. :class:`Z3Prover` is the back end of :mod:`provers.base` (registered as
``z3``).
"""


from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Sequence

import z3
from z3 import z3core
from z3.z3 import _to_expr_ref

from nsp.interrupt import holding
from nsp.logic.analysis import signature
from nsp.logic.ir import Node
from nsp.logic.walk import Descend, Done, scoped
from provers.base import Entailment
from provers.finite import MAX_MODEL_SIZE, MAX_TABLE, least_models, table_model
from provers.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT, HANG_GUARD
from provers.outcome import Model, Outcome, Verdict

PROVER = "z3"
FIRST_TRY_RLIMIT = 100_000  # the incremental check's budget (99.9 % of checks need < 30,000)
QUICK_RLIMIT = 20_000  # the per-thread solver's budget per check (0.3 % of FOLIO problems need more)


class _Budget:
    """The wall-clock hang guard of one call (a deadline)."""

    def __init__(self, seconds: float | None):
        self.seconds = DEFAULT_TIMEOUT if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds

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


@holding
def translate(formulas: Sequence[Node], ctx: z3.Context | None = None) -> Translation:
    """Translate formulas sharing one signature (raises SignatureError on a clash).

    Bound variables become de Bruijn indices (``z3.Var``) and quantifiers are built directly with
    ``Z3_mk_quantifier``, so translation is linear in the formula's size at any nesting depth.
    """
    ctx = ctx or _context()
    sort = z3.DeclareSort("U", ctx)
    boolean = z3.BoolSort(ctx)
    decls = {}
    for sym in signature(formulas).values():
        rng = boolean if sym.kind == "predicate" else sort
        decls[sym.name] = z3.Function(sym.name, *([sort] * sym.arity), rng)
    return Translation(ctx, sort, decls, _exprs(formulas, ctx, sort, decls))


def _exprs(formulas: Sequence[Node], ctx: z3.Context, sort: z3.SortRef, decls: dict) -> list:
    """The formulas as Z3 expressions (z3 module objects), built by :func:`_raw_exprs`."""
    c = ctx.ref()
    raw = {name: d.ast for name, d in decls.items()}
    free_consts: dict = {}

    def free(name: str):
        if name not in free_consts:  # a free variable (callers normally close formulas)
            free_consts[name] = z3.Const(f"?{name}", sort)
        return free_consts[name].as_ast()

    out = []
    for a in _raw_exprs(formulas, c, sort.ast, raw, free, lambda x: z3.to_symbol(x, ctx)):
        out.append(_to_expr_ref(a, ctx))
        z3core.Z3_dec_ref(c, a)
    return out


def _arr(cs):
    return (z3core.Ast * len(cs))(*cs)


def _build(c, raw: dict, u, symbol, n: Node, cs: list):
    """The AST of node ``n`` over its children's ASTs ``cs`` (it takes over their references
    and holds one on the result); see :func:`_raw_exprs`."""
    k = n.kind
    if k in ("const", "app", "atom"):
        a = z3core.Z3_mk_app(c, raw[n.payload], len(cs), _arr(cs) if cs else None)
    elif k in ("eq", "iff"):
        # as ``x == y`` in the z3 module: with y a quantifier and x not, Python asks y first
        quant = tuple(ch.kind in ("forall", "exists") for ch in n.children)
        x, y = (cs[1], cs[0]) if quant == (False, True) else (cs[0], cs[1])
        a = z3core.Z3_mk_eq(c, x, y)
    elif k == "not":
        a = z3core.Z3_mk_not(c, cs[0])
    elif k == "and":
        a = z3core.Z3_mk_and(c, len(cs), _arr(cs))
    elif k == "or":
        a = z3core.Z3_mk_or(c, len(cs), _arr(cs))
    elif k == "implies":
        a = z3core.Z3_mk_implies(c, cs[0], cs[1])
    elif k == "xor":
        a = z3core.Z3_mk_xor(c, cs[0], cs[1])
    elif k in ("forall", "exists"):
        names = n.payload
        m = len(names)
        sorts = (z3core.Sort * m)(*[u] * m)
        symbols = (z3core.Symbol * m)(*[symbol(x) for x in names])
        a = z3core.Z3_mk_quantifier(c, k == "forall", 1, 0, None, m, sorts, symbols, cs[0])
    elif k == "top":
        a = z3core.Z3_mk_true(c)
    elif k == "bottom":
        a = z3core.Z3_mk_false(c)
    else:
        raise TypeError(f"Z3 bridge cannot translate node kind {k!r}")
    z3core.Z3_inc_ref(c, a)
    for x in cs:
        z3core.Z3_dec_ref(c, x)
    return a


def _raw_exprs(formulas: Sequence[Node], c, u, raw: dict, free, symbol) -> list:
    """The formulas as Z3 ASTs of context ``c`` (each reference-counted once: the caller
    releases them), built with Z3's C API directly (the Python wrappers' per-node objects and
    checks cost more than Z3 itself). ``raw``: symbol name -> func decl AST; ``free(name)``: the
    AST of a free variable; ``symbol(name)``: a Z3 symbol. Every node is reference-counted
    while its parent is built; the ASTs and their creation order are those the z3 module's
    ``And``/``Or``/``==``/... would make."""
    inc = z3core.Z3_inc_ref

    def own(a):
        inc(c, a)
        return a

    def build(n: Node, cs: list):
        return _build(c, raw, u, symbol, n, cs)

    def visit(n: Node, env: tuple):
        positions, depth = env
        if n.kind == "var":
            if n.payload in positions:
                return Done(own(z3core.Z3_mk_bound(c, depth - 1 - positions[n.payload], u)))
            return Done(own(free(n.payload)))
        if not n.children:
            return Done(build(n, []))
        if n.kind in ("forall", "exists"):
            inner = dict(positions)
            for i, v in enumerate(n.payload):
                inner[v] = depth + i
            return Descend(((inner, depth + len(n.payload)),), lambda cs, n=n: build(n, cs))
        return Descend((env,) * len(n.children), lambda cs, n=n: build(n, cs))

    return [scoped(f, ({}, 0), visit) for f in formulas]


# ---------------------------------------------------------------- the heap

_HEAP = {"kept": False}


def keep_heap() -> None:
    """Stop glibc from handing freed heap back to the OS (once per process).

    A Z3 context grows the heap by about 17 MB; when glibc trims it on delete, the next context
    faults every page in again (thousands of minor faults: 11-12 ms instead of under 1 ms per
    context). A high trim threshold, top pad and fixed mmap threshold keep the pages mapped.
    No effect off glibc."""
    if _HEAP["kept"]:
        return
    _HEAP["kept"] = True
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    mallopt(m_trim_threshold, 1 << 30)
    mallopt(m_top_pad, 64 << 20)
    mallopt(m_mmap_threshold, 32 << 20)


# Z3 would otherwise take over SIGINT during each check and, when the check finishes anyway, swallow
# the user's Ctrl-C. Off, nsp's handler sees every Ctrl-C and raises it once the Z3 call returns
# (nsp.interrupt.held; the call is bounded by its rlimit and timeout).
z3.set_param("ctrl_c", False)


def _context() -> z3.Context:
    """A new Z3 context, made with SIGINT/SIGTERM held back: a handler that raised half-way through
    ``Context.__init__`` would leave an object whose ``__del__`` fails at exit. The signal is
    delivered right after (the mask is restored whatever is raised)."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, ())  # the mask now: a signal already in may raise here
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # may raise once blocked
        return z3.Context()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


# ---------------------------------------------------------------- sessions


def _why(solver: z3.Solver, guard_seconds: float, rlimit: int, clock_ran_out: bool) -> str:
    """Z3's reason for unknown, naming what stopped the check: "timeout" is Z3's timer, the
    hang guard. In some modes (push/pop, assumptions) Z3 says "canceled" both when its timer
    fires and when the rlimit runs out, so a cancel is the guard's only when the check ran for
    the whole timeout it had (``clock_ran_out``) or no rlimit bounded it, else the rlimit's."""
    why = solver.reason_unknown() or "unknown"
    if "interrupted from keyboard" in why:  # Z3 caught the user's Ctrl-C: it is the user's, not a verdict
        raise KeyboardInterrupt
    if "resource limit" in why or ("canceled" in why and rlimit and not clock_ran_out):
        return f"rlimit exhausted ({why})"
    if why == "timeout" or "canceled" in why:
        return f"{HANG_GUARD} ({guard_seconds:g} s): {why}"
    return why


def _rlimit_count(s: z3.Solver) -> int:
    stats = s.statistics()
    return int(stats.get_key_value("rlimit count")) if "rlimit count" in stats.keys() else 0


class Session:
    """One Z3 context and one solver for one job or item (see module docstring).

    ``rlimit``: resource units per check (0: none); ``timeout``: the wall-clock hang guard per
    check, in seconds (:meth:`check` also takes a deadline shared by a whole call).
    Translations are cached per IR node (or per caller-given key, e.g. a content id)."""

    @holding
    def __init__(self, rlimit: int | None = DEFAULT_RLIMIT, timeout: float | None = DEFAULT_TIMEOUT,
                 track_cost: bool = False):
        keep_heap()
        self.track_cost = track_cost  # keep ``last_cost`` (reads Z3's statistics after each check)
        self.ctx = _context()
        self.sort = z3.DeclareSort("U", self.ctx)
        self.rlimit = int(rlimit or 0)
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self.solver = self._new_solver()
        self._limits: tuple | None = None
        self._exprs: dict = {}
        self.decls: dict = {}
        self.checks = 0
        self.rlimit_total = 0  # the context's running count of resource units
        self.last_cost = 0  # units the last check used

    def _new_solver(self) -> z3.Solver:
        return z3.Solver(ctx=self.ctx)  # random_seed 0 is set with the limits, before any check

    # ---- translation

    @holding
    def exprs(self, formulas: Sequence[Node], keys: Sequence | None = None, together: bool = True) -> list:
        """Z3 expressions of the formulas, translated once per key (default: the node).
        ``together``: the missing ones in one translation (one signature: SignatureError on a
        clash), else one at a time."""
        keys = list(formulas) if keys is None else list(keys)
        missing: dict = {}
        for k, f in zip(keys, formulas):
            if k not in self._exprs and k not in missing:
                missing[k] = f
        groups = [list(missing.items())] if together else [[kf] for kf in missing.items()]
        for group in groups:
            if not group:
                continue
            tr = translate([f for _, f in group], self.ctx)
            self._exprs.update(zip([k for k, _ in group], tr.exprs))
            for name, d in tr.decls.items():
                self.decls.setdefault(name, d)
        return [self._exprs[k] for k in keys]

    def expr(self, formula: Node, key=None):
        return self.exprs([formula], None if key is None else [key])[0]

    def negation(self, formula: Node, key=None):
        return z3.Not(self.expr(formula, key))

    def flag(self, name: str):
        return z3.Bool(name, self.ctx)

    def raw_decls(self) -> dict:
        """name -> (func decl AST, arity, is a predicate) of the symbols translated so far."""
        return {name: (d.ast, d.arity(), d.range() != self.sort) for name, d in self.decls.items()}

    # ---- checks

    def _limit(self, s: z3.Solver, rlimit: int | None, guard: _Budget | None) -> tuple[int, int]:
        """Set the check's limits on ``s``; returns the (rlimit, timeout in ms) it runs under."""
        rl = self.rlimit if rlimit is None else int(rlimit)
        ms = guard.ms() if guard is not None else max(1, int(self.timeout * 1000))
        if s is not self.solver:
            s.set(random_seed=0, rlimit=rl, timeout=ms)
            return rl, ms
        # the session's solver: its hang guard is renewed only when the time left fell below
        # half of the one set (a guard, not a budget: setting parameters costs a call per check)
        if self._limits is None:
            s.set(random_seed=0, rlimit=rl, timeout=ms)
            self._limits = (rl, ms)
        elif self._limits[0] != rl or ms < self._limits[1] // 2:
            s.set(rlimit=rl, timeout=ms)
            self._limits = (rl, ms)
        return self._limits

    @holding
    def check(self, assumptions: Sequence = (), rlimit: int | None = None, guard: _Budget | None = None,
              solver: z3.Solver | None = None):
        """sat/unsat/unknown of the solver's assertions under the assumptions; with the reason
        when unknown. ``guard``: a deadline shared by the whole call (default: ``timeout`` per
        check)."""
        s = solver or self.solver
        if guard is not None and guard.expired:
            return z3.unknown, f"{HANG_GUARD} ({guard.seconds:g} s): timeout"
        rl, ms = self._limit(s, rlimit, guard)
        start = time.monotonic()
        r = z3.CheckSatResult(self._call(s, [a.as_ast() for a in assumptions]))
        ran = time.monotonic() - start  # Z3's timer starts inside the call: it fired only if ran >= ms
        if self.track_cost:
            total = _rlimit_count(s)
            self.last_cost, self.rlimit_total = total - self.rlimit_total, total
        if r != z3.unknown:
            return r, ""
        return r, _why(s, guard.seconds if guard is not None else self.timeout, rl, ran * 1000 >= ms)

    def check_raw(self, assumptions: Sequence, lits: Sequence, rlimit: int | None, guard: _Budget | None,
                  solver: z3.Solver) -> int:
        """Z3_lbool (-1, 0, 1) of ``solver`` under the assumptions (z3 expressions) and ``lits``
        (ASTs of this context): :meth:`check` without the reason."""
        if guard is not None and guard.expired:
            return 0
        self._limit(solver, rlimit, guard)
        return self._call(solver, [a.as_ast() for a in assumptions] + list(lits))

    def _call(self, solver: z3.Solver, asts: list) -> int:
        """Z3_lbool of one check under the assumption ASTs (z3's Solver.check without its
        per-literal Python sort checks), counted."""
        self.checks += 1
        return z3core.Z3_solver_check_assumptions(self.ctx.ref(), solver.solver, len(asts), _arr(asts))

    @contextmanager
    def scope(self, *facts):
        """Facts asserted for the duration of the block (push/pop)."""
        self.solver.push()
        try:
            self.solver.add(*facts)
            yield self.solver
        finally:
            self.solver.pop()

    @holding
    def fresh(self, *facts) -> z3.Solver:
        """A new solver in this context holding the facts (for callers whose recorded results
        were found with one solver per check)."""
        s = self._new_solver()
        s.add(*facts)
        return s

    # ---- questions

    @holding
    def entails(self, premises: Sequence[Node], goal: Node, rlimit: int | None = None,
                keys: Sequence | None = None, goal_key=None) -> Entailment:
        """Is premises ∧ ¬goal unsat? (push, add, check, pop on the session's solver)."""
        prem = [self.expr(p, k) for p, k in zip(premises, keys if keys is not None else premises)]
        g = self.expr(goal, goal_key)
        with self.scope(*prem, z3.Not(g)):
            r, why = self.check(rlimit=rlimit)
        return Entailment(True if r == z3.unsat else (False if r == z3.sat else None), None, why, self.last_cost)

    @holding
    def core(self, premises: Sequence[Node], goal: Node, rlimit: int | None = None,
             names: Sequence[str] | None = None, keys: Sequence | None = None, goal_key=None) -> Entailment:
        """premises ∧ ¬goal under one assumption literal per premise (named ``names``), on a
        fresh solver: ``used`` is Z3's unsat core (indices, not minimised)."""
        names = list(names) if names is not None else [f"!p{i}" for i in range(len(premises))]
        keys = list(keys) if keys is not None else list(premises)
        s = self._new_solver()
        flags = []
        for name, key, f in zip(names, keys, premises):
            flag = self.flag(name)
            s.add(z3.Implies(flag, self.expr(f, key)))
            flags.append(flag)
        s.add(z3.Not(self.expr(goal, goal_key)))
        r, why = self.check(flags, rlimit, solver=s)
        if r != z3.unsat:
            return Entailment(False if r == z3.sat else None, None, why, self.last_cost)
        index = {n: i for i, n in enumerate(names)}
        return Entailment(True, tuple(sorted(index[str(c)] for c in s.unsat_core())), "", self.last_cost)

    @holding
    def satisfiable(self, formulas: Sequence[Node], rlimit: int | None = None,
                    keys: Sequence | None = None) -> bool | None:
        """Does Z3 find a model of the formulas (fresh solver)? None: it could not tell."""
        keys = keys if keys is not None else formulas
        s = self.fresh(*[self.expr(f, k) for f, k in zip(formulas, keys)])
        r, _ = self.check(rlimit=rlimit, solver=s)
        return True if r == z3.sat else (False if r == z3.unsat else None)

    @holding
    def backbone(self, premises: Sequence[Node], atoms: Sequence[Node], rlimit: int | None = None):
        """The (index, value) of each atom whose value is the same in every model of the
        premises, in the order of ``atoms``; [] when the premises have no model or a check
        runs out. One solver: a model fixes a candidate value per atom; an atom is in the
        backbone when flipping it is unsat, and every model met rules out the atoms it flips."""
        if not atoms:
            return []
        exprs = self.exprs(list(premises) + list(atoms))
        prem, atom_exprs = exprs[: len(premises)], exprs[len(premises):]
        s = self.fresh(*prem)
        r, _ = self.check(rlimit=rlimit, solver=s)
        if r != z3.sat:
            return []
        c, raw = self.ctx.ref(), [e.as_ast() for e in atom_exprs]
        value = _values(c, s.solver, raw, range(len(raw)))

        def flip(i: int, rest: list[int]):
            s.push()
            try:
                s.add(z3.Not(atom_exprs[i]) if value[i] else atom_exprs[i])
                r, _ = self.check(rlimit=rlimit, solver=s)
                if r == z3.sat:
                    return 1, _values(c, s.solver, raw, rest)
                return (-1 if r == z3.unsat else 0), ()  # an open flip: the atom is left out
            finally:
                s.pop()

        return _backbone_search(value, flip)


# ---------------------------------------------------------------- one item: decide


class _Item:
    """One problem on one session: the premises behind assumption literals ``!p0..``, the
    conclusion and its negation behind ``!c`` and ``!n``, asserted once on the session's
    solver. Each verdict check is first one check under assumptions (Z3's incremental mode)
    within ``FIRST_TRY_RLIMIT`` units; a check that leaves open is put once more, as plain facts,
    to a fresh solver with the full ``rlimit`` (Z3's non-incremental mode, the one every verdict
    used to come from: its preprocessing decides some quantified problems the incremental mode
    does not, or only after a long search). Both are sound, so a verdict is never lost or
    changed, only reached sooner. Cores: deletion
    minimisation by checks under assumptions. Models: when SAT on groundings
    (:func:`provers.finite.least_models`) gives up, one check per domain size with the bound
    pushed (:meth:`small_model`)."""

    def __init__(self, session: Session, premises: Sequence[Node], conclusion: Node | None,
                 rlimit: int | None, guard: _Budget):
        self.session, self.rlimit, self.guard = session, rlimit, guard
        self.premises, self.conclusion = list(premises), conclusion
        formulas = list(premises) + ([conclusion] if conclusion is not None else [])
        exprs = session.exprs(formulas)  # SignatureError on a clash
        self.prem = exprs[: len(premises)]
        self.conc = exprs[-1] if conclusion is not None else None
        self.flags: list | None = None
        self.pos = self.neg = None
        self.fallbacks = 0  # checks put to a fresh solver

    def facts(self, side: str | None) -> list:
        if side is None:
            return list(self.prem)
        return self.prem + [z3.Not(self.conc) if side == "neg" else self.conc]

    def check(self, side: str | None = None):
        """sat/unsat/unknown of the premises (and the conclusion or its negation), with the
        reason when unknown (see the class docstring)."""
        self._assume()
        first = min(self.rlimit, FIRST_TRY_RLIMIT) if self.rlimit else FIRST_TRY_RLIMIT
        r, why = self._under(side, rlimit=first)
        if r == z3.unknown and not self.guard.expired:
            self.fallbacks += 1
            s = self.session.fresh(*self.facts(side))
            r, why = self.session.check((), self.rlimit, self.guard, solver=s)
        return r, why

    def _assume(self) -> None:
        if self.flags is not None:
            return
        session = self.session
        self.flags = [session.flag(f"!p{i}") for i in range(len(self.prem))]
        guarded = list(zip(self.flags, self.prem))
        if self.conc is not None:
            self.pos, self.neg = session.flag("!c"), session.flag("!n")
            guarded += [(self.pos, self.conc), (self.neg, z3.Not(self.conc))]
        c, solver = session.ctx.ref(), session.solver.solver
        for flag, e in guarded:  # flag → e, asserted through the C API
            a = z3core.Z3_mk_implies(c, flag.as_ast(), e.as_ast())
            z3core.Z3_inc_ref(c, a)
            z3core.Z3_solver_assert(c, solver, a)
            z3core.Z3_dec_ref(c, a)

    def _under(self, side: str | None, premises=None, rlimit: int | None = None):
        flags = self.flags if premises is None else [self.flags[i] for i in premises]
        lit = {"pos": self.pos, "neg": self.neg}.get(side)
        return self.session.check(flags + ([lit] if lit is not None else []), rlimit or self.rlimit, self.guard)

    def core(self, side: str | None) -> tuple[int, ...] | None:
        """Indices of a minimal set of premises that with ``side`` is unsat (deletion-minimised;
        None: not unsat within the budget)."""
        self._assume()
        r, _ = self._under(side)
        if r != z3.unsat:
            return None
        core = sorted(self.last_core())
        i = 0
        while i < len(core):
            if self.guard.expired:
                return tuple(core)
            trial = core[:i] + core[i + 1:]
            if self._under(side, trial)[0] == z3.unsat:
                core = trial
            else:
                i += 1
        return tuple(core)

    def last_core(self) -> set[int]:
        """Indices of the premises in the session solver's last unsat core."""
        index = {f.get_id(): i for i, f in enumerate(self.flags)}  # ASTs are hash-consed: one id per flag
        return _core_indices(self.session.ctx.ref(), self.session.solver.solver, index)

    def own_core(self, side: str | None) -> tuple[int, ...]:
        """The problem's own minimal core of ``side``, which the caller found unsat
        (:func:`_deletion_core`: deletion in index order from all premises; the core of a first
        check under assumptions only spares checks). A check left open keeps its premise."""
        self._assume()
        first = self.last_core() if self._under(side)[0] == z3.unsat else set(range(len(self.prem)))

        def check(kept: list[int]):
            if self.guard.expired:
                return 0, None
            r = self._under(side, kept)[0]
            if r == z3.unsat:
                return -1, self.last_core()
            return (1 if r == z3.sat else 0), None

        return _deletion_core(len(self.prem), first, check)

    def small_model(self, side: str | None, max_size: int = MAX_MODEL_SIZE) -> Model | None:
        """The least model (:func:`_least_model`) of the smallest size, at most ``max_size``
        elements, of the facts of ``side``; else Z3's own. Each domain size is one check under
        assumptions with the bound pushed on the session's solver (within ``FIRST_TRY_RLIMIT``),
        put to a fresh solver with the full rlimit when that leaves it open; the least-model
        search then runs on the solver that found the size, under the same budget. Half the time
        left guards each size. Where a size was left open (so the size found may not be the
        smallest) or a check of the search is left open, the model is Z3's own at that size."""
        self._assume()
        session, sort = self.session, self.session.sort
        lit = {"pos": self.pos, "neg": self.neg}.get(side)
        assumptions = self.flags + ([lit] if lit is not None else [])
        first = min(self.rlimit, FIRST_TRY_RLIMIT) if self.rlimit else FIRST_TRY_RLIMIT
        x = z3.Const("!x", sort)
        decls = session.raw_decls()
        smallest = True  # every size below n was found empty

        def least(s: z3.Solver, assume: list, rlimit: int | None, half: _Budget, n: int, smallest: bool):
            """The least model of size n on ``s`` (its last check: sat) when n is the smallest
            size, else (or when the search gives up) Z3's own there."""
            def check(lits):
                r = session.check_raw(assume, lits, rlimit, half, s)
                return None if r == 0 else r

            if smallest:
                found = _least_model(session.ctx.ref(), s.solver, sort.ast, decls, n, check)
                if found is not None:
                    return found
                if session.check(assume, rlimit, half, solver=s)[0] != z3.sat:  # the search's checks replaced the model
                    return None
            return _extract(session, s.model())

        for n in range(1, max_size + 1):
            if self.guard.expired:
                return None
            elems = [z3.Const(f"!e{i}", sort) for i in range(n)]
            bound = z3.ForAll([x], z3.Or(*[x == e for e in elems])) if n > 1 else z3.ForAll([x], x == elems[0])
            half = _Budget(max(0.001, (self.guard.deadline - time.monotonic()) / 2))
            with session.scope(bound):
                r, _ = session.check(assumptions, first, half)
                if r == z3.sat:
                    return least(session.solver, assumptions, first, half, n, smallest)
            if r == z3.unknown and not half.expired:
                s = session.fresh(*self.facts(side), bound)
                r = session.check((), self.rlimit, half, solver=s)[0]
                if r == z3.sat:
                    return least(s, [], self.rlimit, half, n, smallest)
            smallest = smallest and r == z3.unsat
        s = session.fresh(*self.facts(side))
        r, _ = session.check((), self.rlimit, self.guard, solver=s)
        return _extract(session, s.model()) if r == z3.sat else None


def _extract(tr, m: z3.ModelRef) -> Model:
    """A model's tables over the symbols of ``tr`` (a Session or a Translation)."""
    universe = m.get_universe(tr.sort) or []
    # elements by AST id (hash-consed: the same element is the same AST; printing is slow)
    names = {e.get_id(): f"e{i}" for i, e in enumerate(universe)}
    domain = tuple(names[e.get_id()] for e in universe)

    def elem(expr) -> str:
        v = m.eval(expr, model_completion=True)
        return names.get(v.get_id()) or str(v)

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
            arg_names = tuple(names[a.get_id()] for a in args)
            if d.range() == tr.sort:
                rows.append((arg_names, names.get(value.get_id()) or str(value)))
            elif z3.is_true(value):
                rows.append(arg_names)
        (functions if d.range() == tr.sort else predicates)[name] = rows
    return Model(domain, constants, functions, predicates, tuple(omitted))


# ---------------------------------------------------------------- verdicts alone: one solver per thread


class _Quick:
    """The verdict of ``decide`` without explanations, on one context and solver kept per
    thread (creating a context costs more than deciding a typical problem). Each problem is
    asserted inside a push/pop scope: its premises, and the conclusion and its negation behind
    the assumption literals ``!c`` and ``!n``; the two checks run under ``QUICK_RLIMIT``.
    Only a decided pair (sat or unsat on both sides) is used: sat and unsat are facts about the
    problem, not about the solver's history, so they are the same in any call order. Anything
    else (a check left open, the hang guard) goes to the isolated path (:class:`_Item` on a new
    :class:`Session`), which gives today's verdict and reason. Func decls are kept per
    (name, arity, kind), and each formula's AST per IR node (:meth:`asts`); what is asserted is
    released by the pop."""

    MAX_DECLS = 1 << 16  # a long-lived process meeting ever new symbols starts afresh past this
    MAX_CACHE = 1 << 15  # formulas whose ASTs are kept (all are dropped past this)
    MAX_USES = 10_000  # ... and after this many problems (bounds what it keeps across pops)
    WINDOW, SKIP = 16, 64  # when it left half of the last WINDOW problems open, skip the next SKIP

    def __init__(self):
        keep_heap()
        self.pid = os.getpid()
        self.ctx = _context()
        self.c = self.ctx.ref()
        self.sort = z3.DeclareSort("U", self.ctx)
        self.u = self.sort.ast
        self.solver = z3.Solver(ctx=self.ctx)
        self.s = self.solver.solver
        self.lits = [z3.Bool("!n", self.ctx), z3.Bool("!c", self.ctx)]  # kept alive with the session
        self.lit_asts = [x.as_ast() for x in self.lits]
        self.flags: list = []  # "!p0", "!p1", ...: one assumption literal per premise (cores)
        self.cache: dict = {}  # IR node -> (its AST, one reference held; its symbol table)
        self.decls: dict = {}  # (name, arity, is predicate) -> FuncDeclRef (keeps the AST alive)
        self.symbols: dict = {}
        self.limits: tuple | None = None
        self.uses = 0
        self.recent: list[bool] = []  # did it decide each of the last problems (up to WINDOW)?
        self.skip = 0

    def symbol(self, name: str):
        sym = self.symbols.get(name)
        if sym is None:
            sym = self.symbols[name] = z3core.Z3_mk_string_symbol(self.c, name)
        return sym

    def wanted(self) -> bool:
        """Ask this solver first? Not for a while after it left half of a window of problems
        open (e.g. induction over Peano axioms, which rarely close within ``QUICK_RLIMIT``):
        it then only costs time. Which problems skip it depends on the ones before, but the
        answers do not (an open problem goes to a fresh session either way)."""
        if self.skip:
            self.skip -= 1
            return False
        return True

    def note(self, decided: bool) -> None:
        self.recent.append(decided)
        if len(self.recent) >= self.WINDOW:
            if 2 * sum(self.recent) <= self.WINDOW:
                self.skip = self.SKIP
            self.recent.clear()

    @property
    def worn(self) -> bool:
        return self.uses >= self.MAX_USES or len(self.decls) >= self.MAX_DECLS

    def asts(self, formulas: Sequence[Node]) -> list:
        """The formulas as ASTs, each reference-counted once (the caller releases them).
        A formula's AST depends on the formula alone (its symbols' arities and kinds are
        its own), so each is kept per IR node (``MAX_CACHE``), with its symbol table for the
        clash check across the formulas asked together (SignatureError, as :func:`signature`)."""
        c = self.c
        self.uses += 1
        if len(self.cache) + len(formulas) > self.MAX_CACHE:  # before any entry is taken from it
            self._drop_cache()
        entries = [self.cache.get(f) for f in formulas]
        tables = [entry[1] if entry is not None else signature([f]) for f, entry in zip(formulas, entries)]
        table: dict = {}
        for syms in tables:
            for name, sym in syms.items():
                old = table.setdefault(name, sym)
                if old != sym:
                    signature(formulas)  # raises the clash, naming the formulas
        missing = [i for i, entry in enumerate(entries) if entry is None]
        if missing:
            raw = {}
            for sym in table.values():
                key = (sym.name, sym.arity, sym.kind == "predicate")
                d = self.decls.get(key)
                if d is None:
                    d = self.decls[key] = z3.Function(sym.name, *([self.sort] * sym.arity),
                                                      z3.BoolSort(self.ctx) if key[2] else self.sort)
                raw[sym.name] = d.ast
            free_consts: dict = {}

            def free(name: str):
                if name not in free_consts:
                    free_consts[name] = z3core.Z3_mk_const(c, self.symbol(f"?{name}"), self.u)
                return free_consts[name]

            fresh = _raw_exprs([formulas[i] for i in missing], c, self.u, raw, free, self.symbol)
            for i, a in zip(missing, fresh):  # the cache keeps the reference _raw_exprs made
                entries[i] = self.cache[formulas[i]] = (a, tables[i])
        out = [entry[0] for entry in entries]
        for a in out:
            z3core.Z3_inc_ref(c, a)
        return out

    def _drop_cache(self) -> None:
        for a, _ in self.cache.values():
            z3core.Z3_dec_ref(self.c, a)
        self.cache.clear()

    def limit(self, rlimit: int, guard: _Budget) -> None:
        """The check's limits; the hang guard is set again only when the time left is less than
        half or more than twice the one set (setting parameters costs a call)."""
        ms = guard.ms()
        old = self.limits
        if old is None or old[0] != rlimit or not old[1] // 2 <= ms <= 2 * old[1]:
            self.solver.set(random_seed=0, rlimit=rlimit, timeout=ms)
            self.limits = (rlimit, ms)

    def check(self, assumptions: Sequence = ()) -> int:
        """Z3_lbool of the solver's assertions under the assumption ASTs."""
        n = len(assumptions)
        lits = (z3core.Ast * n)(*assumptions) if n else None
        return z3core.Z3_solver_check_assumptions(self.c, self.s, n, lits)

    def _flagged(self, premises: Sequence[Node], asts: Sequence) -> tuple[list, dict]:
        """Assert each premise AST behind its literal ``!pI`` (in the caller's scope); returns
        the literals' ASTs and their AST ids -> index (to read unsat cores)."""
        c, s = self.c, self.s
        while len(self.flags) < len(premises):
            self.flags.append(z3.Bool(f"!p{len(self.flags)}", self.ctx))
        flags = [f.as_ast() for f in self.flags[: len(premises)]]
        for flag, a in zip(flags, asts):
            imp = z3core.Z3_mk_implies(c, flag, a)
            z3core.Z3_inc_ref(c, imp)
            z3core.Z3_solver_assert(c, s, imp)
            z3core.Z3_dec_ref(c, imp)
        return flags, {z3core.Z3_get_ast_id(c, f): i for i, f in enumerate(flags)}

    def _core_check(self, flags: list, index: dict, extra: Sequence, guard: _Budget):
        """The ``check(kept)`` of :func:`_deletion_core` over the premises behind ``flags``
        (with the assumptions ``extra``); an open check gives up."""
        def check(kept: list[int]):
            if guard.expired:
                return None, None
            r = self.check([flags[i] for i in kept] + list(extra))
            if r == 0:
                return None, None
            return r, (_core_indices(self.c, self.s, index) if r == -1 else None)
        return check

    def decide(self, premises: Sequence[Node], conclusion: Node, rlimit: int, guard: _Budget,
               core: bool = False, explain: bool = False):
        """(r_neg, r_pos, used, countermodel, model) with Z3_lbool values (-1 unsat, 1 sat), or
        None: not both decided. ``core``: each premise behind its literal ``!pI``, and for True
        (-1, 1) ``used`` is the :func:`_deletion_core` of premises ∧ ¬conclusion (None: a check
        left open). ``explain``: also the deletion core of premises ∧ conclusion for False and of
        the premises alone for Inconsistent, and for Uncertain the least models of both sides
        (:func:`provers.finite.least_models`); None when any of their
        checks is left open (only the isolated path's answer is then the answer)."""
        core = core or explain
        c, s = self.c, self.s
        formulas = list(premises) + [conclusion]
        asts = self.asts(formulas)
        self.limit(rlimit, guard)
        inc, dec = z3core.Z3_inc_ref, z3core.Z3_dec_ref
        neg_lit, pos_lit = self.lit_asts
        z3core.Z3_solver_push(c, s)
        try:
            if core:
                flags, index = self._flagged(premises, asts[:-1])
            else:
                flags, index = [], {}
                for a in asts[:-1]:
                    z3core.Z3_solver_assert(c, s, a)
            conc = asts[-1]
            not_conc = z3core.Z3_mk_not(c, conc)
            inc(c, not_conc)
            asts.append(not_conc)
            for lit, e in ((neg_lit, not_conc), (pos_lit, conc)):
                a = z3core.Z3_mk_implies(c, lit, e)
                inc(c, a)
                z3core.Z3_solver_assert(c, s, a)
                dec(c, a)
            out, unsat = [], {}
            for side, lit, trivial in (("neg", neg_lit, "top"), ("pos", pos_lit, "bottom")):
                if conclusion.kind == trivial:  # premises ∧ ¬⊤, premises ∧ ⊥: unsat without a check
                    out.append(-1)
                    unsat[side] = set()  # ¬⊤ (⊥) alone is unsat: no premise is needed
                    continue
                if guard.expired:
                    return None
                r = self.check(flags + [lit])
                if r == 0:  # unknown
                    return None
                if core and r == -1:
                    unsat[side] = _core_indices(c, s, index)
                out.append(r)
            used = countermodel = model = None
            n = len(premises)
            if core and tuple(out) == (-1, 1):
                used = _deletion_core(n, unsat["neg"], self._core_check(flags, index, [neg_lit], guard))
                if used is None:
                    return None
            elif explain and tuple(out) == (1, -1):
                used = _deletion_core(n, unsat["pos"], self._core_check(flags, index, [pos_lit], guard))
                if used is None:
                    return None
            elif explain and tuple(out) == (-1, -1):
                check = self._core_check(flags, index, [], guard)
                r, alone = check(list(range(n)))
                if r != -1:  # premises alone sat with both sides unsat cannot be: only open
                    return None
                used = _deletion_core(n, alone, check)
                if used is None:
                    return None
        finally:
            z3core.Z3_solver_pop(c, s, 1)
            for a in asts:
                dec(c, a)
        if explain and tuple(out) == (1, 1):
            models = least_models(premises, conclusion, lambda: guard.expired)
            if models is None:
                return None
            countermodel, model = models
        return out[0], out[1], used, countermodel, model

    def core(self, premises: Sequence[Node], goal: Node, rlimit: int, guard: _Budget):
        """Is premises ∧ ¬goal unsat, and its :func:`_deletion_core`, on this solver (in a
        push/pop scope, each premise behind its literal ``!pI``): ``(True, core)``,
        ``(False, None)`` when sat, or None when a check is left open (then only the isolated
        path's answer is the answer)."""
        c, s = self.c, self.s
        asts = self.asts(list(premises) + [goal])
        self.limit(rlimit, guard)
        z3core.Z3_solver_push(c, s)
        try:
            flags, index = self._flagged(premises, asts[:-1])
            not_goal = z3core.Z3_mk_not(c, asts[-1])
            z3core.Z3_inc_ref(c, not_goal)
            z3core.Z3_solver_assert(c, s, not_goal)
            z3core.Z3_dec_ref(c, not_goal)
            check = self._core_check(flags, index, [], guard)
            r, unsat = check(list(range(len(premises))))
            if r != -1:
                return None if r is None else (False, None)
            found = _deletion_core(len(premises), unsat, check)
            return None if found is None else (True, found)
        finally:
            z3core.Z3_solver_pop(c, s, 1)
            for a in asts:
                z3core.Z3_dec_ref(c, a)

    def backbone(self, premises: Sequence[Node], atoms: Sequence[Node], rlimit: int, guard: _Budget):
        """:meth:`Session.backbone` on this solver (in a push/pop scope); None when a check is
        left open (then only the isolated path's answer is the answer)."""
        c, s = self.c, self.s
        asts = self.asts(list(premises) + list(atoms))
        prem, atom_asts = asts[: len(premises)], asts[len(premises):]
        self.limit(rlimit, guard)
        z3core.Z3_solver_push(c, s)
        try:
            for a in prem:
                z3core.Z3_solver_assert(c, s, a)
            r = self.check()
            if r == -1:
                return []
            if r == 0:
                return None
            value = _values(c, s, atom_asts, range(len(atom_asts)))

            def flip(i: int, rest: list[int]):
                if guard.expired:
                    return None
                z3core.Z3_solver_push(c, s)
                try:
                    ast = z3core.Z3_mk_not(c, atom_asts[i]) if value[i] else atom_asts[i]
                    z3core.Z3_inc_ref(c, ast)
                    z3core.Z3_solver_assert(c, s, ast)
                    z3core.Z3_dec_ref(c, ast)
                    r = self.check()
                    if r == 0:  # open: only the isolated path's answer is the answer
                        return None
                    return r, (_values(c, s, atom_asts, rest) if r == 1 else ())
                finally:
                    z3core.Z3_solver_pop(c, s, 1)

            return _backbone_search(value, flip)
        finally:
            z3core.Z3_solver_pop(c, s, 1)
            for a in asts:
                z3core.Z3_dec_ref(c, a)


def _backbone_search(value: list[bool], flip) -> list[tuple[int, bool]] | None:
    """The backbone search both solvers run (:meth:`Session.backbone`, :meth:`_Quick.backbone`).
    ``value``: each atom's value in a first model of the premises. ``flip(i, rest)`` checks the
    premises with atom ``i`` flipped: ``(1, values of the atoms rest in its model)`` when sat,
    ``(-1, ())`` unsat, ``(0, ())`` open (the atom is left out), or None to give up (the answer
    is then None). An atom is in the backbone when its flip is unsat; every model met rules out
    the atoms whose value it flips."""
    open_ = set(range(len(value)))
    out = []
    for i in range(len(value)):
        if i not in open_:
            continue
        open_.discard(i)
        rest = sorted(open_)
        got = flip(i, rest)
        if got is None:
            return None
        r, values = got
        if r == 1:
            for j, v in zip(rest, values):
                if v != value[j]:
                    open_.discard(j)
        elif r == -1:
            out.append((i, value[i]))
    return out


def _deletion_core(n: int, core: set[int], check) -> tuple[int, ...] | None:
    """The minimal core by deletion in index order, from all ``n`` premises (found unsat
    together, with the unsat subset ``core``): premise ``i`` is dropped when the premises kept
    without it are still unsat. That is known without a check when ``i`` is outside the last
    unsat subset found (an unsat core Z3 returned), else it is checked: ``check(kept)`` gives
    ``(-1, core or None)`` unsat, ``(1, None)`` sat, ``(0, None)`` open (the premise stays), or
    ``(None, None)`` to give up (the answer is then None). Every step is a fact about the
    problem (is this subset unsat?), not about Z3's search (its cores only spare checks), so
    the result is the same on any solver in any call order wherever every check decides; both
    solvers run this loop (:meth:`_Quick.core`, :func:`minimal_core`)."""
    kept = list(range(n))
    i = 0
    while i < len(kept):
        trial = kept[:i] + kept[i + 1:]
        if kept[i] in core:
            r, found = check(trial)
            if r is None:
                return None
            if r != -1:
                i += 1
                continue
            core = set(trial) if found is None else found
        kept = trial
    return tuple(kept)


def _least_model(c, s, sort, decls: dict, n: int, check) -> Model | None:
    """The least model of size ``n`` of what solver ``s`` holds (its last check was sat; ``n``
    is the smallest size, so the bound's elements ``!e0 .. !e(n-1)`` are pairwise distinct and
    are the domain). Its entries, in order: the constants, the functions, then the predicates,
    each kind by name (``decls``: name -> (func decl AST, arity, is a predicate)), a symbol's
    argument tuples in order; each takes the first value any model of size ``n`` allows given
    the entries before it (element e0 first; false before true).
    ``check(lits)`` checks under the side's assumptions and the literal ASTs ``lits``: -1 unsat,
    1 sat, or None to give up (the answer is then None). Every step is a fact about the problem
    (does a model of size n with these values exist?), not about Z3's search, so the model is
    the same on any solver in any call order wherever every check decides. Checks: one per value
    tried before the current model's own, entry by entry; among the predicates, before each
    entry true in the current model (but not twice in a row), one asking whether any of the
    entries still true can be false: when none can, all are settled at once. (The fallback of
    :func:`provers.finite.least_models`, which finds the same model by SAT.)"""
    inc, dec = z3core.Z3_inc_ref, z3core.Z3_dec_ref
    held: list = []
    order = sorted(decls, key=lambda name: (2 if decls[name][2] else 1 if decls[name][1] else 0, name))

    def own(a):
        inc(c, a)
        held.append(a)
        return a

    try:
        elems = [own(z3core.Z3_mk_const(c, z3core.Z3_mk_string_symbol(c, f"!e{i}"), sort)) for i in range(n)]
        entries, omitted = [], []  # (name, argument indices, term AST, is a predicate)
        for name in order:
            d, arity, pred = decls[name]
            if n ** arity > MAX_TABLE:
                omitted.append(name)
                continue
            for args in itertools.product(range(n), repeat=arity):
                arr = (z3core.Ast * arity)(*[elems[a] for a in args]) if arity else None
                entries.append((name, args, own(z3core.Z3_mk_app(c, d, arity, arr)), pred))

        def read(start: int) -> list[int] | None:
            """The solver model's value index of each entry from ``start`` on."""
            m = z3core.Z3_solver_get_model(c, s)
            z3core.Z3_model_inc_ref(c, m)
            try:
                v = (z3core.Ast * 1)()
                ids = {}
                for i, e in enumerate(elems):
                    if not z3core.Z3_model_eval(c, m, e, True, v):
                        return None
                    ids.setdefault(z3core.Z3_get_ast_id(c, v[0]), i)
                out = []
                for _, _, term, pred in entries[start:]:
                    if not z3core.Z3_model_eval(c, m, term, True, v):
                        return None
                    if pred:
                        out.append(1 if z3core.Z3_get_bool_value(c, v[0]) == 1 else 0)
                    else:
                        j = ids.get(z3core.Z3_get_ast_id(c, v[0]))
                        if j is None:
                            return None
                        out.append(j)
                return out
            finally:
                z3core.Z3_model_dec_ref(c, m)

        def lit(k: int, j: int):
            term, pred = entries[k][2], entries[k][3]
            if pred:
                return own(z3core.Z3_mk_not(c, term) if j == 0 else term)
            return own(z3core.Z3_mk_eq(c, term, elems[j]))

        vals = read(0)
        if vals is None:
            return None
        fixed: list = []
        joint = True  # ask the joint question before the next predicate (not twice in a row)
        for k in range(len(entries)):
            if joint and entries[k][3] and vals[k]:  # predicates from here on: are all the true ones forced?
                joint = False
                off = [i for i in range(k, len(entries)) if vals[i]]
                if not off:
                    break
                anyone = [lit(i, 0) for i in off]
                r = check(fixed + [own(z3core.Z3_mk_or(c, len(off), _arr(anyone))) if len(off) > 1 else anyone[0]])
                if r is None:
                    return None
                if r == -1:  # no model of the settled entries has any of them false: all are true
                    break
                rest = read(k)  # a model of the settled entries with fewer of them true
                if rest is None:
                    return None
                vals[k:] = rest
            for j in range(vals[k]):
                joint = True
                r = check(fixed + [lit(k, j)])
                if r is None:
                    return None
                if r == 1:
                    rest = read(k + 1)
                    if rest is None:
                        return None
                    vals[k:] = [j] + rest
                    break
            fixed.append(lit(k, vals[k]))
    finally:
        for a in held:
            dec(c, a)
    kinds = {name: (pred, arity) for name, (_, arity, pred) in decls.items()}
    return table_model(n, order, kinds, entries, vals, tuple(omitted))


def _core_indices(c, s, index: dict) -> set[int]:
    """Indices (``index``: assumption AST id -> index) of the solver's last unsat core."""
    v = z3core.Z3_solver_get_unsat_core(c, s)
    z3core.Z3_ast_vector_inc_ref(c, v)
    try:
        ids = (z3core.Z3_get_ast_id(c, z3core.Z3_ast_vector_get(c, v, i)) for i in range(z3core.Z3_ast_vector_size(c, v)))
        return {index[a] for a in ids if a in index}
    finally:
        z3core.Z3_ast_vector_dec_ref(c, v)


def _values(c, s, asts: Sequence, indices) -> list[bool]:
    """Is each of ``asts[i]`` (i in ``indices``) true in the solver's model (completed)?"""
    m = z3core.Z3_solver_get_model(c, s)
    z3core.Z3_model_inc_ref(c, m)
    try:
        out = []
        v = (z3core.Ast * 1)()
        for i in indices:
            if not z3core.Z3_model_eval(c, m, asts[i], True, v):
                raise z3.Z3Exception("model evaluation failed")
            out.append(z3core.Z3_get_bool_value(c, v[0]) == 1)  # Z3_L_TRUE
        return out
    finally:
        z3core.Z3_model_dec_ref(c, m)


_QUICK = threading.local()


def _quick() -> _Quick:
    """This thread's solver for verdicts alone (a forked child, or a worn one, is replaced)."""
    q = getattr(_QUICK, "q", None)
    if q is None or q.pid != os.getpid() or q.worn:
        q = _QUICK.q = _Quick()
    return q


def _ask_quick(ask, rlimit: int | None):
    """``ask(solver, budget)`` of this thread's solver under ``QUICK_RLIMIT`` (or the caller's
    smaller rlimit), unless it is stepping aside (:meth:`_Quick.wanted`); None when not asked or
    when it left a check open (the caller then asks a fresh session)."""
    q = _quick()
    if not q.wanted():
        return None
    got = ask(q, min(rlimit, QUICK_RLIMIT) if rlimit else QUICK_RLIMIT)
    q.note(got is not None)
    return got


_OUTCOMES = {(-1, -1): Outcome.INCONSISTENT, (-1, 1): Outcome.TRUE, (1, -1): Outcome.FALSE,
             (1, 1): Outcome.UNCERTAIN}  # (premises ∧ ¬conclusion, premises ∧ conclusion)


@holding
def decide(
    premises: Sequence[Node],
    conclusion: Node,
    timeout: float = 10.0,
    explain: bool = True,
    cores: bool = False,
    rlimit: int | None = DEFAULT_RLIMIT,
) -> Verdict:
    """Decide premises ⊢ conclusion (see module docstring). ``timeout`` guards the whole call
    (wall clock); ``rlimit`` bounds each check (Z3 resource units; 0 or None: none).
    ``explain``: premises used (minimal cores) and models; ``cores``: the minimal cores alone."""
    start = time.monotonic()
    guard = _Budget(timeout)

    def done(outcome, reason="", used=None, countermodel=None, model=None):
        return Verdict(outcome, PROVER, time.monotonic() - start, reason, used, countermodel, model)

    core = explain or cores
    if not cores:
        quick = _ask_quick(lambda q, first: q.decide(premises, conclusion, first, guard, explain=explain), rlimit)
        if quick is not None:
            outcome = _OUTCOMES[quick[:2]]
            if outcome is Outcome.UNCERTAIN:
                return done(outcome, countermodel=quick[3], model=quick[4])
            return done(outcome, used=quick[2])
    item = _Item(Session(rlimit, timeout), premises, conclusion, rlimit, guard)
    r_neg, why_neg = item.check("neg")  # unsat: entailed
    r_pos, why_pos = item.check("pos")  # unsat: refuted
    own = item.own_core if explain and not cores else item.core
    if r_neg == z3.unsat and r_pos == z3.unsat:
        return done(Outcome.INCONSISTENT, used=own(None) if core else None)
    if r_neg == z3.unsat and r_pos == z3.sat:
        return done(Outcome.TRUE, used=own("neg") if core else None)
    if r_pos == z3.unsat and r_neg == z3.sat:
        return done(Outcome.FALSE, used=own("pos") if core else None)
    if r_neg == z3.sat and r_pos == z3.sat:
        if not explain:
            return done(Outcome.UNCERTAIN)
        models = least_models(premises, conclusion, lambda: guard.expired)
        if models is None:
            models = item.small_model("neg"), item.small_model("pos")
        return done(Outcome.UNCERTAIN, countermodel=models[0], model=models[1])
    # One side unknown: the other side alone cannot separate e.g. True from Inconsistent.
    reasons = []
    if r_neg == z3.unknown:
        reasons.append(f"premises ∧ ¬conclusion: {why_neg or 'unknown'}")
    if r_pos == z3.unknown:
        reasons.append(f"premises ∧ conclusion: {why_pos or 'unknown'}")
    return done(Outcome.UNKNOWN, reason="; ".join(reasons))


@holding
def decide_core(premises: Sequence[Node], conclusion: Node, timeout: float = 10.0,
                rlimit: int | None = DEFAULT_RLIMIT) -> Verdict:
    """:func:`decide` without models, where a True verdict's ``used`` is the problem's own
    minimal core (:func:`minimal_core`: deletion in index order) rather than one minimised from
    the core Z3 found first (``cores=True``); other outcomes carry no core. Asked first of the
    per-thread solver (verdict and core in one scope), else of fresh sessions."""
    start = time.monotonic()
    guard = _Budget(timeout)
    quick = _ask_quick(lambda q, first: q.decide(premises, conclusion, first, guard, core=True), rlimit)
    if quick is not None:
        return Verdict(_OUTCOMES[quick[:2]], PROVER, time.monotonic() - start, used=quick[2])
    v = decide(premises, conclusion, timeout, explain=False, rlimit=rlimit)
    if v.outcome is not Outcome.TRUE:
        return v
    e = minimal_core(premises, conclusion, max(0.001, guard.deadline - time.monotonic()), rlimit)
    return Verdict(v.outcome, PROVER, time.monotonic() - start, v.reason, e.used if e.proved else None)


@holding
def backbone(premises: Sequence[Node], atoms: Sequence[Node], timeout: float = 10.0,
             rlimit: int | None = DEFAULT_RLIMIT) -> list[tuple[int, bool]]:
    """:meth:`Session.backbone` of a fresh session, asked first of the per-thread solver (its
    answer is taken when every check decides: which atoms keep their value in every model is
    a fact about the premises)."""
    if not atoms:
        return []
    guard = _Budget(timeout)
    quick = _ask_quick(lambda q, first: q.backbone(premises, atoms, first, guard), rlimit)
    if quick is not None:
        return quick
    return Session(rlimit, timeout).backbone(premises, atoms)


@holding
def minimal_core(premises: Sequence[Node], goal: Node, timeout: float = 10.0,
                 rlimit: int | None = DEFAULT_RLIMIT) -> Entailment:
    """Is premises ∧ ¬goal unsat, and which premises does it need? ``used``: the premises left
    after dropping, in index order, each one the others kept still prove the goal without
    (:func:`_deletion_core`): a minimal set that depends only on the problem, asked first of the
    per-thread solver, else of a fresh session (where a check left open keeps its premise)."""
    guard = _Budget(timeout)
    quick = _ask_quick(lambda q, first: q.core(premises, goal, first, guard), rlimit)
    if quick is not None:
        return Entailment(*quick)
    item = _Item(Session(rlimit, timeout), premises, goal, rlimit, guard)
    r, why = item.check("neg")
    if r != z3.unsat:
        return Entailment(False if r == z3.sat else None, None, why)
    return Entailment(True, item.own_core("neg"))


@holding
def consistent(premises: Sequence[Node], timeout: float = 10.0, rlimit: int | None = DEFAULT_RLIMIT) -> Verdict:
    """Are the premises satisfiable? Inconsistent (with a minimal core), Uncertain (they have a
    model: nothing follows either way about no conclusion), or Unknown."""
    start = time.monotonic()
    guard = _Budget(timeout)
    item = _Item(Session(rlimit, timeout), premises, None, rlimit, guard)
    r, why = item.check()
    elapsed = lambda: time.monotonic() - start  # noqa: E731
    if r == z3.unsat:
        return Verdict(Outcome.INCONSISTENT, PROVER, elapsed(), used=item.core(None))
    if r == z3.sat:
        return Verdict(Outcome.UNCERTAIN, PROVER, elapsed(), reason="premises are satisfiable")
    return Verdict(Outcome.UNKNOWN, PROVER, elapsed(), reason=why or "unknown")


@holding
def countermodel(premises: Sequence[Node], goal: Node, timeout: float = 10.0,
                 rlimit: int | None = DEFAULT_RLIMIT) -> Model | None:
    """A least model of premises ∧ ¬goal, or None (none, or out of budget): the countermodel
    ``decide(explain=True)`` shows for an Uncertain problem (SAT on groundings first, else the
    quantified search on Z3)."""
    guard = _Budget(timeout)
    item = _Item(Session(rlimit, timeout), premises, goal, rlimit, guard)  # SignatureError on a clash
    r, _ = item.check("neg")
    if r != z3.sat:
        return None
    models = least_models(premises, goal, lambda: guard.expired)  # None when the goal's side has no model
    return models[0] if models is not None else item.small_model("neg")


# ---------------------------------------------------------------- the back end


class Z3Prover:
    """Z3 as a :class:`provers.base.Prover`: every question on a fresh :class:`Session`
    (``session()`` gives one to a job that asks many questions about one item)."""

    name = PROVER

    def __init__(self, rlimit: int | None = DEFAULT_RLIMIT, timeout: float | None = DEFAULT_TIMEOUT):
        self.rlimit = rlimit
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout

    def session(self, track_cost: bool = False) -> Session:
        """A session for one job or item (``track_cost``: keep the units each check used)."""
        return Session(self.rlimit, self.timeout, track_cost)

    def decide(self, premises, conclusion, *, explain: bool = False, cores: bool = False) -> Verdict:
        return decide(premises, conclusion, self.timeout, explain, cores, self.rlimit)

    def consistent(self, premises) -> Verdict:
        return consistent(premises, self.timeout, self.rlimit)

    def entails(self, premises, goal, *, used: bool = False) -> Entailment:
        if used:
            return minimal_core(premises, goal, self.timeout, self.rlimit)
        guard = _Budget(self.timeout)
        item = _Item(self.session(), premises, goal, self.rlimit, guard)
        r, why = item.check("neg")
        return Entailment(True if r == z3.unsat else (False if r == z3.sat else None), None, why)

    def countermodel(self, premises, goal) -> Model | None:
        return countermodel(premises, goal, self.timeout, self.rlimit)

    def decide_core(self, premises, conclusion) -> Verdict:
        """The verdict, with the problem's own minimal core when True (:func:`decide_core`)."""
        return decide_core(premises, conclusion, self.timeout, self.rlimit)

    def backbone(self, premises, atoms) -> list[tuple[int, bool]]:
        """The (index, value) of each atom whose value is the same in every model of the
        premises (see :meth:`Session.backbone`)."""
        return backbone(premises, atoms, self.timeout, self.rlimit)
