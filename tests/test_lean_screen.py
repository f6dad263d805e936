"""The allow-list Lean screen: evasive variants (issue 16) are rejected with one line giving
position and reason; everything nsp exports passes. No Lean toolchain is needed or faked."""

from __future__ import annotations

import glob
import json
import re
import time
from pathlib import Path

import pytest

from nsp.logic.problem import ProblemError, problem_from_texts, read_problem_file
from nsp.logic.syntax import parse_formula
from provers.lean.export import export_formulas, export_problem, export_verdict
from provers.lean.screen import DEFAULT_ALLOWED_IMPORTS, blank_comments, check, screen

ROOT = Path(__file__).resolve().parent.parent
BASE = export_formulas([parse_formula("∀x (Dog(x) → Animal(x))"), parse_formula("Dog(rex)")],
                      parse_formula("Animal(rex)")).text


def inject(code: str) -> tuple[str, int]:
    """BASE with ``code`` inserted before ``end NSP`` (an import: first); the 1-based line where
    it starts."""
    lines = BASE.splitlines(keepends=True)
    at = 0 if code.startswith("import") else max(i for i, l in enumerate(lines) if l.startswith("end NSP"))
    return "".join(lines[:at] + [code + "\n"] + lines[at:]), at + 1


# (name, injected Lean, allowed imports). Each must be rejected at or after the injection.
EVASIVE = {
    # character literals around dangerous code: the old screen read '«' … '»' as one name
    "char-readFile": ("example : Char := '«'\n#eval IO.FS.readFile \"/etc/passwd\"\nexample : Char := '»'", ()),
    "char-process": ("example := ('«', IO.Process.spawn { cmd := \"sh\" }, '»')", ()),
    "char-run_cmd": ("example : Char := '«'\nrun_cmd Lean.logInfo \"x\"\nexample : Char := '»'", ()),
    "char-elab": ("example : Char := '«'\nelab \"go\" : term => pure (Lean.mkConst ``True)\nexample : Char := '»'", ()),
    "char-macro_rules": ("example : Char := '«'\nmacro_rules | `(tactic| trivial) => `(tactic| sorry)\n'»'", ()),
    "char-initialize": ("example : Char := '«'\ninitialize IO.println \"boot\"\nexample : Char := '»'", ()),
    "char-eval": ("'«' #eval (1 : Nat) '»'", ()),
    "char-escape-u": ("example : Char := '\\u{ab}'\n#eval 1\nexample : Char := '\\u{bb}'", ()),
    # the kernel running compiled code
    "reduceBool": ("theorem t : Lean.reduceBool true = true := rfl", ()),
    "ofReduceBool": ("theorem t : True := Lean.ofReduceBool _ _ rfl", ()),
    "native_decide": ("theorem t : Animal rex := by native_decide", ()),
    "decide-in-term": ("theorem t : True := by decide", ()),
    # attributes
    "command_elab": ("@[command_elab Lean.Parser.Command.check] def e : Lean.Elab.Command.CommandElab := fun _ => pure ()",
                     ("Lean",)),
    "extern": ("@[extern \"system\"] opaque sys : U → U", ()),
    "attribute-cmd": ("attribute [simp] h1", ()),
    "attribute-local-instance": ("attribute [local instance] nsp_inhabited", ()),
    "unsafe": ("unsafe def x : U := unsafeCast ()", ()),
    "unsafe-term": ("theorem t : True := unsafe trivial", ()),
    # options and scopes
    "set_option-heartbeats": ("set_option maxHeartbeats 0", ()),
    "set_option-kernel": ("set_option debug.skipKernelTC true", ()),
    "set_option-in": ("set_option autoImplicit false in\ntheorem t : True := trivial", ()),
    "open-in": ("open Lean in\ntheorem t : True := trivial", ()),
    "open-term": ("theorem t : True := open Lean in trivial", ()),
    "namespace-lean": ("namespace Lean\ntheorem t : True := ofReduceBool _ _ rfl\nend Lean", ()),
    # imports
    "import-traversal": ("import Init.«../../../../tmp/evil»", ("Init",)),
    "import-lean": ("import Lean", ()),
    "import-lean-elab": ("import Lean.Elab", ("Lean",)),  # exact names: Lean does not allow Lean.Elab
    "import-init-prefix": ("import Init.Data.List", ("Init",)),
    "import-escaped": ("import «Init»", ("Init",)),
    # #print tricks
    "print-string": ("#print \"hello\"", ()),
    "print-decl": ("#print IO.Process.spawn", ()),
    "print-axioms-then-eval": ("#print axioms NSP.nsp_goal #eval 1", ()),
    "print-axioms-escaped": ("#print axioms «IO».FS.readFile", ()),
    "check": ("#check (IO.Process.exit 0 : IO Unit)", ()),
    # strings and their escapes
    "string-escape-dash": ("theorem t : True := by exact \"\\\"--\" #eval 1", ()),
    "string-unicode-escape": ("example := \"\\u{2d}\\u{2d}\" #eval 1", ()),
    "raw-string": ("example := r#\"--\"# #eval 1", ()),
    "interpolated": ("example := s!\"{IO.getEnv \\\"HOME\\\"}\"", ()),
    # comments: nested ones close where Lean closes them
    "nested-comment-closed": ("/- /- -/ -/ #eval 1", ()),
    "extra-comment-close": ("/- x -/ -/ #eval 1", ()),
    "unterminated-comment": ("/- /- -/ #eval 1", ()),
    "doc-comment-then-code": ("/-- doc /- inner -/ -/ #eval 1", ()),
    # identifiers: escapes, Unicode look-alikes, keywords read as names
    "escaped-ident": ("theorem t : True := «IO».FS.readFile", ()),
    "escaped-unicode": ("axiom «I\\u004fx» : U", ()),
    "greek-lookalike": ("theorem t : True := ΙΟ.FS.readFile", ()),
    "fullwidth-hash": ("＃eval 1", ()),
    "by_elab-term": ("theorem t : True := by_elab pure (Lean.mkConst ``True.intro)", ()),
    "by_elab-in-exact": ("theorem t : True := by exact by_elab pure default", ()),
    "dotted-io-in-proof": ("theorem t : True := by exact IO.Process.exit 0", ()),
    "dotted-core": ("theorem t : True := by exact Lean.Elab.Command.elabCommand", ()),
    "bad-projection": ("theorem t : True := by exact h1.native_decide", ()),
    "backtick-name": ("theorem t : True := by exact `(True)", ()),
    # other declarations
    "syntax": ("syntax \"go\" : tactic", ()),
    "notation": ("notation \"ℕ\" => Nat", ()),
    "infix": ("infix:50 \" ≺ \" => Dog", ()),
    "macro": ("macro \"x\" : term => `(1)", ()),
    "partial-def": ("partial def loop : Nat → Nat := loop", ()),
    "def": ("def f : U → U := fun x => x", ()),
    "instance-computable": ("instance : Inhabited U := ⟨rex⟩", ()),
    "run_elab": ("run_elab Lean.logInfo m!\"x\"", ()),
    "run_meta": ("run_meta pure ()", ()),
    "exit": ("#exit", ()),
    "tab": ("theorem t : True :=\ttrivial", ()),
    "lone-cr": ("theorem t : True := trivial\r#eval 1", ()),
}


@pytest.mark.parametrize("name", sorted(EVASIVE))
def test_evasive_variant_is_rejected(name):
    code, allowed = EVASIVE[name]
    text, line = inject(code)
    found = screen(text, allowed)
    assert len(found) == 1, (name, found)
    (v,) = found
    assert v.line >= line, (name, str(v))  # the export around it is fine; the injection is not
    message = check(text, allowed)
    assert message == str(v) and "\n" not in message and re.match(r"\d+:\d+: forbidden ", message)
    # also rejected on its own, in every reading (module, tactics, term)
    assert screen(code, allowed) and all(screen(code, allowed, kind) for kind in ("module", "tactics", "term"))


def test_enough_variants():
    assert len(EVASIVE) >= 26


@pytest.mark.parametrize("code, construct, reason", [
    ("'«' #eval 1 '»'", "'«'", "character literal"),
    ("import Init.«../../../../tmp/evil»", "import Init.«../../../../tmp/evil»", "allow-list"),
    ("theorem t : True := Lean.ofReduceBool", "Lean.ofReduceBool", "IO world or its meta level"),
    ("theorem t : True := by native_decide", "native_decide", "keyword"),
    ("#eval 1", "#eval", "#print axioms"),
    ("set_option maxHeartbeats 0", "maxHeartbeats", "autoImplicit"),
    ("def x := \"--\"", "def", "keyword"),
])
def test_reason_names_the_construct(code, construct, reason):
    (v,) = screen(code, ("Init",))
    assert v.construct == construct and reason in v.reason, str(v)


# ---------------------------------------------------------------- what must pass


ACCEPTED = {
    "comment-hides-code": "/- #eval 1 /- nested -/ IO.Process -/\ntheorem t : True := trivial",
    "doc-comments": "/-- doc with #eval -/\ntheorem t : True := trivial\n/-! module doc -/",
    "line-comment-with-close": "-- a -/ b \"c\" '«'\ntheorem t : True := trivial",
    "primes": "theorem t (h' : True) : True := by exact h' -- done",
    "print-axioms": "theorem t : True := trivial\n#print axioms t\n#print axioms NSP.nsp_goal",
    "tactics": "example (a : U) (h : ∀ x : U, P x) : P a ∧ True := by\n  constructor\n  exact h a\n  trivial",
    "term-proof": "theorem t (h : A ∧ B) : B ∧ A := ⟨h.2, h.1⟩",
    "eq-subst": "theorem t (h : a = b) (p : P a) : P b := Eq.subst (motive := fun z => P z) h p",
    "have-chain": ("theorem t (h1 : A → B) (h2 : A) : B := by\n  have s1 : B := by exact h1 h2\n"
                   "  have s2 : B := s1\n  exact s2"),
    "simp": "example : True := by simp only [h1, h2]",
    "exists": "example (a : U) (p : P a) : ∃ x : U, P x := by exists a",
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_nsp_language_is_accepted(name):
    assert screen(ACCEPTED[name]) == ()


def test_tactics_and_terms_alone():
    assert screen("exact h1 rex h2", kind="tactics") == () and screen("NSP.nsp_goal", kind="term") == ()
    assert screen("exact h1 rex h2", kind="module") != ()
    assert screen("intro x\nexact h x", kind="tactics") == ()


def test_import_policy_is_exact_names():
    assert DEFAULT_ALLOWED_IMPORTS == ()  # nsp's exports import nothing
    assert screen("import Init") != ()
    assert screen("import Init\ntheorem t : True := trivial", ("Init",)) == ()
    assert screen("import Init.Data", ("Init",)) != ()  # no prefixes
    assert screen("import Std.Data.HashMap", ("Std",)) != ()
    assert screen("import Std.Data.HashMap", ("Std.Data.HashMap",)) == ()
    assert screen("theorem t : True := trivial\nimport Init", ("Init",)) != ()  # header only


def test_comments_are_blanked_in_place():
    text = "a /- x /- y -/ z -/ b -- c\n/-- d -/ e"
    code, open_at = blank_comments(text)
    assert open_at is None and len(code) == len(text) and code.split() == ["a", "b", "e"]
    assert blank_comments("x /- /- -/")[1] == 2


def test_deep_nesting_without_recursion():
    n = 100_000
    start = time.monotonic()
    assert screen("theorem t : " + "(" * n + "True" + ")" * n + " := trivial") == ()
    assert screen("theorem t : " + "¬" * n + "True := sorry") == ()
    assert screen("/-" * n + "-/" * n + "\ntheorem t : True := trivial") == ()
    assert screen("theorem t : " + "(" * n + "True := trivial") != ()
    assert time.monotonic() - start < 30


def test_non_text_and_huge_text():
    assert screen(None) != ()  # type: ignore[arg-type]
    assert screen("-- " + "x" * 5_000_000) != ()


# ---------------------------------------------------------------- every nsp export passes


def _exports():
    """(label, text) for every Lean file nsp writes from the shared examples."""
    from tests.examples import PROBLEMS

    for ex in PROBLEMS:
        prob = problem_from_texts(ex.premises, ex.conclusion, syntax="folio", strict=True)
        for negate in (False, True):
            e = export_problem(prob, negate=negate)
            yield f"{ex.id}:{negate}", e.text
            yield f"{ex.id}:{negate}:decls", e.declarations
            yield f"{ex.id}:{negate}:cmd", e.theorem_command() + f"\n#print axioms {e.theorem}\n"
        if ex.outcome in ("True", "False", "Inconsistent"):
            yield f"{ex.id}:verdict", export_verdict(prob, ex.outcome).text
    for path in sorted(glob.glob(str(ROOT / "data" / "examples" / "*"))) + [str(ROOT / "data" / "axioms" / "peano.fol")]:
        try:
            prob = read_problem_file(path, "auto", False)
        except ProblemError:
            continue  # English (needs a model to translate)
        if prob.conclusion is None:  # axioms only (peano.fol): each axiom from the others, and consistency
            for i, goal in enumerate(prob.premises):
                yield f"{path}:{i}", export_formulas(prob.premises[:i] + prob.premises[i + 1:], goal).text
            yield f"{path}:inconsistent", export_verdict(prob, "Inconsistent").text
        else:
            yield path, export_problem(prob).text
            yield f"{path}:neg", export_problem(prob, negate=True).text
    for path in sorted(glob.glob(str(ROOT / "tests" / "golden" / "lean" / "*.lean"))):
        yield path, Path(path).read_text(encoding="utf-8")


def _proofs():
    from provers.explain import explanation_graph
    from provers.lean.proof import proof_to_lean
    from provers.z3_bridge import decide
    from tests.examples import PROBLEMS

    for ex in PROBLEMS:
        if ex.outcome not in ("True", "False", "Inconsistent"):
            continue
        prob = problem_from_texts(ex.premises, ex.conclusion, syntax="folio", strict=True)
        g = explanation_graph(prob, decide(prob.premises, prob.conclusion))
        proof = proof_to_lean(g, g.graph["target"], budget=1500)
        yield ex.id, proof.text
        for step in proof.steps:
            yield f"{ex.id}:{step.name}", step.tactic  # what a tactic search would send


def test_every_nsp_export_passes():
    texts = list(_exports())
    bad = [(label, str(screen(text)[0])) for label, text in texts if screen(text)]
    assert not bad, bad[:5]
    assert len(texts) >= 250, len(texts)


def test_every_nsp_proof_passes():
    texts = list(_proofs())
    bad = [(label, str(screen(text)[0])) for label, text in texts if screen(text)]
    assert not bad, bad[:5]
    assert sum(":" not in label for label, _ in texts) >= 25


def test_uncertain_json_example_is_read():
    data = json.loads((ROOT / "data" / "examples" / "uncertain.json").read_text())
    assert "premises" in data  # the reader above exported it (a guard against the file moving)
