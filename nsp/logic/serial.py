"""A lossless, unambiguous text form of IR nodes, used for pickling and content hashes.

Encoding: the JSON list of the nodes in pre-order, each ``[kind, payload, n_children]``
(payload: a name, a list of bound names, or null). Example: ``P(a)`` is
``[["atom","P",1],["const","a",0]]``. Reading and writing are iterative.
"""

from __future__ import annotations

import json

from nsp.logic.ir import KIND_CLASSES, Node, _REBUILD
from nsp.logic.walk import preorder


def to_records(node: Node) -> list:
    out = []
    for n in preorder(node):
        payload = list(n.payload) if isinstance(n.payload, tuple) else n.payload
        out.append([n.kind, payload, len(n.children)])
    return out


def to_sexpr(node: Node) -> str:
    """The node as compact JSON text (see module docstring)."""
    return json.dumps(to_records(node), ensure_ascii=False, separators=(",", ":"))


def from_records(records: list) -> Node:
    stack: list[Node] = []
    for rec in reversed(records):
        kind, payload, n = rec
        if kind not in KIND_CLASSES:
            raise ValueError(f"unknown node kind {kind!r}")
        if isinstance(payload, list):
            payload = tuple(payload)
        if n > len(stack):
            raise ValueError("malformed node records: missing children")
        children = tuple(stack.pop() for _ in range(n))
        stack.append(_REBUILD[kind](payload, children))
    if len(stack) != 1:
        raise ValueError("malformed node records: not exactly one root")
    return stack[0]


def from_sexpr(text: str) -> Node:
    return from_records(json.loads(text))
