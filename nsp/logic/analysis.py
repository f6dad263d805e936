"""Questions about formulas: free variables, symbols and their arities, substitution.

All passes are iterative (see :mod:`nsp.logic.walk`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from nsp.logic.ir import Const, Node, Term, Var
from nsp.logic.walk import Descend, Done, fold, postorder, scoped


def free_vars(node: Node) -> frozenset[str]:
    """Names of variables that occur free in ``node``."""

    def step(n: Node, cs: tuple) -> frozenset:
        if n.kind == "var":
            return frozenset((n.payload,))
        if not cs:
            return frozenset()
        acc = cs[0].union(*cs[1:]) if len(cs) > 1 else cs[0]
        if n.kind in ("forall", "exists"):
            acc = acc.difference(n.payload)
        return acc

    return fold(node, step)


def all_names(node: Node) -> frozenset[str]:
    """Every name in ``node``: variables (bound or free), constants, functions, predicates."""
    names: set[str] = set()
    for n in postorder(node):
        if n.kind in ("forall", "exists"):
            names.update(n.payload)
        elif n.payload is not None:
            names.add(n.payload)
    return frozenset(names)


def constants(node: Node) -> frozenset[str]:
    return frozenset(n.payload for n in postorder(node) if n.kind == "const")


def ground_terms(node: Node) -> frozenset[Term]:
    """Closed terms (no variables) occurring in ``node``."""
    out: set = set()

    def step(n: Node, cs: tuple) -> bool:
        ground = n.is_term and n.kind != "var" and all(cs)
        if ground:
            out.add(n)
        return ground

    fold(node, step)
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Symbol:
    """A non-logical symbol: ``kind`` is predicate, function or constant."""

    name: str
    kind: str
    arity: int

    def describe(self) -> str:
        return f"{self.kind} {self.name}/{self.arity}"


class SignatureError(ValueError):
    """One name used with two different kinds or arities."""

    def __init__(self, first: Symbol, first_where: str, second: Symbol, second_where: str):
        self.first, self.second = first, second
        self.first_where, self.second_where = first_where, second_where
        super().__init__(
            f"symbol '{first.name}' is used as {first.kind}/{first.arity} in {first_where}"
            f" and as {second.kind}/{second.arity} in {second_where}"
        )


_SYMBOL_KIND = {"atom": "predicate", "app": "function", "const": "constant"}


def signature(formulas: Iterable[Node], where: Iterable[str] | None = None) -> dict[str, Symbol]:
    """Symbol table of several formulas (name -> :class:`Symbol`), in first-use order.

    ``where`` names each formula for error messages (default: "formula 1", "formula 2", ...).
    """
    formulas = list(formulas)
    labels = list(where) if where is not None else [f"formula {i + 1}" for i in range(len(formulas))]
    table: dict[str, Symbol] = {}
    seen_at: dict[str, str] = {}
    for formula, label in zip(formulas, labels):
        for n in _preorder_unique(formula):
            kind = _SYMBOL_KIND.get(n.kind)
            if kind is None:
                continue
            sym = Symbol(n.payload, kind, len(n.children))
            old = table.get(sym.name)
            if old is None:
                table[sym.name] = sym
                seen_at[sym.name] = label
            elif old != sym:
                raise SignatureError(old, seen_at[sym.name], sym, label)
    return table


def _preorder_unique(root: Node):
    seen: set[int] = set()
    stack = [root]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        stack.extend(reversed(n.children))


def fresh_name(base: str, taken: set[str] | frozenset[str]) -> str:
    """``base`` if free, else ``base1``, ``base2``, ... (deterministic)."""
    if base not in taken:
        return base
    stem = base.rstrip("0123456789") or base
    i = 1
    while f"{stem}{i}" in taken:
        i += 1
    return f"{stem}{i}"


def substitute(node: Node, mapping: Mapping[str, Term]) -> Node:
    """Capture-avoiding substitution of terms for free variables (by name).

    Bound variables that would capture a variable of an inserted term are renamed fresh.
    """
    if not mapping:
        return node
    range_vars = frozenset().union(*(free_vars(t) for t in mapping.values()))
    taken = set(all_names(node)) | set(range_vars) | set(mapping)

    def visit(n: Node, env: dict):
        if n.kind == "var":
            return Done(env.get(n.payload, n))
        if not n.children:
            return Done(n)
        if n.kind in ("forall", "exists"):
            inner = {k: v for k, v in env.items() if k not in n.payload}
            new_vars = []
            for v in n.payload:
                if v in range_vars and inner:
                    fresh = fresh_name(v, taken)
                    taken.add(fresh)
                    inner[v] = Var(fresh)
                    new_vars.append(fresh)
                else:
                    new_vars.append(v)
            names = tuple(new_vars)
            if not inner:
                return Done(n)
            return Descend((inner,), lambda cs, k=n.kind, vs=names: _quant(k, vs, cs[0]))
        return Descend((env,) * len(n.children), lambda cs, n=n: _rebuild(n, cs))

    return scoped(node, dict(mapping), visit)


def rename_bound(node: Node, mapping: Mapping[str, str]) -> Node:
    """Rename bound variables by name (no capture checks: caller keeps names distinct)."""

    def visit(n: Node, env: dict):
        if n.kind == "var":
            return Done(Var(env[n.payload]) if n.payload in env else n)
        if not n.children:
            return Done(n)
        if n.kind in ("forall", "exists"):
            inner = dict(env)
            for v in n.payload:
                inner.pop(v, None)
                if v in mapping:
                    inner[v] = mapping[v]
            names = tuple(mapping.get(v, v) for v in n.payload)
            return Descend((inner,), lambda cs, k=n.kind, vs=names: _quant(k, vs, cs[0]))
        return Descend((env,) * len(n.children), lambda cs, n=n: _rebuild(n, cs))

    return scoped(node, {}, visit)


def _quant(kind: str, names: tuple, body: Node) -> Node:
    from nsp.logic.ir import Exists, Forall

    return (Forall if kind == "forall" else Exists)(names, body)


def _rebuild(n: Node, cs: list) -> Node:
    if all(a is b for a, b in zip(n.children, cs)):
        return n
    return n.rebuild(cs)


def close_universally(node: Node) -> Node:
    """∀-close the free variables of ``node`` (sorted by name), or return it unchanged."""
    from nsp.logic.ir import Forall

    fv = sorted(free_vars(node))
    return Forall(tuple(fv), node) if fv else node


def rename_symbol(node: Node, symbol: Symbol, new_name: str) -> Node:
    """Rename every use of ``symbol`` (same name, kind and arity) to ``new_name``."""
    kind = {"predicate": "atom", "function": "app", "constant": "const"}[symbol.kind]

    def step(n: Node, cs: tuple) -> Node:
        if n.kind == kind and n.payload == symbol.name and len(n.children) == symbol.arity:
            return Const(new_name) if kind == "const" else n.__class__(new_name, cs)
        return _rebuild(n, list(cs))

    return fold(node, step)


def separate_clashes(formulas: list[Node]) -> tuple[list[Node], list[str]]:
    """Rename later uses of a symbol that clash with its first use (name_arity) until the
    signature is consistent; returns the new formulas and one message per renaming."""
    formulas = list(formulas)
    notes: list[str] = []
    for _ in range(100):
        try:
            signature(formulas)
            return formulas, notes
        except SignatureError as e:
            sym = e.second
            taken = {n for f in formulas for n in all_names(f)}
            new = fresh_name(f"{sym.name}_{sym.arity}", taken)
            formulas = [rename_symbol(f, sym, new) for f in formulas]
            notes.append(f"renamed {sym.kind} {sym.name}/{sym.arity} to {new} "
                         f"({sym.name} is also used as {e.first.kind}/{e.first.arity})")
    signature(formulas)
    return formulas, notes
