"""Positions inside a formula: paths of child indices, found and replaced iteratively.

A position is the tuple of child indices from the root to a sub-formula: in
``∀x (Dog(x) → ¬Cat(x))`` the path ``(0,)`` is the implication, ``(0, 1)`` is ``¬Cat(x)`` and
``(0, 1, 0)`` is ``Cat(x)``. Only formula positions are listed (never terms).

Polarity of a position: +1 when making the sub-formula stronger makes the whole formula stronger
(it occurs under an even number of negations and left sides of →), -1 when it flips, 0 under ↔
or ⊕ (both at once, so no monotone replacement is sound there).
``bound`` lists the variables bound by quantifiers above the position, outermost first: the
free variables of the sub-formula are among them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from nsp.logic.ir import Node


@dataclass(frozen=True, slots=True)
class Site:
    """A sub-formula occurrence: where it is, what it is, its polarity and the binders above it."""

    path: tuple[int, ...]
    node: Node
    polarity: int
    bound: tuple[str, ...]


def sites(root: Node) -> Iterator[Site]:
    """Every formula position of ``root`` in pre-order (root first, left to right)."""
    stack = [Site((), root, 1, ())]
    while stack:
        site = stack.pop()
        yield site
        n = site.node
        if n.is_term or n.kind in ("atom", "eq"):
            continue
        children = []
        for i, child in enumerate(n.children):
            pol = site.polarity
            bound = site.bound
            if n.kind == "not" or (n.kind == "implies" and i == 0):
                pol = -pol
            elif n.kind in ("iff", "xor"):
                pol = 0
            elif n.kind in ("forall", "exists"):
                bound = bound + tuple(v for v in n.payload if v not in bound)
            children.append(Site(site.path + (i,), child, pol, bound))
        stack.extend(reversed(children))


def node_at(root: Node, path: tuple[int, ...]) -> Node:
    """The sub-formula at ``path`` (IndexError when the path leaves the formula)."""
    node = root
    for i in path:
        node = node.children[i]
    return node


def replace_at(root: Node, path: tuple[int, ...], new: Node) -> Node:
    """``root`` with the sub-formula at ``path`` replaced by ``new`` (ancestors rebuilt)."""
    chain = [root]
    for i in path:
        chain.append(chain[-1].children[i])
    out = new
    for parent, i in zip(reversed(chain[:-1]), reversed(path)):
        children = list(parent.children)
        children[i] = out
        out = parent.rebuild(children)
    return out
