"""Making names safe for a target syntax: injective, deterministic renaming."""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Iterable

from nsp.logic.analysis import all_names, constants, fresh_name, rename_bound
from nsp.logic.ir import Node
from nsp.logic.walk import postorder


def name_map(names: Iterable[str], is_valid: Callable[[str], bool], fix: Callable[[str], str]) -> dict[str, str]:
    """Map each name to a valid one; valid names keep themselves, the map is injective."""
    names = sorted(set(names))
    out = {n: n for n in names if is_valid(n)}
    taken = set(out.values())
    for n in names:
        if n in out:
            continue
        new = fresh_name(fix(n), taken)
        taken.add(new)
        out[n] = new
    return out


def bound_names(node: Node) -> set[str]:
    return {v for n in postorder(node) if n.kind in ("forall", "exists") for v in n.payload}


def rename_bound_apart(node: Node, reserved: Iterable[str]) -> Node:
    """Rename bound variables whose names are in ``reserved`` (so printing cannot capture)."""
    reserved = set(reserved)
    clash = sorted(bound_names(node) & reserved)
    if not clash:
        return node
    taken = set(all_names(node)) | reserved
    mapping = {}
    for v in clash:
        mapping[v] = fresh_name(v, taken)
        taken.add(mapping[v])
    return rename_bound(node, mapping)


def separate_vars_from_constants(node: Node) -> Node:
    """For syntaxes where variables and constants share a namespace (FOLIO, NLTK, Lean)."""
    return rename_bound_apart(node, constants(node))


def regex_fix(pattern: str, replacement: str = "_") -> Callable[[str], str]:
    rx = re.compile(pattern)

    def fix(name: str) -> str:
        folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
        return rx.sub(replacement, folded) or "x"

    return fix
