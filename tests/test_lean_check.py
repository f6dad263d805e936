"""Checking with Lean: toolchain discovery, outcomes, the CLI, and (with a toolchain) Lean's own
verdicts on exported problems and proofs. Tests that need Lean skip without it; nothing here
pretends to be Lean."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsp.cli import main
from nsp.logic.problem import problem_from_texts
from provers.lean.check import (
    Error, NoToolchain, Proved, Sorry, Timeout, check_axioms, check_export, check_text,
    message_from_json, nsp_theorem,
)
from provers.lean.export import export_problem
from provers.lean.interact import (
    DojoSession, LeanError, LeanUnavailable, ProofFinished, ProofGivenUp, ReplSession, TacticState,
    parse_command_response, parse_tactic_response, screen_tactic,
)
from provers.lean.proof import proof_to_lean
from provers.lean.toolchain import NO_TOOLCHAIN, doctor, find_repl, find_toolchain

GOLDEN = Path(__file__).parent / "golden" / "lean"
TOOLCHAIN = find_toolchain()
needs_lean = pytest.mark.skipif(TOOLCHAIN is None, reason=NO_TOOLCHAIN)
needs_repl = pytest.mark.skipif(TOOLCHAIN is None or find_repl() is None,
                                reason=NO_TOOLCHAIN if TOOLCHAIN is None else "no Lean REPL (see nsp lean doctor)")


@pytest.fixture
def no_lean(monkeypatch, tmp_path):
    """An environment where no Lean can be found (empty PATH dir, empty HOME)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.delenv("NSP_LEAN", raising=False)
    monkeypatch.delenv("NSP_LEAN_REPL", raising=False)
    monkeypatch.delenv("ELAN_HOME", raising=False)
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if find_toolchain() is not None:
        pytest.skip("a lean on /usr/bin or /bin cannot be hidden")
    return tmp_path


def _exe(path: Path) -> Path:
    """A placeholder executable for discovery tests; it is never run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# ---------------------------------------------------------------- discovery


def test_discovery_order(tmp_path):
    explicit = _exe(tmp_path / "explicit" / "bin" / "lean")
    on_path = _exe(tmp_path / "path" / "lean")
    _exe(tmp_path / "path" / "lake")
    elan = _exe(tmp_path / "home" / ".elan" / "bin" / "lean")
    base = {"HOME": str(tmp_path / "home"), "PATH": str(tmp_path / "path")}
    tc = find_toolchain({**base, "NSP_LEAN": str(tmp_path / "explicit")})  # a toolchain directory
    assert tc.lean == explicit and tc.source == "NSP_LEAN"
    tc = find_toolchain(base)
    assert tc.lean == on_path and tc.source == "PATH" and tc.lake == tmp_path / "path" / "lake"
    tc = find_toolchain({**base, "PATH": str(tmp_path / "nowhere")})
    assert tc.lean == elan and tc.source == "elan"
    # an explicit NSP_LEAN that is wrong is reported, not silently replaced by another lean
    assert find_toolchain({**base, "NSP_LEAN": str(tmp_path / "missing")}) is None
    assert find_toolchain({"PATH": str(tmp_path / "nowhere"), "HOME": str(tmp_path / "nobody")}) is None
    repl = _exe(tmp_path / "r" / "repl")
    assert find_toolchain({**base, "NSP_LEAN_REPL": str(repl)}).repl == repl


def test_doctor_without_lean_says_how_to_install(no_lean):
    findings = {f.item: f for f in doctor()}
    assert not findings["lean"].ok and "elan" in findings["lean"].fix
    assert not findings["repl (incremental checking, tactic mode)"].ok
    assert findings["resource limits"].ok


# ---------------------------------------------------------------- no toolchain


def test_check_without_toolchain_is_a_value(no_lean):
    text = export_problem(problem_from_texts(["P(a)"], "P(a)", syntax="folio")).text
    result = check_text(text)
    assert isinstance(result, NoToolchain)
    assert "elan" in result.how_to_install and result.to_json()["status"] == "no-toolchain"


def test_screen_comes_before_the_toolchain(no_lean):
    result = check_text("#eval IO.println 1")
    assert isinstance(result, Error) and result.stage == "screen"
    assert result.errors[0].line == 1 and result.errors[0].column == 1


def test_cli_check_without_toolchain_exits_3(no_lean):
    f = no_lean / "p.lean"
    f.write_text(export_problem(problem_from_texts(["P(a)"], "P(a)", syntax="folio")).text)
    r = CliRunner().invoke(main, ["lean", "check", str(f)])
    assert r.exit_code == 3
    assert r.stderr.startswith(f"nsp: error: {NO_TOOLCHAIN}") and "elan" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = CliRunner().invoke(main, ["lean", "check", str(f), "--json"])
    assert r.exit_code == 3 and json.loads(r.stdout)["status"] == "no-toolchain"


def test_cli_check_rejects_hostile_file_with_exit_2(no_lean):
    f = no_lean / "h.lean"
    f.write_text("theorem t : True := trivial\n/- -/ #eval IO.Process.exit 0\n")
    r = CliRunner().invoke(main, ["lean", "check", str(f), "--json"])
    assert r.exit_code == 2
    data = json.loads(r.stdout)
    assert data["status"] == "error" and data["stage"] == "screen"
    assert {(m["line"], m["column"]) for m in data["messages"]} >= {(2, 7)}


@pytest.mark.parametrize("text, at, says", [
    ("theorem t : True := trivial\n/- -/ #eval IO.Process.exit 0\n", "2:7", "forbidden '#eval'"),
    ("null\n", "1:1", "forbidden 'null': not accepted here by the grammar of nsp's commands"),  # a term, not a file
    ("42\n", "1:1", "forbidden '42': numerals are not accepted"),
])
def test_cli_check_screen_refusal_is_one_bad_input_line(no_lean, text, at, says):
    f = no_lean / "h.lean"
    f.write_text(text)
    r = CliRunner().invoke(main, ["lean", "check", str(f)])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(f"nsp: error: {f}:{at}: refused by the Lean screen: {says}")
    assert len(r.stderr.splitlines()) == 1


def test_check_text_screens_a_whole_file(no_lean):
    for text in ("null", "exact h1 rex h2", None, 42):
        result = check_text(text)
        assert isinstance(result, Error) and result.stage == "screen", text
    assert isinstance(check_text("theorem t : True := trivial\n"), NoToolchain)


@pytest.mark.parametrize("content", [b"\xff\xfe bad", b"a\x00b"])
def test_cli_check_bad_files(no_lean, content):
    f = no_lean / "x.lean"
    f.write_bytes(content)
    r = CliRunner().invoke(main, ["lean", "check", str(f)])
    assert r.exit_code == 2 and r.stderr.startswith("nsp: error:")
    r = CliRunner().invoke(main, ["lean", "check", str(no_lean / "missing.lean")])
    assert r.exit_code == 2 and "No such file" in r.stderr


def test_cli_doctor_without_lean(no_lean):
    r = CliRunner().invoke(main, ["lean", "doctor"])
    assert r.exit_code == 3 and "[missing] lean" in r.stdout and "elan" in r.stdout
    r = CliRunner().invoke(main, ["lean", "doctor", "--json"])
    data = json.loads(r.stdout)
    assert data["ok"] is False and data["findings"][0]["item"] == "lean"


# ---------------------------------------------------------------- outcome logic (no Lean)


def test_message_positions_are_one_based():
    # the message shape documented in leanprover-community/repl's README (0-based columns)
    m = message_from_json({"severity": "error", "pos": {"line": 1, "column": 23},
                           "endPos": {"line": 1, "column": 26}, "data": "type mismatch"})
    assert (m.line, m.column, m.end_line, m.end_column) == (1, 24, 1, 27)
    assert str(m) == "1:24: error: type mismatch"


def test_extra_axioms_turn_proved_into_error():
    declared = ("NSP.U", "NSP.Dog")
    ok = Proved((), ("NSP.Dog", "propext"), 0.0)
    assert check_axioms(ok, declared) is ok
    bad = check_axioms(Proved((), ("NSP.Dog", "NSP.cheat"), 0.0), declared)
    assert isinstance(bad, Error) and bad.stage == "axioms" and "NSP.cheat" in bad.messages[-1].text
    assert check_axioms(Sorry(), declared) == Sorry()


def test_nsp_theorem_detection():
    text = export_problem(problem_from_texts(["P(a)"], "P(a)", syntax="folio")).text
    assert nsp_theorem(text) == "NSP.nsp_goal"
    assert nsp_theorem("theorem t : True := trivial") is None


def test_repl_protocol_parsing():
    # the exchanges documented in leanprover-community/repl's README
    cmd = parse_command_response({
        "sorries": [{"proofState": 0, "pos": {"line": 1, "column": 29}, "goal": "x : Unit\n⊢ Nat",
                     "endPos": {"line": 1, "column": 34}}],
        "messages": [{"severity": "warning", "pos": {"line": 1, "column": 4}, "endPos": {"line": 1, "column": 5},
                      "data": "declaration uses 'sorry'"}],
        "env": 0})
    assert cmd.env == 0 and cmd.sorries[0].proof_state == 0 and cmd.sorries[0].goal == "x : Unit\n⊢ Nat"
    assert cmd.messages[0].severity == "warning" and not cmd.errors
    step = parse_tactic_response({"proofState": 1, "goals": ["x : Unit\n⊢ Int"]})
    assert step == TacticState("x : Unit\n⊢ Int", 1, ("x : Unit\n⊢ Int",)) and step.num_goals == 1
    assert parse_tactic_response({"proofState": 2, "goals": []}) == ProofFinished(2)
    assert isinstance(parse_tactic_response({"message": "Lean error:\nunknown tactic"}), LeanError)


def test_tactics_are_screened_before_reaching_lean():
    assert isinstance(screen_tactic("#eval IO.Process.exit 0"), LeanError)
    assert isinstance(screen_tactic("exact (unsafeCast 0)"), LeanError)
    assert screen_tactic("sorry") == ProofGivenUp() and screen_tactic("  admit") == ProofGivenUp()
    assert screen_tactic("exact h1 rex h2") is None and screen_tactic("simp [sorry_free]") is None
    assert isinstance(screen_tactic("   "), LeanError)


def test_missing_back_ends_raise_with_install_hints(monkeypatch, tmp_path):
    monkeypatch.delenv("NSP_LEAN_REPL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LeanUnavailable, match="leanprover-community/repl"):
        ReplSession()
    try:
        import lean_dojo  # noqa: F401
    except ImportError:
        with pytest.raises(LeanUnavailable, match="pip install 'nsp\\[lean\\]'"):
            DojoSession()


# ---------------------------------------------------------------- with a Lean toolchain


@needs_lean
@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.lean")), ids=lambda p: p.stem)
def test_golden_files_elaborate(path):
    text = path.read_text(encoding="utf-8")
    result = check_text(text, theorem=nsp_theorem(text), timeout=120)
    if path.stem == "proof_dogs":
        assert isinstance(result, Proved), result
    else:
        assert isinstance(result, Sorry), result  # the statement elaborates; the proof is sorry


@needs_lean
def test_lean_accepts_a_proof_and_reports_axioms():
    e = export_problem(problem_from_texts(["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "Animal(rex)", syntax="folio"))
    result = check_export(e, "exact h1 rex h2", timeout=120)
    assert isinstance(result, Proved), result
    assert set(result.axioms) <= set(e.axioms)


@needs_lean
def test_lean_rejects_a_wrong_proof_with_a_position():
    e = export_problem(problem_from_texts(["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "Animal(rex)", syntax="folio"))
    result = check_export(e, "exact h2", timeout=120)
    assert isinstance(result, Error) and result.stage == "lean"
    line = e.with_proof("exact h2").text.splitlines().index("  exact h2") + 1
    assert any(m.line == line for m in result.errors), result


@needs_lean
def test_lean_timeout_is_a_value():
    e = export_problem(problem_from_texts(["P(a)"], "P(a)", syntax="folio"))
    assert isinstance(check_export(e, "exact h1", timeout=0.01), Timeout)


@needs_lean
def test_provenance_proofs_check_in_lean():
    """The step prover's proofs of the shared examples are accepted by Lean."""
    from provers.explain import explanation_graph
    from provers.z3_bridge import decide
    from tests.examples import PROBLEMS

    for ex in PROBLEMS:
        if ex.outcome not in ("True", "False", "Inconsistent"):
            continue
        prob = problem_from_texts(ex.premises, ex.conclusion, syntax="folio", strict=True)
        g = explanation_graph(prob, decide(prob.premises, prob.conclusion))
        goal = next(n for n, d in g.nodes(data=True) if d["role"] in ("theorem", "derived"))
        proof = proof_to_lean(g, goal, budget=1500)
        result = check_axioms(check_text(proof.text, theorem=proof.export.theorem, timeout=120), proof.export.axioms)
        expected = Proved if proof.complete else Sorry
        assert isinstance(result, expected), (ex.id, result)


@needs_repl
def test_repl_tactic_session():
    e = export_problem(problem_from_texts(["∀x (Dog(x) → Animal(x))", "Dog(rex)"], "Animal(rex)", syntax="folio"))
    with ReplSession(timeout=120) as lean:
        state = lean.start(e)
        assert isinstance(state, TacticState) and "Animal rex" in state.pp
        assert isinstance(lean.run_tac(state, "exact h2"), LeanError)
        done = lean.run_tac(state, "exact h1 rex h2")  # the failed tactic did not change `state`
        assert isinstance(done, ProofFinished)
        results = lean.check_proofs(e, ["exact h1 rex h2", "exact h2", "sorry"])
        assert [type(r) for r in results] == [Proved, Error, Sorry]
