"""Exit codes, per command (README "Exit codes"): every error is one branch of the one root
(:mod:`nsp.errors`), printed in one line by one function and mapped to its code in one table.

Bad input that is an undecodable file is tested for every command in tests/test_readers.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsp.cli import main
from nsp.errors import EXIT_CODES, BadInput, ItemsFailed, JobConflict, NspError, OutputError, ToolMissing, exit_code
from tests.conftest import ROOT

EXAMPLES = ROOT / "data" / "examples"
DOGS = EXAMPLES / "dogs.txt"


def _lean_toolchain() -> bool:
    from provers.lean.toolchain import doctor

    return all(f.ok for f in doctor() if f.required)


def _files(tmp: Path) -> dict[str, Path]:
    """Real inputs for the cases below."""
    f = {}
    f["no-conclusion"] = tmp / "premises.txt"
    f["no-conclusion"].write_text("P(a)\nQ(a)\n")
    f["dup-ids"] = tmp / "dup.jsonl"
    row = {"premises-FOL": ["P(a)"], "conclusion-FOL": "P(a)", "label": "True", "example_id": 7}
    f["dup-ids"].write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n")
    f["bad-line"] = tmp / "bad-line.jsonl"
    f["bad-line"].write_text(json.dumps(row) + "\n{oops\n")
    f["english"] = tmp / "english.jsonl"
    f["english"].write_text(json.dumps({"premises": ["Glorp blims are zarfs."], "conclusion": "Zarfs blim.",
                                        "label": "True", "example_id": 1}) + "\n")
    f["theorems"] = tmp / "theorems.jsonl"
    f["theorems"].write_text(json.dumps({"id": "t", "premises": ["P(a)"], "conclusion": "P(a)"}) + "\n")
    f["not-recursive"] = tmp / "axioms.fol"
    f["not-recursive"].write_text("∀x (P(x) → Q(x))\n")
    f["graph"] = tmp / "graph.json"
    r = CliRunner().invoke(main, ["prove", str(DOGS), "--json", "--explain"])
    f["graph"].write_text(json.dumps(json.loads(r.stdout)["explanation"]["graph"]))
    f["not-a-graph"] = tmp / "stats.json"
    f["not-a-graph"].write_text('{"mutants": 1}')
    f["lean"] = tmp / "dogs.lean"
    assert CliRunner().invoke(main, ["lean", "export", str(DOGS), "-o", str(f["lean"])]).exit_code == 0
    f["folder"] = tmp / "a-folder"
    f["folder"].mkdir()
    return f


# (command, arguments, environment, expected code, what the one error line says)
CASES = [
    ("prove", ["prove", "MISSING"], {}, 2, "MISSING: No such file or directory"),
    ("prove", ["prove", str(DOGS), "--timeout", "nan"], {}, 2, "--timeout"),
    ("check", ["check", "@no-conclusion"], {}, 2, "expected premises one per line"),
    ("eval", ["eval", "@dup-ids", "--gold-fol"], {}, 2, "item id '7' at line 2 repeats the one at line 1"),
    ("eval", ["eval", "@bad-line", "--gold-fol"], {}, 4, "1 item(s) of the input could not be read"),
    ("eval", ["eval", "@english", "--endpoint", "http://127.0.0.1:9"], {}, 3, "cannot reach http://127.0.0.1:9"),
    ("synth mutate", ["synth", "mutate", "@theorems", "-o", "@folder"], {}, 2, "is a directory"),
    ("synth mutate", ["synth", "mutate", "@theorems", "-o", "@theorems"], {}, 2, "is this job's input"),
    ("synth search", ["synth", "search", "MISSING", "-o", "OUT/s.jsonl"], {}, 2, "MISSING: No such file"),
    ("synth explore", ["synth", "explore", "@not-recursive", "-o", "OUT/e.json", "--no-progress"], {}, 2, ""),
    ("graph verify", ["graph", "verify", "@graph", "--prover", "e", "--no-progress"],
     {"NSP_EPROVER": "/nonexistent/eprover"}, 3, "NSP_EPROVER=/nonexistent/eprover is not an executable file"),
    ("graph verify", ["graph", "verify", "@graph", "--fresh"], {}, 2, "--fresh needs --out"),
    ("graph verify", ["graph", "verify", "@not-a-graph"], {}, 2, "expected a node-link graph"),
    ("graph proof", ["graph", "proof", "@graph", "no-such-fact"], {}, 2, "no graph has a fact with id no-such-fact"),
    ("graph uses", ["graph", "uses", "@not-a-graph", "x"], {}, 2, "expected a node-link graph"),
    ("graph merge", ["graph", "merge", "@graph", "-o", "@graph"], {}, 2, "is this job's input"),
    ("html", ["html", "@not-a-graph", "-o", "OUT/site"], {}, 2, "expected a node-link graph"),
    ("serve", ["serve", "MISSING", "--port", "0"], {}, 2, "MISSING: no such file or directory"),
    ("lean export", ["lean", "export", "@no-conclusion"], {}, 2, "conclusion"),
    ("lean check", ["lean", "check", "@lean"], {}, 3, "lean"),
    ("lean doctor", ["lean", "doctor"], {}, 3, None),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _files(tmp_path_factory.mktemp("exit"))


@pytest.mark.parametrize("command,args,env,code,says", CASES, ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_exit_code_per_command(files, tmp_path, command, args, env, code, says):
    if command.startswith("lean") and code == 3 and _lean_toolchain():
        pytest.skip("a Lean toolchain is installed here: nothing is missing")
    words = [str(files[a[1:]]) if a.startswith("@") else str(tmp_path / "missing.txt") if a == "MISSING"
             else a.replace("OUT", str(tmp_path)) for a in args]
    r = CliRunner().invoke(main, words, env=env, catch_exceptions=False)
    assert r.exit_code == code, (r.exit_code, r.stderr, r.stdout)
    if says is None:  # lean doctor: a report, not an error
        return
    lines = [l for l in r.stderr.splitlines() if not l.startswith("nsp check:")]
    assert len(lines) == 1 and lines[0].startswith("nsp: error: "), r.stderr
    assert says.replace("MISSING", str(tmp_path / "missing.txt")) in lines[0], r.stderr


def test_every_branch_has_one_code():
    """The library's errors are branches of the one root, with the codes the README gives."""
    from nsp.graph.files import GraphFileError
    from nsp.logic.problem import ProblemError
    from nsp.parse.backends import BackendError, ReplayMiss
    from nsp.workers import JobError, MissingDependency
    from provers.base import ProverError, ToolMissing as ProverToolMissing, UnknownProver
    from provers.eprover import EProverMissing
    from provers.lean.export import ExportError
    from provers.lean.sandbox import SandboxError
    from synth.explore import ExploreError

    codes = {ProblemError: 2, GraphFileError: 2, ExportError: 2, ExploreError: 2, UnknownProver: 2, OutputError: 2,
             JobConflict: 2, JobError: 2, ProverError: 2, ProverToolMissing: 3, EProverMissing: 3, BackendError: 3,
             ReplayMiss: 3, SandboxError: 3, MissingDependency: 3, ItemsFailed: 4}
    for cls, code in codes.items():
        assert issubclass(cls, NspError), cls
        assert exit_code(cls("x")) == code, cls
    assert issubclass(ProverToolMissing, ToolMissing) and issubclass(GraphFileError, BadInput)
    assert [code for _, code in EXIT_CODES][-1] == 2  # anything else nsp raises on purpose


def test_print_and_exit_lives_in_one_place():
    """No command module prints an error and exits on its own: they raise, nsp.cli.fail prints.
    (``SystemExit(1)``, a result: a check failed, is a command's own.)"""
    import re

    offenders = []
    for path in [*ROOT.glob("nsp/**/*.py"), *ROOT.glob("synth/*.py"), *ROOT.glob("provers/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        if rel in ("nsp/cli.py", "nsp/interrupt.py"):
            continue
        if re.search(r"SystemExit\((?!1\))|sys\.exit\(|ctx\.exit\(|\"nsp: error", text):
            offenders.append(rel)
    assert offenders == []


def _run_until_journaled(tmp_path, sig):
    from tests.conftest import FOLIO_TRAIN

    if not FOLIO_TRAIN.exists():
        pytest.skip(f"{FOLIO_TRAIN} is not here")
    out = tmp_path / "out.jsonl"
    journal = Path(str(out) + ".journal")
    p = subprocess.Popen([sys.executable, "-m", "nsp.cli", "eval", str(FOLIO_TRAIN), "--gold-fol", "--out", str(out)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or journal.read_bytes().count(b"\n") < 3):
        time.sleep(0.01)
    assert p.poll() is None, "the job ended before it could be stopped"
    os.kill(p.pid, sig)
    _, err = p.communicate(timeout=60)
    assert not out.exists() and "Traceback" not in err
    return p.returncode, err


def test_interrupted_is_130(tmp_path):
    code, err = _run_until_journaled(tmp_path, signal.SIGINT)
    assert code == 130, err
    assert err.strip().splitlines()[-1] == "nsp: error: interrupted; run the same command again to resume"


def test_terminated_is_143(tmp_path):
    code, err = _run_until_journaled(tmp_path, signal.SIGTERM)
    assert code == 143, err
