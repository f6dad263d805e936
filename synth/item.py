"""One unit of batch work: an input item in, mutant records (each with its provenance) out.

An item is a premise set with optional conclusions: a FOLIO story (gold premises-FOL; any
``conclusion-FOL`` given), or one line of nsp theorem JSONL. :func:`run_item` builds its theorems
(:mod:`synth.theorems`), mutates each (:mod:`synth.mutate`) and writes one record per
mutant theorem ``Γ' ⊢ C'``, with its proof as a provenance graph (:mod:`nsp.graph.provenance`;
the rules are those of :mod:`nsp.graph.verify`). Facts are formulas, never whole sequents (a
sequent ``⋀Γ → C`` is valid, so any sources would "entail" it and the checks would say
nothing). The mutated formula is the ``mutant`` node:

    goal mutation (the conclusion changed, Γ' = Γ):
        used premises --entailment--> C (theorem) --rewrite|apply--> C' (mutant)
        with the lemma (law instance, or the implication used) as the mutant's other source
    hypothesis mutation (premise Hi changed into Hi', C' = C):
        Hi (premise) --rewrite|strengthen--> Hi' (mutant), the lemma as its other source;
        the mutant's used premises (Hi' among them) --entailment--> C (theorem)

``strengthen`` says Hi' with the lemma entails Hi (the new hypothesis is stronger). A lemma that
an item's theorem proved is itself derived (entailment) from that theorem's premises. Each
record's graph is self-contained; merging the graphs of several records may meet the same
conclusion derived from two hypothesis sets (see :func:`nsp.graph.provenance.merge`).
"""

from __future__ import annotations

import time
from typing import Sequence

from nsp.graph.provenance import add_derivation, add_fact, new_graph, to_json
from nsp.logic.ir import Implies, Node
from nsp.logic.problem import problem_from_texts
from nsp.logic.syntax import write
from synth.apply import implications
from synth.mutate import Mutant, MutationStats, mutate_theorem, seeded_rng
from synth.memo import cid, text
from synth.theorems import Budget, Theorem, establish, theorems_from_premises


class ItemError(Exception):
    """A problem with one input item (bad formula, not a theorem): reported, never fatal."""

    def __init__(self, kind: str, message: str):
        self.kind, self.message = kind, message
        super().__init__(f"{kind}: {message}")


def lean_statement(premises: Sequence[Node], conclusion: Node) -> str:
    """The theorem as one Lean 4 proposition ``P1 → P2 → … → C`` (hypotheses curried)."""
    f = conclusion
    for p in reversed(premises):
        f = Implies(p, f)
    return write(f, "lean")


def tptp_problem(premises: Sequence[Node], conclusion: Node) -> str:
    lines = [f"fof(p{i + 1}, axiom, {text(p, 'tptp')})." for i, p in enumerate(premises)]
    lines.append(f"fof(goal, conjecture, {text(conclusion, 'tptp')}).")
    return "\n".join(lines)


def build_theorems(item: dict, budget: Budget, max_literals: int) -> tuple[list[Theorem], list[Node]]:
    """The item's theorems and its premises. Raises :class:`ItemError`."""
    premises = item.get("premises")
    if not isinstance(premises, list) or not all(isinstance(p, str) for p in premises):
        raise ItemError("bad-input", '"premises" must be a list of formula strings')
    conclusions = item.get("conclusions") or []
    syntax = item.get("syntax", "auto")
    try:
        # A dataset's symbol used with two arities is renamed apart (reported as a repair by the
        # reader); a user's own theorem with such a clash is an error.
        prob = problem_from_texts(premises + list(conclusions), None, syntax=syntax,
                                  repair_clashes=item.get("kind") == "folio")
    except ValueError as e:
        raise ItemError("syntax", str(e)) from None
    prem = list(prob.premises[: len(premises)])
    concs = list(prob.premises[len(premises) :])
    theorems: list[Theorem] = []
    for i, c in enumerate(concs):
        thm, verdict = establish(prem, c, "given" if len(concs) == 1 else f"given:{i + 1}", budget)
        if thm is not None:
            theorems.append(thm)
        elif item.get("kind") == "theorem":
            reason = f" ({verdict.reason})" if verdict.reason else ""
            raise ItemError("not-a-theorem", f"Z3 says {verdict.outcome.value}{reason}, not True")
    if item.get("kind") != "theorem":
        theorems.extend(theorems_from_premises(prem, budget, max_literals))
    return theorems, prem


def run_item(item: dict, per_theorem: int, seed: int, budget: Budget, max_literals: int = 8) -> dict:
    """Process one item; returns ``{"id", "records", "errors", "stats"}`` (JSON-ready).

    ``stats`` has deterministic counts plus ``seconds`` (wall) and ``cpu_seconds`` (this process's
    CPU time, which Z3 runs in); ``records`` depend only on the item,
    ``per_theorem``, ``seed`` and the Z3 budget.
    """
    start, cpu = time.monotonic(), time.process_time()
    item_id = item["id"]
    out = {"id": item_id, "records": [], "errors": [], "stats": {}}
    try:
        theorems, premises = build_theorems(item, budget, max_literals)
    except ItemError as e:
        out["errors"].append({"id": item_id, "kind": e.kind, "error": e.message})
        out["stats"] = {"theorems": 0, "seconds": time.monotonic() - start, "cpu_seconds": time.process_time() - cpu}
        return out

    kept: list[tuple[Theorem, str]] = []
    seen: set[str] = set()  # statement ids: theorems, then every mutant tried
    for thm in theorems:
        sid = cid(thm.statement)
        if sid not in seen:
            seen.add(sid)
            kept.append((thm, sid))

    # Lemmas: the item's premises, and implications its theorems proved.
    origin: dict[str, Theorem | None] = {}
    lemmas: list[Node] = []
    for p in premises:
        if implications(p) and cid(p) not in origin:
            origin[cid(p)] = None
            lemmas.append(p)
    for thm, _ in kept:
        conc_id = cid(thm.conclusion)
        if implications(thm.conclusion) and conc_id not in origin:
            origin[conc_id] = thm
            lemmas.append(thm.conclusion)

    total = MutationStats()
    valid_cache: dict[str, bool] = {}
    for thm, sid in kept:
        rng = seeded_rng(seed, item_id, sid)
        try:
            mutants, stats = mutate_theorem(thm, lemmas, per_theorem, rng, budget, seen, valid_cache)
            records = [_record(item_id, thm, sid, m, origin) for m in mutants]
        except Exception as e:  # noqa: BLE001 - one theorem's failure must not lose the others
            out["errors"].append({"id": item_id, "kind": "internal", "theorem": sid,
                                  "error": f"{type(e).__name__}: {e}"})
            continue
        total.add(stats)
        out["records"].extend(records)
    out["stats"] = {"theorems": len(kept), **total.to_json(), "seconds": time.monotonic() - start,
                    "cpu_seconds": time.process_time() - cpu}
    return out


class _Facts:
    """A record's graph under construction: a fact is added once; later adds return its id."""

    def __init__(self, **attrs):
        self.g = new_graph(**attrs)

    def add(self, formula: Node, role: str, rule: str = "given", sources: Sequence[str] = (),
            kinds: dict | None = None, **attrs) -> str:
        node_id = cid(formula)
        if node_id in self.g:
            return node_id
        add_fact(self.g, formula, role, rule=rule, checked_by="" if rule == "given" else "z3",
                 node_id=node_id, formula_text=text(formula), **attrs)
        add_derivation(self.g, sources, node_id, rule, kinds=kinds)
        return node_id


def record_graph(item_id: str, thm: Theorem, sid: str, m: Mutant, origin: dict) -> tuple:
    """The proof of one mutant theorem as a graph; returns (graph, mutant node, theorem node,
    parent node). See the module docstring for its shape."""
    c = m.candidate
    facts = _Facts(input_id=item_id, parent=sid, statement=cid(m.statement))

    def premise(p: Node, i: int) -> str:
        return facts.add(p, "premise", label=f"p{i + 1}")

    goal = c.target == "conclusion"
    if goal:
        used = [premise(thm.premises[i], i) for i in thm.used]
        parent = facts.add(thm.conclusion, "theorem", "entailment", sorted(set(used)), source=thm.source)
    else:
        parent = premise(thm.premises[c.index], c.index)
    if c.kind == "rewrite":
        lemma = facts.add(c.lemma, "axiom", "law", law=c.law)
    else:
        source = origin.get(cid(c.lemma))
        if source is None:
            lemma = (premise(c.lemma, thm.premises.index(c.lemma)) if c.lemma in thm.premises
                     else facts.add(c.lemma, "premise"))
        else:
            used = sorted({premise(source.premises[i], i) for i in source.used})
            lemma = facts.add(c.lemma, "derived", "entailment", used, source=source.source)
    rule = c.kind if c.kind == "rewrite" else ("apply" if goal else "strengthen")
    changed = m.conclusion if goal else m.premises[c.index]
    sources = sorted({parent, lemma})
    kinds = {parent: "parent"} if lemma == parent else {parent: "parent", lemma: "lemma"}
    mutant = facts.add(changed, "mutant", rule, sources, kinds, kind=c.kind, law=c.law, claim=c.claim,
                       target=c.target, index=c.index, path=list(c.path))
    theorem = mutant
    if not goal:
        used = sorted({mutant if i == c.index else premise(m.premises[i], i) for i in m.used})
        theorem = facts.add(m.conclusion, "theorem", "entailment", used, source=f"mutant of {sid}")
    return facts.g, mutant, theorem, parent


def _record(item_id: str, thm: Theorem, sid: str, m: Mutant, origin: dict) -> dict:
    c = m.candidate
    g, mutant, theorem, parent = record_graph(item_id, thm, sid, m, origin)
    statement_id = cid(m.statement)
    return {
        "id": f"{item_id}/{statement_id}",
        "input_id": item_id,
        "mutant_id": statement_id,
        "parent": sid,
        "parent_source": thm.source,
        "parent_premises": [text(p) for p in thm.premises],
        "parent_conclusion": text(thm.conclusion),
        "kind": c.kind,
        "law": c.law,
        "claim": c.claim,
        "lemma": {"id": cid(c.lemma), "formula": text(c.lemma)},
        "position": {"target": c.target, "index": c.index, "path": list(c.path)},
        "premises": [text(p) for p in m.premises],
        "conclusion": text(m.conclusion),
        "tptp": tptp_problem(m.premises, m.conclusion),
        "lean": lean_statement(m.premises, m.conclusion),
        "verdict": m.verdict.outcome.value,
        "prover": m.verdict.prover,
        "nodes": {"mutant": mutant, "theorem": theorem, "parent": parent},
        "graph": to_json(g),
    }
