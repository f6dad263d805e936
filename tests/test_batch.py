"""Resumable batch mutation jobs: outputs, errors, determinism, kill -9 and resume, Ray.

Real inputs (FOLIO stories and nsp theorems), real worker processes, real Z3.
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

from synth.batch import JobError, JobParams, MissingDependency, run_job, side_paths

FOLIO = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "folio" / "folio-train.jsonl"
needs_folio = pytest.mark.skipif(not FOLIO.exists(), reason=f"shared data not found at {FOLIO}")
N_STORIES = 8
PARAMS = JobParams(per_theorem=3, seed=0)

THEOREMS = [
    {"id": "dogs", "premises": ["∀x (Dog(x) → Animal(x))", "Dog(rex)", "∀x (Animal(x) → ¬Plant(x))"],
     "conclusion": "¬Plant(rex)"},
    {"id": "tptp", "premises": ["![X] : (man(X) => mortal(X))", "man(socrates)"], "conclusion": "mortal(socrates)"},
    {"id": "not-proved", "premises": ["P(a)"], "conclusion": "Q(a)"},
    {"id": "broken", "premises": ["P(a) ∧"], "conclusion": "P(a)"},
    {"id": "dogs", "premises": ["P(a)"], "conclusion": "P(a)"},  # duplicate id
]


def write_input(path: Path) -> Path:
    lines, stories = [], []
    with FOLIO.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["story_id"] not in stories:
                if len(stories) == N_STORIES:
                    break
                stories.append(row["story_id"])
            lines.append(line.rstrip("\n"))
    lines += [json.dumps(t, ensure_ascii=False) for t in THEOREMS]
    lines.insert(3, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def cli(*args):
    return [sys.executable, "-m", "nsp.cli", *args]


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """One uninterrupted run (1 worker): the reference output."""
    if not FOLIO.exists():
        pytest.skip(f"shared data not found at {FOLIO}")
    d = tmp_path_factory.mktemp("clean")
    inp = write_input(d / "in.jsonl")
    out = d / "out.jsonl"
    result = run_job(inp, out, PARAMS, workers=1, progress=False)
    return inp, out, result


def test_outputs_records_and_errors(clean):
    inp, out, result = clean
    records = read_jsonl(out)
    assert result.mutants == len(records) > 10
    assert result.items == N_STORIES + 4  # stories, then dogs, tptp, not-proved, broken (dup dropped)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    assert len({r["mutant_id"] for r in records}) == len(records)
    # records follow input order: FOLIO stories first, then the nsp theorems
    order = [r["input_id"] for r in records]
    assert order == sorted(order, key=lambda i: (not i.startswith("folio-story-"), 0))
    assert {"dogs", "tptp"} <= set(order)
    for r in records:
        assert r["verdict"] == "True" and r["premises"] is not None and r["conclusion"]
        assert r["lean"] and r["tptp"].splitlines()[-1].startswith("fof(goal, conjecture,")
        assert r["kind"] in ("rewrite", "apply")
        assert set(r["nodes"].values()) <= {n["id"] for n in r["graph"]["nodes"]}
    errors = {(e["id"], e["kind"]) for e in read_jsonl(side_paths(out)["errors"])}
    assert ("line-4", "bad-input") in errors  # the '{not json' line
    assert ("not-proved", "not-a-theorem") in errors
    assert ("broken", "syntax") in errors
    assert any(k == "bad-input" and i != "line-4" for i, k in errors)  # the duplicate id
    stats = json.loads(side_paths(out)["stats"].read_text())
    assert stats["mutants"] == len(records) and stats["theorems"] == result.theorems


def test_rerun_is_a_no_op_and_params_are_checked(clean, tmp_path):
    inp, out, _ = clean
    before = out.read_bytes()
    again = run_job(inp, out, PARAMS, workers=1, progress=False)
    assert again.items_run == 0 and out.read_bytes() == before
    with pytest.raises(JobError, match="other settings"):
        run_job(inp, out, JobParams(per_theorem=3, seed=1), workers=1, progress=False)
    assert out.read_bytes() == before


def test_two_workers_give_the_same_bytes(clean, tmp_path):
    inp, out, _ = clean
    out2 = tmp_path / "w2.jsonl"
    run_job(inp, out2, PARAMS, workers=2, progress=False)
    assert out2.read_bytes() == out.read_bytes()
    assert side_paths(out2)["errors"].read_bytes() == side_paths(out)["errors"].read_bytes()


def test_torn_journal_line_is_repaired(clean, tmp_path):
    inp, out, _ = clean
    out2 = tmp_path / "torn.jsonl"
    journal = side_paths(out2)["journal"]
    journal.write_bytes(side_paths(out)["journal"].read_bytes())
    data = journal.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1
    journal.write_bytes(data[: cut + (len(data) - cut) // 2])  # the last entry torn in half
    result = run_job(inp, out2, PARAMS, workers=1, progress=False)
    assert result.items_run == 1
    assert out2.read_bytes() == out.read_bytes()
    entries = [json.loads(line) for line in journal.read_bytes().splitlines()[1:]]
    assert len(entries) == len({e["id"] for e in entries}) == result.items


def test_kill9_then_resume_equals_clean_run_and_verifies(clean, tmp_path):
    inp, ref, _ = clean
    out = tmp_path / "killed.jsonl"
    journal = side_paths(out)["journal"]
    args = cli("synth", "mutate", str(inp), "-o", str(out), "--per-theorem", "3", "--seed", "0", "--workers", "1")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 3:  # header + two items
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the job ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert not out.exists()  # the job died before writing its output
    done = journal.read_bytes().count(b"\n") - 1
    assert 2 <= done < N_STORIES + 4
    with journal.open("ab") as fh:  # and a torn write on top
        fh.write(b'{"id":"folio-story-')
    r = subprocess.run(args + ["--no-progress"], capture_output=True, text=True, timeout=600)
    # the input's two broken lines are in the errors file, and make the finished job exit 4
    assert r.returncode == 4 and "2 line(s) of the input could not be read" in r.stderr, r.stderr
    assert f"({N_STORIES + 4 - done} run now)" in r.stderr
    assert out.read_bytes() == ref.read_bytes()
    ids = [rec["id"] for rec in read_jsonl(out)]
    assert len(ids) == len(set(ids))
    assert side_paths(out)["errors"].read_bytes() == side_paths(ref)["errors"].read_bytes()

    v = subprocess.run(cli("graph", "verify", str(out), "--no-progress"), capture_output=True, text=True,
                       timeout=600)
    assert v.returncode == 0, v.stdout + v.stderr
    assert " 0 failed" in v.stdout.splitlines()[-1]

    # a deliberately corrupted graph (a mutant with the wrong parent) is caught
    records = read_jsonl(out)
    for rec in records[:6]:
        mutant = rec["nodes"]["mutant"]
        node = next(n for n in rec["graph"]["nodes"] if n["id"] == mutant)
        wrong = next(n["id"] for n in rec["graph"]["nodes"]
                     if n["role"] == "premise" and n["id"] != rec["nodes"]["parent"])
        for e in rec["graph"]["edges"]:
            if e["target"] == mutant and e.get("as") == "parent":
                e["source"] = wrong
        bad = tmp_path / "corrupt.jsonl"
        bad.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
        v = subprocess.run(cli("graph", "verify", str(bad), "--no-progress"), capture_output=True, text=True,
                           timeout=300)
        assert v.returncode == 1, (rec["id"], v.stdout)
        assert f"node {mutant} ({node['rule']})" in v.stdout


def test_missing_ray_is_a_clean_error(clean, tmp_path, monkeypatch):
    inp, _, _ = clean
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependency, match="pip install"):
        run_job(inp, tmp_path / "r.jsonl", PARAMS, workers=1, ray="local", progress=False)
    shadow = tmp_path / "noray"
    shadow.mkdir()
    (shadow / "ray.py").write_text("raise ImportError('no Ray here')\n")
    r = subprocess.run(cli("synth", "mutate", str(inp), "-o", str(tmp_path / "r2.jsonl"), "--ray", "auto"),
                       capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(shadow)})
    assert r.returncode == 3 and "pip install" in r.stderr and "Traceback" not in r.stderr


def test_ray_tasks_give_the_same_output(clean, tmp_path):
    ray = pytest.importorskip("ray")
    inp, ref, _ = clean
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        out = tmp_path / "ray.jsonl"
        result = run_job(inp, out, PARAMS, workers=2, ray="local", progress=False)
        assert ray.is_initialized()  # an instance started by the caller is left running
    finally:
        ray.shutdown()
    assert result.items_run == result.items
    assert out.read_bytes() == ref.read_bytes()


def _crash_on_boom(item: dict, params: dict) -> dict:
    """A worker function (run in real worker processes) that kills its process on item "boom"."""
    if item["id"] == "boom":
        os._exit(17)
    time.sleep(0.2)  # keep several items in flight when the worker dies
    return {"id": item["id"], "records": [{"n": item["n"]}], "errors": [], "stats": {}}


def test_a_worker_that_dies_loses_no_item():
    from nsp.workers import run_local

    items = [{"id": f"i{n}", "n": n} for n in range(6)]
    items.insert(3, {"id": "boom", "n": -1})
    got: list[dict] = []
    run_local(items, {}, 2, got.append, fn=_crash_on_boom)
    by_id = {e["id"]: e for e in got}
    assert sorted(by_id) == sorted(it["id"] for it in items) and len(got) == len(items)
    assert by_id["boom"]["errors"][0]["kind"] == "worker-crashed"
    for n in range(6):
        assert by_id[f"i{n}"]["records"] == [{"n": n}] and by_id[f"i{n}"]["errors"] == []


def _interrupt_self_on_int(item: dict, params: dict) -> dict:
    """A worker function that sends its own process SIGINT on item "int" (Ctrl-C reaches every
    process of the job's group)."""
    if item["id"] == "int":
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # a worker that survived it would go on
    time.sleep(0.2)
    return {"id": item["id"], "records": [{"n": item["n"]}], "errors": [], "stats": {}}


def test_ctrl_c_stops_a_worker_at_once_and_silently():
    """SIGINT kills a worker process outright (the kernel's default action, nsp.deathsig.init_worker):
    no KeyboardInterrupt raised wherever Python was in the worker (inside a Z3 constructor or
    finalizer it printed that object's traceback) and none sent back to the main process, which
    handles Ctrl-C itself. Here the main process got none: the item runs again alone and is
    reported as a crash; nothing is printed."""
    code = ("from nsp.workers import run_local; from tests.test_batch import _interrupt_self_on_int as f; "
            "items = [{'id': f'i{n}', 'n': n} for n in range(4)] + [{'id': 'int', 'n': -1}]; got = []; "
            "run_local(items, {}, 2, got.append, fn=f); "
            "print(sorted(e['id'] for e in got), [e['id'] for e in got if e['errors']])")
    r = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout.strip() == "['i0', 'i1', 'i2', 'i3', 'int'] ['int']"


def test_killing_the_main_process_leaves_no_process_of_the_job(tmp_path):
    """kill -9 of `nsp synth mutate --workers 2`: the forkserver, the workers and the resource
    tracker are gone within 5 s (PR_SET_PDEATHSIG, nsp/deathsig.py)."""
    import signal
    import subprocess
    import sys
    import time

    if not FOLIO.exists():
        pytest.skip(f"shared data not found at {FOLIO}")
    p = subprocess.Popen([sys.executable, "-m", "nsp.cli", "synth", "mutate", str(FOLIO), "-o", str(tmp_path / "m.jsonl"),
                          "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def session() -> list[str]:
        rows = subprocess.run(["ps", "-eo", "pid,sid,cmd"], capture_output=True, text=True).stdout.splitlines()[1:]
        return [r for r in rows if r.split()[1] == str(p.pid) and r.split()[0] != str(p.pid)]

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(session()) < 3:  # tracker, forkserver and workers are up
        time.sleep(0.2)
    assert len(session()) >= 3
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and session():
        time.sleep(0.2)
    left = session()
    for row in left:  # do not leak them into the rest of the run if the test fails
        os.kill(int(row.split()[0]), signal.SIGKILL)
    assert not left, left


def test_a_job_outlives_the_shell_that_started_it(tmp_path):
    """`nohup nsp synth mutate … &` from a shell that then exits: the job's main process is not
    tied to its parent's life (only the forkserver and the workers are tied to the main process)."""
    import subprocess
    import sys
    import time

    if not FOLIO.exists():
        pytest.skip(f"shared data not found at {FOLIO}")
    pid_file = tmp_path / "pid"
    job = f"{sys.executable} -m nsp.cli synth mutate {FOLIO} -o {tmp_path / 'm.jsonl'} --workers 2 --limit 30"
    subprocess.run(["sh", "-c", f"{job} >/dev/null 2>&1 & echo $! > {pid_file}"], timeout=30, check=True,
                   cwd=Path(__file__).resolve().parent.parent)  # the shell exits at once
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and not (tmp_path / "m.jsonl").exists():
        time.sleep(0.2)
    assert (tmp_path / "m.jsonl").exists()  # it ran to the end instead of being killed with the shell
