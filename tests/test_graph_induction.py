"""`nsp graph verify` checks induction steps itself (schema instance over zero and s)."""

from __future__ import annotations

import json

from nsp.graph.provenance import add_derivation, add_fact, new_graph, to_json
from nsp.graph.verify import verify_file
from nsp.logic.syntax import parse_formula as P


def _graph(base_text: str):
    g = new_graph()
    base = add_fact(g, P(base_text), "derived", rule="given")
    step = add_fact(g, P("∀x (add(zero, x) = x → add(zero, s(x)) = s(x))"), "derived", rule="given")
    phi = add_fact(g, P("∀x (add(zero, x) = x)"), "theorem", rule="induction", checked_by="z3",
                   induction_var="x", zero="zero", succ="s")
    add_derivation(g, [base, step], phi, "induction", kinds={base: "base", step: "step"})
    return g


def test_induction_instance_accepted_and_corruption_caught(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(to_json(_graph("add(zero, zero) = zero"))))
    report = verify_file(good)
    assert report.passed and report.ok["induction"] == 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(to_json(_graph("add(zero, s(zero)) = s(zero)"))))
    report = verify_file(bad)
    assert not report.passed and report.failed["induction"] == 1
    assert "base source" in report.failures[0].reason
