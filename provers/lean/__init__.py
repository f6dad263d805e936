"""The Lean 4 bridge: export problems and provenance proofs to Lean, check them in a sandbox,
and drive Lean tactic by tactic.

* :mod:`provers.lean.export` — a problem as a self-contained Lean 4 file (core only).
* :mod:`provers.lean.proof` — a provenance DAG as a Lean proof, one ``have`` per step.
* :mod:`provers.lean.sandbox` — the screen for untrusted Lean text and the jailed runner.
* :mod:`provers.lean.toolchain` — finding ``lean``/``lake``/``repl``/lean-dojo; ``doctor``.
* :mod:`provers.lean.check` — ``lean --json`` verdicts: Proved, Sorry, Error, Timeout, NoToolchain.
* :mod:`provers.lean.interact` — ``start``/``run_tac`` sessions over the Lean REPL or lean-dojo.

Nothing here needs Lean to import; every entry point that needs it returns ``NoToolchain``
(or raises ``LeanUnavailable``) with install instructions when it is missing.
"""

from importlib import import_module

# Names resolve on first use (PEP 562), so importing one submodule (e.g. the CLI's
# provers.lean.commands, on every nsp start) does not import the others and networkx.
_HOME = {
    **dict.fromkeys(("CheckResult", "Error", "LeanMessage", "NoToolchain", "Proved", "Sorry", "Timeout",
                     "check_export", "check_file", "check_text"), "check"),
    **dict.fromkeys(("ExportError", "LeanExport", "export_formulas", "export_problem", "export_verdict"), "export"),
    **dict.fromkeys(("LeanProof", "StepProof", "proof_to_lean", "prove_step"), "proof"),
    **dict.fromkeys(("Violation", "screen"), "sandbox"),
    **dict.fromkeys(("Toolchain", "doctor", "find_toolchain"), "toolchain"),
}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(f"provers.lean.{_HOME[name]}"), name)
    raise AttributeError(f"module 'provers.lean' has no attribute {name!r}")


__all__ = [
    "CheckResult", "Error", "LeanMessage", "NoToolchain", "Proved", "Sorry", "Timeout", "check_export",
    "check_file", "check_text", "ExportError", "LeanExport", "export_formulas", "export_problem",
    "export_verdict", "LeanProof", "StepProof", "proof_to_lean", "prove_step", "Violation", "screen",
    "Toolchain", "doctor", "find_toolchain",
]
