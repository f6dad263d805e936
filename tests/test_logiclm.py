"""Logic-LM datasets: reading, and the symbolic-only evaluation on real ProofWriter / PrOntoQA.

Data: ProofWriter (CC BY 4.0, AI2) and PrOntoQA (Apache 2.0), Logic-LM packaging (MIT), in
../shared/data (see its README).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from nsp.logic.canon import alpha_equal
from nsp.logic.problem import ProblemError
from nsp.logic.syntax import parse_formula
from nsp.parse.logiclm import (
    LogicLMItem, conclusion_of, decide_literal, evaluate_item, evaluate_symbolic, label_of, literal_form,
    read_logiclm_json,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PROOFWRITER_DEV = DATA / "proofwriter" / "dev.json"
PRONTOQA = DATA / "prontoqa" / "dev-part.json"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    return path


def f(text: str):
    return parse_formula(text, "folio")


# ---------------------------------------------------------------- reading


def test_conclusion_and_label():
    q = "Based on the above information, is the following statement true, false, or unknown? The bald eagle is not big."
    assert conclusion_of(q) == "The bald eagle is not big."
    assert conclusion_of("Is the following statement true or false? Max is not sour.") == "Max is not sour."
    assert conclusion_of("Max is not sour.") == "Max is not sour."
    opts = ["A) True", "B) False", "C) Unknown"]
    assert [label_of(a, opts) for a in "ABC"] == ["True", "False", "Uncertain"]
    with pytest.raises(ValueError):
        label_of("D", opts)


def test_read_proofwriter_dev():
    items = read_logiclm_json(_need(PROOFWRITER_DEV))
    assert len(items) == 600
    assert Counter(i.label for i in items) == {"True": 200, "False": 200, "Uncertain": 200}
    first = items[0]
    assert first.id == "ProofWriter_AttNoneg-OWA-D5-1041_Q1"
    assert first.premises[:2] == ["Bob is cold.", "Bob is quiet."]
    assert first.premises[-1] == "If Dave is smart and Dave is kind then Dave is quiet."
    assert first.conclusion == "Charlie is kind." and first.label == "True"
    assert all(not i.conclusion.endswith("?") and "?" not in i.conclusion for i in items)


def test_read_prontoqa():
    items = read_logiclm_json(_need(PRONTOQA))
    assert len(items) == 150
    assert set(i.label for i in items) == {"True", "False"}
    assert items[0].conclusion == "Max is sour." and items[0].label == "False"
    assert items[0].premises[0] == "Jompuses are not shy."


def test_malformed_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ProblemError, match="invalid JSON"):
        read_logiclm_json(bad)
    bad.write_text(json.dumps({"id": 1}), encoding="utf-8")
    with pytest.raises(ProblemError, match="list"):
        read_logiclm_json(bad)
    bad.write_text(json.dumps([{"id": "x", "context": "A is b.", "question": "Q? A is b."}]), encoding="utf-8")
    with pytest.raises(ProblemError, match="item 0"):
        read_logiclm_json(bad)
    bad.write_text(json.dumps([{"id": "x", "context": "A is b.", "question": "Q? A is b.",
                                "options": ["A) True"], "answer": "C"}]), encoding="utf-8")
    with pytest.raises(ProblemError, match="names none"):
        read_logiclm_json(bad)
    with pytest.raises(ProblemError):
        read_logiclm_json(tmp_path / "missing.json")


# ---------------------------------------------------------------- semantics


def test_literal_form():
    g = literal_form(f("∀x (Red(x) ∧ ¬White(x) → ¬Big(x))"))
    assert alpha_equal(g, f("∀x (Red(x) ∧ not_White(x) → not_Big(x))"))
    assert literal_form(f("¬(A(b) ∧ C(b))")) == f("¬(A(b) ∧ C(b))")


def test_literal_semantics_has_no_contraposition_or_cases():
    prem = [f("∀x (Quiet(x) → Cold(x))"), f("¬Cold(harry)")]
    assert decide_literal(prem, f("¬Quiet(harry)"))[0] == "Uncertain"  # classically True
    assert decide_literal(prem, f("Cold(harry)"))[0] == "False"
    cases = [f("∀x (Kind(x) ∧ ¬Blue(x) → Green(x))"), f("∀x (Blue(x) → Green(x))"), f("Kind(fiona)")]
    assert decide_literal(cases, f("Green(fiona)"))[0] == "Uncertain"  # classically True by cases
    assert decide_literal([f("Big(bob)"), f("¬Big(bob)")], f("Red(bob)"))[0] == "Inconsistent"


def test_unparsed_sentence_is_an_error():
    item = LogicLMItem("x", ["Bob is big.", "Glorp frobs the snark quickly."], "Bob is big.", "True", [])
    rec = evaluate_item(item)
    assert rec["predicted"] is None and rec["error"]
    assert rec["unparsed"][0]["sentence"] == "Glorp frobs the snark quickly."
    s = evaluate_symbolic([item])
    assert s["errors"] == 1 and s["error_rate"] == 1.0 and s["accuracy"] == 0.0


def test_unknown_semantics_rejected():
    with pytest.raises(ValueError, match="semantics"):
        evaluate_symbolic([], semantics="closed")


# ---------------------------------------------------------------- real data


def test_proofwriter_dev_first_100_symbolic():
    items = read_logiclm_json(_need(PROOFWRITER_DEV))[:100]
    s = evaluate_symbolic(items, timeout=10.0, semantics="literal")
    assert s["n"] == 100 and s["errors"] == 0 and s["error_rate"] == 0.0
    assert s["accuracy"] >= 0.99, s["wrong_items"]
    for key in ("per_label", "confusion", "seconds", "seconds_per_problem"):
        assert key in s
    assert sum(d["n"] for d in s["per_label"].values()) == 100


def test_prontoqa_first_30_symbolic_both_semantics():
    items = read_logiclm_json(_need(PRONTOQA))[:30]
    for semantics in ("classical", "literal"):
        s = evaluate_symbolic(items, timeout=10.0, semantics=semantics)
        assert s["errors"] == 0 and s["accuracy"] >= 0.99, (semantics, s["wrong_items"])


def test_classical_proves_at_least_what_literal_proves():
    # every model of the premises is a model of their literal form (not_P read as ¬P), so a
    # literal True is classically True (or the premises are inconsistent); same for False
    items = read_logiclm_json(_need(PROOFWRITER_DEV))[100:120]
    for item in items:
        lit = evaluate_item(item, 10.0, "literal")["predicted"]
        cla = evaluate_item(item, 10.0, "classical")["predicted"]
        if lit in ("True", "False"):
            assert cla in (lit, "Inconsistent"), item.id
