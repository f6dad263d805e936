"""Provenance graphs: facts as nodes, derivations as edges, serialised as node-link JSON.

A graph is a ``networkx.DiGraph``. Node id: the content id of the fact's formula
(:func:`nsp.logic.canon.content_id`). Node attributes:

    formula     the fact in FOLIO syntax (the IR is re-read from it)
    role        axiom | premise | derived | theorem | conjecture | mutant
    rule        how it was obtained ("given" for premises and axioms)
    checked_by  the prover(s) that checked the derivation, e.g. "z3" or "z3+eprover"
    text        optional natural-language sentence; label: optional short name (p1, ...)

An edge ``u -> v`` says fact ``u`` is one of the sources ``v`` was derived from; its ``rule``
attribute repeats the rule of ``v``; an optional ``as`` attribute says what part the source plays
(``parent``: the fact that was mutated, ``lemma``: the law or implication used; see
:mod:`nsp.graph.verify` for what each rule claims). Graph attributes carry metadata (verdict,
problem id...).
Example: premises p1 = ∀x (Dog(x) → Animal(x)), p2 = Dog(rex) and the theorem Animal(rex)
give three nodes and the edges p1 -> theorem, p2 -> theorem with rule "entailment".
Reading a graph never mutates it. Queries: :func:`proof_of` (ancestors), :func:`uses_of`,
:func:`merge`; :func:`read_graphs` reads a graph JSON file, a JSONL of graphs, or a JSONL of
records that carry a graph under ``"graph"``. File level (``nsp graph proof|uses|merge``):
:func:`merged_with`, :func:`merge_files`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import networkx as nx

from nsp.errors import BadInput, NspError
from nsp.graph.files import graphs_in_file
from nsp.logic.canon import content_id
from nsp.logic.ir import Node
from nsp.logic.syntax import parse_formula, write

ROLES = frozenset({"axiom", "premise", "derived", "theorem", "conjecture", "mutant"})
FORMAT = "nsp-provenance/1"


def new_graph(**attrs) -> nx.DiGraph:
    g = nx.DiGraph()
    g.graph.update({"format": FORMAT, **attrs})
    return g


def add_fact(
    g: nx.DiGraph,
    formula: Node,
    role: str,
    rule: str = "given",
    checked_by: str = "",
    *,
    node_id: str | None = None,
    formula_text: str | None = None,
    **attrs,
) -> str:
    """Add (or update) the fact's node and return its id. ``node_id`` and ``formula_text``: the
    formula's content id and FOLIO text when the caller has them already (memoised)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {sorted(ROLES)}")
    node_id = content_id(formula) if node_id is None else node_id
    text = write(formula, "folio") if formula_text is None else formula_text
    data = {"formula": text, "role": role, "rule": rule, "checked_by": checked_by}
    data.update({k: v for k, v in attrs.items() if v is not None})
    if node_id in g:
        g.nodes[node_id].update(data)
    else:
        g.add_node(node_id, **data)
    return node_id


def add_derivation(
    g: nx.DiGraph, sources: Iterable[str], target: str, rule: str, kinds: Mapping[str, str] | None = None
) -> None:
    """Record that ``target`` was derived from exactly ``sources`` by ``rule``.

    ``kinds`` optionally maps a source to the part it plays (edge attribute ``as``).
    """
    for s in sources:
        if s not in g:
            raise KeyError(f"source {s} is not in the graph")
        if kinds and s in kinds:
            g.add_edge(s, target, rule=rule, **{"as": kinds[s]})
        else:
            g.add_edge(s, target, rule=rule)


def formula_of(g: nx.DiGraph, node_id: str) -> Node:
    return parse_formula(g.nodes[node_id]["formula"], "folio", strict=True)


def parents(g: nx.DiGraph, node_id: str) -> list[str]:
    """The recorded sources of a fact, in a stable order."""
    return sorted(g.predecessors(node_id))


def proof_of(g: nx.DiGraph, node_id: str) -> nx.DiGraph:
    """The sub-graph of everything ``node_id`` depends on (itself included); a read-only view."""
    keep = nx.ancestors(g, node_id) | {node_id}
    return g.subgraph(keep)


def uses_of(g: nx.DiGraph, node_id: str) -> list[str]:
    """Facts derived (directly) from ``node_id``."""
    return sorted(g.successors(node_id))


def to_json(g: nx.DiGraph) -> dict:
    """Node-link JSON (``edges`` key), with sorted nodes and edges for stable output."""
    data = nx.node_link_data(g, edges="edges")
    data["nodes"] = sorted(data["nodes"], key=lambda n: n["id"])
    data["edges"] = sorted(data["edges"], key=lambda e: (e["source"], e["target"]))
    return data


def from_json(data: dict) -> nx.DiGraph:
    """A graph from node-link JSON (``edges`` or ``links``; neither: no edges)."""
    key = "edges" if "edges" in data else "links"
    if key not in data:
        data = {**data, key: []}
    return nx.node_link_graph(data, directed=True, multigraph=False, edges=key)


def dumps(g: nx.DiGraph) -> str:
    return json.dumps(to_json(g), ensure_ascii=False, sort_keys=True)


def derivation(g: nx.DiGraph, node_id: str) -> tuple[str, dict[str, list[str]]]:
    """The rule of a fact and its sources grouped by the part they play (``as``; default
    ``source``), each list sorted."""
    groups: dict[str, list[str]] = {}
    for s in parents(g, node_id):
        groups.setdefault(g.edges[s, node_id].get("as", "source"), []).append(s)
    return g.nodes[node_id].get("rule", "given"), groups


def in_dependency_order(g: nx.DiGraph) -> list[str]:
    """Node ids with every fact after its sources (ties broken by id: stable)."""
    return list(nx.lexicographical_topological_sort(g))


def merge(graphs: Iterable[nx.DiGraph]) -> nx.DiGraph:
    """One graph holding every fact of ``graphs``; the inputs are not changed.

    A fact present in several graphs keeps the attributes and the derivation (in-edges) of the
    first graph that has it. When a later graph derives it differently (another rule or other
    sources), that derivation is dropped and the fact's id is listed in the graph attribute
    ``conflicts``, so every fact of the result still has exactly one recorded derivation.
    """
    out = new_graph()
    conflicts: set[str] = set()
    count = 0
    for g in graphs:
        count += 1
        before = set(out.nodes)
        for node_id, data in g.nodes(data=True):
            if node_id not in before:
                out.add_node(node_id, **dict(data))
            elif (out.nodes[node_id].get("rule"), sorted(out.predecessors(node_id))) != (
                data.get("rule"), sorted(g.predecessors(node_id))
            ):
                conflicts.add(node_id)
        for s, t, data in g.edges(data=True):
            if t not in before:
                out.add_edge(s, t, **dict(data))
    out.graph["merged"] = count
    if conflicts:
        out.graph["conflicts"] = sorted(conflicts)
    return out


def read_graphs(path: str | Path) -> Iterator[nx.DiGraph]:
    """The graphs of a graph file (:func:`nsp.graph.files.graphs_in_file`, the one reader: a graph
    JSON file, a JSONL of graphs, or a JSONL of records with ``graph``). Raises
    :class:`nsp.graph.files.GraphFileError`."""
    for data in graphs_in_file(path):
        yield from_json(data)


def merged_with(path: str | Path, fact: str) -> nx.DiGraph:
    """One graph (:func:`merge`) of the graphs in the file ``path`` that have the fact ``fact``
    (a node id). Raises :class:`nsp.errors.BadInput` when none has it or a graph cannot be built."""
    try:
        g = merge(graph for graph in read_graphs(path) if fact in graph)
    except NspError:
        raise
    except (ValueError, OSError) as e:  # a graph networkx cannot build
        raise BadInput(str(e)) from None
    if fact not in g:
        raise BadInput(f"no graph has a fact with id {fact}", str(path))
    return g


def merge_files(paths: Iterable[str | Path], out: str | Path) -> nx.DiGraph:
    """Merge every graph of the files ``paths`` (:func:`merge`) and write the result to ``out``
    (node-link JSON; the path is checked before anything is read: :func:`nsp.records.check_output`).
    Returns the merged graph. Raises :class:`nsp.errors.BadInput` for a graph that cannot be built
    or a failed write, :class:`nsp.errors.OutputError` for an output nsp will not write."""
    from nsp.records import check_output, write_atomic

    paths = list(paths)
    try:
        check_output(out, paths)
        g = merge(graph for p in paths for graph in read_graphs(p))
        write_atomic(out, dumps(g) + "\n")
    except NspError:
        raise
    except (ValueError, OSError) as e:  # a graph networkx cannot build, a failed write
        raise BadInput(str(e)) from None
    return g
