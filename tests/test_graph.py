"""Provenance graphs (build, query, merge, read) and the independent checker, with real Z3."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import networkx as nx
import pytest

from nsp.graph.provenance import (add_derivation, add_fact, derivation, from_json, in_dependency_order, merge,
                                  new_graph, proof_of, read_graphs, to_json, uses_of)
from nsp.graph.verify import Checker, GraphFileError, ProverUnavailable, graphs_in_file, prover, verify_file
from nsp.logic.canon import content_id
from nsp.logic.syntax import parse_formula


def f(text: str):
    return parse_formula(text, "folio", strict=True)


def dog_graph():
    """p1, p2 ⊢ Animal(rex) (entailment); a law; a rewrite and an apply mutant."""
    g = new_graph(problem="dogs")
    p1 = add_fact(g, f("∀x (Dog(x) → Animal(x))"), "premise", label="p1")
    p2 = add_fact(g, f("Dog(rex)"), "premise", label="p2")
    p3 = add_fact(g, f("∀x (Animal(x) → Mortal(x))"), "premise", label="p3")
    thm = add_fact(g, f("Animal(rex)"), "theorem", rule="entailment", checked_by="z3")
    add_derivation(g, [p1, p2], thm, "entailment")
    law = add_fact(g, f("Animal(rex) ↔ ¬¬Animal(rex)"), "axiom", rule="law", law="double_negation")
    rw = add_fact(g, f("¬¬Animal(rex)"), "mutant", rule="rewrite", checked_by="z3")
    add_derivation(g, [thm, law], rw, "rewrite", kinds={thm: "parent", law: "lemma"})
    ap = add_fact(g, f("Mortal(rex)"), "mutant", rule="apply", checked_by="z3")
    add_derivation(g, [thm, p3], ap, "apply", kinds={thm: "parent", p3: "lemma"})
    return g, dict(p1=p1, p2=p2, p3=p3, thm=thm, law=law, rw=rw, ap=ap)


def check(data) -> Checker:
    c = Checker(prover("z3"))
    c.check(data)
    return c


# ---------------------------------------------------------------- provenance


def test_ids_are_content_hashes_and_json_round_trips():
    g, ids = dog_graph()
    assert ids["p2"] == content_id(f("Dog(rex)"))
    # alpha-equivalent formulas are one fact
    assert add_fact(g, f("∀y (Dog(y) → Animal(y))"), "premise") == ids["p1"]
    data = to_json(g)
    assert [n["id"] for n in data["nodes"]] == sorted(n["id"] for n in data["nodes"])
    back = from_json(json.loads(json.dumps(data)))
    assert nx.utils.graphs_equal(back, g)
    assert back.edges[ids["thm"], ids["rw"]]["as"] == "parent"


def test_queries_proof_uses_derivation_order():
    g, ids = dog_graph()
    before = to_json(g)
    proof = proof_of(g, ids["ap"])
    assert set(proof) == {ids["p1"], ids["p2"], ids["p3"], ids["thm"], ids["ap"]}
    with pytest.raises(nx.NetworkXError):
        proof.add_node("x")  # a read-only view
    assert uses_of(g, ids["thm"]) == sorted([ids["rw"], ids["ap"]])
    assert derivation(g, ids["rw"]) == ("rewrite", {"parent": [ids["thm"]], "lemma": [ids["law"]]})
    assert derivation(g, ids["thm"]) == ("entailment", {"source": sorted([ids["p1"], ids["p2"]])})
    order = in_dependency_order(g)
    assert order.index(ids["thm"]) > max(order.index(ids["p1"]), order.index(ids["p2"]))
    assert to_json(g) == before  # reading never mutates


def test_merge_unions_and_records_conflicts():
    g1, ids = dog_graph()
    g2 = new_graph()
    p2 = add_fact(g2, f("Dog(rex)"), "premise")
    p4 = add_fact(g2, f("∀x (Dog(x) → Animal(x) ∧ Loyal(x))"), "premise")
    thm = add_fact(g2, f("Animal(rex)"), "theorem", rule="entailment")  # derived differently
    add_derivation(g2, [p2, p4], thm, "entailment")
    loyal = add_fact(g2, f("Loyal(rex)"), "derived", rule="entailment")
    add_derivation(g2, [p2, p4], loyal, "entailment")
    snapshot = (to_json(g1), to_json(g2))
    m = merge([g1, g2])
    assert (to_json(g1), to_json(g2)) == snapshot
    assert set(m) == set(g1) | set(g2)
    assert sorted(m.predecessors(thm)) == sorted([ids["p1"], ids["p2"]])  # the first derivation wins
    assert m.graph["conflicts"] == [thm] and m.graph["merged"] == 2
    assert sorted(m.predecessors(loyal)) == sorted([p2, p4])
    assert check(to_json(m)).report.passed


def test_read_graphs_three_formats(tmp_path):
    g, ids = dog_graph()
    data = to_json(g)
    one = tmp_path / "g.json"
    one.write_text(json.dumps(data, indent=2))
    many = tmp_path / "g.jsonl"
    many.write_text("\n".join(json.dumps(data) for _ in range(3)) + "\n")
    recs = tmp_path / "r.jsonl"
    recs.write_text("\n".join(json.dumps({"id": i, "graph": data}) for i in range(2)) + "\n")
    assert [len(x) for x in read_graphs(one)] == [len(g)]
    assert len(list(read_graphs(many))) == 3
    assert len(list(read_graphs(recs))) == 2
    assert len(list(graphs_in_file(recs))) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\n{"b": 2}\n')
    with pytest.raises(GraphFileError):
        list(graphs_in_file(bad))
    with pytest.raises(ValueError):
        list(read_graphs(bad))


# ---------------------------------------------------------------- the checker


def test_a_sound_graph_passes_every_rule():
    g, _ = dog_graph()
    rep = check(to_json(g)).report
    assert rep.passed, [x.describe() for x in rep.failures]
    assert rep.ok == {"given": 3, "entailment": 1, "law": 1, "rewrite": 1, "apply": 1}
    assert rep.lines()[0] == "given: 3 ok, 0 failed"


def _edit(data: dict, fn) -> dict:
    data = copy.deepcopy(data)
    fn(data)
    return data


def test_wrong_parent_is_caught():
    g, ids = dog_graph()
    data = to_json(g)

    def swap(d):  # the theorem claims p3 instead of p1 as a source
        for e in d["edges"]:
            if e["source"] == ids["p1"] and e["target"] == ids["thm"]:
                e["source"] = ids["p3"]

    rep = check(_edit(data, swap)).report
    assert not rep.passed
    assert [(x.node, x.rule) for x in rep.failures] == [(ids["thm"], "entailment")]
    assert "Uncertain" in rep.failures[0].reason

    def drop(d):  # a missing source
        d["edges"] = [e for e in d["edges"] if not (e["source"] == ids["p3"] and e["target"] == ids["ap"])]

    rep = check(_edit(data, drop)).report
    assert [(x.node, x.rule) for x in rep.failures] == [(ids["ap"], "apply")]


def test_strengthen_checks_the_converse():
    g = new_graph()
    h = add_fact(g, f("Animal(rex)"), "premise")
    lemma = add_fact(g, f("∀x (Dog(x) → Animal(x))"), "premise")
    s = add_fact(g, f("Dog(rex)"), "mutant", rule="strengthen")  # Dog(rex), lemma ⊢ Animal(rex)
    add_derivation(g, [h, lemma], s, "strengthen", kinds={h: "parent", lemma: "lemma"})
    w = add_fact(g, f("Animal(rex) ∨ Cat(rex)"), "mutant", rule="strengthen")  # weaker: wrong claim
    add_derivation(g, [h, lemma], w, "strengthen", kinds={h: "parent", lemma: "lemma"})
    rep = check(to_json(g)).report
    assert rep.ok["strengthen"] == 1
    assert [(x.node, x.rule) for x in rep.failures] == [(w, "strengthen")]


def test_rewrite_needs_both_directions():
    g = new_graph()
    p = add_fact(g, f("P(a) ∧ Q(a)"), "theorem", rule="given")
    w = add_fact(g, f("P(a)"), "mutant", rule="rewrite")  # P(a) ∧ Q(a) ⊢ P(a), not back
    add_derivation(g, [p], w, "rewrite")
    rep = check(to_json(g)).report
    assert [(x.node, x.rule) for x in rep.failures] == [(w, "rewrite")]
    assert "do not entail the parent" in rep.failures[0].reason


def test_integrity_faults_are_caught():
    g, ids = dog_graph()
    data = to_json(g)

    def tamper(d):  # the formula no longer matches its id
        for n in d["nodes"]:
            if n["id"] == ids["p2"]:
                n["formula"] = "Dog(tom)"

    rep = check(_edit(data, tamper)).report
    assert any(x.rule == "integrity" and x.node == ids["p2"] for x in rep.failures)
    # the theorem's source is now unusable, so it fails too
    assert any(x.node == ids["thm"] for x in rep.failures)

    def cycle(d):
        d["edges"].append({"source": ids["ap"], "target": ids["p3"], "rule": "given"})

    rep = check(_edit(data, cycle)).report
    assert any(x.rule == "integrity" and "cycle" in x.reason for x in rep.failures)
    assert any(x.node == ids["p3"] and x.rule == "given" for x in rep.failures)  # given with a source

    def unknown_rule(d):
        for n in d["nodes"]:
            if n["id"] == ids["ap"]:
                n["rule"] = "magic"

    rep = check(_edit(data, unknown_rule)).report
    assert [x.rule for x in rep.failures] == ["magic"]

    def bad_law(d):
        for n in d["nodes"]:
            if n["id"] == ids["law"]:
                n["rule"] = "law"
        for n in d["nodes"]:
            if n["id"] == ids["p2"]:
                n["rule"] = "law"  # Dog(rex) is not valid

    rep = check(_edit(data, bad_law)).report
    assert [(x.node, x.rule) for x in rep.failures] == [(ids["p2"], "law")]


def test_repeated_derivations_are_checked_once(tmp_path):
    g, _ = dog_graph()
    path = tmp_path / "g.jsonl"
    path.write_text("\n".join(json.dumps(to_json(g)) for _ in range(4)) + "\n")
    rep = verify_file(path)
    assert rep.graphs == 4 and rep.passed
    assert sum(rep.ok.values()) == 7


# ---------------------------------------------------------------- the CLI


def nsp(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nsp.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_cli_verify_ok_failure_and_bad_input(tmp_path):
    g, ids = dog_graph()
    good = tmp_path / "good.json"
    good.write_text(json.dumps(to_json(g)))
    r = nsp("graph", "verify", str(good), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "entailment: 1 ok, 0 failed" in r.stdout and "apply: 1 ok, 0 failed" in r.stdout

    data = to_json(g)
    for e in data["edges"]:
        if e["target"] == ids["ap"] and e["source"] == ids["p3"]:
            e["source"] = ids["p1"]  # wrong lemma
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "r1", "graph": to_json(g)}) + "\n" + json.dumps({"id": "r2", "graph": data}) + "\n")
    r = nsp("graph", "verify", str(bad), "--no-progress")
    assert r.returncode == 1
    assert "apply: 1 ok, 1 failed" in r.stdout
    assert f"FAIL graph 2 node {ids['ap']} (apply)" in r.stdout

    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    r = nsp("graph", "verify", str(junk))
    assert r.returncode == 2 and r.stderr.startswith("nsp: error:") and "Traceback" not in r.stderr


def test_cli_proof_uses_merge(tmp_path):
    g, ids = dog_graph()
    path = tmp_path / "g.json"
    path.write_text(json.dumps(to_json(g)))
    r = nsp("graph", "proof", str(path), ids["ap"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    heads = [line.split()[0] for line in lines if not line.startswith(" ")]
    assert heads[-1] == ids["ap"] and set(heads) == {ids["p1"], ids["p2"], ids["p3"], ids["thm"], ids["ap"]}
    assert "    Mortal(rex)" in lines
    r = nsp("graph", "uses", str(path), ids["thm"])
    assert {line.split()[0] for line in r.stdout.splitlines()} == {ids["rw"], ids["ap"]}
    out = tmp_path / "m.json"
    r = nsp("graph", "merge", str(path), str(path), "-o", str(out))
    assert r.returncode == 0 and "0 conflict(s)" in r.stdout
    assert len(from_json(json.loads(out.read_text()))) == len(g)
    r = nsp("graph", "proof", str(path), "0000000000000000")
    assert r.returncode == 2


@pytest.mark.eprover
def test_cli_verify_with_e_prover(tmp_path):
    try:
        prover("e")
    except ProverUnavailable as e:
        r = nsp("graph", "verify", str(tmp_path / "x.json"), "--prover", "e")
        assert r.returncode == 3 and "Traceback" not in r.stderr
        pytest.skip(str(e))
    g, ids = dog_graph()
    path = tmp_path / "g.json"
    path.write_text(json.dumps(to_json(g)))
    r = nsp("graph", "verify", str(path), "--prover", "e", "--no-progress")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "rewrite: 1 ok, 0 failed" in r.stdout
    data = to_json(g)
    for e in data["edges"]:
        if e["target"] == ids["thm"] and e["source"] == ids["p1"]:
            e["source"] = ids["p3"]
    path.write_text(json.dumps(data))
    r = nsp("graph", "verify", str(path), "--prover", "e", "--no-progress")
    assert r.returncode == 1 and f"node {ids['thm']} (entailment)" in r.stdout


def test_graph_commands_read_synth_mutate_output(tmp_path):
    """`nsp graph merge|proof|uses` on `nsp synth mutate` records (their own "nodes" is a list of ids)."""
    from tests.conftest import ROOT

    data = tmp_path / "in.jsonl"
    data.write_text("".join((ROOT / "data" / "folio-gold-sample.jsonl").read_text(encoding="utf-8")
                            .splitlines(keepends=True)[:3]), encoding="utf-8")
    out = tmp_path / "mutants.jsonl"
    assert nsp("synth", "mutate", str(data), "-o", str(out)).returncode == 0
    record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    fact = record["mutant_id"] if record.get("mutant_id") in {n["id"] for n in record["graph"]["nodes"]} \
        else record["graph"]["nodes"][-1]["id"]
    r = nsp("graph", "merge", str(out), "-o", str(tmp_path / "merged.json"))
    assert r.returncode == 0 and "graph(s) ->" in r.stdout, r.stderr
    for cmd in ("proof", "uses"):
        r = nsp("graph", cmd, str(out), fact)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
