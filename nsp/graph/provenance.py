"""Provenance graphs: facts as nodes, derivations as edges, serialised as node-link JSON.

A graph is a ``networkx.DiGraph``. Node id: the content id of the fact's formula
(:func:`nsp.logic.canon.content_id`). Node attributes:

    formula     the fact in FOLIO syntax (the IR is re-read from it)
    role        axiom | premise | derived | theorem | conjecture | mutant
    rule        how it was obtained ("given" for premises and axioms)
    checked_by  the prover(s) that checked the derivation, e.g. "z3" or "z3+eprover"
    text        optional natural-language sentence; label: optional short name (p1, ...)

An edge ``u -> v`` says fact ``u`` is one of the sources ``v`` was derived from; its ``rule``
attribute repeats the rule of ``v``. Graph attributes carry metadata (verdict, problem id...).
Example: premises p1 = ∀x (Dog(x) → Animal(x)), p2 = Dog(rex) and the theorem Animal(rex)
give three nodes and the edges p1 -> theorem, p2 -> theorem with rule "entailment".
Reading a graph never mutates it.
"""

from __future__ import annotations

import json
from typing import Iterable

import networkx as nx

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
    **attrs,
) -> str:
    """Add (or update) the fact's node and return its id."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {sorted(ROLES)}")
    node_id = content_id(formula)
    data = {"formula": write(formula, "folio"), "role": role, "rule": rule, "checked_by": checked_by}
    data.update({k: v for k, v in attrs.items() if v is not None})
    if node_id in g:
        g.nodes[node_id].update(data)
    else:
        g.add_node(node_id, **data)
    return node_id


def add_derivation(g: nx.DiGraph, sources: Iterable[str], target: str, rule: str) -> None:
    """Record that ``target`` was derived from exactly ``sources`` by ``rule``."""
    for s in sources:
        if s not in g:
            raise KeyError(f"source {s} is not in the graph")
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
    key = "edges" if "edges" in data else "links"
    return nx.node_link_graph(data, directed=True, multigraph=False, edges=key)


def dumps(g: nx.DiGraph) -> str:
    return json.dumps(to_json(g), ensure_ascii=False, sort_keys=True)
