"""The sandbox: the screen on a corpus of hostile Lean text, and the jailed runner on real
processes (Python scripts standing in for a runaway Lean: sleeping, allocating, spinning,
forking, writing, opening sockets)."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from provers.lean.check import Error, Timeout, classify
from provers.lean.export import export_formulas
from provers.lean.sandbox import (
    Limits, Violation, identifier_violation, network_jail, run_sandboxed, screen, strip_comments,
)
from nsp.logic.syntax import parse_formula

PY = sys.executable

# ---------------------------------------------------------------- the screen: hostile corpus

HOSTILE = {
    # (text, the construct reported: the first token outside nsp's Lean language; imports of Init allowed)
    "eval": ("#eval 1 + 1", "#eval"),
    "eval-bang": ("#eval! (1 : Nat)", "#eval!"),
    "exit": ("theorem t : True := trivial\n#exit", "#exit"),
    "run_cmd": ("run_cmd pure ()", "run_cmd"),
    "run_elab": ("run_elab pure ()", "run_elab"),
    "run_tac": ("example : True := by run_tac pure ()", "run_tac"),
    "by_elab": ("example : True := by_elab pure default", "by_elab"),
    "io-process": ("theorem f : True := IO.Process.spawn {}", "IO.Process.spawn"),
    "io-fs": ("theorem g : True := IO.FS.readFile", "IO.FS.readFile"),
    "escaped-io": ("theorem h : True := «IO».Process.output", "«IO».Process.output"),
    "open-system": ("open System in\ntheorem p : True := trivial", "open"),
    "open-io": ("open IO", "open"),
    "eio": ("axiom e : EIO Unit Unit", "EIO"),
    "unsafe": ("unsafe def bad : Nat := 0", "unsafe"),
    "unsafe-io": ("theorem x : True := unsafeBaseIO (pure 1)", "unsafeBaseIO"),
    "unsafe-cast": ("theorem y : True := unsafeCast 0", "unsafeCast"),
    "extern": ("@[extern c_fn] opaque f : Nat → Nat", "@["),
    "implemented_by": ("@[implemented_by g] def f := 0", "@["),
    "export-attr": ("@[export my_sym] def f := 0", "@["),
    "native_decide": ("example : True := by native_decide", "native_decide"),
    "ofReduceBool": ("#print axioms Lean.ofReduceBool", "Lean.ofReduceBool"),
    "skip-kernel": ("set_option debug.skipKernelTC true", "debug.skipKernelTC"),
    "elab": ("elab \"x\" : term => pure default", "elab"),
    "macro": ("macro \"x\" : term => `(1)", "macro"),
    "macro_rules": ("macro_rules | `(x) => `(1)", "macro_rules"),
    "syntax": ("syntax \"go\" : command", "syntax"),
    "initialize": ("initialize pure ()", "initialize"),
    "prelude": ("prelude\ntheorem t : True := True.intro", "prelude"),
    "import-lean": ("import Lean.Elab\ntheorem t : True := trivial", "import Lean.Elab"),
    "import-lean-second": ("import Init\nimport Lean\n", "import Lean"),
    "import-prefix": ("import Init.Data.List", "import Init.Data.List"),
    "import-traversal": ("import Init.«../../../../tmp/evil»", "import Init.«../../../../tmp/evil»"),
    "char-literal-escape": ("axiom a : U\ntheorem t : True := '«'\n#eval IO.FS.readFile\n'»'", "'«'"),
    "check": ("#check Nat", "#check"),
    "import-escaped": ("import «Lean».Elab.Command", "import «Lean».Elab.Command"),
    "import-mathlib": ("import Mathlib", "import Mathlib"),
    "import-late": ("theorem t : True := trivial\nimport Init", "import"),
    "import-bare": ("import", "end of text"),
    "string": ('theorem s : True := "hello"', '"hello"'),
    # obfuscations
    "after-block-comment": ("/- harmless -/ #eval 1", "#eval"),
    "after-line-comment": ("-- harmless\n    #eval 1", "#eval"),
    "after-nested-comment": ("/- a /- b -/ still comment -/\n#eval 1", "#eval"),
    "doc-comment": ("/-- doc -/\n#eval 1", "#eval"),
    "dash-in-escaped-name": ("axiom «--» : U #eval «--»", "«--»"),
    # the scanner would take "--" for a comment; rejecting every string literal closes that hole
    "string-hiding-comment": ('theorem s : True := "--" #eval s', '"--"'),
    "unterminated-comment": ("theorem t : True := trivial /- #eval 1", "/-"),
    "unterminated-escape": ("axiom «x : U\n#eval 1", "«"),
    "eval-in-tactic-block": ("example : True := by\n  #eval 1\n  trivial", "#eval"),
    "extra-comment-close": ("/- x -/ -/ #eval 1", "-"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_screen_rejects_hostile_text(name):
    text, construct = HOSTILE[name]
    found = screen(text, allowed_imports=("Init",))
    assert len(found) == 1, name
    assert found[0].construct == construct, str(found[0])
    assert "\n" not in str(found[0])


BENIGN = {
    "plain": "theorem t : True := trivial",
    "print-axioms": "theorem t : True := trivial\n#print axioms t",
    "eval-in-comments": "-- #eval 1\n/- #exit\n /- IO.Process -/ unsafe -/\ntheorem t : True := trivial",
    "doc-comment": "/-- uses IO in prose only -/\ntheorem t : True := trivial",
    "names-near-words": "axiom Externalities : Prop\naxiom IOTA : Prop\naxiom Radio : Prop\naxiom Systems : Prop",
    # comments nest: the first -/ closes only the inner one, so #eval is still inside a comment
    "nested-comment": "/- /- -/ #eval 1 -/\ntheorem t : True := trivial",
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_screen_accepts_benign_text(name):
    assert screen(BENIGN[name]) == ()


def test_allow_list_is_configurable():
    assert screen("import Init") != ()  # default: nsp's exports import nothing
    assert screen("import Init\ntheorem t : True := trivial", allowed_imports=("Init",)) == ()
    assert screen("import Std.Data.HashMap") != ()
    assert screen("import Std.Data.HashMap", allowed_imports=("Init", "Std")) != ()  # exact names only
    assert screen("import Std.Data.HashMap", allowed_imports=("Std.Data.HashMap",)) == ()
    assert screen("import Standard", allowed_imports=("Std",)) != ()


# Outside nsp's language, so rejected now although harmless (the block-list used to accept them).
@pytest.mark.parametrize("text", ["#check Nat", "example : #[1].size = 1 := rfl", "import Init",
                                  "def f : Nat := 1", "theorem t : 1 = 1 := rfl"])
def test_screen_is_an_allow_list(text):
    assert screen(text) != ()


def test_violations_point_at_line_and_column():
    text = "theorem t : True := trivial\n  /- c -/  #eval 1\n"
    (v,) = screen(text)
    assert (v.line, v.column, v.construct) == (2, 12, "#eval")
    assert str(v).startswith("2:12: forbidden '#eval'")


def test_strip_comments_keeps_positions():
    text = "a /- x\n y -/ b -- z\nc"
    code, problems = strip_comments(text)
    assert problems == [] and len(code) == len(text)
    assert code.split("\n")[1].strip() == "b" and code.endswith("c")


def test_identifier_violation():
    assert identifier_violation("IO") and identifier_violation("unsafe_x") and identifier_violation("System")
    assert identifier_violation("Dog") is None and identifier_violation("IO_") is None
    assert identifier_violation("by_elab") and identifier_violation("exact") and identifier_violation("x!")


def test_exports_pass_the_screen():
    f = parse_formula("∀x (Dog(x) → Animal(x)) ∧ Risk-averse(c++)")
    assert screen(export_formulas([f], parse_formula("Animal(rex)")).text) == ()


# ---------------------------------------------------------------- the runner on real processes


def test_sleeping_process_times_out_and_is_killed():
    r = run_sandboxed([PY, "-c", "import time; time.sleep(30)"], Limits(timeout=0.5))
    assert r.timed_out and r.signal == signal.SIGKILL
    result = classify(r, 0.5)
    assert isinstance(result, Timeout) and result.reason == "wall-clock limit"


def test_allocating_process_hits_the_memory_limit():
    r = run_sandboxed([PY, "-c", "x = bytearray(3 * 1024**3); print('allocated')"], Limits(timeout=30, memory_mb=400))
    assert not r.timed_out and r.returncode != 0
    assert "allocated" not in r.stdout and r.memory_exhausted
    result = classify(r, 30)
    assert isinstance(result, Error) and result.stage == "memory"


def test_spinning_process_hits_the_cpu_limit():
    r = run_sandboxed([PY, "-c", "while True: pass"], Limits(timeout=60, cpu_seconds=1))
    assert not r.timed_out and r.signal == signal.SIGXCPU
    result = classify(r, 60)
    assert isinstance(result, Timeout) and result.reason == "CPU-time limit"


def test_process_group_is_killed_with_the_process():
    script = ("import subprocess, sys; p = subprocess.Popen(['sleep', '60']); print(p.pid, flush=True)")
    r = run_sandboxed([PY, "-c", script], Limits(timeout=20))
    assert r.returncode == 0
    pid = int(r.stdout.split()[0])
    for _ in range(200):  # the orphan is killed, then reaped by init
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        time.sleep(0.02)
    else:
        os.kill(pid, signal.SIGKILL)  # clean up what this test started before failing
        pytest.fail("the grandchild survived the sandbox")


def test_output_is_capped():
    r = run_sandboxed([PY, "-c", "import sys\nfor _ in range(100): sys.stdout.write('x' * 100_000)"],
                      Limits(timeout=30, max_output_bytes=200_000))
    assert r.output_truncated and len(r.stdout) <= 200_000
    assert r.returncode != 0  # the file-size limit stops the writer (SIGXFSZ or EFBIG)


def test_files_and_stdin_reach_the_process_and_the_directory_is_private():
    r = run_sandboxed([PY, "-c", "import os, sys; print(open('in.lean').read(), sys.stdin.read(), os.getcwd())"],
                      Limits(timeout=30), files={"in.lean": "theorem"}, stdin="hello")
    assert r.returncode == 0 and r.stdout.startswith("theorem hello /")
    cwd = r.stdout.split()[-1]
    assert "nsp-lean-" in cwd and not os.path.exists(cwd)  # removed afterwards


def test_environment_is_scrubbed(monkeypatch):
    monkeypatch.setenv("NSP_SECRET_TOKEN", "leak")
    r = run_sandboxed([PY, "-c", "import os; print(os.environ.get('NSP_SECRET_TOKEN'))"], Limits(timeout=30))
    assert r.stdout.strip() == "None"


@pytest.mark.skipif(not network_jail(), reason="unshare -n does not work on this machine")
def test_no_network_inside_the_jail():
    script = (
        "import socket\n"
        "print([n for _, n in socket.if_nameindex()])\n"
        "s = socket.socket(); s.settimeout(2)\n"
        "try:\n    s.connect(('1.1.1.1', 53)); print('connected')\n"
        "except OSError as e:\n    print('blocked', e.errno)\n"
    )
    r = run_sandboxed([PY, "-c", script], Limits(timeout=30))
    assert r.network_isolated
    assert r.stdout.splitlines()[0] == "['lo']" and "blocked" in r.stdout


def test_file_names_cannot_escape_the_directory():
    from provers.lean.sandbox import SandboxError

    with pytest.raises(SandboxError):
        run_sandboxed([PY, "-c", "pass"], files={"../x.lean": ""})
    with pytest.raises(SandboxError):
        run_sandboxed(["/nonexistent/lean", "--json"])


def test_violation_is_a_value():
    v = Violation(1, 2, "#eval", "why")
    assert v == Violation(1, 2, "#eval", "why") and hash(v) == hash(Violation(1, 2, "#eval", "why"))
