"""Canonical form and content ids.

``canonical(f)`` renames bound variables to ``v1, v2, ...`` in the order their binders occur
(pre-order, left to right), skipping names free in ``f``. Two formulas are alpha-equivalent
(equal up to renaming bound variables) exactly when their canonical forms are equal.
``content_id(f)`` is the first 16 hex digits of the SHA-256 of the canonical form's
serialisation (:mod:`nsp.logic.serial`): stable across processes and machines.
"""

from __future__ import annotations

import hashlib
import json

from nsp.logic.analysis import _quant, _rebuild, free_vars
from nsp.logic.ir import Node, Var
from nsp.logic.walk import Descend, Done, scoped


def canonical(node: Node) -> Node:
    """The alpha-normal form of ``node`` (see module docstring)."""
    free = free_vars(node)
    counter = [0]

    def fresh() -> str:
        while True:
            counter[0] += 1
            name = f"v{counter[0]}"
            if name not in free:
                return name

    def visit(n: Node, env: dict):
        if n.kind == "var":
            return Done(Var(env[n.payload]) if n.payload in env else n)
        if not n.children:
            return Done(n)
        if n.kind in ("forall", "exists"):
            inner = dict(env)
            names = []
            for v in n.payload:
                new = fresh()
                inner[v] = new
                names.append(new)
            return Descend((inner,), lambda cs, k=n.kind, vs=tuple(names): _quant(k, vs, cs[0]))
        return Descend((env,) * len(n.children), lambda cs, n=n: _rebuild(n, cs))

    return scoped(node, {}, visit)


def alpha_equal(a: Node, b: Node) -> bool:
    """Equal up to renaming of bound variables."""
    return a == b or canonical(a) == canonical(b)


def content_id(node: Node) -> str:
    """Stable content hash of the canonical form (16 hex digits of SHA-256)."""
    text = json.dumps(canonical_records(node), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def canonical_records(node: Node) -> list:
    """``to_records(canonical(node))`` (:mod:`nsp.logic.serial`) in one pre-order walk, without
    building the canonical nodes: bound names are numbered as :func:`canonical` numbers them, and
    a chain of directly nested quantifiers of one kind is one record, as the quantifier
    constructors merge it once its names are distinct."""
    free: frozenset | None = None
    counter = 0

    def fresh() -> str:
        nonlocal counter, free
        if free is None:
            free = free_vars(node)
        while True:
            counter += 1
            name = f"v{counter}"
            if name not in free:
                return name

    out: list = []
    stack: list = [(node, {})]
    while stack:
        n, env = stack.pop()
        k = n.kind
        if k == "var":
            out.append(["var", env.get(n.payload, n.payload), 0])
        elif k == "forall" or k == "exists":
            inner = dict(env)
            names = []
            while True:
                for v in n.payload:
                    inner[v] = new = fresh()
                    names.append(new)
                n = n.children[0]
                if n.kind != k:
                    break
            out.append([k, names, 1])
            stack.append((n, inner))
        else:
            children = n.children
            out.append([k, n.payload, len(children)])
            for c in reversed(children):
                stack.append((c, env))
    return out
