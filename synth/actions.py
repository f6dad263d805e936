"""Proof-step actions over the formula IR: what can be derived next from a set of facts.

A *fact* is a formula in a proof state with the step that produced it. A *step* is one
application of an action: its name, the facts it uses (``parents``, by content id) and the
formula it concludes. Steps are generated here and checked by Z3 (each step's conclusion must
follow from exactly its parents) before :mod:`synth.state` lets them in.

The actions (``L`` is a literal, ``~L`` its complement: ``¬A`` for ``A``, ``A`` for ``¬A``)::

    instantiate           ∀x̄ φ and a ground term t in play        ⊢ (∀x̄') φ[x₁:=t]
    modus_ponens          ∀x̄ (A₁ ∧ … ∧ Aₙ → B) and A₁σ … Aₙσ     ⊢ Bσ
                          (σ may be empty: ground A → B; the rule is instantiated, its
                          antecedent assembled and detached in one step)
    and_elim              A₁ ∧ … ∧ Aₙ                              ⊢ Aᵢ
    and_intro             A₁ … Aₙ                                  ⊢ A₁ ∧ … ∧ Aₙ
                          (only conjunctions the goal or a ground rule's antecedent mentions)
    disjunctive_syllogism A₁ ∨ … ∨ Aₙ and ~Aᵢ for every i ≠ j     ⊢ Aⱼ
    case_split            A₁ ∨ … ∨ Aₙ and, for every i, a rule that gives C from Aᵢ
                          (∀x̄ (… → C') with C'σ = C, side antecedents as facts) ⊢ C
    contraposition        ∀x̄ (A₁ ∧ … ∧ Aₙ → L), ~Lσ and Aⱼσ (j ≠ i) ⊢ ~Aᵢσ   (modus tollens)
    eq_subst              s = t and φ[s]                           ⊢ φ[t]   (and t = s)
    assume                (proof by contradiction) the negated goal ¬G, or G, as a hypothesis
    contradiction         X and ~X, one of them under the hypothesis H  ⊢ ~H  (discharged)
    lemma                 a proved lemma from the library           ⊢ the lemma

Facts derived from the hypothesis carry it (``hyp``); in a provenance graph such a fact ``X`` is
recorded as the implication ``H → X`` (the deduction theorem), so every recorded step is an
ordinary entailment from consistent sources.

Generation is incremental (semi-naive): a state's steps are its parent's steps, minus those
whose conclusion just became a fact, plus the steps that use the new fact (or a ground term it
brought into play). :func:`all_steps` computes a root's steps from scratch. At most one step is
kept per conclusion (the first found). Matching is first-order over quantifier-free patterns and
iterative; the order of steps is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator, Sequence

from nsp.logic.analysis import free_vars, ground_terms, substitute
from nsp.logic.canon import content_id
from nsp.logic.ir import And, Forall, Node, Not
from nsp.logic.serial import to_sexpr
from nsp.logic.syntax import write
from nsp.logic.walk import postorder

ACTIONS = (
    "instantiate", "modus_ponens", "and_elim", "and_intro", "disjunctive_syllogism", "case_split",
    "contraposition", "eq_subst", "assume", "contradiction", "lemma",
)
MAX_MATCHES = 64  # most substitutions one rule yields per join
MAX_TERMS = 24  # most ground terms in play


@lru_cache(maxsize=1 << 18)
def cid(node: Node) -> str:
    """:func:`content_id`, memoised (a pure function of the formula)."""
    return content_id(node)


# ---------------------------------------------------------------- formula helpers


def complement(f: Node) -> Node:
    """``~f``: the body of a negation, else its negation."""
    return f.children[0] if f.kind == "not" else Not(f)


def conjuncts(f: Node) -> list[Node]:
    """The conjuncts of a (nested) conjunction, left to right; ``[f]`` for anything else."""
    out, stack = [], [f]
    while stack:
        g = stack.pop()
        if g.kind == "and":
            stack.extend(reversed(g.children))
        else:
            out.append(g)
    return out


def head(f: Node) -> tuple:
    """Index key of a formula: polarity and predicate (or ``=``, or the connective)."""
    neg = f.kind == "not"
    g = f.children[0] if neg else f
    if g.kind == "atom":
        return (neg, "atom", g.payload, len(g.children))
    if g.kind == "eq":
        return (neg, "eq")
    return (neg, g.kind)


def _literal_like(pattern: Node) -> bool:
    return head(pattern)[1] in ("atom", "eq")


def match(pattern: Node, target: Node, metas: frozenset[str], sigma: dict) -> dict | None:
    """Extend ``sigma`` so that ``pattern``σ is ``target``; None when impossible. Quantified
    sub-patterns must equal the target exactly; variables not in ``metas`` match themselves."""
    out = dict(sigma)
    stack = [(pattern, target)]
    while stack:
        p, t = stack.pop()
        if p.kind == "var" and p.payload in metas:
            if not t.is_term:
                return None
            bound = out.get(p.payload)
            if bound is None:
                out[p.payload] = t
            elif bound != t:
                return None
            continue
        if p.kind != t.kind or p.payload != t.payload or len(p.children) != len(t.children):
            return None
        if p.kind in ("forall", "exists"):
            if p != t:
                return None
            continue
        stack.extend(zip(p.children, t.children))
    return out


def replace_term(f: Node, old: Node, new: Node) -> Node:
    """``f`` with every occurrence of the ground term ``old`` replaced by ``new``."""
    memo: dict[int, Node] = {}
    for n in postorder(f):
        if n == old:
            memo[id(n)] = new
            continue
        kids = tuple(memo[id(c)] for c in n.children)
        memo[id(n)] = n if all(a is b for a, b in zip(kids, n.children)) else n.rebuild(kids)
    return memo[id(f)]


def _closed(f: Node) -> bool:
    return not free_vars(f)


def _term_key(t: Node) -> str:
    return to_sexpr(t)


# ---------------------------------------------------------------- facts, rules, steps


@dataclass(frozen=True)
class Rule:
    """A fact read as a rule ``∀x̄ (A₁ ∧ … ∧ Aₙ → B)`` (x̄ may be empty)."""

    fact: str
    variables: frozenset[str]
    antecedents: tuple[Node, ...]
    consequent: Node


def rule_of(fact_id: str, f: Node) -> Rule | None:
    """The rule a formula states, or None (not an implication under universal quantifiers)."""
    names: list[str] = []
    while f.kind == "forall":
        names.extend(f.payload)
        f = f.children[0]
    if f.kind != "implies":
        return None
    ants = tuple(conjuncts(f.children[0]))
    if any(a.kind in ("forall", "exists") for a in ants):
        return None
    return Rule(fact_id, frozenset(names), ants, f.children[1])


@dataclass(frozen=True)
class Fact:
    """A formula in a proof state. ``action`` is how it got there ("given" for premises);
    ``hyp`` is the content id of the hypothesis it depends on (None: it holds outright).
    ``head``, ``rule`` and ``terms`` are computed once, by :func:`make_fact`. ``shadowed``: a
    ``contradiction`` that discharges ``H`` with ``~H`` derived under ``H`` concludes ``~H``,
    whose id is that parent's: the new fact replaces the parent in the state, keeps it here,
    and its own id among ``parents`` names it (:meth:`Fact.parent`)."""

    id: str
    formula: Node
    action: str = "given"
    parents: tuple[str, ...] = ()
    hyp: str | None = None
    head: tuple = ()
    rule: Rule | None = None
    terms: tuple[Node, ...] = ()
    shadowed: "Fact | None" = None

    def parent(self, facts: dict, pid: str) -> "Fact":
        """The parent fact with id ``pid`` (``facts``: the state's facts by id)."""
        return self.shadowed if pid == self.id and self.shadowed is not None else facts[pid]


def make_fact(formula: Node, action: str = "given", parents: Sequence[str] = (), hyp: str | None = None,
              fact_id: str | None = None) -> Fact:
    fid = fact_id or cid(formula)
    terms = tuple(sorted(ground_terms(formula), key=_term_key))
    return Fact(fid, formula, action, tuple(parents), hyp, head(formula), rule_of(fid, formula), terms)


@dataclass(frozen=True)
class Step:
    """One action application: ``parents ⊢ conclusion`` (parent fact ids in the order used)."""

    action: str
    parents: tuple[str, ...]
    conclusion: Node
    conclusion_id: str
    hyp: str | None = None

    @property
    def key(self) -> tuple:
        return (self.conclusion_id, self.hyp)

    def describe(self) -> str:
        return f"{self.action}({', '.join(p[:8] for p in self.parents)}) ⊢ {write(self.conclusion, 'folio')}"

    def to_json(self) -> dict:
        out = {"name": self.action, "parents": list(self.parents),
               "conclusion": write(self.conclusion, "folio"), "conclusion_id": self.conclusion_id}
        if self.hyp:
            out["hyp"] = self.hyp
        return out


def make_step(action: str, parents: Sequence[str], conclusion: Node, hyp: str | None) -> Step:
    return Step(action, tuple(parents), conclusion, cid(conclusion), hyp)


# ---------------------------------------------------------------- the view of a state


@dataclass
class Memo:
    """Per-search memo of pure step computations (shared by every state of one search)."""

    instances: dict[tuple[str, str], Step] = field(default_factory=dict)


@dataclass(frozen=True)
class View:
    """What step generation reads: facts in order, an index of facts by head, the ground terms
    in play, the rules, the goal, the hypothesis and the lemma library. Extended, never changed."""

    facts: dict
    index: dict
    terms: tuple
    rules: tuple
    goal: Node
    goal_id: str
    neg_goal: Node
    neg_goal_id: str
    hypothesis: str | None
    lemmas: tuple
    memo: Memo

    @classmethod
    def root(cls, facts: Sequence[Fact], goal: Node, hypothesis: str | None = None,
             lemmas: Sequence[Node] = (), memo: Memo | None = None) -> "View":
        neg = complement(goal)
        view = cls({}, {}, (), (), goal, cid(goal), neg, cid(neg), hypothesis, tuple(lemmas), memo or Memo())
        terms = {}
        for t in sorted(ground_terms(goal), key=_term_key):
            terms.setdefault(t, None)
        object.__setattr__(view, "terms", tuple(terms))
        for f in facts:
            view = view.extend(f)
        return view

    def extend(self, fact: Fact, hypothesis: str | None | bool = False) -> "View":
        """This view with ``fact`` added (replacing a fact with the same id); ``hypothesis``
        (when given) is the new hypothesis."""
        facts = dict(self.facts)
        old = facts.get(fact.id)
        facts[fact.id] = fact
        index = self.index
        if old is None:
            index = dict(index)
            index[fact.head] = index.get(fact.head, ()) + (fact.id,)
        rules = self.rules
        if fact.rule is not None and old is None:
            rules = rules + (fact.rule,)
        terms = self.terms
        if len(terms) < MAX_TERMS:
            new_terms = [t for t in fact.terms if t not in terms]
            if new_terms:
                terms = (terms + tuple(new_terms))[:MAX_TERMS]
        hyp = self.hypothesis if hypothesis is False else hypothesis
        return View(facts, index, terms, rules, self.goal, self.goal_id, self.neg_goal, self.neg_goal_id,
                    hyp, self.lemmas, self.memo)

    def hyp_of(self, parents: Sequence[str]) -> str | None:
        for p in parents:
            h = self.facts[p].hyp
            if h is not None:
                return h
        return None

    def known(self, fid: str, hyp: str | None) -> bool:
        """Is the formula with id ``fid`` already a fact (outright, or under ``hyp``)?"""
        f = self.facts.get(fid)
        return f is not None and (f.hyp is None or f.hyp == hyp)

    def candidates(self, pattern: Node) -> Sequence[str]:
        """Fact ids that might match ``pattern`` (same head when it is literal-like)."""
        if _literal_like(pattern):
            return self.index.get(head(pattern), ())
        return tuple(self.facts)


def _join(view: View, patterns: Sequence[Node], metas: frozenset[str], sigma: dict,
          used: tuple[str, ...] = ()) -> list[tuple[dict, tuple[str, ...]]]:
    """All ways to match every pattern to a fact, extending ``sigma`` (capped)."""
    partial = [(sigma, used)]
    for pat in patterns:
        nxt = []
        for s, u in partial:
            for fid in view.candidates(pat):
                m = match(pat, view.facts[fid].formula, metas, s)
                if m is not None:
                    nxt.append((m, u + (fid,)))
                    if len(nxt) >= MAX_MATCHES:
                        break
            if len(nxt) >= MAX_MATCHES:
                break
        partial = nxt
        if not partial:
            break
    return partial


def _seeds(view: View, rule: Rule, patterns: Sequence[Node], new: Fact | None):
    """(position, σ, used) to start joins from: the empty start, or (semi-naive) every way
    the new fact matches one of the patterns."""
    if new is None or new.id == rule.fact:
        yield None, {}, ()
        return
    for i, pat in enumerate(patterns):
        if _literal_like(pat) and head(pat) != new.head:
            continue
        s = match(pat, new.formula, rule.variables, {})
        if s is not None:
            yield i, s, (new.id,)


def _joined(view: View, rule: Rule, patterns: Sequence[Node], new: Fact | None, sigma0: dict,
            used0: tuple[str, ...]) -> Iterator[tuple[dict, tuple[str, ...]]]:
    """Full matches of ``patterns`` (fact ids in pattern order), each using the new fact when
    one is given (semi-naive)."""
    for pos, s, used in _seeds(view, rule, patterns, new):
        if pos is None:
            yield from _join(view, patterns, rule.variables, sigma0, used0)
            continue
        start = match(patterns[pos], new.formula, rule.variables, sigma0)
        if start is None:
            continue
        rest = list(patterns[:pos]) + list(patterns[pos + 1 :])
        for sigma, ids in _join(view, rest, rule.variables, start, ()):
            ids = list(ids)
            ids.insert(pos, new.id)
            yield sigma, used0 + tuple(ids)


# ---------------------------------------------------------------- generators
# Each takes the view and ``new`` (a Fact: only steps that use it) or None (every step).


def gen_instantiate(view: View, new: Fact | None, new_terms: Sequence[Node]) -> Iterator[Step]:
    if new is None:
        pairs = [(f, t) for f in view.facts.values() if f.formula.kind == "forall" for t in view.terms]
    else:
        pairs = [(new, t) for t in view.terms] if new.formula.kind == "forall" else []
        pairs += [(f, t) for f in view.facts.values() if f.formula.kind == "forall" and f.id != new.id
                  for t in new_terms]
    memo = view.memo.instances
    for fact, t in pairs:
        key = (fact.id, _term_key(t))
        st = memo.get(key)
        if st is None:
            f = fact.formula
            first, rest = f.payload[0], f.payload[1:]
            body = substitute(f.children[0], {first: t})
            st = memo[key] = make_step("instantiate", (fact.id,), Forall(rest, body) if rest else body, fact.hyp)
        if st.hyp != fact.hyp:
            st = Step(st.action, st.parents, st.conclusion, st.conclusion_id, fact.hyp)
        yield st


def gen_modus_ponens(view: View, new: Fact | None, new_terms) -> Iterator[Step]:
    for rule in view.rules:
        for sigma, used in _joined(view, rule, rule.antecedents, new, {}, ()):
            concl = substitute(rule.consequent, sigma) if sigma else rule.consequent
            if not _closed(concl) and free_vars(concl) & rule.variables:
                continue
            parents = (rule.fact,) + used
            yield make_step("modus_ponens", parents, concl, view.hyp_of(parents))


def gen_contraposition(view: View, new: Fact | None, new_terms) -> Iterator[Step]:
    for rule in view.rules:
        negc = complement(rule.consequent)
        for fid in view.candidates(negc):
            s0 = match(negc, view.facts[fid].formula, rule.variables, {})
            if s0 is None:
                continue
            uses_new = new is None or fid == new.id or rule.fact == new.id
            for i, ant in enumerate(rule.antecedents):
                others = rule.antecedents[:i] + rule.antecedents[i + 1 :]
                matches = (_join(view, others, rule.variables, s0, (fid,)) if uses_new
                           else _joined(view, rule, others, new, s0, (fid,)))
                for sigma, used in matches:
                    target = substitute(ant, sigma)
                    if not _closed(target):
                        continue
                    parents = (rule.fact,) + used
                    yield make_step("contraposition", parents, complement(target), view.hyp_of(parents))


def gen_and_elim(view: View, new: Fact | None, new_terms) -> Iterator[Step]:
    facts = view.facts.values() if new is None else (new,)
    for fact in facts:
        if fact.formula.kind == "and":
            for c in fact.formula.children:
                yield make_step("and_elim", (fact.id,), c, fact.hyp)


def _wanted_conjunctions(view: View) -> list[Node]:
    """Conjunctions the goal (either polarity) or a ground rule antecedent mentions."""
    out: dict[Node, None] = {}
    for root in (view.goal, view.neg_goal):
        for n in postorder(root):
            if n.kind == "and" and _closed(n):
                out.setdefault(n, None)
    for rule in view.rules:
        if not rule.variables and len(rule.antecedents) > 1:
            out.setdefault(And(*rule.antecedents), None)
    return list(out)


def gen_and_intro(view: View, new: Fact | None, new_terms) -> Iterator[Step]:
    for conj in _wanted_conjunctions(view):
        ids = [cid(c) for c in conj.children]
        if all(i in view.facts for i in ids) and (new is None or new.id in ids or new.rule is not None):
            yield make_step("and_intro", ids, conj, view.hyp_of(ids))


def gen_disjunctive_syllogism(view: View, new: Fact | None, new_terms) -> Iterator[Step]:
    for fact in view.facts.values():
        f = fact.formula
        if f.kind != "or" or not _closed(f):
            continue
        comps = [cid(complement(d)) for d in f.children]
        present = [c in view.facts for c in comps]
        for j, d in enumerate(f.children):
            others = [comps[i] for i in range(len(comps)) if i != j]
            if all(present[i] for i in range(len(comps)) if i != j):
                parents = (fact.id,) + tuple(others)
                if new is None or new.id in parents:
                    yield make_step("disjunctive_syllogism", parents, d, view.hyp_of(parents))


def _consequences(view: View, literal: Node) -> dict[str, tuple[Node, tuple[str, ...]]]:
    """What one rule application gives from ``literal`` (as one antecedent), with the rule and
    the side facts it needs: conclusion id -> (conclusion, parents)."""
    out: dict[str, tuple[Node, tuple[str, ...]]] = {}
    for rule in view.rules:
        for i, ant in enumerate(rule.antecedents):
            s0 = match(ant, literal, rule.variables, {})
            if s0 is None:
                continue
            others = rule.antecedents[:i] + rule.antecedents[i + 1 :]
            for sigma, used in _join(view, others, rule.variables, s0):
                concl = substitute(rule.consequent, sigma)
                if _closed(concl):
                    out.setdefault(cid(concl), (concl, (rule.fact,) + used))
    return out


def gen_case_split(view: View, new: Fact | None, new_terms) -> Iterator[Step]:
    for fact in view.facts.values():
        f = fact.formula
        if f.kind != "or" or not _closed(f):
            continue
        per_case = [_consequences(view, d) for d in f.children]
        common = set(per_case[0]).intersection(*per_case[1:])
        for c in sorted(common):
            parents: list[str] = [fact.id]
            for case in per_case:
                for p in case[c][1]:
                    if p not in parents:
                        parents.append(p)
            if new is None or new.id in parents:
                yield make_step("case_split", parents, per_case[0][c][0], view.hyp_of(parents))


def gen_eq_subst(view: View, new: Fact | None, new_terms) -> Iterator[Step]:
    def is_eq(fact: Fact) -> bool:
        f = fact.formula
        return f.kind == "eq" and f.children[0] != f.children[1] and _closed(f)

    pairs = []
    for e in view.facts.values():
        if not is_eq(e):
            continue
        if new is None or e.id == new.id:
            pairs.extend((e, f) for f in view.facts.values() if f.id != e.id)
        else:
            pairs.append((e, new))
    for e, fact in pairs:
        left, right = e.formula.children
        for old, repl in ((left, right), (right, left)):
            if old in fact.terms:
                parents = (e.id, fact.id)
                yield make_step("eq_subst", parents, replace_term(fact.formula, old, repl), view.hyp_of(parents))


def gen_contradiction(view: View, new: Fact | None, new_terms) -> Iterator[Step]:
    if view.hypothesis is None:
        if new is None:
            for target in (view.neg_goal, view.goal):  # assume ¬G to prove G; G to refute it
                tid = cid(target)
                if tid not in view.facts:
                    yield Step("assume", (), target, tid, tid)
        return
    discharged = complement(view.facts[view.hypothesis].formula)
    facts = view.facts.values() if new is None else (new,)
    for fact in facts:
        other = view.facts.get(cid(complement(fact.formula)))
        if other is None or (fact.hyp is None and other.hyp is None):
            continue
        pair = (other.id, fact.id) if fact.formula.kind == "not" else (fact.id, other.id)
        yield make_step("contradiction", pair, discharged, None)


def gen_lemma(view: View, new: Fact | None, new_terms) -> Iterator[Step]:
    if new is None:
        for lemma in view.lemmas:
            yield make_step("lemma", (), lemma, None)


GENERATORS = (
    gen_modus_ponens, gen_contraposition, gen_and_elim, gen_and_intro, gen_disjunctive_syllogism,
    gen_case_split, gen_eq_subst, gen_instantiate, gen_contradiction, gen_lemma,
)


def _collect(view: View, out: dict, new: Fact | None, new_terms: Sequence[Node]) -> None:
    for gen in GENERATORS:
        for st in gen(view, new, new_terms):
            if st.action != "assume" and view.known(st.conclusion_id, st.hyp):
                continue
            out.setdefault(st.key, st)


def all_steps(view: View) -> list[Step]:
    """Every new step from the view (one per conclusion), in a fixed order."""
    out: dict[tuple, Step] = {}
    _collect(view, out, None, ())
    return list(out.values())


def next_steps(view: View, parent_steps: Sequence[Step], new: Fact, new_terms: Sequence[Node],
               assumed: bool = False) -> list[Step]:
    """The steps of ``view`` (the parent's view plus ``new``), from the parent's steps."""
    out: dict[tuple, Step] = {}
    for st in parent_steps:
        if assumed and st.action == "assume":
            continue
        if st.action != "assume" and view.known(st.conclusion_id, st.hyp):
            continue
        out.setdefault(st.key, st)
    _collect(view, out, new, new_terms)
    return list(out.values())
