"""Iterative traversals over the IR: no recursion, so depth is bounded only by memory.

``fold(node, fn)`` computes ``fn(node, child_results)`` bottom-up, once per distinct node object.
``transform(node, fn)`` rebuilds bottom-up: ``fn(node, new_children) -> node``.
``scoped(node, env, visit)`` is the top-down/bottom-up engine for binder-aware passes
(substitution, renaming, name resolution): ``visit(node, env)`` returns either ``Done(value)``
or ``Descend(child_envs, build)`` where ``build(child_values)`` makes the node's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from nsp.logic.ir import Node


def postorder(root: Node) -> Iterator[Node]:
    """Every distinct node object under ``root`` (root included), children before parents."""
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(node.children):
            if id(child) not in seen:
                stack.append((child, False))


def preorder(root: Node) -> Iterator[Node]:
    """Every node occurrence under ``root``, parents before children, left to right."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def fold(root: Node, fn: Callable[[Node, tuple], Any]) -> Any:
    """Bottom-up evaluation, memoised per node object: ``fn(node, child_results)``."""
    memo: dict[int, Any] = {}
    keep = []  # hold nodes so their ids stay unique during the walk
    for node in postorder(root):
        keep.append(node)
        memo[id(node)] = fn(node, tuple(memo[id(c)] for c in node.children))
    return memo[id(root)]


def transform(root: Node, fn: Callable[[Node, tuple], Node]) -> Node:
    """Rebuild bottom-up; ``fn(node, new_children)`` returns the replacement node."""
    return fold(root, fn)


def rebuild_if_changed(node: Node, children: tuple) -> Node:
    """``node`` itself when every child is unchanged, else a rebuilt copy."""
    if all(a is b for a, b in zip(node.children, children)):
        return node
    return node.rebuild(children)


def size(root: Node) -> int:
    """Number of node occurrences (a shared subtree counts each time it occurs)."""
    return fold(root, lambda n, cs: 1 + sum(cs))


def depth(root: Node) -> int:
    """Length of the longest root-to-leaf path, counting nodes."""
    return fold(root, lambda n, cs: 1 + max(cs, default=0))


@dataclass(frozen=True, slots=True)
class Done:
    value: Any


@dataclass(frozen=True, slots=True)
class Descend:
    child_envs: tuple  # one env per child, in order
    build: Callable[[list], Any]


_BUILD = object()


def scoped(root: Node, env: Any, visit: Callable[[Node, Any], Done | Descend]) -> Any:
    """Run ``visit`` top-down with an environment and combine the results bottom-up."""
    out: list = []
    stack: list = [(root, env)]
    while stack:
        item = stack.pop()
        if item[0] is _BUILD:
            _, build, n = item
            values = out[len(out) - n :] if n else []
            del out[len(out) - n :]
            out.append(build(values))
            continue
        node, node_env = item
        action = visit(node, node_env)
        if isinstance(action, Done):
            out.append(action.value)
            continue
        stack.append((_BUILD, action.build, len(action.child_envs)))
        for child, child_env in reversed(list(zip(node.children, action.child_envs))):
            stack.append((child, child_env))
    return out[0]
