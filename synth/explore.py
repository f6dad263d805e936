"""Theory exploration from axioms: conjecture equations, prove them by induction, compress.

``nsp synth explore AXIOMS -o GRAPH.json`` reads an axiom file (FOLIO syntax, one formula per
line, ``#`` comments; e.g. ``data/axioms/peano.fol``) and:

1. finds the constructors (``zero``, ``s``) and the recursively defined functions
   (:mod:`synth.numerals`);
2. enumerates candidate equations up to ``max_size`` symbols with up to ``variables``
   variables, keeping those without a counterexample when every variable ranges over the
   numerals ``0..max_value`` (:mod:`synth.conjecture`);
3. proves them smallest first. A candidate already in the graph (either orientation) is
   skipped. Otherwise Z3 tries it *directly* from the premises (the equational axioms and the
   lemmas proved by induction so far; a ground fact, failing that, from the axioms alone);
   failing that, by *induction* (:mod:`synth.induction`) on each of its variables in turn
   (those in recursive argument positions first), base and step each proved by Z3 from the
   premises. A theorem proved by induction becomes a premise of later proofs. Candidates go in
   batches of ``batch`` (the smallest not yet tried with the current premises); every attempt
   of a batch sees the same premises and runs in a fresh Z3 context, so ``workers`` processes
   give the same result as one. A candidate that fails is tried again once there are new
   lemmas; the loop ends when no candidate is left to try or at the time limit;
4. compresses (:meth:`Explorer.compress`): keeps the theorems that are not derivable from the
   others.

Z3 budgets are resource limits (``rlimit``: deterministic, unlike a clock). The sources of a
proved fact are a deletion-minimised unsat core, and Z3 must also find a model of the sources
together with the fact (the independent checker asks the same, and Z3's model search on some
lemma sets diverges: such a proof is not kept). Non-equational axioms (``s`` injective, zero
no successor) are recorded but not offered to Z3: the conjectures are equations, and those
axioms have no finite model, so a source set citing them could never be shown consistent.

The output is one provenance graph (:mod:`nsp.graph.provenance`):

- axioms: role ``axiom``, rule ``given``;
- bases and steps of inductions: role ``derived``, rule ``entailment`` (checked by Z3 from
  exactly their sources; ``law`` when valid outright);
- theorems: role ``theorem``; rule ``induction`` (sources: the base, ``as: base``, and the
  step, ``as: step``; attributes ``induction_var``, ``zero``, ``succ``; see
  :mod:`synth.induction` for the check) or ``entailment`` (a direct proof); attributes
  ``method`` (induction or direct) and ``kept`` (whether compression kept it).

Graph attributes: ``axioms_file``, ``params``, ``theorems`` (ids in the order found), ``kept``
(ids after compression), ``zero``, ``succ``, ``counts`` and ``unproved`` (candidate texts).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import networkx as nx

from nsp.errors import BadInput
from nsp.files import read_text
from nsp.graph.provenance import add_derivation, add_fact, dumps, new_graph
from nsp.logic.analysis import SignatureError, signature
from nsp.logic.canon import content_id
from nsp.logic.ir import Eq, Forall, Node
from nsp.logic.syntax import FormulaSyntaxError, parse
from nsp.logic.walk import preorder
from nsp.records import JobProgress
from provers import base
from synth.conjecture import Candidate, Enumerator
from synth.induction import RULE as INDUCTION, obligations, split_prefix
from synth.numerals import Evaluator, NotRecursive, Signature, read_signature


MIN_TRIAL_RLIMIT = 20_000


class ExploreError(BadInput):
    """The axiom file cannot be explored (unreadable, or not recursive definitions)."""


@dataclass(frozen=True)
class ExploreParams:
    time_limit: float = 1800.0
    max_size: int = 7
    variables: int = 3
    max_value: int = 4
    workers: int = 1
    batch: int = 8  # candidates attempted against the same lemmas (fixed: results do not depend on workers)
    direct_rlimit: int = 40_000
    induction_rlimit: int = 150_000
    compress_rlimit: int = 300_000
    sat_rlimit: int = 300_000  # finding a model of a proof's sources and its conclusion
    timeout: float = 60.0  # wall-clock backstop per Z3 call

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class ExploreResult:
    graph: nx.DiGraph
    candidates: int = 0
    proved: int = 0
    by_induction: int = 0
    direct: int = 0
    known: int = 0  # candidates that were an axiom or a theorem already (either orientation)
    unproved: list[str] = field(default_factory=list)
    theorems: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    seconds: float = 0.0
    prove_seconds: float = 0.0
    compress_seconds: float = 0.0
    z3_calls: int = 0
    timed_out: bool = False

    def summary(self) -> dict:
        """Every field but the graph (``asdict`` would deep-copy the graph)."""
        from dataclasses import fields

        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "graph"}


# ---------------------------------------------------------------- reading


def read_axioms(path: str | Path) -> list[Node]:
    """Formulas of an axiom file (FOLIO syntax, one per line, ``#`` comments), with one arity per
    symbol across the file (a clash is an :class:`ExploreError` naming the symbol and both lines)."""
    path = Path(path)
    try:
        text = read_text(path)
    except BadInput as e:
        raise ExploreError(str(e)) from None
    out, where = [], []
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            out.append(parse(line, "folio", strict=True).formula)
        except (FormulaSyntaxError, ValueError) as e:
            raise ExploreError(f"{path}:{no}: {str(e).splitlines()[0]}") from None
        where.append(f"{path}:{no}")
    if not out:
        raise ExploreError(f"{path}: no axioms")
    try:
        signature(out, where)
    except SignatureError as e:
        raise ExploreError(str(e)) from None
    return out


# ---------------------------------------------------------------- Z3


class Prover:
    """Z3 entailment with unsat cores over named premises, on one session (one context; each
    check on a fresh solver, so a proof's cost does not depend on earlier checks) through the
    prover interface (see module doc)."""

    def __init__(self, timeout: float = 60.0):
        self.session = base.get("z3", rlimit=0, timeout=timeout).session(track_cost=True)
        self.calls = 0

    @property
    def last_cost(self) -> int:
        """rlimit units the last check used."""
        return self.session.last_cost

    def _check(self, premises: Sequence[tuple[str, Node]], goal: Node, rlimit: int, use: Sequence[str]):
        self.calls += 1
        wanted = set(use)
        chosen = [(fid, f) for fid, f in premises if fid in wanted]
        found = self.session.core([f for _, f in chosen], goal, rlimit, names=[f"!{fid}" for fid, _ in chosen],
                                  keys=[fid for fid, _ in chosen], goal_key=content_id(goal))
        if found.proved is not True:
            return None
        return sorted(chosen[i][0] for i in found.used)

    def prove(self, premises: Sequence[tuple[str, Node]], goal: Node, rlimit: int) -> list[str] | None:
        """Ids of a minimal set of premises that entails ``goal``, or None when Z3 finds no
        proof within ``rlimit``. The unsat core is deletion-minimised; each deletion trial gets
        twice the units the proof took (at least ``MIN_TRIAL_RLIMIT``), so trials that fail
        fail fast."""
        ids = [fid for fid, _ in premises]
        core = self._check(premises, goal, rlimit, ids)
        if core is None:
            return None
        trial_limit = min(rlimit, max(MIN_TRIAL_RLIMIT, 2 * self.last_cost))
        wanted = set(core)
        order = [fid for fid in ids if fid in wanted]
        i = 0
        while i < len(order) and len(order) > 1:
            trial = order[:i] + order[i + 1 :]
            smaller = self._check(premises, goal, trial_limit, trial)
            if smaller is not None:
                keep = set(smaller)
                order = [fid for fid in trial if fid in keep]
            else:
                i += 1
        return order

    def consistent(self, premises: Sequence[tuple[str, Node]], use: Sequence[str], goal: Node, rlimit: int) -> bool:
        """Does Z3 find a model of the used premises and ``goal`` within ``rlimit``? (The
        independent checker asks the same: a proof's sources must be consistent with it.)"""
        self.calls += 1
        wanted = set(use)
        chosen = [(fid, f) for fid, f in premises if fid in wanted]
        return self.session.satisfiable([f for _, f in chosen] + [goal], rlimit,
                                        keys=[fid for fid, _ in chosen] + [content_id(goal)]) is True

    def prove_checkable(self, premises: Sequence[tuple[str, Node]], goal: Node, rlimit: int,
                        sat_rlimit: int) -> list[str] | None:
        """:meth:`prove`, keeping only a proof whose sources Z3 also shows consistent with the
        goal (else None)."""
        core = self.prove(premises, goal, rlimit)
        if core is None or not self.consistent(premises, core, goal, sat_rlimit):
            return None
        return core


# ---------------------------------------------------------------- one attempt (a worker's job)


def induction_order(formula: Node, sig: Signature) -> list[str]:
    """Bound variables of a candidate, those in a recursive argument position (an argument a
    defining equation matches on, like ``y`` in ``add(x, y)``) first."""
    names, body = split_prefix(formula)
    recursive_args: dict[str, set[int]] = {}
    for d in sig.definitions:
        for i, p in enumerate(d.patterns):
            if p.kind != "var":
                recursive_args.setdefault(d.fn, set()).add(i)
    hot: list[str] = []
    for n in preorder(body):
        if n.kind == "app" and n.payload in recursive_args:
            for i in sorted(recursive_args[n.payload]):
                arg = n.children[i]
                if arg.kind == "var" and arg.payload not in hot:
                    hot.append(arg.payload)
    return [v for v in hot if v in names] + [v for v in names if v not in hot]


@dataclass(frozen=True)
class Attempt:
    """What one proof attempt found. ``method``: "direct", "induction" or None (no proof).
    ``sources``: premise ids of a direct proof; for induction, ``var`` and the base and step
    formulas with the premise ids each was proved from (None: it is a given fact already)."""

    method: str | None
    sources: tuple[str, ...] = ()
    var: str | None = None
    base: Node | None = None
    base_sources: tuple[str, ...] | None = None
    step: Node | None = None
    step_sources: tuple[str, ...] | None = None
    z3_calls: int = 0


def attempt(formula: Node, premises: Sequence[tuple[str, Node]], known: frozenset[str], sig: Signature,
            params: ExploreParams, axiom_ids: frozenset[str] = frozenset()) -> Attempt:
    """Prove ``formula`` from ``premises`` directly (a ground fact: from the axioms
    ``axiom_ids`` alone if need be), else by induction on each variable in turn. ``known``: ids
    of facts already proved (an obligation among them needs no proof). Every proof's sources
    are also shown consistent with what they prove (see :meth:`Prover.prove_checkable`).
    Runs in a fresh Z3 context, so the answer depends only on the arguments."""
    prover = Prover(params.timeout)
    sat = params.sat_rlimit
    core = prover.prove_checkable(premises, formula, params.direct_rlimit, sat)
    if core is None and not split_prefix(formula)[0]:
        # a ground fact: computing from the defining axioms alone is the plain proof
        axioms = [(fid, f) for fid, f in premises if fid in axiom_ids]
        core = prover.prove_checkable(axioms, formula, params.induction_rlimit, sat)
    if core is not None:
        return Attempt("direct", tuple(core), z3_calls=prover.calls)
    for var in induction_order(formula, sig):
        base, step = obligations(formula, var, sig.zero, sig.succ)
        found = []
        for ob in (base, step):
            if content_id(ob) in known:
                found.append(None)
                continue
            c = prover.prove_checkable(premises, ob, params.induction_rlimit, sat)
            if c is None:
                break
            found.append(tuple(c))
        if len(found) == 2:
            return Attempt("induction", (), var, base, found[0], step, found[1], prover.calls)
    return Attempt(None, z3_calls=prover.calls)


def _attempt_job(args) -> Attempt:
    return attempt(*args)


# ---------------------------------------------------------------- exploration


class Explorer:
    """One exploration run (module docstring). ``run()`` returns an :class:`ExploreResult`."""

    def __init__(self, axioms: Sequence[Node], params: ExploreParams, source: str = ""):
        self.params = params
        self.axioms = list(axioms)
        try:
            self.sig = read_signature(self.axioms)
        except NotRecursive as e:
            raise ExploreError(str(e)) from None
        self.graph = new_graph(axioms_file=source, zero=self.sig.zero, succ=self.sig.succ,
                               params=params.to_json())
        # what Z3 may use: the equational axioms, then the lemmas proved by induction so far
        self.premises: list[tuple[str, Node]] = []
        for ax in self.axioms:
            fid = add_fact(self.graph, ax, "axiom", "given")
            if split_prefix(ax)[1].kind == "eq":
                self.premises.append((fid, ax))
        self.axiom_ids = frozenset(fid for fid, _ in self.premises)
        self.result = ExploreResult(self.graph)
        self.formulas: dict[str, Node] = {content_id(a): a for a in self.axioms}
        self.method: dict[str, str] = {}

    # ---- recording

    def _derived(self, f: Node, sources: Sequence[str] | None, role: str = "derived", **attrs) -> str:
        """Add a fact Z3 proved from exactly ``sources`` (None: it is in the graph already)."""
        fid = content_id(f)
        if fid in self.graph:
            return fid
        rule = "entailment" if sources else "law"
        add_fact(self.graph, f, role, rule, checked_by="z3", **attrs)
        add_derivation(self.graph, list(sources or ()), fid, rule)
        self.formulas[fid] = f
        return fid

    def record(self, c: Candidate, a: Attempt) -> str:
        """Put a proved candidate (and its base and step) into the graph; returns its id."""
        if a.method == "direct":
            fid = self._derived(c.formula, a.sources, "theorem", method="direct")
            self.result.direct += 1
        else:
            base_id = self._derived(a.base, a.base_sources)
            step_id = self._derived(a.step, a.step_sources)
            fid = content_id(c.formula)
            add_fact(self.graph, c.formula, "theorem", INDUCTION, checked_by="z3", method="induction",
                     induction_var=a.var, zero=self.sig.zero, succ=self.sig.succ)
            add_derivation(self.graph, [base_id, step_id], fid, INDUCTION, {base_id: "base", step_id: "step"})
            self.formulas[fid] = c.formula
            self.premises.append((fid, c.formula))
            self.result.by_induction += 1
        self.method[fid] = a.method
        self.result.theorems.append(fid)
        self.result.z3_calls += a.z3_calls
        return fid

    def is_known(self, c: Candidate) -> bool:
        """The candidate, in either orientation, is already an axiom or a theorem."""
        names, body = split_prefix(c.formula)
        flipped = Eq(body.children[1], body.children[0])
        flipped = Forall(names, flipped) if names else flipped
        return content_id(c.formula) in self.graph or content_id(flipped) in self.graph

    # ---- the loop

    def run(self, progress: bool = False) -> ExploreResult:
        start = time.monotonic()
        deadline = start + self.params.time_limit
        p = self.params
        enum = Enumerator(self.sig, Evaluator(self.sig), p.variables, p.max_value)
        candidates = enum.run(p.max_size)
        self.result.candidates = len(candidates)
        attempted: dict[str, int] = {}  # candidate key -> lemmas it was last tried with
        pending = list(candidates)
        pool = _pool(p.workers)
        try:
            with JobProgress(progress, len(candidates), "explore", "candidates settled") as bar:
                while True:
                    if time.monotonic() > deadline:
                        self.result.timed_out = any(attempted.get(c.key) != len(self.premises) for c in pending)
                        break
                    batch: list[Candidate] = []
                    for c in list(pending):
                        if self.is_known(c):
                            self.result.known += 1
                            pending.remove(c)
                            bar.advance(description=_settled(self.result))
                        elif attempted.get(c.key) != len(self.premises):
                            batch.append(c)
                            if len(batch) >= p.batch:
                                break
                    if not batch:
                        break
                    # every attempt of a batch sees the same premises: the result does not
                    # depend on the number of workers
                    lemmas = len(self.premises)
                    premises = tuple(self.premises)
                    known = frozenset(self.graph.nodes)
                    jobs = [(c.formula, premises, known, self.sig, p, self.axiom_ids) for c in batch]
                    results = list(pool.map(_attempt_job, jobs)) if pool else [_attempt_job(j) for j in jobs]
                    for c, a in zip(batch, results):
                        attempted[c.key] = lemmas
                        if a.method is None:
                            self.result.z3_calls += a.z3_calls
                            continue
                        pending.remove(c)
                        if self.is_known(c):  # proved earlier in this batch (other orientation)
                            self.result.known += 1
                        else:
                            self.record(c, a)
                        bar.advance(description=_settled(self.result))
        finally:
            if pool:
                pool.shutdown()
        self.result.unproved = [c.text for c in pending]
        self.result.proved = len(self.result.theorems)
        self.result.prove_seconds = time.monotonic() - start
        t = time.monotonic()
        self.compress()
        self.result.compress_seconds = time.monotonic() - t
        self.result.seconds = time.monotonic() - start
        counts = {k: v for k, v in self.result.summary().items() if k not in ("theorems", "kept", "unproved")}
        self.graph.graph.update(theorems=self.result.theorems, kept=self.result.kept, counts=counts,
                                unproved=self.result.unproved)
        return self.result

    def compress(self) -> None:
        """Keep only theorems not derivable from the others (module docstring, step 4).

        A direct theorem was proved from axioms and lemmas found before it: going from the last
        theorem to the first, it is dropped when its recorded sources are all still kept (its
        own derivation shows it follows from them). Then each theorem proved by induction,
        last first, is dropped when Z3 derives it from the axioms and the other theorems still
        kept (no induction, ``compress_rlimit``)."""
        kept = list(self.result.theorems)
        axioms = {content_id(a) for a in self.axioms}
        for fid in reversed(self.result.theorems):
            if self.method[fid] != "direct":
                continue
            sources = set(self.graph.predecessors(fid))
            if sources <= axioms | (set(kept) - {fid}):
                kept.remove(fid)
        equational = [(content_id(a), a) for a in self.axioms if split_prefix(a)[1].kind == "eq"]
        for fid in reversed(self.result.theorems):
            if fid not in kept or self.method[fid] != "induction":
                continue
            others = equational + [(k, self.formulas[k]) for k in kept if k != fid]
            prover = Prover(self.params.timeout)
            if prover.prove(others, self.formulas[fid], self.params.compress_rlimit) is not None:
                kept.remove(fid)
            self.result.z3_calls += prover.calls
        self.result.kept = kept
        for fid in self.result.theorems:
            self.graph.nodes[fid]["kept"] = fid in kept


def _pool(workers: int):
    if workers <= 1:
        return None
    from concurrent.futures import ProcessPoolExecutor

    from nsp.workers import mp_context

    return ProcessPoolExecutor(max_workers=workers, mp_context=mp_context())


def explore(axioms: Sequence[Node], params: ExploreParams = ExploreParams(), source: str = "",
            progress: bool = False) -> ExploreResult:
    return Explorer(axioms, params, source).run(progress)


def explore_file(path: str | Path, out: str | Path, params: ExploreParams = ExploreParams(),
                 progress: bool = False) -> ExploreResult:
    """Explore the axiom file and write the graph to ``out`` atomically (JSON)."""
    from nsp.records import write_atomic

    axioms = read_axioms(path)
    result = explore(axioms, params, str(path), progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, dumps(result.graph) + "\n")
    return result


def _settled(r: ExploreResult) -> str:
    return f"candidates settled: {len(r.theorems)} proved ({r.by_induction} by induction)"
