"""Proof graphs of a proof by contradiction whose discharged ``~H`` was itself derived under the
hypothesis ``H`` (the contradicting pair is ``H`` and ``~H``): the concluded ``~H`` and that
hypothetical fact share a fact id. The graph must hold both, ``H → ~H`` and ``~H``, as two
nodes with content ids, no fact its own parent, and pass the independent checker.

The real case: ProofWriter dev item ``ProofWriter_AttNeg-OWA-D5-532_Q21`` under
``nsp synth search`` (it used to fail with a KeyError).
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from nsp.cli import main
from nsp.graph.provenance import to_json
from nsp.logic.canon import content_id
from nsp.logic.syntax import parse_formula
from synth.search import SearchParams, process_item, read_problems, search_problem, translate_item
from synth.state import ProofState

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "proofwriter" / "dev.json"
ITEM = "ProofWriter_AttNeg-OWA-D5-532_Q21"


def _well_formed(g: nx.DiGraph) -> None:
    assert nx.is_directed_acyclic_graph(g) and not list(nx.selfloop_edges(g))
    for n, data in g.nodes(data=True):
        assert n == content_id(parse_formula(data["formula"], "folio", strict=True))  # ids: content hashes
        if data["rule"] in ("given", "law"):
            assert g.in_degree(n) == 0
        else:
            assert g.in_degree(n) > 0, n


def _verify(g: nx.DiGraph, tmp_path: Path) -> str:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(to_json(g), ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["graph", "verify", str(path), "--no-progress"])
    assert r.exit_code == 0, r.output
    return r.output


def _take(state: ProofState, action: str, conclusion: str) -> ProofState:
    want = parse_formula(conclusion, "folio")
    steps = [s for s in state.steps() if s.action == action and s.conclusion == want]
    assert steps, f"no {action} step to {conclusion}"
    return state.after(steps[0])


def test_a_hand_walked_proof_records_the_hypothetical_fact_and_the_conclusion(tmp_path):
    premises = [parse_formula(f) for f in ("∀x ((Green(x) ∧ Rough(x)) → Quiet(x))", "∀x (Rough(x) → Green(x))",
                                            "¬Quiet(harry)")]
    st = ProofState.initial(premises, parse_formula("¬Rough(harry)"))
    st = _take(st, "assume", "Rough(harry)")
    st = _take(st, "modus_ponens", "Green(harry)")
    st = _take(st, "contraposition", "¬Rough(harry)")  # ~H under H: the goal's id, hypothetically
    assert st.verdict is None
    st = _take(st, "contradiction", "¬Rough(harry)")
    assert st.verdict == "True"
    proof = st.proof_facts()
    assert [(f.action, f.hyp is not None) for f in proof][-2:] == [("contraposition", True), ("contradiction", False)]
    assert len({(f.id, f.hyp) for f in proof}) == len(proof)  # each fact once
    g = st.proof_graph(premises, "hand")
    _well_formed(g)
    goal = g.graph["goal"]
    assert g.nodes[goal]["formula"] == "¬Rough(harry)" and g.nodes[goal]["role"] == "theorem"
    parents = {g.nodes[p]["formula"]: p for p in g.predecessors(goal)}
    assert set(parents) == {"Rough(harry) → Rough(harry)", "Rough(harry) → ¬Rough(harry)"}
    assert g.nodes[parents["Rough(harry) → Rough(harry)"]]["rule"] == "law"
    assert g.nodes[parents["Rough(harry) → ¬Rough(harry)"]]["action"] == "contraposition"
    assert "entailment: 3 ok, 0 failed" in _verify(g, tmp_path)


@pytest.mark.skipif(not DEV.exists(), reason=f"shared data not found at {DEV}")
def test_proofwriter_item_gets_a_well_formed_verified_proof_graph(tmp_path):
    items, _ = read_problems(DEV, False)
    item = next(it for it in items if it["id"] == ITEM)
    premises, conclusion = translate_item(item)
    result, g = search_problem(premises, conclusion, SearchParams(), ITEM)
    assert result.verdict == "True" and result.end == "solved" and g is not None
    _well_formed(g)
    goal = g.graph["goal"]
    assert g.nodes[goal]["formula"] == "¬Rough(harry)"
    assert goal not in g.predecessors(goal)
    formulas = {g.nodes[p]["formula"] for p in g.predecessors(goal)}
    assert formulas == {"Rough(harry) → Rough(harry)", "Rough(harry) → ¬Rough(harry)"}
    assert result.proof_steps == sum(1 for _, d in g.nodes(data=True) if d["rule"] != "given")
    _verify(g, tmp_path)
    entry = process_item(item, SearchParams().__dict__)  # what `nsp synth search` journals
    assert entry["errors"] == [] and entry["proof"]["graph"] == to_json(g)
