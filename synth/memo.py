"""Memoised content ids and printed forms (nodes hash in O(1) and compare structurally, so a
cache keyed by the node is exact). One process's caches; bounded."""

from __future__ import annotations

from functools import lru_cache

from nsp.logic.canon import content_id
from nsp.logic.ir import Node
from nsp.logic.syntax import write


@lru_cache(maxsize=1 << 16)
def cid(node: Node) -> str:
    """:func:`nsp.logic.canon.content_id`, memoised."""
    return content_id(node)


@lru_cache(maxsize=1 << 16)
def text(node: Node, syntax: str = "folio") -> str:
    """:func:`nsp.logic.syntax.write`, memoised."""
    return write(node, syntax)
