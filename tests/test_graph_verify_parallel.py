"""`nsp graph verify --workers N / --ray / -o REPORT`: the same verdicts and report for 1 worker,
2 workers and Ray; a journaled, resumable, interruptible job.

Real graphs (made by `nsp synth mutate` on FOLIO stories and by `nsp synth explore` on the
Peano axioms), real worker processes, real Z3.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nsp.graph.verify import CHUNK, Settings, verify_file, verify_job

ROOT = Path(__file__).resolve().parent.parent


def nsp(*args, **kw):
    return subprocess.run([sys.executable, "-m", "nsp.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, **kw)


@pytest.fixture(scope="module")
def mutants(tmp_path_factory) -> Path:
    """116 graphs from `nsp synth mutate` on 40 FOLIO rows (rules given, law, entailment, apply,
    strengthen, rewrite; derivations repeated across graphs), with three graphs broken: a fact
    turned into a "law" that is not valid (the prover fails it), a formula that does not match its
    id (integrity), and a node listed twice (integrity; an edge to a node that is not there is a
    malformed file, refused by the reader: tests/test_readers.py)."""
    d = tmp_path_factory.mktemp("mutants")
    rows = (ROOT / "data" / "folio-gold-sample.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:40]
    (d / "in.jsonl").write_text("".join(rows), encoding="utf-8")
    r = nsp("synth", "mutate", str(d / "in.jsonl"), "-o", str(d / "m.jsonl"), "--no-progress", "--workers", "2")
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in (d / "m.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) > 50
    g = records[3]["graph"]
    target = next(n for n in g["nodes"] if n.get("rule") == "entailment")
    target["rule"] = "law"
    g["edges"] = [e for e in g["edges"] if e["target"] != target["id"]]
    records[7]["graph"]["nodes"][0]["formula"] = "P(a) ∧ Q(b)"
    records[11]["graph"]["nodes"].append(dict(records[11]["graph"]["nodes"][0]))  # a node listed twice
    path = d / "graphs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_one_and_two_workers_give_the_same_verdicts_and_report(mutants, tmp_path):
    r1 = nsp("graph", "verify", str(mutants), "-o", str(tmp_path / "r1.json"), "--no-progress")
    r2 = nsp("graph", "verify", str(mutants), "-o", str(tmp_path / "r2.json"), "--no-progress", "--workers", "2")
    assert r1.returncode == r2.returncode == 1, r1.stderr + r2.stderr
    assert r1.stdout == r2.stdout
    assert (tmp_path / "r1.json").read_bytes() == (tmp_path / "r2.json").read_bytes()
    report = json.loads((tmp_path / "r1.json").read_text(encoding="utf-8"))
    assert report["passed"] is False and report["graphs"] > 50
    reasons = {(f["graph"], f["rule"]): f["reason"] for f in report["failures"]}
    assert reasons[(4, "law")].startswith("not valid: ")  # decided by the prover, in a worker
    assert "content id" in reasons[(8, "integrity")]
    assert reasons[(12, "integrity")] == "node listed twice"
    assert len(report["failures"]) == 4 and [f["graph"] for f in report["failures"]] == [4, 8, 8, 12]
    assert "unreadable or missing" in report["failures"][2]["reason"]  # the broken formula's use
    checked = report["checked"]
    assert sum(1 for c in checked if c["repeat"]) > 0  # derivations met again are not re-counted ...
    assert all(c["reason"] is None for c in checked if c["rule"] == "rewrite")  # ... but keep their verdict
    # the in-process checker (no job, no journal) agrees
    rep = verify_file(mutants)
    assert rep.to_json() == report
    assert r1.stdout.splitlines()[: len(rep.lines())] == rep.lines()


def test_an_interrupted_run_resumes_to_the_same_report(mutants, tmp_path):
    ref, _ = verify_job(mutants, out=tmp_path / "ref.json")
    out = tmp_path / "r.json"
    journal = Path(str(out) + ".journal")
    _, stats = verify_job(mutants, workers=2, out=out)
    assert stats.chunks == stats.chunks_run > 3 and stats.checks > 3 * CHUNK
    assert out.read_bytes() == (tmp_path / "ref.json").read_bytes()
    lines = journal.read_bytes().splitlines(keepends=True)
    assert len(lines) == 1 + stats.chunks
    journal.write_bytes(b"".join(lines[:3]) + lines[3][:20])  # two chunks done, a torn third line
    out.unlink()
    report, again = verify_job(mutants, workers=2, out=out)
    assert again.chunks_run == stats.chunks - 2
    assert out.read_bytes() == (tmp_path / "ref.json").read_bytes()
    assert report.to_json() == ref.to_json()
    _, third = verify_job(mutants, out=out)  # all in the journal: nothing runs
    assert third.chunks_run == 0 and out.read_bytes() == (tmp_path / "ref.json").read_bytes()


def test_a_resume_under_other_settings_is_refused_and_fresh_starts_over(mutants, tmp_path):
    out = tmp_path / "r.json"
    assert nsp("graph", "verify", str(mutants), "-o", str(out), "--no-progress", "--workers", "2").returncode == 1
    before = out.read_bytes()
    r = nsp("graph", "verify", str(mutants), "-o", str(out), "--no-progress", "--rlimit", "1")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("nsp: error:") and len(r.stderr.strip().splitlines()) == 1
    assert "settings.rlimit" in r.stderr and "--fresh" in r.stderr
    assert out.read_bytes() == before
    r = nsp("graph", "verify", str(mutants), "-o", str(out), "--no-progress", "--rlimit", "1", "--fresh")
    assert r.returncode == 1 and "run now" in r.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert any("rlimit exhausted" in f["reason"] for f in report["failures"])  # a tiny rlimit leaves checks open
    r = nsp("graph", "verify", str(mutants), "--no-progress", "--fresh")
    assert r.returncode == 2 and "--fresh needs --out" in r.stderr and "Traceback" not in r.stderr


def test_ctrl_c_stops_the_job_and_the_same_command_finishes_it(mutants, tmp_path):
    """SIGINT to the job's process group (what Ctrl-C does): exit 130, the journal keeps what
    finished, and the same command again runs only the rest, to the same report."""
    ref = tmp_path / "ref.json"
    verify_job(mutants, out=ref)
    out = tmp_path / "r.json"
    journal = Path(str(out) + ".journal")
    args = [sys.executable, "-m", "nsp.cli", "graph", "verify", str(mutants), "-o", str(out), "--no-progress",
            "--workers", "2"]
    p = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or journal.read_bytes().count(b"\n") < 3):
        time.sleep(0.01)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert err.strip().splitlines()[-1] == "nsp: error: interrupted; run the same command again to resume"
    assert "Traceback" not in err and not out.exists()
    done = journal.read_bytes().count(b"\n") - 1
    total = -(-len(verify_job(mutants)[0].checked) // CHUNK)  # an upper bound on the chunks
    assert 2 <= done < total
    r = nsp(*args[3:])
    assert r.returncode == 1
    assert out.read_bytes() == ref.read_bytes()


@pytest.mark.slow
def test_explored_peano_graph_same_under_one_two_workers_and_ray(mutants, tmp_path):
    """The graph of `nsp synth explore` (induction and entailments) and the mutants: 1 worker,
    2 workers and Ray (a local instance, 2 CPUs) give byte-identical reports."""
    pytest.importorskip("ray")
    graph = tmp_path / "peano.json"
    r = nsp("synth", "explore", "data/axioms/peano.fol", "-o", str(graph), "--time-limit", "120",
            "--max-size", "4", "--variables", "2", "--no-progress")
    assert r.returncode == 0, r.stderr
    for name, path in (("peano", graph), ("mutants", mutants)):
        reports = {}
        for how, kw in (("one", {}), ("two", {"workers": 2}), ("ray", {"workers": 2, "ray": "local"})):
            out = tmp_path / f"{name}-{how}.json"
            report, stats = verify_job(path, Settings(), out=out, **kw)
            assert stats.chunks_run == stats.chunks
            reports[how] = out.read_bytes()
        assert reports["one"] == reports["two"] == reports["ray"]
        if name == "peano":
            data = json.loads(reports["one"])
            assert data["passed"] and data["rules"]["induction"]["ok"] > 0 and data["rules"]["entailment"]["ok"] > 0
