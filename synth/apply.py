"""Invocable lemmas: implications ``∀x̄ (A → B)`` and how to use them at a position.

A lemma formula ``∀x̄ body`` yields :class:`Implication` s ``A ⇒ B`` that follow from it, each
meaning ``∀x̄ (A → B)`` (see :func:`implications`); without the ∀ prefix ``x̄`` is empty.
At a sub-formula ``φ`` (see :mod:`synth.positions`):

- a *stronger* replacement ``ψ ⊢ φ`` comes from matching ``B`` against ``φ`` (``ψ = Aσ``);
- a *weaker* replacement ``φ ⊢ ψ`` comes from matching ``A`` against ``φ`` (``ψ = Bσ``).

Matching is first-order, one-sided (only ``x̄`` are pattern variables), and iterative. A pattern
variable never binds a term that mentions a variable bound inside the pattern, and every free
variable of the replacement must be bound by the match (else the candidate is dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

from nsp.logic.analysis import free_vars, substitute
from nsp.logic.ir import Node
from synth.laws import neg


@dataclass(frozen=True, slots=True)
class Implication:
    """``∀vars (ante → cons)`` read off ``lemma`` (a closed formula)."""

    lemma: Node
    vars: tuple[str, ...]
    ante: Node
    cons: Node


def implications(lemma: Node) -> list[Implication]:
    """The implications a lemma offers under its ∀ prefix (see module docstring); [] if none.

    ``A → B`` gives ``A ⇒ B`` and ``¬B ⇒ ¬A``; ``A ↔ B`` both directions and their negations;
    ``A ∨ B`` gives ``¬A ⇒ B`` and ``¬B ⇒ A``; ``A ⊕ B`` gives ``A ⇒ ¬B``, ``B ⇒ ¬A``,
    ``¬A ⇒ B`` and ``¬B ⇒ A`` (``¬`` cancels a leading negation).
    """
    names: tuple[str, ...] = ()
    body = lemma
    while body.kind == "forall":
        names += tuple(v for v in body.vars if v not in names)
        body = body.body
    pairs: list[tuple[Node, Node]] = []
    if body.kind == "implies":
        a, b = body.children
        pairs = [(a, b), (neg(b), neg(a))]
    elif body.kind == "iff":
        a, b = body.children
        pairs = [(a, b), (b, a), (neg(a), neg(b)), (neg(b), neg(a))]
    elif body.kind == "or" and len(body.children) == 2:
        a, b = body.children
        pairs = [(neg(a), b), (neg(b), a)]
    elif body.kind == "xor":
        a, b = body.children
        pairs = [(a, neg(b)), (b, neg(a)), (neg(a), b), (neg(b), a)]
    out, seen = [], set()
    for a, b in pairs:
        if (a, b) not in seen:
            seen.add((a, b))
            out.append(Implication(lemma, names, a, b))
    return out


def match(pattern: Node, target: Node, pvars: tuple[str, ...]) -> dict[str, Node] | None:
    """A substitution σ of terms for ``pvars`` with ``pattern σ == target``, or None."""
    sigma: dict[str, Node] = {}
    stack = [(pattern, target, frozenset(pvars), frozenset())]
    while stack:
        p, t, live, inner = stack.pop()
        if p.kind == "var" and p.payload in live:
            if not t.is_term or (free_vars(t) & inner):
                return None
            old = sigma.get(p.payload)
            if old is None:
                sigma[p.payload] = t
            elif old != t:
                return None
            continue
        if p.kind != t.kind or p.payload != t.payload or len(p.children) != len(t.children):
            return None
        if p.kind in ("forall", "exists"):
            live = live - set(p.payload)
            inner = inner | set(p.payload)
        for pc, tc in zip(p.children, t.children):
            stack.append((pc, tc, live, inner))
    return sigma


def replacement(imp: Implication, phi: Node, stronger: bool) -> Node | None:
    """A formula ψ with ψ ⊢ φ (``stronger``) or φ ⊢ ψ, by this implication, or None."""
    pattern, result = (imp.cons, imp.ante) if stronger else (imp.ante, imp.cons)
    sigma = match(pattern, phi, imp.vars)
    if sigma is None:
        return None
    unbound = (free_vars(result) & set(imp.vars)) - set(sigma)
    if unbound:
        return None
    psi = substitute(result, {v: t for v, t in sigma.items() if v in free_vars(result)})
    return None if psi == phi else psi
