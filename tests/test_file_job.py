"""The one job driver (nsp.workers.run_file_job) that `nsp synth mutate` and `nsp synth search`
share: outputs checked before anything is read, the limit, the journal header, resume, and the
journal released whatever assemble does. Real worker processes, a real journal on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nsp.records import side_paths
from nsp.workers import JobError, run_file_job


def _square(item: dict, params: dict) -> dict:
    """A worker function (run in real worker processes)."""
    return {"id": item["id"], "value": item["n"] ** 2 + params["add"]}


def _read(path: Path) -> tuple[list[dict], list[dict]]:
    items, errors = [], []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            items.append({"id": f"i{no}", "n": int(line)})
        except ValueError:
            errors.append({"id": f"line-{no}", "kind": "bad-input", "error": line})
    return items, errors


def _job(inp: Path, out: Path, params: dict, limit=None, assemble=None, read=_read, fresh=False):
    def collect(items, read_errors, journal, ran):
        out.write_text(json.dumps([journal.entries[it["id"]]["value"] for it in items]))
        return {"items": [it["id"] for it in items], "read_errors": read_errors, "ran": ran}

    return run_file_job(inp, out, side_paths(out), "test-job/1", params, read, limit, _square,
                        lambda entry: "items", assemble or collect, workers=1, ray=None, fresh=fresh,
                        progress=False, verb="test", unit="items")


@pytest.fixture
def inp(tmp_path: Path) -> Path:
    path = tmp_path / "in.txt"
    path.write_text("1\n2\nx\n3\n4\n", encoding="utf-8")
    return path


def test_runs_the_first_limit_items_and_resumes_from_the_journal(inp, tmp_path):
    out = tmp_path / "out.jsonl"
    first = _job(inp, out, {"add": 10}, limit=2)
    assert first == {"items": ["i1", "i2"], "ran": 2,
                     "read_errors": [{"id": "line-3", "kind": "bad-input", "error": "x"}]}
    assert json.loads(out.read_text()) == [11, 14]
    journal = side_paths(out)["journal"].read_text().splitlines()
    header = json.loads(journal[0])
    assert header["job"] == "test-job/1" and header["params"] == {"add": 10} and len(header["input_sha256"]) == 64
    # a larger limit runs only what the journal does not hold
    again = _job(inp, out, {"add": 10}, limit=None)
    assert again["ran"] == 2 and again["items"] == ["i1", "i2", "i4", "i5"]
    assert json.loads(out.read_text()) == [11, 14, 19, 26]
    assert _job(inp, out, {"add": 10})["ran"] == 0


def test_a_resume_under_other_params_is_refused_and_fresh_starts_over(inp, tmp_path):
    out = tmp_path / "out.jsonl"
    _job(inp, out, {"add": 10})
    with pytest.raises(JobError, match="add: 10 there, 11 now"):
        _job(inp, out, {"add": 11})
    assert _job(inp, out, {"add": 11}, fresh=True)["ran"] == 4
    assert json.loads(out.read_text()) == [12, 15, 20, 27]


def test_outputs_are_checked_before_the_input_is_read(inp, tmp_path):
    def never(path):
        raise AssertionError("read before the outputs were checked")

    with pytest.raises(JobError, match="this job's input"):
        _job(inp, inp, {"add": 0}, read=never)
    (tmp_path / "out.errors.jsonl").mkdir()  # a side file that may not be written
    with pytest.raises(JobError, match="is a folder"):
        _job(inp, tmp_path / "out.jsonl", {"add": 0}, read=never)
    assert not (tmp_path / "out.jsonl.journal").exists()


def test_the_journal_is_released_when_assemble_fails(inp, tmp_path):
    out = tmp_path / "out.jsonl"

    def broken(items, read_errors, journal, ran):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _job(inp, out, {"add": 0}, assemble=broken)
    # the lock is free again (an unreleased journal would be "another nsp job is writing")
    assert _job(inp, out, {"add": 0})["ran"] == 0
