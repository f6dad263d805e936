"""The catalogue of equivalence laws used by rewrite mutations.

Each law maps one formula node ``φ`` to zero or more nodes ``ψ`` with ``⊨ φ ↔ ψ`` in first-order
logic over a non-empty domain (Z3's, and the usual semantics). The laws work on the top of ``φ``
only; :mod:`synth.positions` finds where to apply them. ``neg(A)`` is ``B`` when ``A`` is ``¬B``
and ``¬A`` otherwise (so contraposition of ``¬A → B`` gives ``¬B → A``: still an equivalence).

    double_negation        ¬¬A ⇔ A;  atom A ⇔ ¬¬A
    de_morgan              ¬(A ∧ B) ⇔ neg A ∨ neg B;  ¬(A ∨ B) ⇔ neg A ∧ neg B; and back
    contraposition         A → B ⇔ neg B → neg A
    implication_as_or      A → B ⇔ neg A ∨ B;  A ∨ B ⇔ neg A → B
    iff_expansion          A ↔ B ⇔ (A → B) ∧ (B → A);  A ↔ B ⇔ (A ∧ B) ∨ (neg A ∧ neg B); and back
    xor_expansion          A ⊕ B ⇔ (A ∨ B) ∧ ¬(A ∧ B);  A ⊕ B ⇔ (A ∧ neg B) ∨ (neg A ∧ B);
                           A ⊕ B ⇔ ¬(A ↔ B); and back
    distributivity         A ∧ (B ∨ C) ⇔ (A ∧ B) ∨ (A ∧ C); dually; and factoring back
    quantifier_negation    ¬∀x A ⇔ ∃x neg A;  ¬∃x A ⇔ ∀x neg A; and back
    quantifier_distribution ∀x (A ∧ B) ⇔ ∀x A ∧ ∀x B;  ∃x (A ∨ B) ⇔ ∃x A ∨ ∃x B (a quantifier
                           binding nothing in a part is dropped: sound on non-empty domains);
                           and back when both parts bind the same variables
    quantifier_scope       ∀x (A → B) ⇔ A → ∀x B  when x is not free in A;
                           ∃x (A ∧ B) ⇔ A ∧ ∃x B  when x is not free in A
    commutativity          swap two neighbouring operands of ∧ / ∨; swap the sides of ↔, ⊕, =
    associativity          flatten a nested ∧ / ∨ into its parent; group two neighbours

Arithmetic identities are not in the catalogue: the IR has no interpreted arithmetic (Z3 sees
every function symbol as uninterpreted), so no such rewrite could be re-verified.
"""

from __future__ import annotations

from typing import Callable

from nsp.logic.analysis import free_vars
from nsp.logic.ir import And, Eq, Exists, Forall, Iff, Implies, Node, Not, Or, Xor, conj, disj


def neg(a: Node) -> Node:
    """``B`` when ``a`` is ``¬B``, else ``¬a``."""
    return a.body if a.kind == "not" else Not(a)


def _double_negation(n: Node) -> list[Node]:
    if n.kind == "not" and n.body.kind == "not":
        return [n.body.body]
    if n.kind in ("atom", "eq"):
        return [Not(Not(n))]
    return []


def _de_morgan(n: Node) -> list[Node]:
    out = []
    if n.kind == "not" and n.body.kind in ("and", "or"):
        dual = Or if n.body.kind == "and" else And
        out.append(dual(*[neg(a) for a in n.body.children]))
    if n.kind in ("and", "or") and all(a.kind == "not" for a in n.children):
        dual = Or if n.kind == "and" else And
        out.append(Not(dual(*[a.body for a in n.children])))
    return out


def _contraposition(n: Node) -> list[Node]:
    if n.kind == "implies":
        return [Implies(neg(n.right), neg(n.left))]
    return []


def _implication_as_or(n: Node) -> list[Node]:
    if n.kind == "implies":
        return [Or(neg(n.left), n.right)]
    if n.kind == "or":
        return [Implies(neg(n.children[0]), disj(n.children[1:]))]
    return []


def _iff_expansion(n: Node) -> list[Node]:
    out = []
    if n.kind == "iff":
        a, b = n.children
        out.append(And(Implies(a, b), Implies(b, a)))
        out.append(Or(And(a, b), And(neg(a), neg(b))))
    if n.kind == "and" and len(n.children) == 2 and all(c.kind == "implies" for c in n.children):
        (a, b), (c, d) = n.children[0].children, n.children[1].children
        if a == d and b == c:
            out.append(Iff(a, b))
    return out


def _xor_expansion(n: Node) -> list[Node]:
    out = []
    if n.kind == "xor":
        a, b = n.children
        out.append(And(Or(a, b), Not(And(a, b))))
        out.append(Or(And(a, neg(b)), And(neg(a), b)))
        out.append(Not(Iff(a, b)))
    if n.kind == "not" and n.body.kind == "iff":
        out.append(Xor(*n.body.children))
    return out


def _distributivity(n: Node) -> list[Node]:
    if n.kind not in ("and", "or"):
        return []
    inner_kind = "or" if n.kind == "and" else "and"
    outer, inner = (And, Or) if n.kind == "and" else (Or, And)
    out = []
    for i, c in enumerate(n.children):
        if c.kind == inner_kind:
            rest = n.children[:i], n.children[i + 1 :]
            out.append(inner(*[outer(*rest[0], b, *rest[1]) for b in c.children]))
            break  # one distribution per node keeps the catalogue small
    # Factoring: (A ∧ B) ∨ (A ∧ C) ⇔ A ∧ (B ∨ C), on a common first operand.
    if all(c.kind == inner_kind for c in n.children):
        firsts = {c.children[0] for c in n.children}
        if len(firsts) == 1:
            common = n.children[0].children[0]
            rests = [conj(c.children[1:]) if inner_kind == "and" else disj(c.children[1:]) for c in n.children]
            out.append(inner(common, outer(*rests)))
    return out


def _quantifier_negation(n: Node) -> list[Node]:
    out = []
    if n.kind == "not" and n.body.kind in ("forall", "exists"):
        q = n.body
        dual = Exists if q.kind == "forall" else Forall
        out.append(dual(q.vars, neg(q.body)))
    if n.kind in ("forall", "exists") and n.body.kind == "not":
        dual = Exists if n.kind == "forall" else Forall
        out.append(Not(dual(n.vars, n.body.body)))
    return out


def _requantify(kind: str, names: tuple, body: Node) -> Node:
    """``Q names. body`` keeping only the names free in ``body`` (none: ``body`` itself)."""
    fv = free_vars(body)
    used = tuple(v for v in names if v in fv)
    if not used:
        return body
    return (Forall if kind == "forall" else Exists)(used, body)


def _quantifier_distribution(n: Node) -> list[Node]:
    out = []
    pairs = {"forall": "and", "exists": "or"}
    if n.kind in pairs and n.body.kind == pairs[n.kind]:
        parts = [_requantify(n.kind, n.vars, c) for c in n.body.children]
        out.append((And if n.kind == "forall" else Or)(*parts))
    for q, op in pairs.items():
        if n.kind == op and all(c.kind == q for c in n.children):
            names = {c.vars for c in n.children}
            if len(names) == 1:
                out.append((Forall if q == "forall" else Exists)(
                    n.children[0].vars, (And if op == "and" else Or)(*[c.body for c in n.children])))
    return out


def _quantifier_scope(n: Node) -> list[Node]:
    out = []
    if n.kind == "forall" and n.body.kind == "implies":
        a, b = n.body.children
        if not (free_vars(a) & set(n.vars)):
            out.append(Implies(a, _requantify("forall", n.vars, b)))
    if n.kind == "exists" and n.body.kind == "and" and len(n.body.children) == 2:
        a, b = n.body.children
        if not (free_vars(a) & set(n.vars)):
            out.append(And(a, _requantify("exists", n.vars, b)))
    if n.kind == "implies" and n.right.kind == "forall":
        q = n.right
        if not (free_vars(n.left) & set(q.vars)):
            out.append(Forall(q.vars, Implies(n.left, q.body)))
    return out


def _commutativity(n: Node) -> list[Node]:
    if n.kind in ("and", "or"):
        cs = n.children
        out = []
        for i in range(len(cs) - 1):
            swapped = cs[:i] + (cs[i + 1], cs[i]) + cs[i + 2 :]
            out.append(n.rebuild(swapped))
        return out
    if n.kind in ("iff", "xor"):
        return [n.rebuild(n.children[::-1])]
    if n.kind == "eq":
        return [Eq(n.right, n.left)]
    return []


def _associativity(n: Node) -> list[Node]:
    if n.kind not in ("and", "or"):
        return []
    out = []
    cs = n.children
    for i, c in enumerate(cs):
        if c.kind == n.kind:
            out.append(n.rebuild(cs[:i] + c.children + cs[i + 1 :]))
            break
    if len(cs) >= 3:
        out.append(n.rebuild((n.rebuild(cs[:2]),) + cs[2:]))
        out.append(n.rebuild(cs[:-2] + (n.rebuild(cs[-2:]),)))
    return out


LAWS: dict[str, Callable[[Node], list[Node]]] = {
    "double_negation": _double_negation,
    "de_morgan": _de_morgan,
    "contraposition": _contraposition,
    "implication_as_or": _implication_as_or,
    "iff_expansion": _iff_expansion,
    "xor_expansion": _xor_expansion,
    "distributivity": _distributivity,
    "quantifier_negation": _quantifier_negation,
    "quantifier_distribution": _quantifier_distribution,
    "quantifier_scope": _quantifier_scope,
    "commutativity": _commutativity,
    "associativity": _associativity,
}


def rewrites(node: Node) -> list[tuple[str, Node]]:
    """Every ``(law, ψ)`` with ``ψ`` an equivalent of ``node`` by one law, in catalogue order.

    Results equal to ``node`` itself are left out; duplicates within one law are dropped.
    """
    out = []
    for name, law in LAWS.items():
        seen = set()
        for new in law(node):
            if new != node and new not in seen:
                seen.add(new)
                out.append((name, new))
    return out
