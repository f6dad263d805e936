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
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from nsp import jsonio
from nsp.logic.analysis import free_vars, substitute
from nsp.logic.canon import alpha_equal, content_id
from nsp.logic.ir import App, Const, Forall, Implies, Node, Var
from nsp.logic.syntax import parse_formula
from provers import base
from provers.base import ToolMissing
from provers.limits import DEFAULT_RLIMIT
from provers.outcome import Outcome, Verdict

RULES = ("given", "law", "entailment", "apply", "strengthen", "rewrite", "induction")
Decide = Callable[[list, Node, float], Verdict]


class GraphFileError(ValueError):
    """The file is not a graph, a JSONL of graphs, or a JSONL of records with graphs."""


ProverUnavailable = ToolMissing  # the prover asked for cannot run here; the message says why


@dataclass(frozen=True)
class Failure:
    graph: int  # 1-based position of the graph in the file
    node: str
    rule: str
    reason: str

    def describe(self) -> str:
        return f"FAIL graph {self.graph} node {self.node} ({self.rule}): {self.reason}"


@dataclass
class Report:
    graphs: int = 0
    nodes: int = 0
    ok: Counter = field(default_factory=Counter)  # rule -> checks passed
    failed: Counter = field(default_factory=Counter)  # rule -> checks failed
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def lines(self) -> list[str]:
        rules = [r for r in (*RULES, "integrity") if self.ok[r] or self.failed[r]]
        rules += sorted((set(self.ok) | set(self.failed)) - set(rules))
        out = [f"{r}: {self.ok[r]} ok, {self.failed[r]} failed" for r in rules]
        out.append(f"{self.graphs} graph(s), {self.nodes} node(s), "
                   f"{sum(self.ok.values())} check(s) passed, {sum(self.failed.values())} failed")
        return out


def graphs_in_file(path: str | Path) -> Iterator[dict]:
    """Node-link dicts in the file (see module docstring). Raises :class:`GraphFileError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise GraphFileError(f"{path}: {getattr(e, 'strerror', None) or e}") from None
    try:
        values: Iterable = [(1, jsonio.loads(text))]
    except json.JSONDecodeError:
        values = _jsonl(text, path)
    found = False
    for no, value in values:
        if isinstance(value, dict) and isinstance(value.get("nodes"), list):
            found = True
            yield value
        elif isinstance(value, dict) and isinstance(value.get("graph"), dict) and "nodes" in value["graph"]:
            found = True
            yield value["graph"]
        else:
            raise GraphFileError(f"{path}:{no}: not a graph (no \"nodes\") nor a record with a \"graph\"")
    if not found:
        raise GraphFileError(f"{path}: no graph in the file")


def _jsonl(text: str, path) -> Iterator[tuple[int, object]]:
    for no, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield no, jsonio.loads(line)
            except json.JSONDecodeError as e:
                raise GraphFileError(f"{path}:{no}: invalid JSON: {e.msg}") from None


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


class Checker:
    """Checks graphs one after another, remembering derivations already checked."""

    def __init__(self, decide: Decide, timeout: float = 10.0):
        self.decide, self.timeout = decide, timeout
        self.report = Report()
        self._done: dict[tuple, str | None] = {}  # derivation key -> failure reason

    def check(self, data: dict) -> None:
        self.report.graphs += 1
        gno = self.report.graphs
        nodes, sources, edge_kind, faults = _read(data)
        self.report.nodes += len(nodes)
        for node_id, reason in faults:
            self._fail(gno, node_id, "integrity", reason)
        formulas: dict[str, Node] = {}
        for node_id, attrs in nodes.items():
            try:
                f = parse_formula(attrs.get("formula", ""), "folio", strict=True)
            except (ValueError, TypeError) as e:
                self._fail(gno, node_id, "integrity", f"formula does not read: {str(e).splitlines()[0]}")
                continue
            if content_id(f) != node_id:
                self._fail(gno, node_id, "integrity", f"formula's content id is {content_id(f)}, not the node id")
                continue
            formulas[node_id] = f
        for node_id in sorted(formulas):
            rule = nodes[node_id].get("rule", "given")
            srcs = sorted(sources.get(node_id, ()))
            missing = [s for s in srcs if s not in formulas]
            if missing:
                self._fail(gno, node_id, rule, f"source {missing[0]} is unreadable or missing")
                continue
            kinds = tuple(edge_kind.get((s, node_id), "") for s in srcs)
            extra = tuple(str(nodes[node_id].get(k, "")) for k in ("induction_var", "zero", "succ"))
            key = (rule, node_id, tuple(srcs), kinds, extra)
            if key not in self._done:
                self._done[key] = self._check_one(rule, formulas[node_id], [formulas[s] for s in srcs], kinds, extra)
                reason = self._done[key]
                if reason is None:
                    self.report.ok[rule] += 1
                else:
                    self._fail(gno, node_id, rule, reason)

    def _fail(self, gno: int, node_id: str, rule: str, reason: str) -> None:
        self.report.failed[rule] += 1
        self.report.failures.append(Failure(gno, node_id, rule, reason))

    def _entails(self, premises: list, goal: Node) -> str | None:
        v = self.decide(premises, goal, self.timeout)
        if v.outcome is Outcome.TRUE:
            return None
        return f"{v.outcome.value}" + (f" ({v.reason})" if v.reason else "")

    def _check_one(self, rule: str, phi: Node, srcs: list, kinds: tuple, extra: tuple = ()) -> str | None:
        if rule == "induction":
            return _induction_instance(phi, srcs, kinds, *extra)
        if rule == "given":
            return None if not srcs else f"a given fact has {len(srcs)} source(s)"
        if rule == "law":
            if srcs:
                return f"a law instance has {len(srcs)} source(s)"
            why = self._entails([], phi)
            return None if why is None else f"not valid: {why}"
        if rule in ("entailment", "apply"):
            if rule == "apply" and not srcs:
                return "apply without sources"
            why = self._entails(srcs, phi)
            return None if why is None else f"sources do not entail it: {why}"
        if rule in ("rewrite", "strengthen"):
            parents = [f for f, k in zip(srcs, kinds) if k == "parent"]
            if not parents and len(srcs) == 1:
                parents = srcs
            if len(parents) != 1:
                return f"{rule} needs exactly one parent, has {len(parents)}"
            lemmas = [f for f, k in zip(srcs, kinds) if k != "parent"] if len(srcs) > 1 else []
            if rule == "rewrite":
                why = self._entails(lemmas + parents, phi)
                if why is not None:
                    return f"parent and lemmas do not entail it: {why}"
            why = self._entails(lemmas + [phi], parents[0])
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


def verify_file(path: str | Path, prover_name: str = "z3", timeout: float = 10.0,
                on_graph: Callable[[int], None] | None = None) -> Report:
    """Check every graph in the file. Raises :class:`GraphFileError`, :class:`ProverUnavailable`."""
    checker = Checker(prover(prover_name), timeout)
    for data in graphs_in_file(path):
        checker.check(data)
        if on_graph:
            on_graph(checker.report.graphs)
    return checker.report
