"""Whole-problem translation format and its training data (nsp/parse/whole.py); real files, real Z3."""

import json

import pytest

from nsp.parse import whole
from nsp.logic.problem import ProblemError
from nsp.parse.prompts import folio_split
from nsp.parse.whole import (BuildReport, V0_TRAIN, V2_TRAIN, WholeProblem, conclusion_prompt, folio_v2_problems,
                             parse_completion, problem_prompt, target_lines)

needs_folio = pytest.mark.skipif(not (V2_TRAIN.exists() and V0_TRAIN.exists()),
                                 reason=f"FOLIO train files not found in {V2_TRAIN.parent}")


def test_prompt_and_target_round_trip():
    prompt = problem_prompt(["All dogs are  animals.", "Rex is a dog."], "Rex is an animal.")
    assert prompt == ("Premises:\n1. All dogs are animals.\n2. Rex is a dog.\n"
                      "Conclusion: Rex is an animal.\nFOL:\n")
    fols = ["∀x (Dog(x) → Animal(x))", "Dog(rex)", "Animal(rex)"]
    lines = target_lines(fols)
    assert lines == ["1. ∀x (Dog(x) → Animal(x))", "2. Dog(rex)", "C. Animal(rex)"]
    assert parse_completion("\n".join(lines) + "\n", 2) == fols
    assert problem_prompt(["A."], "B.", instruction=True).startswith(whole.INSTRUCTION + "\n\nPremises:\n1. A.")


@pytest.mark.parametrize("text, want", [
    ("1. A(a)\nC. B(a)\n", ["A(a)", None, "B(a)"]),                       # a missing premise line
    ("2) B(b)\n1: A(a)\nc. C(c)", ["A(a)", "B(b)", "C(c)"]),              # out of order, other punctuation
    ("1. A(a)\n1. X(x)\n2. B(b)\n7. Z(z)\nC. C(c)\nC. D(d)", ["A(a)", "B(b)", "C(c)"]),  # repeats, out of range
    ("1. A(a)\n2. B(b)\nC. C(c)\n\nPremises:\n1. junk", ["A(a)", "B(b)", "C(c)"]),  # stops at the blank line
    ("", [None, None, None]), ("no block at all\n", [None, None, None]), ("1.\nC. \n", [None, None, None]),
    ("\n\n  1. A(a)\nsome chatter\n2. B(b)", ["A(a)", "B(b)", None]),
])
def test_parse_completion_is_tolerant(text, want):
    assert parse_completion(text, 2) == want


def test_problem_target_uses_the_format():
    p = WholeProblem(("A.", "B."), "C.", ("A(a)", "B(a)", "C(a)"), "test")
    assert p.prompt().endswith("Conclusion: C.\nFOL:\n") and p.target() == "1. A(a)\n2. B(a)\nC. C(a)\n"


@needs_folio
def test_v2_filter_on_real_items(tmp_path):
    rows = [json.loads(l) for l in V2_TRAIN.read_text(encoding="utf-8").splitlines()[:60]]
    path = tmp_path / "v2.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    report = BuildReport()
    kept = folio_v2_problems(report, path, dev_sentences=set())
    assert kept and sum(report.dropped.values()) + report.kept["folio-v2"] == len(rows)
    assert any("another label" in k for k in report.dropped) or any("no premise uses" in k for k in report.dropped)
    from nsp.logic.analysis import signature
    from nsp.logic.syntax import parse
    from provers.z3_bridge import decide

    for p in kept[:8]:
        nodes = [parse(f, "folio", strict=True).formula for f in p.fols]  # targets are clean FOLIO syntax
        prem = signature(nodes[:-1])
        assert all(n in prem for n, s in signature(nodes[-1:]).items() if s.kind in ("predicate", "constant"))
        row = next(r for r in rows if r["conclusion"].split() == p.conclusion.split() and str(r["story_id"]) == p.story)
        want = {"Unknown": "Uncertain"}.get(row["label"], row["label"])
        assert decide(nodes[:-1], nodes[-1], explain=False).outcome.value == want
        assert folio_split(p.story) == "train"


@pytest.fixture(scope="module")
def default_set():
    """The default training set and its report, built once for the tests that only read them."""
    return whole.training_problems(seed=0)


@needs_folio
def test_training_set_has_no_dev_story_and_is_deterministic(default_set):
    problems, report = default_set
    again, _ = whole.training_problems(seed=0)
    assert [p.target() for p in problems] == [p.target() for p in again]
    assert {p.source for p in problems} == {"folio-v2", "folio-v0", "synthetic"}
    dev_sentences = whole._dev_sentences(V0_TRAIN, V2_TRAIN)
    for p in problems:
        if p.source != "synthetic":
            assert folio_split(p.story) == "train"
        assert not any(s.lower() in dev_sentences for s in p.premises + (p.conclusion,))
    syn = report.kept["synthetic"] / len(problems)
    assert 0.08 <= syn <= 0.16 and report.kept["folio-v2"] > 300
    assert report.dropped["folio-v2: dev-split story"] > 0


class _CharTokenizer:
    eos_token_id = 0

    def encode(self, text, add_special_tokens=False):
        return [ord(c) for c in text]


def test_whole_sequences_mask_the_prompt_and_drop_long_problems():
    from nsp.parse.train import _whole_sequences

    seqs, too_long = _whole_sequences(_CharTokenizer(), [("P:\n", "1. A\n"), ("x" * 50, "C. B\n")], max_len=20)
    assert too_long == 1 and len(seqs) == 1
    ids, labels = seqs[0]
    assert labels[:3] == [-100] * 3 and labels[3:] == ids[3:] and ids[-1] == 0  # FOL block and EOS learned


def test_resume_under_other_settings_is_refused_before_loading(tmp_path):
    from nsp.parse.backends import BackendError
    from nsp.parse.train import train

    ckpt = tmp_path / "checkpoint"
    ckpt.mkdir()
    (ckpt / "adapter_config.json").write_text("{}")
    settings = {"model": "qwen-coder-0.5b", "data": "whole", "batch": 8, "micro_batch": 4, "lr": 2e-4, "max_len": 512,
                "seed": 0, "warmup": 10, "lora": 16, "dtype": "bfloat16", "synthetic": 0, "synthetic_share": 0.12}
    (ckpt / "state.json").write_text(json.dumps({"step": 3, "position": 24, "losses": [], "seconds": 1.0,
                                                 "synthetic": 0, "settings": settings}))
    with pytest.raises(BackendError, match=r"other settings: lr=0\.0002 \(now 0\.001\)"):
        train("qwen-coder-0.5b", tmp_path, steps=9, batch=8, micro_batch=4, lr=1e-3, max_len=512, warmup=10,
              lora=16, data="whole", dtype="bfloat16")


@needs_folio
def test_proved_copies_repeat_the_true_and_false_problems_only(default_set):
    from collections import Counter

    once, report = default_set
    twice, report2 = whole.training_problems(seed=0, proved_copies=2)
    proved = [p for p in once if p.source == "folio-v2" and p.label in ("True", "False")]
    assert proved and {p.label for p in once if p.source == "folio-v2"} == {"True", "False", "Uncertain"}
    count = Counter(twice)
    assert all(count[p] == 2 for p in proved) and all(count[p] == 1 for p in once if p not in proved)
    assert len(twice) == len(once) + len(proved) and set(twice) == set(once)
    assert report2.kept["folio-v2 True/False: extra copies"] == len(proved)
    assert "folio-v2 True/False: extra copies" not in report.kept  # the default's report is as recorded before


def _chained(p) -> bool:
    """The problem's gold FOL proves its label from at least two premises, with no free variable."""
    from provers.z3_bridge import decide

    nodes = whole._read_fols(p.fols)
    return not whole._free_variable(nodes) and len(decide(nodes[:-1], nodes[-1], explain=False, cores=True).used) >= 2


def _v2_row(pred):
    return next(r for r in (json.loads(l) for l in V2_TRAIN.read_text(encoding="utf-8").splitlines()) if pred(r))


@needs_folio
def test_self_train_keeps_a_sample_only_when_it_proves_the_gold_label(tmp_path):
    """Rejection sampling over a replay file: a sample is kept only when it reads, keeps the
    premises' names, does not restate the conclusion as a premise, and Z3 decides it to the gold
    label; dev stories and unknown ids never enter."""
    dev_sentences = whole._dev_sentences(V0_TRAIN, V2_TRAIN)
    kept_v2 = folio_v2_problems(BuildReport(), V2_TRAIN, dev_sentences)
    good = next(p for p in kept_v2 if p.label == "True" and _chained(p))
    row = _v2_row(lambda r: str(r["story_id"]) == good.story and " ".join(r["conclusion"].split()) == good.conclusion)
    n = len(good.premises)
    restated = list(good.fols[:-1]) + [good.fols[0]]                  # the conclusion is premise 1: no reasoning
    new_name = list(good.fols[:-1]) + ["UnheardOf(nobody)"]           # a name no premise uses
    wrong = list(good.fols[:-1]) + [f"¬({good.fols[-1]})"]            # decides False, gold is True
    cut = list(good.fols[:-2]) + [good.fols[-1]]                      # one line short
    one_premise = list(good.fols[:-1]) + [f"({good.fols[0]}) ∨ ({good.fols[-1]})"]  # proved by premise 1 alone
    free = [f"({good.fols[0]}) ∧ ¬(y = z)"] + list(good.fols[1:])    # a variable left free
    assert whole._free_variable(whole._read_fols(free)) and not whole._free_variable(whole._read_fols(good.fols))
    dev_row = _v2_row(lambda r: folio_split(str(r["story_id"])) == "dev")
    replay = tmp_path / "samples.jsonl"
    lines = [{"id": str(row["example_id"]), "samples": [restated, new_name, wrong, cut, one_premise, free,
                                                            list(good.fols)]},
             {"id": str(dev_row["example_id"]), "samples": [dev_row["premises-FOL"] + [dev_row["conclusion-FOL"]]]},
             {"id": "no-such-id", "samples": [["A(a)", "A(a)"]]},
             {"id": str(row["example_id"]) + "x", "samples": [wrong]}]
    replay.write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
    report = BuildReport()
    got = whole.self_trained_problems(report, replay, V2_TRAIN, dev_sentences)
    assert len(restated) == n + 1 and len(got) == 1
    assert got[0].fols == good.fols and got[0].source == "self-train" and got[0].label == "True"
    assert got[0].prompt() == good.prompt()
    assert report.kept["self-train"] == 1
    assert report.dropped["self-train: dev-split story"] == 1
    assert report.dropped["self-train: not a FOLIO v2 problem"] == 2
    only_wrong = tmp_path / "wrong.jsonl"
    only_wrong.write_text(json.dumps({"id": str(row["example_id"]), "samples": [restated, new_name, wrong, cut, one_premise, free]},
                                     ensure_ascii=False) + "\n", encoding="utf-8")
    report = BuildReport()
    assert whole.self_trained_problems(report, only_wrong, V2_TRAIN, dev_sentences) == []
    assert report.dropped == {"self-train: no sample proves the gold label": 1}


@needs_folio
def test_self_train_joins_the_training_set_and_is_a_training_setting(tmp_path, default_set):
    from nsp.parse.backends import BackendError
    from nsp.parse.train import train

    good = next(p for p in folio_v2_problems(BuildReport(), V2_TRAIN) if p.label == "False" and _chained(p))
    row = _v2_row(lambda r: str(r["story_id"]) == good.story and " ".join(r["conclusion"].split()) == good.conclusion)
    replay = tmp_path / "samples.jsonl"
    replay.write_text(json.dumps({"id": str(row["example_id"]), "samples": [list(good.fols)]}, ensure_ascii=False)
                      + "\n", encoding="utf-8")
    base, _ = default_set
    more, report = whole.training_problems(seed=0, self_train=replay)
    assert len(more) == len(base) + 1 and report.kept["self-train"] == 1
    assert sum(p.source == "self-train" for p in more) == 1
    with pytest.raises(BackendError, match="--self-train: for --data whole"):
        train("qwen-coder-0.5b", tmp_path / "run", steps=2, data="pairs", self_train=replay)
    with pytest.raises(BackendError, match="no such file"):
        train("qwen-coder-0.5b", tmp_path / "run", steps=2, data="whole", self_train=tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ProblemError, match=r"bad\.jsonl:1: .*must be a JSON object"):
        train("qwen-coder-0.5b", tmp_path / "run", steps=2, data="whole", self_train=bad)


@needs_folio
def test_self_train_input_is_train_split_true_false_problems_not_in_the_data(tmp_path, default_set):
    out = tmp_path / "input.jsonl"
    n = whole.self_train_input(out)
    rows = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert n == len(rows) > 100
    problems, _ = default_set
    in_data = {(p.premises, p.conclusion) for p in problems if p.source == "folio-v2"}
    clean = whole._clean
    dev_sentences = whole._dev_sentences(V0_TRAIN, V2_TRAIN)
    for r in rows:
        assert folio_split(str(r["story_id"])) == "train" and r["label"] in ("True", "False")
        assert not any(" ".join(p.split()).lower() in dev_sentences for p in r["premises"])
        assert (tuple(clean(p) for p in r["premises"]), clean(r["conclusion"])) not in in_data
    assert len({r["example_id"] for r in rows}) == n


def test_conclusion_prompt_ends_where_the_conclusion_formula_goes():
    prompt = conclusion_prompt(["All dogs are animals.", "Rex is a dog."], "Rex is an animal.",
                               ["∀x (Dog(x) → Animal(x))", "Dog(rex)"])
    assert prompt == ("Premises:\n1. All dogs are animals.\n2. Rex is a dog.\nConclusion: Rex is an animal.\n"
                      "FOL:\n1. ∀x (Dog(x) → Animal(x))\n2. Dog(rex)\nC.")


@needs_folio
def test_conclusion_samples_follow_gold_premises_and_resume(embedded, tmp_path):
    """The real embedded model writes K conclusions after each problem's gold premise FOL; a rerun
    reads the journal instead of generating again, and other settings are refused."""
    from nsp.errors import JobConflict
    from nsp.logic.syntax import write

    out = tmp_path / "conclusions.jsonl"
    recs = whole.conclusion_samples(embedded, out, k=2, limit=2, progress=False, max_new_tokens=24)
    rows = {str(r["example_id"]): r for r in map(json.loads, V2_TRAIN.read_text(encoding="utf-8").splitlines())}
    assert len(recs) == 2 and [json.loads(l)["id"] for l in out.read_text(encoding="utf-8").splitlines()] == list(recs)
    for item_id, rec in recs.items():
        row = rows[item_id]
        assert folio_split(str(row["story_id"])) == "train" and row["label"] in ("True", "False")
        assert len(rec["samples"]) == 2
        for sample in rec["samples"]:
            assert len(sample) == len(row["premises"]) + 1 and isinstance(sample[-1], str)
            want = [write(n, "folio") for n in whole._read_fols(row["premises-FOL"] + ["A(a)"])[:-1]]
            assert sample[:-1] == want
    calls = []

    class Counting:
        def describe(self):
            return embedded.describe()

        def generate(self, *a, **kw):
            calls.append(a)
            return embedded.generate(*a, **kw)

    assert whole.conclusion_samples(Counting(), out, k=2, limit=2, progress=False, max_new_tokens=24) == recs
    assert calls == []
    with pytest.raises(JobConflict, match="settings.k: 2 there, 3 now"):
        whole.conclusion_samples(embedded, out, k=3, limit=2, progress=False, max_new_tokens=24)


@needs_folio
def test_committed_self_train_samples_give_what_their_readme_says():
    """data/self-train/README.md states how many problems of its replay file training keeps."""
    import re
    from collections import Counter

    from tests.conftest import ROOT

    folder = ROOT / "data" / "self-train"
    said = re.search(r"\*\*(\d+) problems \((\d+) True,\s+(\d+) False\)\*\*; for (\d+) no sample passes",
                     (folder / "README.md").read_text(encoding="utf-8"))
    assert said, "the README's count line changed: update this test"
    report = BuildReport()
    kept = whole.self_trained_problems(report, folder / "folio-v2-conclusions-k4.jsonl")
    labels = Counter(p.label for p in kept)
    assert (len(kept), labels["True"], labels["False"], report.dropped["self-train: no sample proves the gold label"]) \
        == tuple(int(x) for x in said.groups())
    assert all(folio_split(p.story) == "train" for p in kept)
