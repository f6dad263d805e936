"""The voting rules on constructed samples, each built so that one piece of evidence decides the vote.
Samples are read and decided for real (lenient reader, Z3) through a replay."""

from __future__ import annotations

import json

import pytest

from nsp.parse.backends import ReplayBackend
from nsp.parse.sample import evaluate_sample
from nsp.parse.translate import Settings, translate_problem
from nsp.parse.vote import RULES, vote, weights
from provers.outcome import Outcome

DOGS = ["All dogs are animals.", "Rex is a dog."]
ANIMAL = "Rex is an animal."
RULE = "∀x (Dog(x) → Animal(x))"
PROVES = [RULE, "Dog(rex)", "Animal(rex)"]  # True, read with no repair


def _vote(tmp_path, samples, rule):
    f = tmp_path / "replay.jsonl"
    f.write_text(json.dumps({"id": "p", "samples": samples}, ensure_ascii=False) + "\n", encoding="utf-8")
    return translate_problem(DOGS, ANIMAL, ReplayBackend(f), Settings(vote=rule), item_id="p")


def test_structural_repairs_do_not_outvote_a_clean_sample(tmp_path):
    garbled = [RULE, "(Cat(rex)", "Animal(rex)"]  # Uncertain after adding a ')': a structural repair
    tr = _vote(tmp_path, [garbled, garbled, PROVES], "evidence")
    assert [s.outcome for s in tr.samples] == [Outcome.UNCERTAIN] * 2 + [Outcome.TRUE]
    assert [s.structural for s in tr.samples] == [True, True, False]
    assert tr.predicted is Outcome.TRUE and tr.weights == (0.0, 0.0, 1.0) and tr.votes == {"True": 1.0}
    assert _vote(tmp_path, [garbled, garbled, PROVES], "majority").predicted is Outcome.UNCERTAIN


def test_respelling_is_no_structural_repair(tmp_path):
    respelled = [RULE, "Cat(\"rex\")", "Animal(rex)"]  # Uncertain; the quoted name read as rex
    tr = _vote(tmp_path, [respelled, respelled, PROVES], "evidence")
    assert [k for k, _ in tr.samples[0].repairs] == ["quoted"] and not tr.samples[0].structural
    assert tr.predicted is Outcome.UNCERTAIN and tr.weights == (1.0, 1.0, 1.0)


def test_a_conclusion_in_another_vocabulary_does_not_vote(tmp_path):
    unrelated = [RULE, "Dog(rex)", "Mammal(rex)"]  # Uncertain: no premise speaks of Mammal
    tr = _vote(tmp_path, [unrelated, unrelated, PROVES], "evidence")
    assert [s.related for s in tr.samples] == [False, False, True]
    assert tr.predicted is Outcome.TRUE and tr.weights == (0.0, 0.0, 1.0)
    # a constant no premise names is no other vocabulary: a rule can still reach it
    new_constant = [RULE, "Dog(rex)", "Animal(tom)"]
    assert _vote(tmp_path, [new_constant, PROVES], "evidence").samples[0].related


def test_an_arity_clash_is_structural(tmp_path):
    clash = [RULE, "Dog(rex, tom)", "Animal(rex)"]  # Dog/1 and Dog/2: split in two, Uncertain
    tr = _vote(tmp_path, [clash, clash, PROVES], "evidence")
    assert [k for k, _ in tr.samples[0].repairs] == ["clash"]
    assert tr.predicted is Outcome.TRUE


def test_without_a_qualifying_sample_every_decided_sample_votes(tmp_path):
    garbled_true = [RULE, "(Dog(rex)", "Animal(rex)"]
    garbled_uncertain = [RULE, "(Cat(rex)", "Animal(rex)"]
    tr = _vote(tmp_path, [garbled_uncertain, garbled_true, garbled_uncertain, "∧ ∧".split()], "evidence")
    assert tr.weights == (1.0, 1.0, 1.0, 0.0) and tr.predicted is Outcome.UNCERTAIN


def test_a_proof_outvotes_uncertain_samples(tmp_path):
    """Under ``proof`` (the default) one sample that proves the conclusion beats two clean
    samples that prove nothing; ``evidence`` counts them and answers Uncertain."""
    weak = [RULE, "Cat(rex)", "Animal(rex)"]  # Uncertain, read with no repair
    tr = _vote(tmp_path, [weak, weak, PROVES], "proof")
    assert [s.outcome for s in tr.samples] == [Outcome.UNCERTAIN] * 2 + [Outcome.TRUE]
    assert tr.predicted is Outcome.TRUE and tr.weights == (0.0, 0.0, 1.0) and tr.chosen == 2
    assert _vote(tmp_path, [weak, weak, PROVES], "evidence").predicted is Outcome.UNCERTAIN
    assert Settings().vote == "proof"


def test_proofs_of_both_outcomes_are_counted_and_a_tie_goes_to_evidence(tmp_path):
    refutes = [RULE, "Dog(rex)", "¬Animal(rex)"]  # False
    garbled_true = [RULE, "(Dog(rex)", "Animal(rex)"]  # True after a structural repair
    weak = [RULE, "Cat(rex)", "Animal(rex)"]
    tr = _vote(tmp_path, [refutes, PROVES, PROVES, weak], "proof")
    assert tr.predicted is Outcome.TRUE and tr.votes == {"True": 2.0, "False": 1.0}
    # a structural repair does not stop a proof from voting (it is still a proof of the outcome)
    assert _vote(tmp_path, [refutes, garbled_true, garbled_true], "proof").predicted is Outcome.TRUE
    # one proof each way: no proof decides, so evidence does (the clean samples: two Uncertain, one each)
    tr = _vote(tmp_path, [refutes, PROVES, weak, weak], "proof")
    assert tr.predicted is Outcome.UNCERTAIN and tr.weights == (1.0, 1.0, 1.0, 1.0)


def test_the_command_line_offers_every_rule_and_the_same_default():
    from nsp.cli import _VOTE

    @_VOTE
    def f(vote):  # click attaches the option to this function
        pass

    opt = f.__click_params__[0]
    assert list(opt.type.choices) == list(RULES) and opt.default == Settings().vote


def test_linc_rule_counts_only_samples_that_read_unrepaired(tmp_path):
    garbled = [RULE, "(Cat(rex)", "Animal(rex)"]
    respelled = [RULE, "Cat(\"rex\")", "Animal(rex)"]
    assert _vote(tmp_path, [garbled, respelled, PROVES], "linc").weights == (0.0, 0.0, 1.0)
    tr = _vote(tmp_path, [garbled, respelled], "linc")  # no fallback: no prediction
    assert tr.predicted is None and tr.error


def test_discarded_samples_never_vote():
    smps = [evaluate_sample(fol, ("model",) * 3, DOGS, ANIMAL, 10.0) for fol in
            ([RULE, "Dog(rex) ∧ ¬Animal(rex)", "Animal(rex)"], [RULE, "Dog(rex) ∧ ∧", "Animal(rex)"])]
    assert [s.discarded for s in smps] == ["inconsistent", "parse"]
    for rule in RULES:
        assert weights(smps, rule) == [0.0, 0.0] and vote(smps, rule)[0] is None
    with pytest.raises(ValueError, match="unknown voting rule"):
        weights(smps, "plurality")


def test_the_record_says_why_each_sample_voted_as_it_did(tmp_path):
    from nsp.parse.pipeline import translation_record

    garbled = [RULE, "(Cat(rex)", "Animal(rex)"]
    rec = translation_record(_vote(tmp_path, [garbled, PROVES], "evidence"))
    assert rec["vote"] == "evidence" and rec["predicted"] == "True"
    first, second = rec["sample_evidence"]
    assert first["verdict"] == "Uncertain" and first["weight"] == 0.0 and first["structural"]
    assert first["repairs"] == ["parenthesis: premise 2: column 10: added 1 missing ')' at the end"]
    assert second == {"verdict": "True", "weight": 1.0, "structural": False, "related": True, "repairs": []}
