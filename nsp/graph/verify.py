"""The independent checker of provenance graphs: ``nsp graph verify FILE``.

It re-checks every fact of a graph from exactly its recorded sources, with a prover from the
registry (:mod:`provers.base`: Z3 by default, or E), and shares no code with whatever produced
the graph except the formula IR (reading, canonical form) and the prover interface: it reads
node-link JSON itself. Z3's checks are bounded by its resource limit (``rlimit``, the default of
:mod:`provers.limits`: the verdict does not depend on the machine's load); the wall-clock
timeout is a hang guard, and a check it stops says so in the failure.

Input: one graph (a node-link JSON object), a JSONL of graphs, or a JSONL of records carrying
a graph under ``"graph"``.

Every node is first checked for integrity: its ``formula`` (FOLIO syntax) reads strictly and
its content id is the node's id; every edge joins two nodes of the graph; the graph is acyclic.
Then the node's ``rule`` says what its sources claim. Sources are the nodes with an edge to it;
an edge's ``as`` attribute names the part a source plays (``parent`` or ``lemma``). "S ⊢ φ"
below means: the prover's verdict on S ⊢ φ is True (S is consistent and entails φ; with no
sources, φ is valid).

    given       premise, axiom, conjecture: stated, not derived. Must have no sources.
    law         an instance of a logical law. No sources; ⊢ φ (φ is valid).
    entailment  sources ⊢ φ.
    apply       φ is a consequence of its parent by lemmas (e.g. a weakened goal):
                sources ⊢ φ (parent and lemmas together).
    strengthen  φ was made from its parent to be at least as strong (e.g. a strengthened
                hypothesis): lemmas ∪ {φ} ⊢ parent.
    rewrite     φ is its parent rewritten by lemmas that are equivalences: both directions,
                lemmas ∪ {parent} ⊢ φ and lemmas ∪ {φ} ⊢ parent.

    induction   an instance of structural induction over a constant ``zero`` and a unary
                ``succ`` (node attributes ``induction_var`` v, ``zero``, ``succ``): φ is a closed
                ∀x̄ P with v among x̄; with ȳ = x̄ without v, the source with ``as: base`` is
                (alpha-equal to) ∀ȳ P[v:=zero] and the one with ``as: step`` is
                ∀v ((∀ȳ P) → ∀ȳ P[v:=succ(v)]). A syntactic check (no prover): the sources
                themselves are checked as the facts they are.

For strengthen and rewrite the parent is the one source with ``as: parent`` (or the only
source); the other sources are the lemmas.

Any other rule, an integrity fault, or a check the prover cannot settle (Unknown) is a failure.
A derivation (rule, sources, node) met again in a later graph is not checked twice.

Parallel checking (:func:`verify_job`; ``--workers N``, ``--ray``): the main process reads every
graph and checks its integrity (a :class:`Plan`); the distinct derivations then run in work items
of :data:`CHUNK` checks on the pools of :mod:`nsp.workers`. Every check gets a fresh prover
session and the report is assembled in graph order, so verdicts and report do not depend on the
number of workers or the order checks finish in. With a report file each finished item is
journaled (:class:`nsp.records.Journal`), so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from nsp.graph.files import GraphFileError, graphs_in_file  # noqa: F401 - the one reader
from nsp.logic.analysis import free_vars, substitute
from nsp.logic.canon import alpha_equal, content_id
from nsp.logic.ir import App, Const, Forall, Implies, Node, Var
from nsp.logic.syntax import parse_formula
from provers import base
from provers.base import ToolMissing
from provers.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT
from provers.outcome import Outcome, Verdict

RULES = ("given", "law", "entailment", "apply", "strengthen", "rewrite", "induction")
Decide = Callable[[list, Node, float], Verdict]
CHUNK = 16  # checks per work item of a job (and per journal line): not tied to the number of workers
JOURNAL_FORMAT = "nsp-graph-verify/1"


@dataclass(frozen=True)
class Settings:
    """What a verification's verdicts depend on (a job's journal records it)."""

    prover: str = "z3"
    rlimit: int | None = DEFAULT_RLIMIT  # per check (Z3): the bound
    timeout: float = DEFAULT_TIMEOUT  # wall-clock seconds per check: a hang guard


ProverUnavailable = ToolMissing  # the prover asked for cannot run here; the message says why


@dataclass(frozen=True)
class Failure:
    graph: int  # 1-based position of the graph in the file
    node: str
    rule: str
    reason: str

    def describe(self) -> str:
        return f"FAIL graph {self.graph} node {self.node} ({self.rule}): {self.reason}"


@dataclass(frozen=True)
class Checked:
    """The verdict on one node of one graph (or one integrity fault, ``rule`` "integrity")."""

    graph: int
    node: str
    rule: str
    reason: str | None  # None: the node's derivation holds
    repeat: bool = False  # the same derivation was checked in an earlier graph (counted there)


@dataclass
class Report:
    graphs: int = 0
    nodes: int = 0
    ok: Counter = field(default_factory=Counter)  # rule -> checks passed
    failed: Counter = field(default_factory=Counter)  # rule -> checks failed
    failures: list[Failure] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)  # every node's verdict, in report order

    @property
    def passed(self) -> bool:
        return not self.failures

    def _rules(self) -> list[str]:
        rules = [r for r in (*RULES, "integrity") if self.ok[r] or self.failed[r]]
        return rules + sorted((set(self.ok) | set(self.failed)) - set(rules))

    def lines(self) -> list[str]:
        out = [f"{r}: {self.ok[r]} ok, {self.failed[r]} failed" for r in self._rules()]
        out.append(f"{self.graphs} graph(s), {self.nodes} node(s), "
                   f"{sum(self.ok.values())} check(s) passed, {sum(self.failed.values())} failed")
        return out

    def to_json(self) -> dict:
        """The report file's content: the same for any number of workers (no timings)."""
        return {
            "passed": self.passed, "graphs": self.graphs, "nodes": self.nodes,
            "rules": {r: {"ok": self.ok[r], "failed": self.failed[r]} for r in self._rules()},
            "failures": [asdict(f) for f in self.failures],
            "checked": [asdict(c) for c in self.checked],
        }


def prover(name: str, rlimit: int | None = DEFAULT_RLIMIT) -> Decide:
    """The decision function of a registered back end (``z3``, ``e``, ...): ``decide(premises,
    goal, timeout)``, with ``rlimit`` per check. Raises :class:`ProverUnavailable` (the tool is
    not installed) or ValueError (no such back end)."""
    try:
        base.get(name, rlimit=rlimit)  # fail early when the tool is missing
    except ToolMissing as e:
        raise ProverUnavailable(f"{name}: {e}") from None
    made: dict = {}

    def decide(premises, goal, timeout):
        p = made.get(timeout)
        if p is None:
            p = made[timeout] = base.get(name, rlimit=rlimit, timeout=timeout)
        return p.decide(premises, goal)

    return decide


Key = tuple  # a derivation: (rule, node id, source ids, edge kinds, induction attributes)


@dataclass(frozen=True)
class _Event:
    """One line of a graph's check: an integrity fault (``reason``) or a derivation (``key``;
    ``first``: not met in an earlier graph, so it counts)."""

    graph: int
    node: str
    rule: str
    reason: str | None = None
    key: Key | None = None
    first: bool = False


class Plan:
    """What checking the graphs of a file takes, found in the main process without a prover:
    each graph's integrity faults and derivations (its events, in report order) and the distinct
    derivations to check (``checks``, first met first), with the formulas they read."""

    def __init__(self) -> None:
        self.graphs = 0
        self.nodes = 0
        self.events: list[_Event] = []
        self.checks: dict[Key, str] = {}  # derivation -> check id (hex)
        self.formulas: dict[str, Node] = {}  # node id -> formula (its content id is the node id)

    def add(self, data: dict) -> tuple[list[_Event], int]:
        """Read one graph: its events (also kept in ``events``) and its number of nodes."""
        self.graphs += 1
        gno = self.graphs
        events: list[_Event] = []
        nodes, sources, edge_kind, faults = _read(data)
        self.nodes += len(nodes)
        for node_id, reason in faults:
            events.append(_Event(gno, node_id, "integrity", reason))
        readable: set[str] = set()
        for node_id, attrs in nodes.items():
            try:
                f = parse_formula(attrs.get("formula", ""), "folio", strict=True)
            except (ValueError, TypeError) as e:
                events.append(_Event(gno, node_id, "integrity", f"formula does not read: {str(e).splitlines()[0]}"))
                continue
            if content_id(f) != node_id:
                events.append(_Event(gno, node_id, "integrity",
                                     f"formula's content id is {content_id(f)}, not the node id"))
                continue
            self.formulas.setdefault(node_id, f)
            readable.add(node_id)
        for node_id in sorted(readable):
            rule = str(nodes[node_id].get("rule", "given"))
            srcs = sorted(sources.get(node_id, ()))
            missing = [s for s in srcs if s not in readable]
            if missing:
                events.append(_Event(gno, node_id, rule, f"source {missing[0]} is unreadable or missing"))
                continue
            kinds = tuple(str(edge_kind.get((s, node_id), "")) for s in srcs)
            extra = tuple(str(nodes[node_id].get(k, "")) for k in ("induction_var", "zero", "succ"))
            key = (rule, node_id, tuple(srcs), kinds, extra)
            first = key not in self.checks
            if first:
                self.checks[key] = _check_id(key)
            events.append(_Event(gno, node_id, rule, key=key, first=first))
        self.events.extend(events)
        return events, len(nodes)

    def chunks(self, size: int) -> list[dict]:
        """The checks as work items of ``size`` checks each, in order; an item carries the
        formulas its checks read, and its id is a hash of its checks' ids."""
        keys = list(self.checks)
        out = []
        for i in range(0, len(keys), size):
            part = keys[i:i + size]
            ids = [self.checks[k] for k in part]
            names = sorted({k[1] for k in part} | {s for k in part for s in k[2]})
            out.append({
                "id": hashlib.sha256(" ".join(ids).encode()).hexdigest()[:24],
                "checks": [{"id": self.checks[k], "key": k} for k in part],
                "formulas": {n: self.formulas[n] for n in names},
            })
        return out


def _check_id(key: Key) -> str:
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()[:24]


def _replay(report: Report, events: Iterable[_Event], results: dict[Key, str | None]) -> None:
    """Add events to the report: faults fail; a derivation counts when first met."""
    for ev in events:
        reason = ev.reason if ev.key is None else results[ev.key]
        report.checked.append(Checked(ev.graph, ev.node, ev.rule, reason, ev.key is not None and not ev.first))
        if ev.key is not None and not ev.first:
            continue
        if reason is None:
            report.ok[ev.rule] += 1
        else:
            report.failed[ev.rule] += 1
            report.failures.append(Failure(ev.graph, ev.node, ev.rule, reason))


class Checker:
    """Checks graphs one after another in this process, remembering derivations already checked."""

    def __init__(self, decide: Decide, timeout: float = DEFAULT_TIMEOUT):
        self.decide, self.timeout = decide, timeout
        self.report = Report()
        self._plan = Plan()
        self._done: dict[Key, str | None] = {}  # derivation -> failure reason (None: it holds)

    def check(self, data: dict) -> None:
        events, nodes = self._plan.add(data)
        self.report.graphs += 1
        self.report.nodes += nodes
        for ev in events:
            if ev.first:
                self._done[ev.key] = _check_key(ev.key, self._plan.formulas, self.decide, self.timeout)
        _replay(self.report, events, self._done)


def _check_key(key: Key, formulas: dict[str, Node], decide: Decide, timeout: float) -> str | None:
    """The failure reason of one derivation, or None when it holds."""
    rule, node_id, srcs, kinds, extra = key

    def entails(premises: list, goal: Node) -> str | None:
        v = decide(premises, goal, timeout)
        if v.outcome is Outcome.TRUE:
            return None
        return f"{v.outcome.value}" + (f" ({v.reason})" if v.reason else "")

    return _check_one(entails, rule, formulas[node_id], [formulas[s] for s in srcs], tuple(kinds), tuple(extra))


def _check_one(entails: Callable[[list, Node], str | None], rule: str, phi: Node, srcs: list, kinds: tuple,
               extra: tuple = ()) -> str | None:
    if rule == "induction":
        return _induction_instance(phi, srcs, kinds, *extra)
    if rule == "given":
        return None if not srcs else f"a given fact has {len(srcs)} source(s)"
    if rule == "law":
        if srcs:
            return f"a law instance has {len(srcs)} source(s)"
        why = entails([], phi)
        return None if why is None else f"not valid: {why}"
    if rule in ("entailment", "apply"):
        if rule == "apply" and not srcs:
            return "apply without sources"
        why = entails(srcs, phi)
        return None if why is None else f"sources do not entail it: {why}"
    if rule in ("rewrite", "strengthen"):
        parents = [f for f, k in zip(srcs, kinds) if k == "parent"]
        if not parents and len(srcs) == 1:
            parents = srcs
        if len(parents) != 1:
            return f"{rule} needs exactly one parent, has {len(parents)}"
        lemmas = [f for f, k in zip(srcs, kinds) if k != "parent"] if len(srcs) > 1 else []
        if rule == "rewrite":
            why = entails(lemmas + parents, phi)
            if why is not None:
                return f"parent and lemmas do not entail it: {why}"
        why = entails(lemmas + [phi], parents[0])
        return None if why is None else f"it and the lemmas do not entail the parent: {why}"
    return f"unknown rule {rule!r} (known: {', '.join(RULES)})"


def _induction_instance(phi: Node, srcs: list, kinds: tuple, var: str, zero: str, succ: str) -> str | None:
    """None when ``phi`` follows by one induction step from its base and step sources."""
    if not (var and zero and succ):
        return "induction needs node attributes induction_var, zero and succ"
    base = [f for f, k in zip(srcs, kinds) if k == "base"]
    step = [f for f, k in zip(srcs, kinds) if k == "step"]
    if len(srcs) != 2 or len(base) != 1 or len(step) != 1:
        return "induction needs exactly two sources, one 'base' and one 'step'"
    if phi.kind != "forall" or var not in phi.payload or free_vars(phi):
        return f"the conclusion must be a closed ∀ binding {var}"
    others = tuple(x for x in phi.payload if x != var)
    body = phi.children[0]

    def close(f: Node) -> Node:
        return Forall(others, f) if others else f

    want_base = close(substitute(body, {var: Const(zero)}))
    want_step = Forall((var,), Implies(close(body), close(substitute(body, {var: App(succ, (Var(var),))}))))
    if not alpha_equal(base[0], want_base):
        return f"the base source is not the formula at {var} := {zero}"
    if not alpha_equal(step[0], want_step):
        return f"the step source is not ∀{var} (P → P[{var} := {succ}({var})])"
    return None


def _read(data: dict) -> tuple[dict, dict, dict, list]:
    """Nodes (id -> attrs), sources (id -> [ids]), edge kinds, and structural faults."""
    faults: list[tuple[str, str]] = []
    nodes: dict[str, dict] = {}
    for n in data.get("nodes", []):
        if not isinstance(n, dict) or not isinstance(n.get("id"), str):
            faults.append(("?", "a node without a string id"))
            continue
        if n["id"] in nodes:
            faults.append((n["id"], "node listed twice"))
        nodes[n["id"]] = n
    sources: dict[str, list[str]] = {}
    kinds: dict[tuple[str, str], str] = {}
    for e in data.get("edges", data.get("links", [])):
        s, t = (e.get("source"), e.get("target")) if isinstance(e, dict) else (None, None)
        if s not in nodes or t not in nodes:
            faults.append((str(t), f"edge {s} -> {t} joins a node that is not in the graph"))
            continue
        sources.setdefault(t, []).append(s)
        kinds[(s, t)] = e.get("as", "")
    cycle = _cycle_node(nodes, sources)
    if cycle is not None:
        faults.append((cycle, "the graph has a cycle through this node"))
    return nodes, sources, kinds, faults


def _cycle_node(nodes: dict, sources: dict) -> str | None:
    """A node on a cycle, or None (iterative three-colour DFS over source edges)."""
    colour: dict[str, int] = {}
    for root in sorted(nodes):
        if colour.get(root):
            continue
        stack = [(root, iter(sorted(sources.get(root, ()))))]
        colour[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
            elif colour.get(nxt) == 1:
                return nxt
            elif not colour.get(nxt) and nxt in nodes:
                colour[nxt] = 1
                stack.append((nxt, iter(sorted(sources.get(nxt, ())))))
    return None




def check_chunk(item: dict, wire: dict) -> dict:
    """Worker side (:mod:`nsp.workers`): every check of one work item of :meth:`Plan.chunks`,
    with the prover ``wire`` names; never raises (a check that raises fails with the reason)."""
    start = time.process_time()
    try:
        decide = prover(wire["prover"], wire["rlimit"])
    except (ProverUnavailable, ValueError) as e:
        return {"id": item["id"], "results": [[c["id"], f"no prover: {e}"] for c in item["checks"]]}
    results = []
    for c in item["checks"]:
        try:
            reason = _check_key(tuple(c["key"]), item["formulas"], decide, wire["timeout"])
        except Exception as e:  # noqa: BLE001 - a checker fault fails this check, not the job
            reason = f"checker error: {type(e).__name__}: {e}"
        results.append([c["id"], reason])
    return {"id": item["id"], "results": results, "cpu_seconds": time.process_time() - start}


@dataclass
class JobStats:
    """How a :func:`verify_job` run went (not part of the report: it depends on the machine)."""

    checks: int = 0
    chunks: int = 0
    chunks_run: int = 0  # by this invocation (the rest came from the journal)
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0  # spent in checks by the chunks run now, summed over workers
    plan_seconds: float = 0.0  # reading the graphs and their integrity, in the main process (not parallel)


def verify_job(path: str | Path, settings: Settings = Settings(), workers: int = 1, ray: str | None = None,
               out: str | Path | None = None, fresh: bool = False, progress: bool = False) -> tuple[Report, JobStats]:
    """Check every graph in the file with ``workers`` processes (one: in this process) or on Ray
    (``ray``: an address, see :func:`nsp.workers.run_ray`). With ``out`` the run is a resumable
    job: finished checks go to the journal ``OUT.journal`` (header: ``settings`` and the input's
    sha256; a resume under other settings raises :class:`nsp.workers.JobError`, ``fresh``
    starts over) and the report (:meth:`Report.to_json`) replaces ``out`` atomically at the end.
    The report is the same for any ``workers`` or ``ray``. Raises :class:`GraphFileError`,
    :class:`ProverUnavailable`, :class:`nsp.workers.JobError` (MissingDependency: no Ray)."""
    from nsp.records import JobProgress, OutputError, check_output, file_sha256, write_atomic
    from nsp.workers import JobError, run_journaled

    start = time.monotonic()
    prover(settings.prover, settings.rlimit)  # fail early when the tool is missing
    journal_path = None
    if out is not None:
        journal_path = Path(str(out) + ".journal")
        try:
            for p in (out, journal_path):
                check_output(p, [path])
        except OutputError as e:
            raise JobError(str(e)) from None
    plan = Plan()
    for data in graphs_in_file(path):
        plan.add(data)
    chunks = plan.chunks(CHUNK)
    header = {"job": JOURNAL_FORMAT, "settings": asdict(settings),
              "input_sha256": file_sha256(path) if out is not None else None}
    stats = JobStats(checks=len(plan.checks), chunks=len(chunks), plan_seconds=time.monotonic() - start)
    failed = 0

    def describe(entry: dict) -> str:
        nonlocal failed
        stats.cpu_seconds += entry.get("cpu_seconds", 0.0)
        failed += sum(1 for _, reason in entry.get("results", ()) if reason is not None)
        return f"checks, {failed} failed"

    bar = JobProgress(progress, len(plan.checks), "verify", "checks")
    journal, stats.chunks_run = run_journaled(chunks, journal_path, header, asdict(settings), workers, ray,
                                              check_chunk, fresh, bar, describe,
                                              size=lambda item: len(item["checks"]), inline=True)
    try:
        results: dict[Key, str | None] = {}
        for chunk in chunks:
            entry = journal.entries[chunk["id"]]
            got = dict(entry.get("results", ()))
            crash = "; ".join(e.get("error", "") for e in entry.get("errors", ())) or "no result"
            for c in chunk["checks"]:
                results[c["key"]] = got[c["id"]] if c["id"] in got else f"worker crashed: {crash}"
    finally:
        journal.close()
    report = Report(graphs=plan.graphs, nodes=plan.nodes)
    _replay(report, plan.events, results)
    if out is not None:
        write_atomic(out, json.dumps(report.to_json(), ensure_ascii=False, sort_keys=True, indent=1) + "\n")
    stats.wall_seconds = time.monotonic() - start
    return report, stats


def verify_file(path: str | Path, prover_name: str = "z3", timeout: float = DEFAULT_TIMEOUT,
                on_graph: Callable[[int], None] | None = None) -> Report:
    """Check every graph in the file in this process. Raises :class:`GraphFileError`,
    :class:`ProverUnavailable`."""
    checker = Checker(prover(prover_name), timeout)
    for data in graphs_in_file(path):
        checker.check(data)
        if on_graph:
            on_graph(checker.report.graphs)
    return checker.report
