"""Canonical form and content ids.

``canonical(f)`` renames bound variables to ``v1, v2, ...`` in the order their binders occur
(pre-order, left to right), skipping names free in ``f``. Two formulas are alpha-equivalent
(equal up to renaming bound variables) exactly when their canonical forms are equal.
``content_id(f)`` is the first 16 hex digits of the SHA-256 of the canonical form's
serialisation (:mod:`nsp.logic.serial`): stable across processes and machines.
"""

from __future__ import annotations

import hashlib

from nsp.logic.analysis import _quant, _rebuild, free_vars
from nsp.logic.ir import Node, Var
from nsp.logic.serial import to_sexpr
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
    return hashlib.sha256(to_sexpr(canonical(node)).encode("utf-8")).hexdigest()[:16]
