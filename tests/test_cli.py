"""`nsp prove` and `nsp eval` end to end, through the real console script."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys

import pytest

from tests.conftest import ROOT

EXAMPLES = ROOT / "data" / "examples"


def nsp(*args, input_bytes=None):
    return subprocess.run([sys.executable, "-m", "nsp.cli", *map(str, args)], capture_output=True,
                          input=input_bytes, cwd=ROOT, timeout=120)


def test_prove_true_explained():
    r = nsp("prove", EXAMPLES / "dogs.txt", "--explain")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("True")
    assert "p1: ∀x (Dog(x) → Animal(x))" in out and "p2: ∀x (Animal(x) → ¬Plant(x))" in out
    assert "Cat(tom)" not in out  # unused premise is not listed


def test_prove_json_with_graph():
    r = nsp("prove", EXAMPLES / "uncertain.json", "--json", "--explain")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["outcome"] == "Uncertain"
    assert data["syntax"] == "nltk"
    exp = data["explanation"]
    assert exp["countermodel"]["domain"] and exp["model"]["domain"]
    g = exp["graph"]
    assert g["graph"]["outcome"] == "Uncertain"
    roles = sorted(n["role"] for n in g["nodes"])
    assert roles == ["conjecture", "premise", "premise"]


def test_prove_true_graph_links_used_premises_to_theorem():
    r = nsp("prove", EXAMPLES / "dogs.txt", "--json", "--explain")
    g = json.loads(r.stdout)["explanation"]["graph"]
    theorem = [n for n in g["nodes"] if n["role"] == "theorem"]
    assert len(theorem) == 1 and theorem[0]["formula"] == "¬Plant(rex)"
    assert theorem[0]["checked_by"] == "z3" and theorem[0]["rule"] == "entailment"
    sources = {e["source"] for e in g["edges"] if e["target"] == theorem[0]["id"]}
    premises = {n["id"]: n["formula"] for n in g["nodes"] if n["role"] == "premise"}
    assert {premises[s] for s in sources} == {"∀x (Dog(x) → Animal(x))", "∀x (Animal(x) → ¬Plant(x))", "Dog(rex)"}


def test_repairs_are_reported_and_strict_rejects(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("Superhero(captain america)\n∀x (Superhero(x) → Brave(x)))\n---\nBrave(captainAmerica)\n")
    r = nsp("prove", f)
    assert r.returncode == 0
    assert r.stdout.decode().startswith("True")
    err = r.stderr.decode()
    assert "joined multi-word constant 'captain america'" in err and "dropped a ')'" in err
    r = nsp("prove", f, "--strict")
    assert r.returncode == 2
    lines = r.stderr.decode().splitlines()
    assert lines[0].startswith("nsp: error: ") and ":1:" in lines[0]
    assert lines[2].strip() == "^"


def test_tptp_problem_file(tmp_path):
    f = tmp_path / "p.p"
    f.write_text("% a TPTP problem\nfof(a1, axiom, ![X]: (man(X) => mortal(X))).\n"
                 "fof(a2, axiom, man(socrates)).\nfof(g, conjecture, mortal(socrates)).\n")
    r = nsp("prove", f, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["outcome"] == "True"


def test_unknown_exits_1(tmp_path):
    holes = 8
    lines = [f"∀x (Pigeon(x) → {' ∨ '.join(f'In{h}(x)' for h in range(holes))})"]
    lines += [f"∀x ∀y (In{h}(x) ∧ In{h}(y) → x = y)" for h in range(holes)]
    lines += [f"Pigeon(p{i})" for i in range(holes + 1)]
    lines += [f"¬(p{i} = p{j})" for i in range(holes + 1) for j in range(i + 1, holes + 1)]
    f = tmp_path / "hard.txt"
    f.write_text("\n".join(lines) + "\n---\nQ(c)\n")
    r = nsp("prove", f, "--timeout", "0.001")
    assert r.returncode == 1
    assert r.stdout.decode().startswith("Unknown")


@pytest.mark.skipif(shutil.which("eprover") is None, reason="E prover not installed (apt-get install eprover)")
def test_cross_check_agrees():
    r = nsp("prove", EXAMPLES / "dogs.txt", "--cross-check", "--json", "--explain")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["cross_check"]["outcome"] == "True" and data["cross_check"]["agree"] is True
    assert [(o["prover"], o["outcome"]) for o in data["cross_check"]["provers"]] == [("eprover", "True"), ("cvc5", "True")]
    theorem = [n for n in data["explanation"]["graph"]["nodes"] if n["role"] == "theorem"][0]
    assert theorem["checked_by"] == "z3+eprover+cvc5"


def test_cross_check_without_eprover_says_so(tmp_path, monkeypatch):
    env_path = tmp_path / "missing-eprover"
    r = subprocess.run([sys.executable, "-m", "nsp.cli", "prove", str(EXAMPLES / "dogs.txt"), "--cross-check"],
                       capture_output=True, cwd=ROOT, timeout=120,
                       env={**__import__("os").environ, "NSP_EPROVER": str(env_path), "PATH": "/nonexistent"})
    assert r.returncode == 0
    assert "cross-check skipped" in r.stderr.decode() and "apt-get install eprover" in r.stderr.decode()
    assert "cross-check: cvc5 says True (agree)" in r.stdout.decode()  # the third opinion still answers


def test_prove_and_check_read_standard_input_for_dash():
    """`-` is standard input, for `nsp prove` and `nsp check` alike (the same reader as a file),
    and bad input there is a one-line error naming <stdin>."""
    text = (EXAMPLES / "dogs.txt").read_bytes()
    piped, from_file = nsp("prove", "-", "--json", input_bytes=text), nsp("prove", EXAMPLES / "dogs.txt", "--json")
    assert piped.returncode == 0, piped.stderr
    assert {**json.loads(piped.stdout), "seconds": 0, "file": 0} == {**json.loads(from_file.stdout), "seconds": 0,
                                                                      "file": 0}
    r = nsp("check", "-", "--json", input_bytes=b"All cats are mammals.\nTom is a cat.\n---\nTom is a mammal.\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["verdict"] == "True"
    for cmd, data, want in [("prove", b"\xff\xfe", "UTF-16"), ("check", b"P(a)\x00", "NUL byte"),
                            ("check", b"Tom is a cat.\n", "a line '---'"), ("prove", b"", "no formulas")]:
        r = nsp(cmd, "-", input_bytes=data)
        err = r.stderr.decode()
        assert r.returncode == 2 and err.startswith("nsp: error: <stdin>: ") and want in err, (cmd, err)
        assert "Traceback" not in err


@pytest.mark.parametrize("args", [("eval", "-"), ("graph", "verify", "-")])
def test_jobs_refuse_standard_input_in_one_line(args):
    """A job that resumes reads a file it can hash: `-` there is a clear error, not 'no such file'."""
    r = nsp(*args, input_bytes=b"{}\n")
    err = r.stderr.decode()
    assert r.returncode == 2 and "standard input is read only for a single problem" in err and "Traceback" not in err


def test_deep_formula_is_decided(tmp_path):
    depth = 10_000
    f = tmp_path / "deep.txt"
    f.write_text("P(a)\n---\n" + "¬" * depth + "P(a)\n")
    r = nsp("prove", f)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("True")  # an even number of negations


def test_eval_resume_under_other_settings_exits_2_and_keeps_the_output(tmp_path):
    """The issue's case: a run under one setting, resumed under another, would mix the two."""
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"example_id": i, "premises-FOL": ["Dog(rex)"], "conclusion-FOL": "Dog(rex)",
                                        "label": "True"}) + "\n" for i in range(3)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert nsp("eval", data, "--gold-fol", "--out", out).returncode == 0
    before = out.read_bytes()
    r = nsp("eval", data, "--gold-fol", "--out", out, "--timeout", "0.5")
    assert r.returncode == 2 and out.read_bytes() == before
    err = r.stderr.decode()
    assert "other settings or input (timeout: 10.0 there, 0.5 now)" in err and "--fresh" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert nsp("eval", data, "--gold-fol", "--out", out, "--timeout", "0.5", "--fresh").returncode == 0


def test_eval_duplicate_ids_exit_2_naming_both_lines(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"id": "a", "premises": ["Rex is a dog."], "conclusion": "Rex is a dog.",
                                        "label": "True"}) + "\n" for _ in range(2)), encoding="utf-8")
    r = nsp("eval", data)
    assert r.returncode == 2 and "item id 'a' at line 2 repeats the one at line 1" in r.stderr.decode()


@pytest.mark.parametrize("target", ["fifo", "folder", "input", "no-folder"])
def test_outputs_never_clobber_devices_folders_or_the_input(tmp_path, target):
    import os

    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"example_id": 1, "premises-FOL": ["Dog(rex)"], "conclusion-FOL": "Dog(rex)",
                                "label": "True"}) + "\n", encoding="utf-8")
    out = {"fifo": tmp_path / "f", "folder": tmp_path, "input": data, "no-folder": tmp_path / "no" / "x.jsonl"}[target]
    if target == "fifo":
        os.mkfifo(out)
    before = data.read_bytes()
    for args in (("eval", data, "--gold-fol", "--out", out), ("synth", "mutate", data, "-o", out)):
        r = nsp(*args)
        err = r.stderr.decode()
        assert r.returncode == 2 and "Traceback" not in err and str(out) in err, (args, err)
        assert data.read_bytes() == before
    if target == "fifo":
        assert stat.S_ISFIFO(os.stat(out).st_mode)  # still a FIFO, never replaced by a file


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-5", "0", "ten"])
def test_timeouts_must_be_finite_positive_seconds(tmp_path, value):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"example_id": 1, "premises-FOL": ["Dog(rex)"], "conclusion-FOL": "Dog(rex)",
                                "label": "True"}) + "\n", encoding="utf-8")
    for args in (("prove", EXAMPLES / "dogs.txt"), ("eval", data, "--gold-fol"), ("check", EXAMPLES / "english.txt"),
                 ("synth", "mutate", data, "-o", tmp_path / "m.jsonl"), ("graph", "verify", data)):
        r = nsp(*args, "--timeout", value)
        err = r.stderr.decode()
        assert r.returncode == 2 and "Traceback" not in err and "--timeout" in err, (args, err)


def test_deep_nesting_is_an_error_or_fine_never_a_traceback(tmp_path):
    deep_term = "P(" + "f(" * 2000 + "a" + ")" * 2000 + ")"
    (tmp_path / "deep.txt").write_text(f"{deep_term}\n---\n{deep_term}\n", encoding="utf-8")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (tmp_path / "deep.jsonl").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    r = nsp("prove", tmp_path / "deep.txt")
    assert r.returncode == 0 and r.stdout.decode().startswith("True")
    for args in (("prove", "deep.json"), ("eval", "deep.json"), ("eval", "deep.jsonl", "--gold-fol"), ("check", "deep.json"),
                 ("graph", "verify", "deep.jsonl"), ("html", "deep.jsonl", "-o", tmp_path / "site"),
                 ("synth", "mutate", "deep.jsonl", "-o", tmp_path / "m.jsonl"), ("lean", "export", "deep.json")):
        r = nsp(args[0], *[tmp_path / a if str(a).startswith("deep") else a for a in args[1:]])
        err = r.stderr.decode()
        assert "Traceback" not in err and "RecursionError" not in err, (args, err)
        assert r.returncode in (0, 1, 2, 4), (args, r.returncode, err)


@pytest.mark.parametrize("sig, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_stopped_eval_records_nothing_for_the_item_in_flight_and_resumes(tmp_path, sig, code):
    import signal
    import time

    rows = [json.loads(l) for l in (ROOT / "data" / "folio-gold-sample.jsonl").read_text(encoding="utf-8").splitlines()]
    data, out = tmp_path / "d.jsonl", tmp_path / "out.jsonl"
    data.write_text("".join(json.dumps({**r, "example_id": i}, ensure_ascii=False) + "\n"
                            for i, r in enumerate(rows * 6)), encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "nsp.cli", "eval", data, "--gold-fol", "--out", out],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         # as from a terminal: a test runner may have left SIGINT ignored, which children inherit
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    journal = tmp_path / "out.jsonl.journal"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not journal.exists() or len(journal.read_bytes().splitlines()) < 20):
        time.sleep(0.05)
    p.send_signal(getattr(signal, sig))
    _, err = p.communicate(timeout=60)
    assert p.returncode == code and "Traceback" not in err.decode()
    done = [json.loads(l) for l in journal.read_text(encoding="utf-8").splitlines()[1:]]
    assert 19 <= len(done) < len(rows) * 6 and not out.exists()
    assert not any(r["predicted"] == "Unknown" for r in done)  # an interrupted check is never a verdict
    assert nsp("eval", data, "--gold-fol", "--out", out).returncode == 0
    again = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in again] == [str(i) for i in range(len(rows) * 6)]
    assert [r["predicted"] for r in again[:len(done)]] == [r["predicted"] for r in done]


def test_eval_exits_4_when_items_could_not_be_read(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"example_id": 1, "premises-FOL": ["Dog(rex)"], "conclusion-FOL": "Dog(rex)",
                                "label": "True"}) + "\n" + "{not json\n", encoding="utf-8")
    r = nsp("eval", data, "--gold-fol")
    assert r.returncode == 4 and "1 item(s) of the input could not be read" in r.stderr.decode()
    assert "accuracy 100.0% (1/2)" not in r.stdout.decode() and "errors 1" in r.stdout.decode()
    english = tmp_path / "e.jsonl"
    english.write_text(json.dumps({"id": 1, "premises": ["Rex is a dog."], "conclusion": "Rex is a dog."}) + "\n",
                       encoding="utf-8")  # no label
    r = nsp("eval", english)
    assert r.returncode == 4 and "label missing" in " ".join(r.stdout.decode().split())
