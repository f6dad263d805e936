"""What a mutated graph changed, for the index: the law (or rule) applied, where, and the new text.

``nsp synth mutate`` writes one graph per mutant; a story's mutants often share their conclusion
(a premise was rewritten), so the index needs more than the conclusion to tell them apart. The
change is read from the graph alone (any record carrying such a graph works):

    mutant   the node the record names (``"nodes": {"mutant": ID}``), else the first node with
             role ``mutant``, else the first target of an edge marked ``"as": "parent"``
    parent   the source of the mutant's ``parent`` edge (the formula before the change)
    how      the mutant's ``law`` (a rewrite), else its ``rule`` (``apply``, ``strengthen``, ...);
             ``using``: the label of its ``lemma`` source when that is a labelled fact (``p3``)
    where    the parent's label (``p2``), else ``conclusion`` for a changed conclusion

The changed part is found in the text: the two formulas' common prefix and suffix are cut, and
what is left is widened until it neither splits a name nor an atom's arguments and its
parentheses balance in both formulas (one linear pass). For
``∀x (Fish(x) → ¬Plant(x))`` → ``∀x (Plant(x) → ¬Fish(x))`` the changed part is
``Fish(x) → ¬Plant(x)`` → ``Plant(x) → ¬Fish(x)``. Long texts are cut around it for display
(:data:`CONTEXT`, :data:`PART`); the renderer escapes everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

CONTEXT = 48  # characters of unchanged text shown on each side of the change
PART = 160  # most characters shown of the changed part itself
BEFORE = 240  # most characters kept of the formula before the change (the hover text)


@dataclass(frozen=True, slots=True)
class Change:
    """One graph's change (plain text; escaping is the renderer's job)."""

    how: str  # the law or rule applied
    using: str  # label of the lemma used ("" when none or unlabelled)
    where: str  # label of the changed fact ("p2"), or "conclusion"
    head: str  # the changed formula: unchanged text before the change ("…" when cut)
    part: str  # the new text
    tail: str  # unchanged text after it
    old: str  # the text it replaced (the changed part of the parent)
    before: str  # the whole formula before the change (cut at BEFORE)

    @property
    def after(self) -> str:
        return self.head + self.part + self.tail


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


BINARY = "→∨∧↔⊕"
QUANT = "∀∃"
LONGEST = 20_000  # longer texts are not diffed: the whole formula is the change


def _word(c: str) -> bool:
    return c.isalnum() or c in "_'"


def _closing(t: str, j: int) -> int:
    """Index after the ``)`` matching the ``(`` at ``t[j]`` (``len(t)`` when unmatched)."""
    d = 0
    for k in range(j, len(t)):
        d += (t[k] == "(") - (t[k] == ")")
        if d == 0:
            return k + 1
    return len(t)


def _operand_end(t: str, j: int) -> int | None:
    """Index after the operand of a ``¬`` that starts at ``t[j]`` (None: a quantifier, whose
    scope is the enclosing group)."""
    while j < len(t) and t[j] in " ¬":
        j += 1
    if j >= len(t) or t[j] in QUANT:
        return None
    if t[j] == "(":
        return _closing(t, j)
    while j < len(t) and _word(t[j]):
        j += 1
    return _closing(t, j) if j < len(t) and t[j] == "(" else j


def changed_span(a: str, b: str) -> tuple[int, int]:
    """``(p, s)``: the changed part of ``a`` is ``a[p:len(a)-s]``, of ``b`` ``b[p:len(b)-s]``.

    Starts from the longest common prefix and suffix (``a[:p] == b[:p]`` and the same for the
    last ``s`` characters, throughout), then gives characters back to the changed part while,
    in either text, it splits a name or a name from its arguments (``Plant|(x)``), has
    unbalanced parentheses, ends in ``¬`` (its operand is taken in), or starts or ends with a
    binary connective (the enclosing parenthesised group, or everything, is taken in). Texts
    printed by nsp parenthesise every compound operand, so the result is then a sub-formula.
    """
    n = min(len(a), len(b))
    if max(len(a), len(b)) > LONGEST:
        return 0, 0
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    s = 0
    while s < n - p and a[-1 - s] == b[-1 - s]:
        s += 1
    texts = (a, b)
    depth = [0, 0]  # per text: "(" minus ")" in the changed part
    low = [0, 0]  # per text: the least running depth over the part (below 0: a ")" with no "(")
    for k, t in enumerate(texts):
        for c in t[p:len(t) - s]:
            depth[k] += (c == "(") - (c == ")")
            low[k] = min(low[k], depth[k])

    def grow_left() -> bool:
        nonlocal p
        if p == 0:
            return False
        p -= 1
        for k, t in enumerate(texts):
            d = (t[p] == "(") - (t[p] == ")")
            depth[k] += d
            low[k] = min(0, low[k] + d)
        return True

    def grow_right() -> bool:
        nonlocal s
        if s == 0:
            return False
        s -= 1
        for k, t in enumerate(texts):
            c = t[len(t) - s - 1]
            depth[k] += (c == "(") - (c == ")")
            low[k] = min(low[k], depth[k])
        return True

    def enclose() -> bool:
        moved = False
        for left in (True, False):
            d = 0
            while (p if left else s) > 0:
                c = a[p - 1] if left else a[len(a) - s]
                if c == ("(" if left else ")"):
                    if d == 0:
                        break
                    d -= 1
                elif c == (")" if left else "("):
                    d += 1
                moved = (grow_left() if left else grow_right()) or moved
        return moved

    def edges(t: str) -> tuple[str, str]:
        i, j = p, len(t) - s
        while i < j and t[i] == " ":
            i += 1
        while j > i and t[j - 1] == " ":
            j -= 1
        return (t[i], t[j - 1]) if i < j else ("", "")

    while True:
        moved = False
        for k, t in enumerate(texts):
            i, j = p, len(t) - s
            if low[k] < 0 or (0 < i < len(t) and _word(t[i - 1]) and (_word(t[i]) or t[i] == "(")):
                moved = grow_left() or moved
            elif depth[k] > 0 or (0 < j < len(t) and _word(t[j - 1]) and (_word(t[j]) or t[j] == "(")):
                moved = grow_right() or moved
        if moved:
            continue
        for t in texts:
            first, last = edges(t)
            if (first and first in BINARY) or (last and last in BINARY):
                moved = enclose()
            elif last == "¬" and s:
                end = _operand_end(a, len(a) - s)
                if end is None:
                    moved = enclose()
                else:
                    while len(a) - s < end and grow_right():
                        moved = True
            if moved:
                break
        if not moved:
            return p, s


def _cut_left(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[len(text) - limit + 1:]


def _cut_right(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change_of(nodes: list, edges: list, record: dict) -> Change | None:
    """The change a mutated graph records (see the module docstring), or None for any other graph.
    ``nodes`` and ``edges`` are the node-link dicts (non-dicts already dropped)."""
    by_id = {}
    for n in nodes:
        by_id.setdefault(_text(n.get("id")), n)
    named = record.get("nodes")
    mutant = _text(named.get("mutant")) if isinstance(named, dict) else ""
    if mutant not in by_id:
        mutant = next((i for i, n in by_id.items() if n.get("role") == "mutant"), "")
    if not mutant:
        mutant = next((_text(e.get("target")) for e in edges if e.get("as") == "parent"), "")
    node = by_id.get(mutant)
    if node is None:
        return None
    parent = lemma = None
    for e in edges:
        if _text(e.get("target")) != mutant:
            continue
        if e.get("as") == "parent" and parent is None:
            parent = by_id.get(_text(e.get("source")))
        elif e.get("as") == "lemma" and lemma is None:
            lemma = by_id.get(_text(e.get("source")))
    how = _text(node.get("law")) or _text(node.get("rule"))
    using = _text(lemma.get("label")) if lemma is not None else ""
    where = _text(parent.get("label")) if parent is not None else ""
    if not where and (node.get("target") == "conclusion" or (parent is not None and parent.get("role") == "theorem")):
        where = "conclusion"
    after = " ".join(_text(node.get("formula")).split())
    before = " ".join(_text(parent.get("formula")).split()) if parent is not None else ""
    if before:
        p, s = changed_span(before, after)
    else:
        p, s = 0, 0
    head, part, tail = after[:p], after[p:len(after) - s], after[len(after) - s:]
    return Change(how, using, where, _cut_left(head, CONTEXT), _cut_right(part, PART), _cut_right(tail, CONTEXT),
                  _cut_right(before[p:len(before) - s], PART), _cut_right(before, BEFORE))
