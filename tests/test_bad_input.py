"""The bad-input corpus: every file gives a one-line error (plus a caret display for formula
syntax errors) and exit code 2, never a traceback."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _corpus(tmp):
    rng = random.Random(7)
    cases = {
        "empty": b"",
        "only-comments": b"# nothing here\n\n# still nothing\n",
        "no-conclusion": "P(a)\n---\n".encode(),
        "two-conclusions": "P(a)\n---\nQ(a)\nR(a)\n".encode(),
        "two-separators": "P(a)\n---\nQ(a)\n---\nR(a)\n".encode(),
        "unbalanced-open": "∀x ((P(x) ∧ ∧ Q(x)\n---\nQ(a)\n".encode(),
        "unbalanced-close": "P(a))) ∧ (\n---\nP(a)\n".encode(),
        "unknown-symbol": "P(a) @ Q(b)\n---\nP(a)\n".encode(),
        "unknown-symbol-2": "P(a) ∧ Q(b) § R(c)\n---\nP(a)\n".encode(),
        "arity-clash": "P(a)\nP(a, b)\n---\nP(b)\n".encode(),
        "arity-clash-function": "Q(f(a))\nQ(f(a, b))\n---\nQ(a)\n".encode(),
        "deep-10000-open": ("(" * 10_000 + "\n---\nP(a)\n").encode(),
        "deep-10000-unclosed": ("¬(" * 10_000 + "P(a) ∧\n---\nP(a)\n").encode(),
        "binary-garbage": bytes(rng.randrange(256) for _ in range(4096)),
        "not-utf8": b"P(a)\n---\nQ(\xff\xfe)\n",
        "five-mb-line": ("P(a) ∧ " * 800_000 + "\n---\nP(a)\n").encode(),
        "json-invalid": b'{"premises": ["P(a)"], "conclusion": ',
        "json-wrong-shape": b'{"premises": "P(a)", "conclusion": "P(a)"}',
        "json-non-string": b'{"premises": [1, 2], "conclusion": "P(a)"}',
        "dangling-quantifier": "∀x\n---\nP(a)\n".encode(),
        "strict-multiword": None,  # see below: needs --strict
    }
    paths = {}
    for name, data in cases.items():
        if data is None:
            continue
        p = tmp / f"{name}.txt"
        p.write_bytes(data)
        paths[name] = p
    return paths


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _corpus(tmp_path_factory.mktemp("bad"))


def run(*args):
    return subprocess.run([sys.executable, "-m", "nsp.cli", *map(str, args)], capture_output=True,
                          cwd=ROOT, timeout=300, env={**os.environ, "COLUMNS": "100"})


def _assert_clean_error(r, name):
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 2, f"{name}: exit {r.returncode}\n{err}\n{r.stdout!r}"
    assert "Traceback" not in err, f"{name}: traceback\n{err}"
    lines = err.splitlines()
    assert lines and lines[0].startswith("nsp: error: "), f"{name}: {err}"
    assert len(lines) in (1, 3), f"{name}: expected one line or line+caret display, got\n{err}"
    assert len(lines[0]) < 400, f"{name}: error line too long ({len(lines[0])})"
    if len(lines) == 3:
        assert lines[2].strip() == "^"
    assert r.stdout == b""
    return lines[0]


def test_every_bad_file_gives_one_clean_error(corpus):
    for name, path in corpus.items():
        _assert_clean_error(run("prove", path), name)


def test_errors_say_what_and_where(corpus):
    msg = {name: _assert_clean_error(run("prove", p), name) for name, p in corpus.items()
           if name in ("arity-clash", "binary-garbage", "not-utf8", "five-mb-line", "unknown-symbol", "empty",
                       "json-invalid", "no-conclusion")}
    assert "'P' is used as predicate/1 in premise 1" in msg["arity-clash"] and "predicate/2 in premise 2" in msg["arity-clash"]
    assert "binary data" in msg["binary-garbage"]
    assert "not UTF-8" in msg["not-utf8"] and "offset" in msg["not-utf8"]
    assert "too long" in msg["five-mb-line"]
    assert ":1:6:" in msg["unknown-symbol"] and "'@'" in msg["unknown-symbol"]
    assert "no formulas" in msg["empty"]
    assert "invalid JSON" in msg["json-invalid"]
    assert "no conclusion" in msg["no-conclusion"]


def test_strict_mode_rejects_what_lenient_repairs(tmp_path):
    p = tmp_path / "quirk.txt"
    p.write_text("American(captain america)\n---\nAmerican(captainAmerica)\n")
    assert run("prove", p).returncode == 0
    line = _assert_clean_error(run("prove", p, "--strict"), "strict")
    assert f"{p}:1:18:" in line and "expected" in line


def test_missing_and_directory_paths(tmp_path):
    _assert_clean_error(run("prove", tmp_path / "nope.txt"), "missing")
    r = run("prove", tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr.decode()


def test_eval_bad_dataset(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_bytes(b"\x00\x01garbage")
    _assert_clean_error(run("eval", p, "--gold-fol"), "eval-binary")
    p.write_text(json.dumps({"premises-FOL": ["P(a) ∧"], "conclusion-FOL": "P(a)", "label": "True"}) + "\n{oops\n")
    r = run("eval", p, "--gold-fol", "--json")
    assert r.returncode == 4, r.stderr  # finished, but an item could not be read
    s = json.loads(r.stdout)
    assert s["n"] == 2 and s["errors"] == 2 and s["accuracy"] == 0.0
