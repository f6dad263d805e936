"""Provenance DAGs as Lean 4 proofs: one ``have`` per derived step, each with a small proof.

``proof_to_lean(graph, goal_id)`` reads the sub-DAG the goal depends on
(:func:`nsp.graph.provenance.proof_of`). Facts without parents whose rule is ``given`` (roles
premise/axiom) become the theorem's hypotheses ``h1 ... hn``; every other fact becomes, in
dependency order, ::

    -- s2: rule modus_ponens, from h1, s1
    have s2 : Animal rex := by exact h1 rex s1

and the theorem ends with ``exact sK`` for the goal. Each step is proved *only from its recorded
parents* by :func:`prove_step`, a small bounded natural-deduction search that writes core-Lean
proof terms (``fun``, application, ``⟨_, _⟩``, ``.1``/``.2``, ``.mp``/``.mpr``, ``Or.inl``/
``Or.inr``/``Or.elim``, ``Exists.elim``, ``False.elim``, ``Eq.subst``/``Eq.symm``/``rfl``,
``Classical.byContradiction``; no ``simp``, no ``tauto``, no Mathlib). It handles
instantiation, modus ponens/tollens, ∧/∨/↔/∃ introduction and elimination, contradiction and
one equality rewrite. When it finds nothing the step is written ``by sorry`` and reported in
:attr:`LeanProof.sorry_steps` with the reason; entailment steps checked by Z3 that it cannot
reprove are written ``sorry`` with the comment ``checked by z3``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import networkx as nx

from nsp.graph.provenance import formula_of, parents, proof_of
from nsp.logic.analysis import all_names, free_vars, ground_terms, substitute
from nsp.logic.canon import canonical
from nsp.logic.ir import Bottom, Const, Eq, Implies, Node, Not, Var
from nsp.logic.syntax.lean import desugar_xor, write_lean
from nsp.logic.walk import postorder, size
from provers.lean.export import (
    DOMAIN, RESERVED, LeanExport, export_formulas, hypothesis_names, is_safe_name, lean_signature,
    normalise_formulas, sanitize,
)

DEFAULT_BUDGET = 3000  # search nodes per step
MAX_DEPTH = 8
MAX_STEP_SIZE = 400  # larger steps are left as sorry rather than searched
_META = "?"  # prefix of pattern variables: never a Lean name, never printed
_HEAD = re.compile(r"[^\s.()⟨⟩]+")


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class StepProof:
    """One ``have`` of the proof. ``sorry``: no step proof was produced; ``reason`` says why."""

    node: str  # provenance node id
    name: str  # Lean name of the fact (s1, s2, ...)
    statement: str  # the Lean proposition
    rule: str
    sources: tuple[str, ...]  # Lean names of the facts it was derived from
    tactic: str  # "exact <term>" or "sorry"
    sorry: bool
    reason: str = ""


@dataclass(frozen=True)
class LeanProof:
    """A provenance proof as a Lean file. ``str(proof)`` is the file text."""

    text: str
    export: LeanExport
    steps: tuple[StepProof, ...]
    hypotheses: tuple[tuple[str, str], ...]  # (provenance node id, Lean hypothesis name)

    @property
    def sorry_steps(self) -> tuple[str, ...]:
        """Provenance ids of the steps written with ``sorry``."""
        return tuple(s.node for s in self.steps if s.sorry)

    @property
    def complete(self) -> bool:
        return not self.sorry_steps

    def __str__(self) -> str:
        return self.text


# ---------------------------------------------------------------- the step prover


def _match(pattern: Node, target: Node, metas: frozenset, sigma: dict) -> dict | None:
    """Extend ``sigma`` (meta variable -> term) so that pattern·sigma equals target up to
    renaming of bound variables; None when impossible. Iterative."""
    sigma = dict(sigma)
    stack = [(pattern, target, {}, frozenset())]
    while stack:
        p, t, env, tbound = stack.pop()
        if p.kind == "var":
            name = p.payload
            if name in env:
                if not (t.kind == "var" and t.payload == env[name]):
                    return None
            elif name in metas:
                if not t.is_term or free_vars(t) & tbound:
                    return None
                if name in sigma:
                    if sigma[name] != t:
                        return None
                else:
                    sigma[name] = t
            elif not (t.kind == "var" and t.payload == name and name not in tbound):
                return None
            continue
        if p.kind != t.kind or len(p.children) != len(t.children):
            return None
        if p.kind in ("forall", "exists"):
            if len(p.payload) != len(t.payload):
                return None
            env2 = dict(env)
            env2.update(zip(p.payload, t.payload))
            stack.append((p.children[0], t.children[0], env2, tbound | set(t.payload)))
            continue
        if p.payload != t.payload:
            return None
        stack.extend((pc, tc, env, tbound) for pc, tc in zip(p.children, t.children))
    return sigma


def _has_meta(node: Node) -> bool:
    return any(v.startswith(_META) for v in free_vars(node))


def _is_compound(term: str) -> bool:
    depth = 0
    for c in term:
        if c in "(⟨":
            depth += 1
        elif c in ")⟩":
            depth -= 1
        elif c == " " and depth == 0:
            return True
    return False


def _arg(term: str) -> str:
    return f"({term})" if _is_compound(term) else term


def _proj(term: str, field: str) -> str:
    return f"{_arg(term)}.{field}"


class _Search:
    """One bounded proof search; holds the name allocator and the budget (no global state)."""

    def __init__(self, taken: Iterable[str], budget: int, max_depth: int):
        self.taken = set(taken)
        self.budget = budget
        self.max_depth = max_depth
        self.calls = 0
        self._canon: dict = {}
        self._chains: dict = {}
        self.path: set = set()

    # ---- helpers

    def fresh(self, base: str, hyps: list, goal: Node, also: Iterable[str] = ()) -> str:
        """A safe name not among the global names nor any name visible in this branch
        (hypothesis heads, locals of the hypotheses and the goal, ``also``)."""
        used = set(self.taken) | set(also)
        for t, f in hyps:
            used.add(_HEAD.match(t).group(0) if _HEAD.match(t) else t)
            used |= free_vars(f)
        used |= free_vars(goal)
        name, i = base, 0
        while name in used or not is_safe_name(name):
            i += 1
            name = f"{base}_{i}"
        return name

    def canon(self, node: Node) -> Node:
        c = self._canon.get(node)
        if c is None:
            c = self._canon[node] = canonical(node)
        return c

    def same(self, a: Node, b: Node) -> bool:
        return a == b or self.canon(a) == self.canon(b)

    def term(self, t: Node) -> str:
        """A first-order term as Lean (argument position is handled by the caller)."""
        return write_lean(t, DOMAIN) if t.kind != "var" else t.payload

    def prop(self, f: Node) -> str:
        return write_lean(f, DOMAIN)

    @staticmethod
    def extend(hyps: list, term: str, f: Node) -> list:
        """``hyps`` plus ``term : f`` and everything reachable by ∧-projection and ↔-splitting."""
        out = list(hyps)
        stack = [(term, f)]
        while stack:
            t, g = stack.pop()
            out.append((t, g))
            if g.kind == "and":
                n = len(g.children)
                parts = []
                for i, c in enumerate(g.children):
                    path = ".2" * i + (".1" if i < n - 1 else "")
                    parts.append((f"{_arg(t)}{path}", c))
                stack.extend(reversed(parts))
            elif g.kind == "iff":
                a, b = g.children
                stack.append((_proj(t, "mpr"), Implies(b, a)))
                stack.append((_proj(t, "mp"), Implies(a, b)))
        return out

    def witnesses(self, hyps: list, goal: Node) -> list[Node]:
        locals_: list[Node] = []
        grounds: set = set()
        for _, f in hyps + [(None, goal)]:
            for v in sorted(free_vars(f)):
                if not v.startswith(_META) and Var(v) not in locals_:
                    locals_.append(Var(v))
            grounds |= {g for g in ground_terms(f)}
        ordered = locals_ + sorted(grounds, key=lambda g: (size(g), self.term(g)))
        return (ordered + [Const("default")])[:8]

    # ---- the search

    def prove(self, goal: Node, hyps: list, depth: int = 0, classical: int = 2) -> str | None:
        self.calls += 1
        if self.calls > self.budget:
            return None
        for t, f in hyps:
            if self.same(f, goal):
                return t
        for t, f in hyps:
            if f.kind == "bottom":
                return f"False.elim {_arg(t)}"
        if depth >= self.max_depth:
            return None  # at the depth limit only assumptions are used
        key = (self.canon(goal), tuple(t for t, _ in hyps))
        if key in self.path:
            return None  # the same goal in the same context further up this branch
        self.path.add(key)
        try:
            return self._prove(goal, hyps, depth, classical)
        finally:
            self.path.discard(key)

    def _prove(self, goal: Node, hyps: list, depth: int, classical: int) -> str | None:
        k = goal.kind
        if k == "top":
            return "trivial"
        if k == "and":
            parts = [self.prove(c, hyps, depth + 1, classical) for c in goal.children]
            return None if None in parts else "⟨" + ", ".join(parts) + "⟩"
        if k == "iff":
            a, b = goal.children
            mp = self.prove(Implies(a, b), hyps, depth + 1, classical)
            mpr = self.prove(Implies(b, a), hyps, depth + 1, classical) if mp is not None else None
            return None if mpr is None else f"⟨{mp}, {mpr}⟩"
        if k in ("implies", "not"):
            a = goal.children[0]
            b = goal.children[1] if k == "implies" else Bottom()
            h = self.fresh("h", hyps, goal)
            body = self.prove(b, self.extend(hyps, h, a), depth + 1, classical)
            return None if body is None else f"fun {h} => {body}"
        if k == "forall":
            names = []
            for v in goal.payload:
                names.append(self.fresh(sanitize(v), hyps, goal, names))
            body = substitute(goal.children[0], {v: Var(n) for v, n in zip(goal.payload, names)})
            p = self.prove(body, hyps, depth + 1, classical)
            return None if p is None else f"fun {' '.join(names)} => {p}"
        if k == "eq":
            left, right = goal.children
            if left == right:
                return "rfl"
            for t, f in hyps:
                if f.kind == "eq" and f.children[0] == right and f.children[1] == left:
                    return f"Eq.symm {_arg(t)}"
        found = self.eliminate(goal, hyps, depth, classical)
        if found is not None:
            return found
        if k == "exists":
            found = self.introduce_exists(goal, hyps, depth, classical)
            if found is not None:
                return found
        if k == "or":
            for i, c in enumerate(goal.children):
                p = self.prove(c, hyps, depth + 1, classical)
                if p is not None:
                    return self._inject(p, i, len(goal.children))
        found = self.rewrite(goal, hyps, depth)
        if found is not None:
            return found
        found = self.split_hyps(goal, hyps, depth, classical)
        if found is not None:
            return found
        if classical > 0 and k not in ("bottom", "not"):
            h = self.fresh("h", hyps, goal)
            p = self.prove(Bottom(), self.extend(hyps, h, Not(goal)), depth + 1, classical - 1)
            if p is not None:
                return f"Classical.byContradiction (fun {h} => {p})"
        return None

    @staticmethod
    def _inject(p: str, i: int, n: int) -> str:
        # a ∨ b ∨ c is a ∨ (b ∨ c): disjunct i is inr^i (inl p), the last one inr^(n-1) p
        term = p if i == n - 1 else f"Or.inl {_arg(p)}"
        for _ in range(min(i, n - 1)):
            term = f"Or.inr {_arg(term)}"
        return term

    def chains(self, f: Node, limit: int = 24) -> list:
        """Ways to use a fact: (conclusion, metas, steps) where steps are ("inst", metas),
        ("app", premise) (modus ponens, or ¬A applied to A giving False) or ("proj", field)."""
        cached = self._chains.get(f)
        if cached is None:
            cached = self._chains[f] = self._expand(f, limit)
        return cached

    def _expand(self, f: Node, limit: int) -> list:
        out = []
        queue = [(f, (), ())]
        counter = 0
        while queue and len(out) < limit:
            g, metas, steps = queue.pop(0)
            if steps:
                out.append((g, frozenset(metas), steps))
            if len(steps) >= 6:
                continue
            k = g.kind
            if k == "forall":
                names = []
                for _ in g.payload:
                    counter += 1
                    names.append(f"{_META}{counter}")
                body = substitute(g.children[0], {v: Var(n) for v, n in zip(g.payload, names)})
                queue.append((body, metas + tuple(names), steps + (("inst", tuple(names)),)))
            elif k == "implies":
                queue.append((g.children[1], metas, steps + (("app", g.children[0]),)))
            elif k == "not":
                queue.append((Bottom(), metas, steps + (("app", g.children[0]),)))
            elif k == "iff":
                a, b = g.children
                queue.append((b, metas, steps + (("proj", "mp"), ("app", a))))
                queue.append((a, metas, steps + (("proj", "mpr"), ("app", b))))
            elif k == "and":
                n = len(g.children)
                for i, c in enumerate(g.children):
                    projs = tuple(("proj", "2") for _ in range(i)) + ((("proj", "1"),) if i < n - 1 else ())
                    queue.append((c, metas, steps + projs))
        return out

    def forward(self, hyps: list, rounds: int = 2, limit: int = 64) -> list:
        """``hyps`` plus the conclusions of implications whose premises are all hypotheses
        already (modus ponens by assumption only; metas bound by matching), a few rounds."""
        out = list(hyps)
        known = {self.canon(f) for _, f in out}
        for _ in range(rounds):
            added = []
            for t, f in list(out):
                if f.kind not in ("forall", "implies", "iff"):
                    continue
                for concl, metas, steps in self.chains(f):
                    if not any(s[0] == "app" for s in steps) or concl.kind == "bottom":
                        continue
                    for term, fact in self._forward_chain(t, concl, metas, steps, out):
                        c = self.canon(fact)
                        if c not in known:
                            known.add(c)
                            added.append(self.extend([], term, fact))
                            if len(added) >= limit:
                                break
            if not added:
                break
            for more in added:
                out.extend(more)
        return out

    def _forward_chain(self, t, concl, metas, steps, hyps) -> list:
        premises = [s[1] for s in steps if s[0] == "app"]
        results = []
        # backtracking over which hypothesis proves each premise
        stack = [(0, {}, [])]
        while stack and len(results) < 8:
            i, sigma, proofs = stack.pop()
            if i == len(premises):
                if all(m in sigma for m in metas):
                    results.append((sigma, proofs))
                continue
            for th, fh in hyps:
                extended = _match(premises[i], fh, metas, sigma)
                if extended is not None:
                    stack.append((i + 1, extended, proofs + [th]))
        out = []
        for sigma, proofs in results:
            cur, k = t, 0
            for step in steps:
                if step[0] == "inst":
                    cur = cur + "".join(" " + _arg(self.term(sigma[m])) for m in step[1])
                elif step[0] == "proj":
                    cur = _proj(cur, step[1])
                else:
                    cur = f"{cur} {_arg(proofs[k])}"
                    k += 1
            out.append((cur, substitute(concl, sigma)))
        return out

    def eliminate(self, goal: Node, hyps: list, depth: int, classical: int) -> str | None:
        for t, f in hyps:
            if f.kind not in ("forall", "implies", "not", "iff", "and"):
                continue
            for concl, metas, steps in self.chains(f):
                if concl.kind == "bottom" and goal.kind != "bottom":
                    sigma = {}
                    wrap = True
                else:
                    sigma = _match(concl, goal, metas, {})
                    wrap = False
                    if sigma is None:
                        continue
                # ex falso (¬A applied to A) only from premises that are assumptions
                at = self.max_depth - 1 if wrap else depth
                term = self.instantiate(t, metas, steps, sigma, hyps, at, classical)
                if term is not None:
                    return f"False.elim {_arg(term)}" if wrap else term
                if self.calls > self.budget:
                    return None
        return None

    def instantiate(self, t, metas, steps, sigma, hyps, depth, classical) -> str | None:
        """Complete ``sigma`` from the premises, prove them, and build the applied term."""
        premises = [s[1] for s in steps if s[0] == "app"]
        for prem in premises:  # bind metas that only premises mention, by matching hypotheses
            open_ = {v for v in free_vars(substitute(prem, sigma)) if v in metas}
            if not open_:
                continue
            for _, f in hyps:
                extended = _match(prem, f, metas, sigma)
                if extended is not None:
                    sigma = extended
                    break
        unbound = [m for m in sorted(metas) if m not in sigma]
        if len(unbound) > 2:
            return None
        options = [sigma]
        if unbound:
            cands = self.witnesses(hyps, Bottom())
            options = []
            for a in cands:
                for b in (cands if len(unbound) == 2 else [None]):
                    s = dict(sigma)
                    s[unbound[0]] = a
                    if b is not None:
                        s[unbound[1]] = b
                    options.append(s)
        for s in options:
            term = self._build(t, steps, s, hyps, depth, classical)
            if term is not None:
                return term
            if self.calls > self.budget:
                return None
        return None

    def _build(self, t, steps, sigma, hyps, depth, classical) -> str | None:
        cur = t
        for step in steps:
            if step[0] == "inst":
                cur = cur + "".join(" " + _arg(self.term(sigma[m])) for m in step[1])
            elif step[0] == "proj":
                cur = _proj(cur, step[1])
            else:
                prem = substitute(step[1], sigma)
                if _has_meta(prem):
                    return None
                p = self.prove(prem, hyps, depth + 1, classical)
                if p is None:
                    return None
                cur = f"{cur} {_arg(p)}"
        return cur

    def introduce_exists(self, goal: Node, hyps: list, depth: int, classical: bool) -> str | None:
        vs = goal.payload
        if len(vs) > 2:
            return None
        metas = [f"{_META}e{i}" for i in range(len(vs))]
        body = substitute(goal.children[0], {v: Var(m) for v, m in zip(vs, metas)})
        options = []
        for _, f in hyps:  # witnesses read off facts that are instances of the body
            sigma = _match(body, f, frozenset(metas), {})
            if sigma is not None and len(sigma) == len(metas):
                options.append(sigma)
        cands = self.witnesses(hyps, goal)
        for a in cands:
            for b in (cands if len(vs) == 2 else [None]):
                options.append({metas[0]: a, **({metas[1]: b} if b is not None else {})})
        seen = set()
        for sigma in options:
            key = tuple(sigma[m] for m in metas)
            if key in seen:
                continue
            seen.add(key)
            p = self.prove(substitute(body, sigma), hyps, depth + 1, classical)
            if p is not None:
                return "⟨" + ", ".join([self.term(sigma[m]) for m in metas] + [p]) + "⟩"
            if self.calls > self.budget:
                return None
        return None

    def rewrite(self, goal: Node, hyps: list, depth: int) -> str | None:
        """One equality rewrite: a fact ``u : M[x]`` and a proof of ``x = y`` give ``M[y]``
        by ``Eq.subst`` with an explicit motive (x = y itself is searched for, so instances of
        universal equations and chains a = b, b = c work)."""
        if depth + 1 >= self.max_depth:
            return None
        for tu, u in hyps:
            pair = _diff_pair(u, goal)
            if pair is None:
                continue
            x, y = pair
            z = self.fresh("z", hyps, goal, all_names(goal) | all_names(u))
            motive = _motive(u, goal, x, y, z)
            if motive is None:
                continue
            e = self.prove(Eq(x, y), hyps, depth + 1, 0)
            if e is None:
                back = self.prove(Eq(y, x), hyps, depth + 1, 0)
                e = None if back is None else f"Eq.symm {_arg(back)}"
            if e is not None:
                return f"Eq.subst (motive := fun {z} => {self.prop(motive)}) {_arg(e)} {_arg(tu)}"
            if self.calls > self.budget:
                return None
        return None

    def _case_candidates(self, goal: Node, hyps: list) -> list:
        """Disjunctions and existentials to split: hypotheses, and universal hypotheses whose
        instance (at terms of the goal and the context) is one. (term, fact, other facts)."""
        out = [(t, f, hyps[:i] + hyps[i + 1 :]) for i, (t, f) in enumerate(hyps) if f.kind in ("or", "exists")]
        cands = self.witnesses(hyps, goal)[:4]
        for t, f in hyps:
            if f.kind != "forall" or f.children[0].kind not in ("or", "exists") or len(f.payload) > 2:
                continue
            for a in cands:
                for b in (cands if len(f.payload) == 2 else [None]):
                    args = [a] if b is None else [a, b]
                    inst = substitute(f.children[0], dict(zip(f.payload, args)))
                    term = t + "".join(" " + _arg(self.term(x)) for x in args)
                    out.append((term, inst, hyps))
        return out

    def split_hyps(self, goal: Node, hyps: list, depth: int, classical: int) -> str | None:
        cases = self._case_candidates(goal, hyps)
        for t, f, rest in cases:
            if f.kind == "exists":
                names: list[str] = []
                for v in f.payload:
                    names.append(self.fresh(sanitize(v), hyps, goal, names))
                hs: list[str] = []
                for _ in f.payload:
                    hs.append(self.fresh("h", hyps, goal, names + hs))
                body = substitute(f.children[0], {v: Var(n) for v, n in zip(f.payload, names)})
                inner = self.forward(self.extend(rest, hs[-1], body))
                p = self.prove(goal, inner, depth + 1, classical)
                if p is None:
                    if self.calls > self.budget:
                        return None
                    continue
                # ∃ x y, B is ∃ x, ∃ y, B: eliminate one binder at a time
                term = p
                for i in reversed(range(len(names))):
                    src = t if i == 0 else hs[i - 1]
                    term = f"Exists.elim {_arg(src)} (fun {names[i]} {hs[i]} => {term})"
                return term
        for t, f, rest in cases:
            if f.kind == "or":
                first, others = f.children[0], f.children[1:]
                second = others[0] if len(others) == 1 else type(f)(*others)
                h1 = self.fresh("h", rest, goal)
                h2 = self.fresh("h", rest, goal)
                p1 = self.prove(goal, self.forward(self.extend(rest, h1, first)), depth + 1, classical)
                if p1 is None:
                    if self.calls > self.budget:
                        return None
                    continue
                p2 = self.prove(goal, self.forward(self.extend(rest, h2, second)), depth + 1, classical)
                if p2 is None:
                    if self.calls > self.budget:
                        return None
                    continue
                return f"Or.elim {_arg(t)} (fun {h1} => {p1}) (fun {h2} => {p2})"
        return None


def _diff_pair(f: Node, g: Node) -> tuple[Node, Node] | None:
    """The one pair of terms (x, y) at which ``f`` and ``g`` differ (everywhere they differ
    it is x in f and y in g); None when they differ otherwise, in several ways, or not at all."""
    pair = None
    stack = [(f, g)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        if x.is_term and y.is_term and x != y:
            if pair is None:
                pair = (x, y)
            elif pair != (x, y):
                return None
            continue
        if x.kind != y.kind or x.payload != y.payload or len(x.children) != len(y.children):
            return None
        stack.extend(zip(x.children, y.children))
    return pair


def _motive(src_fact: Node, goal: Node, a: Node, b: Node, z: str) -> Node | None:
    """M with M[z:=a] = src_fact and M[z:=b] = goal (same binders): the term positions where
    the facts differ must hold ``a`` and ``b`` and become ``z``. None when they differ
    anywhere else, or nowhere."""
    order = []
    stack = [(src_fact, goal)]
    while stack:
        x, y = stack.pop()
        order.append((x, y))
        if x.is_term and y.is_term and x != y:
            if not (x == a and y == b):
                return None
            continue
        if x.kind != y.kind or x.payload != y.payload or len(x.children) != len(y.children):
            return None
        stack.extend(zip(x.children, y.children))
    bound = {v for n in postorder(goal) if n.kind in ("forall", "exists") for v in n.payload}
    if (free_vars(a) | free_vars(b)) & bound:
        return None
    built: dict = {}
    changed = False
    for x, y in reversed(order):  # children are built before their parents
        key = (id(x), id(y))
        if key in built:
            continue
        if x.is_term and y.is_term and x != y:
            built[key] = Var(z)
            changed = True
            continue
        kids = [built[(id(cx), id(cy))] for cx, cy in zip(x.children, y.children)]
        built[key] = y if all(k is c for k, c in zip(kids, y.children)) else y.rebuild(kids)
    return built[(id(src_fact), id(goal))] if changed else None


def prove_step(
    premises: Sequence[tuple[str, Node]],
    goal: Node,
    *,
    taken: Iterable[str] = (),
    budget: int = DEFAULT_BUDGET,
    max_depth: int = MAX_DEPTH,
) -> str | None:
    """A core Lean 4 proof term for ``goal`` from the named ``premises`` (formulas already over
    Lean-safe names, see :meth:`LeanSignature.to_lean_ir`), or None when the bounded search
    finds none. ``taken``: names the term must not bind (symbols, other facts)."""
    goal = desugar_xor(goal)
    premises = [(n, desugar_xor(f)) for n, f in premises]
    names = set(taken) | RESERVED | {n for n, _ in premises} | set(all_names(goal))
    for _, f in premises:
        names |= set(all_names(f))
    spent = 0
    for limit in sorted({min(d, max_depth) for d in (3, 5, max_depth)}):  # iterative deepening
        search = _Search(names, budget - spent, limit)
        hyps: list = []
        for n, f in premises:
            hyps = search.extend(hyps, n, f)
        term = search.prove(goal, search.forward(hyps))
        if term is not None:
            return term
        spent += search.calls
        if spent >= budget:
            return None
    return None


# ---------------------------------------------------------------- provenance → Lean


def _natural_key(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def _is_given(g: nx.DiGraph, n: str) -> bool:
    data = g.nodes[n]
    return g.in_degree(n) == 0 and (data.get("rule", "given") == "given" or data.get("role") in ("premise", "axiom"))


def proof_to_lean(
    graph: nx.DiGraph,
    goal_id: str,
    *,
    reprove_entailment: bool = True,
    budget: int = DEFAULT_BUDGET,
    problem_id: str | None = None,
) -> LeanProof:
    """The Lean 4 proof of ``goal_id`` recorded in a provenance graph (see module docstring).

    ``reprove_entailment``: also search for step proofs of Z3 ``entailment`` steps (when False
    they are always ``sorry`` with the comment ``checked by z3``). The graph is not modified.
    """
    if goal_id not in graph:
        raise KeyError(f"goal {goal_id} is not in the graph")
    sub = nx.DiGraph(proof_of(graph, goal_id))  # a copy: the caller's graph is never touched
    loops = list(nx.selfloop_edges(sub))
    sub.remove_edges_from(loops)  # "derived from itself" is no derivation
    if not nx.is_directed_acyclic_graph(sub):
        raise ValueError("the provenance graph has a cycle; no proof can be read from it")

    def key(n: str) -> tuple:
        return (_natural_key(str(sub.nodes[n].get("label", ""))), n)

    given = sorted((n for n in sub if _is_given(sub, n)), key=key)
    order = [n for n in nx.lexicographical_topological_sort(sub, key=lambda n: key(n)) if n not in given]
    formulas = {n: formula_of(sub, n) for n in sub}
    all_nodes = given + order
    normal, _ = normalise_formulas([formulas[n] for n in all_nodes])
    formulas = dict(zip(all_nodes, normal))
    lsig = lean_signature(normal)
    hyp_names = hypothesis_names(len(given), lsig.lean_names | RESERVED)
    step_names = _unique_step_names(len(order), lsig.lean_names | RESERVED | set(hyp_names))
    name_of = dict(zip(given, hyp_names)) | dict(zip(order, step_names))
    reserved = set(name_of.values())
    lean_ir = {n: lsig.to_lean_ir(formulas[n], reserved) for n in all_nodes}
    taken = lsig.lean_names | reserved

    steps: list[StepProof] = []
    lines: list[str] = []
    for n in order:
        data = sub.nodes[n]
        rule = str(data.get("rule", "")) or "derived"
        checked_by = str(data.get("checked_by", ""))
        sources = sorted(parents(sub, n), key=lambda p: _natural_key(name_of[p]))
        srcs = [name_of[p] for p in sources]
        statement = lsig.render(formulas[n], reserved)
        term = None
        reason = ""
        if rule == "entailment" and not reprove_entailment:
            reason = "checked by z3" if "z3" in checked_by else (f"checked by {checked_by}" if checked_by else "unchecked entailment")
        elif size(lean_ir[n]) + sum(size(lean_ir[p]) for p in sources) > MAX_STEP_SIZE:
            reason = "step too large for the step prover"
        else:  # a step without sources may still be provable outright (¬⊥, P → P)
            prem = [(name_of[p], lean_ir[p]) for p in sources]
            term = prove_step(prem, lean_ir[n], taken=taken, budget=budget)
            if term is None and not srcs:
                reason = "no recorded derivation"
            elif term is None:
                reason = ("checked by z3" if rule == "entailment" and "z3" in checked_by
                          else "no step proof found")
        tactic = "sorry" if term is None else f"exact {term}"
        step = StepProof(n, name_of[n], statement, rule, tuple(srcs), tactic, term is None, reason)
        steps.append(step)
        origin = f"rule {rule}" + (f" ({checked_by})" if checked_by else "")
        origin += f", from {', '.join(srcs)}" if srcs else ""
        lines.append(f"-- {step.name}: {origin}" + (f"; sorry: {reason}" if step.sorry else ""))
        lines.append(f"have {step.name} : {statement} := by {tactic}")
    lines.append(f"exact {name_of[goal_id]}")
    goal_node = formulas[goal_id]
    export = export_formulas(
        [formulas[n] for n in given], goal_node, proof="\n".join(lines), problem_id=problem_id,
        premise_labels=[str(sub.nodes[n].get("label", n)) for n in given],
        extra=[formulas[n] for n in order],
    )
    if dict(export.symbols) != dict(lsig.names) or [h for h, _ in export.hypotheses] != hyp_names:
        raise AssertionError("export and proof disagree on Lean names")  # pragma: no cover
    return LeanProof(export.text, export, tuple(steps), tuple(zip(given, hyp_names)))


def _unique_step_names(n: int, taken: set) -> list[str]:
    out = []
    taken = set(taken)
    for i in range(1, n + 1):
        name, j = f"s{i}", 0
        while name in taken or not is_safe_name(name):
            j += 1
            name = f"s{i}_{j}"
        taken.add(name)
        out.append(name)
    return out
