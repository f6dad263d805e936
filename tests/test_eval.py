"""`nsp eval --gold-fol`: scores, skips, inconsistent stories, resumable output."""

from __future__ import annotations

import json
import os

from nsp.eval.gold import evaluate_gold
import pytest

from nsp.logic.problem import ProblemError
from nsp.records import Journal, JobConflict
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "folio-gold-sample.jsonl"


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


ROWS = [
    {"example_id": 1, "premises-FOL": ["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "conclusion-FOL": "Animal(rex)", "label": "True"},
    {"example_id": 2, "premises-FOL": ["∀x (Dog(x) → ¬Cat(x))", "Dog(rex)"], "conclusion-FOL": "Cat(rex)", "label": "False"},
    {"example_id": 3, "premises-FOL": ["Dog(rex)"], "conclusion-FOL": "Cat(tom)", "label": "Unknown"},
    {"example_id": 4, "premises-FOL": ["Dog(rex)"], "conclusion-FOL": "Dog(rex)", "label": "False"},
    {"example_id": 5, "premises-FOL": ["P(a) ∧ ∧"], "conclusion-FOL": "P(a)", "label": "True"},
    {"example_id": 6, "story_id": 9, "premises-FOL": ["P(a)", "¬P(a)", ""], "label": "True"},
]


def test_scores_and_confusion(tmp_path):
    d = tmp_path / "d.jsonl"
    _write(d, ROWS)
    s = evaluate_gold(d, progress=False)
    assert s["n"] == 5 and s["correct"] == 3 and s["accuracy"] == 0.6
    assert s["per_label"]["True"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert s["per_label"]["Uncertain"]["correct"] == 1  # "Unknown" label means Uncertain
    assert s["confusion"]["False"] == {"False": 1, "True": 1}
    assert s["confusion"]["True"] == {"True": 1, "error": 1}
    assert s["errors"] == 1 and s["skipped"] == 1 and s["premises_inconsistent"] == ["9"]


def test_out_file_and_resume_without_duplicates(tmp_path):
    d, out = tmp_path / "d.jsonl", tmp_path / "out.jsonl"
    _write(d, ROWS)
    full = evaluate_gold(d, out=out, progress=False)
    clean = out.read_text()
    assert [json.loads(l)["id"] for l in clean.splitlines()] == ["1", "2", "3", "4", "5", "6"]
    # Simulate a crash after two records, the second torn mid-line: the journal keeps the header
    # and the first record; the resume runs the rest once each.
    journal = out.with_name(out.name + ".journal")
    lines = journal.read_text().splitlines(keepends=True)
    out.unlink()
    journal.write_text(lines[0] + lines[1] + lines[2][: len(lines[2]) // 2])
    resumed = evaluate_gold(d, out=out, progress=False)
    ids = [json.loads(l)["id"] for l in out.read_text().splitlines()]
    assert ids == ["1", "2", "3", "4", "5", "6"] and out.read_text().splitlines()[0] == clean.splitlines()[0]
    assert len(journal.read_text().splitlines()) == 7  # header + six records, none twice
    assert resumed["accuracy"] == full["accuracy"] and resumed["confusion"] == full["confusion"]


def test_a_resume_under_other_settings_is_refused_and_leaves_the_output(tmp_path):
    d, out = tmp_path / "d.jsonl", tmp_path / "out.jsonl"
    _write(d, ROWS)
    evaluate_gold(d, out=out, progress=False, limit=2)
    before = out.read_bytes()
    with pytest.raises(JobConflict, match=r"timeout: 10.0 there, 0.001 now"):
        evaluate_gold(d, out=out, progress=False, timeout=0.001)
    assert out.read_bytes() == before
    _write(d, ROWS[:5])  # another input
    with pytest.raises(JobConflict, match="input_sha256"):
        evaluate_gold(d, out=out, progress=False)
    assert out.read_bytes() == before
    s = evaluate_gold(d, out=out, progress=False, fresh=True)  # --fresh starts over
    assert s["n"] == 5


def test_a_larger_limit_keeps_what_is_computed(tmp_path):
    d, out = tmp_path / "d.jsonl", tmp_path / "out.jsonl"
    _write(d, ROWS)
    evaluate_gold(d, out=out, progress=False, limit=2)
    first = out.read_text().splitlines()
    evaluate_gold(d, out=out, progress=False, limit=4)
    rows = out.read_text().splitlines()
    assert rows[:2] == first and len(rows) == 4
    evaluate_gold(d, out=out, progress=False, limit=1)  # a smaller one drops nothing from the journal
    assert len(out.read_text().splitlines()) == 1
    assert len(out.with_name(out.name + ".journal").read_text().splitlines()) == 5


def test_duplicate_ids_are_an_input_error_naming_both_lines(tmp_path):
    d = tmp_path / "d.jsonl"
    _write(d, ROWS[:3] + [{**ROWS[3], "example_id": 2}])
    with pytest.raises(ProblemError, match=r"item id '2' at line 4 repeats the one at line 2"):
        evaluate_gold(d, progress=False)


def test_journal_records_once_and_refuses_another_jobs_file(tmp_path):
    with Journal(tmp_path / "o.journal", {"job": "x"}) as j:
        j.append({"id": "a", "v": 1})
        j.append({"id": "a", "v": 2})
    with Journal(tmp_path / "o.journal", {"job": "x"}) as j:
        assert j.entries == {"a": {"id": "a", "v": 1}}
    (tmp_path / "other.journal").write_text('{"not": "a journal"}\n')
    with pytest.raises(JobConflict, match="not a journal"):
        Journal(tmp_path / "other.journal", {"job": "x"})


def test_folio_train_premises(folio_train):
    s = evaluate_gold(folio_train, progress=False)
    assert s["n"] == 0 and s["skipped"] == 1004
    assert s["premises_inconsistent"] == ["7", "214"]
    assert s["errors"] == 0


def test_gold_sample_agreement():
    s = evaluate_gold(SAMPLE, progress=False)
    assert s["n"] == 82 and s["errors"] == 0
    # 4 known disagreements, each traced to FOLIO's own premises or labels (data/README.md)
    assert s["correct"] == 78


def test_write_atomic_takes_text_bytes_or_chunks_and_the_usual_mode(tmp_path):
    import stat

    from nsp.records import write_atomic

    umask = os.umask(0o022)
    try:
        for data, want in (("é\n", "é\n".encode()), (b"\x00\x01", b"\x00\x01"), ([b"a", b"b"], b"ab")):
            f = tmp_path / "out.bin"
            write_atomic(f, data)
            assert f.read_bytes() == want
            assert stat.S_IMODE(f.stat().st_mode) == 0o644  # not mkstemp's 0600
        write_atomic(f, "fast", fsync=False)
        assert f.read_text() == "fast" and [p.name for p in tmp_path.iterdir()] == ["out.bin"]  # no temp left
    finally:
        os.umask(umask)


def test_two_jobs_on_one_output_are_refused(tmp_path):
    d, out = tmp_path / "d.jsonl", tmp_path / "out.jsonl"
    _write(d, ROWS)
    with Journal(tmp_path / "out.jsonl.journal", {"job": "other"}):  # a job holding the journal
        with pytest.raises(JobConflict, match="another nsp job is writing"):
            evaluate_gold(d, out=out, progress=False)
        assert not out.exists()
    assert evaluate_gold(d, out=out, progress=False, fresh=True)["n"] == 5  # free again once it ends


def test_bad_fields_are_item_errors_naming_the_field(tmp_path):
    d = tmp_path / "d.jsonl"
    _write(d, [
        {"example_id": 1, "premises-FOL": [1, 2], "conclusion-FOL": "P(a)", "label": "True"},
        {"example_id": 2, "premises-FOL": ["P(a)"], "conclusion-FOL": "P(a)"},
        {"example_id": 3, "premises-FOL": ["P(a)"], "conclusion-FOL": "P(a)", "label": 1},
        {"example_id": 4, "premises-FOL": ["P(a)"], "conclusion-FOL": None, "label": "True"},
        {"example_id": 5, "premises-FOL": ["P(a)"], "conclusion-FOL": "P(a)", "label": "True"},
    ])
    out = tmp_path / "o.jsonl"
    s = evaluate_gold(d, progress=False, out=out)
    errors = {r["id"]: r["error"] for r in map(json.loads, out.read_text().splitlines())}
    assert errors["1"].endswith(":1: premises-FOL[0] is int, not a string")
    assert errors["2"].endswith(":2: label missing is not True, False or Uncertain (Unknown)")
    assert errors["3"].endswith(":3: label 1 is not True, False or Uncertain (Unknown)")
    assert errors["4"].endswith(":4: conclusion-FOL is missing, not a string")
    assert errors["5"] == "" and s["correct"] == 1 and s["errors"] == 4


def test_progress_off_a_terminal_is_a_line_now_and_then(capsys):
    """Under nohup or a pipe a long job writes plain lines (here every 0 s, to see them all) with
    where it is and how long is left, and a last line at the end; a job shorter than the interval
    (30 s by default) writes nothing."""
    from nsp.records import JobProgress

    with JobProgress(True, 5, "eval", "K=10", completed=1, every=0.0) as bar:
        bar.advance()
        bar.set(3, description="K=10 (3 errors)")
        bar.every = 3600.0  # the next step comes too soon for a line of its own ...
        bar.advance()
    lines = capsys.readouterr().err.splitlines()  # ... so the last line, at the end, reports it
    assert len(lines) == 3
    assert lines[0].startswith("eval K=10: 2/5, 0:00:00 elapsed, about 0:00:00 left")
    assert lines[1].startswith("eval K=10 (3 errors): 3/5, ")
    assert lines[2].startswith("eval K=10 (3 errors): 4/5, ") and "left" in lines[2]
    with JobProgress(True, 2, "eval", "K=1", every=0.0) as bar:  # no line repeats the one before
        bar.advance()
        bar.advance()
    assert capsys.readouterr().err.splitlines() == ["eval K=1: 1/2" + lines[0][len("eval K=10: 2/5"):],
                                                     "eval K=1: 2/2, 0:00:00 elapsed"]
    with JobProgress(True, 2, "eval", "K=1") as bar:
        bar.advance()
        bar.advance()
    with JobProgress(False, 2, "eval", "K=1", every=0.0) as bar:
        bar.advance()
    assert capsys.readouterr().err == ""
