"""The generated bad-input corpus (issue 16, item 7): every subcommand of ``nsp`` fed bad files
(empty, binary, UTF-16/32, bytes that are not UTF-8, lone surrogates, deep nesting, unbounded
input, wrong and missing fields), bad option values (nan/inf/1e308/0/-5 timeouts, negative
limits, unknown choices) and bad output paths (a folder, a device, the input itself, a missing
folder), plus click usage errors.

Every case must exit with its documented code (README: 2 bad input or usage, 4 ``nsp eval`` or an
``nsp synth`` job finished with unreadable items, which the synth jobs also list in their errors
file), print one line on stderr (plus the two-line caret display of a formula error),
never a traceback, and finish within :data:`CASE_SECONDS` (a hang guard, not a speed test).

Cases run in-process (click's ``CliRunner``: a few hundred cases in seconds); a sample runs
through the real entry point (``python -m nsp.cli``) in subprocesses and must behave the same.
No case loads a language model: ``nsp check``/``nsp eval`` cases fail while reading their input
(or their ``--replay`` file), and ``nsp train`` cases are option errors. (tests/test_bad_input.py
holds the ``nsp prove`` problem-file cases; they are not repeated here.)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsp.cli import main
from tests.conftest import ROOT

CASE_SECONDS = 30
MEMORY_HEADROOM = 3 << 30  # bytes of address space a case may add: an unbounded read fails, the machine does not


# ---------------------------------------------------------------- the bad files


def _deep_term(n: int) -> str:
    return "P(" + "f(" * n + "a" + ")" * (n + 1)


GOOD_GRAPH = {
    "directed": True, "multigraph": False, "graph": {"format": "nsp-provenance/1", "problem": "g"},
    "nodes": [{"id": "p1", "formula": "P(a)", "role": "premise", "rule": "given"},
              {"id": "t1", "formula": "P(a) ∨ Q(a)", "role": "theorem", "rule": "entailment"}],
    "links": [{"source": "p1", "target": "t1", "kind": "premise"}],
}

# Bytes that no reader may accept, whatever the command (name -> content).
GENERIC = {
    "empty": b"",
    "blank": b"\n   \n\t\n",
    "binary": bytes(random.Random(16).randrange(256) for _ in range(2048)),
    "nul-in-text": b"P(a)\x00\n---\nQ(a)\n",
    "utf16-bom": "P(a)\n---\nP(a)\n".encode("utf-16"),
    "utf16le-no-bom": '{"premises": ["P(a)"], "conclusion": "P(a)"}\n'.encode("utf-16-le"),
    "utf32": "P(a)\n---\nP(a)\n".encode("utf-32"),
    "latin1": "Café(a)\n---\nCafé(a)\n".encode("latin-1"),
    "bad-utf8-continuation": b"P(a)\n---\nQ(\xc3\x28)\n",
    "overlong-utf8": b"P(\xc0\xaf)\n---\nP(a)\n",
    "encoded-surrogate-utf8": b"P(\xed\xa0\x80)\n---\nP(a)\n",
    "deep-json-array": b"[" * 100_000,
    "deep-json-object": b'{"a":' * 100_000,
    "deep-json-closed": b"[" * 3_000 + b"]" * 3_000,
    "json-scalar": b"42\n",
    "json-string": b'"P(a)"\n',
    "json-null": b"null\n",
    "truncated-json": b'{"premises": ["P(a)"], "concl',
}

# Paths rather than contents ("{dir}" is the case folder).
GENERIC_PATHS = {
    "missing": "{dir}/no-such-file.txt",
    "missing-folder": "{dir}/no/such/folder/file.txt",
    "a-folder": "{dir}/folder",
    "dev-null": "/dev/null",
    "dev-zero": "/dev/zero",  # unbounded: a reader must stop at its size limit
    "sparse-3gb": "{dir}/sparse-3gb.txt",  # st_size says 3 GB: refused before reading
}

UNBOUNDED = {GENERIC_PATHS["dev-zero"], GENERIC_PATHS["sparse-3gb"]}

# Per input format: contents that are well-formed bytes but not a valid input of that format.
PROBLEM_JSON = {
    "premises-not-list": {"premises": "P(a)", "conclusion": "P(a)"},
    "premises-ints": {"premises": [1, 2], "conclusion": "P(a)"},
    "premise-null": {"premises": [None], "conclusion": "P(a)"},
    "premise-object": {"premises": [{"f": "P(a)"}], "conclusion": "P(a)"},
    "conclusion-null": {"premises": ["P(a)"], "conclusion": None},
    "conclusion-int": {"premises": ["P(a)"], "conclusion": 7},
    "conclusion-list": {"premises": ["P(a)"], "conclusion": ["P(a)"]},
    "no-premises-field": {"conclusion": "P(a)"},
    "lone-surrogate": {"premises": ["P(\ud800)"], "conclusion": "P(a)"},
    "lone-surrogate-conclusion": {"premises": ["P(a)"], "conclusion": "Q(\udfff)"},
    "list-not-object": ["P(a)", "P(a)"],
}
PROBLEM_TEXT = {
    "deep-negation-unclosed": "¬(" * 5_000 + "\n---\nP(a)\n",
    "control-chars": "P(a)\x1b[31m\x07\n---\nP(a)\n",
    "bidi-override": "P(a) \u202e∧ Q(b)\n---\nP(a)\n",
    "tptp-unclosed": "fof(a1, axiom, p(a).\nfof(c, conjecture, p(a)).\n",
    "tptp-two-conjectures": "fof(c1, conjecture, p(a)).\nfof(c2, conjecture, q(a)).\n",
    "only-separator": "---\n",
    "variable-as-constant-arity": "P(a)\nP(a, b, c)\n---\nP(a)\n",
}

NL_JSON = {
    "premises-ints": {"premises": [1], "conclusion": "Rex is a dog."},
    "no-conclusion": {"premises": ["Rex is a dog."]},
    "conclusion-null": {"premises": ["Rex is a dog."], "conclusion": None},
    "premises-string": {"premises": "Rex is a dog.", "conclusion": "Rex is a dog."},
    "lone-surrogate": {"premises": ["Rex is a \ud800."], "conclusion": "Rex is a dog."},
    "scalar": 42,
}
NL_TEXT = {
    "no-separator": "Rex is a dog.\nRex is an animal.\n",
    "two-separators": "Rex is a dog.\n---\nRex is a dog.\n---\nX.\n",
    "two-conclusions": "Rex is a dog.\n---\nRex is a dog.\nTom is a cat.\n",
    "no-premises": "---\nRex is a dog.\n",
}

# JSONL items (nsp eval --gold-fol: FOLIO rows; an unreadable item is exit 4, the job finishes).
FOLIO_ROWS = {
    "premises-ints": {"premises-FOL": [1, 2], "conclusion-FOL": "P(a)", "label": "True"},
    "premises-string": {"premises-FOL": "P(a)", "conclusion-FOL": "P(a)", "label": "True"},
    "conclusion-int": {"premises-FOL": ["P(a)"], "conclusion-FOL": 3, "label": "True"},
    "label-missing": {"premises-FOL": ["P(a)"], "conclusion-FOL": "P(a)"},
    "label-int": {"premises-FOL": ["P(a)"], "conclusion-FOL": "P(a)", "label": 1},
    "label-unknown": {"premises-FOL": ["P(a)"], "conclusion-FOL": "P(a)", "label": "Maybe"},
    "lone-surrogate": {"premises-FOL": ["P(\ud800)"], "conclusion-FOL": "P(a)", "label": "True"},
    "bad-formula": {"premises-FOL": ["P(a) ∧"], "conclusion-FOL": "P(a)", "label": "True"},
    "row-is-list": ["P(a)"],
}

# JSONL theorems (nsp synth mutate / search): an unreadable item goes to the job's errors file (exit 4).
THEOREM_ROWS = {
    "premises-ints": {"id": "t", "premises": [1], "conclusion": "P(a)"},
    "premises-string": {"id": "t", "premises": "P(a)", "conclusion": "P(a)"},
    "conclusion-null": {"id": "t", "premises": ["P(a)"], "conclusion": None},
    "conclusion-int": {"id": "t", "premises": ["P(a)"], "conclusion": 5},
    "lone-surrogate": {"id": "t", "premises": ["P(\ud800)"], "conclusion": "P(a)"},
    "bad-formula": {"id": "t", "premises": ["P(a) ∧ ∧"], "conclusion": "P(a)"},
    "folio-premises-ints": {"premises-FOL": [1, 2], "conclusion-FOL": "P(a)", "story_id": 1},
    "row-is-number": 7,
    "not-json": "{oops",
}

# Graph files (nsp graph ..., nsp html, nsp serve).
GRAPHS = {
    "nodes-not-list": {"nodes": "p1", "links": []},
    "node-without-id": {"nodes": [{"formula": "P(a)"}], "links": []},
    "node-is-number": {"nodes": [5], "links": []},
    "link-to-missing-node": {"nodes": [{"id": "p1", "formula": "P(a)"}], "links": [{"source": "p1", "target": "zz"}]},
    "links-not-list": {"nodes": [{"id": "p1", "formula": "P(a)"}], "links": 3},
    "record-graph-null": {"id": "r", "graph": None},
    "record-graph-string": {"id": "r", "graph": "nodes"},
    "formula-lone-surrogate": {**GOOD_GRAPH, "nodes": [{**GOOD_GRAPH["nodes"][0], "formula": "P(\ud800)"},
                                                      GOOD_GRAPH["nodes"][1]]},
    "formula-int": {**GOOD_GRAPH, "nodes": [{**GOOD_GRAPH["nodes"][0], "formula": 12}, GOOD_GRAPH["nodes"][1]]},
    "no-graph-at-all": {"id": "x", "premises": ["P(a)"]},
}

AXIOMS = {
    "bad-formula": "∀x (P(x) ∧\n",
    "only-comments": "# nothing\n\n# here\n",
    "unknown-symbol": "∀x (P(x) @ Q(x))\n",
    "arity-clash": "∀x (P(x))\n∀x ∀y (P(x, y))\n",
}

LEAN_SCREENED = {  # refused by the allow-list screen before any Lean runs (exit 2)
    "io-process": "def main : IO Unit := do\n  let _ ← IO.Process.output { cmd := \"sh\" }\n",
    "run-cmd": "run_cmd Lean.logInfo \"x\"\n",
    "import-evil": "import Init.«../../../../tmp/evil»\ntheorem t : True := trivial\n",
    "char-literal-guillemets": "def a := '«'\n#eval IO.FS.readFile \"/etc/passwd\"\ndef b := '»'\n",
    "macro-rules": "macro_rules | `(tactic| trivial) => `(tactic| sorry)\n",
}

REPLAY = {  # nsp check --replay FILE with a good problem: the replay file is read before any model
    "samples-not-list": {"id": "x", "samples": "P(a)"},
    "samples-ints": {"id": "x", "samples": [[1, 2]]},
    "row-scalar": 5,
}


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """``args`` may hold ``{in}`` (the case's input file), ``{dir}`` (its folder) and ``{good*}``."""

    name: str
    args: tuple[str, ...]
    code: int = 2
    content: bytes | None = None  # written to {in}
    path: str | None = None       # {in} is this path instead (GENERIC_PATHS)

    @property
    def command(self) -> str:
        return " ".join(a for a in self.args[:2] if not a.startswith(("{", "-")) and "/" not in a)


# (command name, argv with {in}) for every command that reads a file; the code a bad file gives.
READERS = {
    "prove": ("prove", "{in}"),
    "eval": ("eval", "{in}", "--gold-fol"),
    "eval-replay": ("eval", "{in}", "--replay", "{good_replay}"),
    "check": ("check", "{in}"),
    "check-replay": ("check", "{good_nl}", "--replay", "{in}"),
    "lean export": ("lean", "export", "{in}"),
    "lean check": ("lean", "check", "{in}"),
    "graph verify": ("graph", "verify", "{in}", "--no-progress"),
    "graph proof": ("graph", "proof", "{in}", "p1"),
    "graph uses": ("graph", "uses", "{in}", "p1"),
    "graph merge": ("graph", "merge", "{in}", "-o", "{dir}/merged.json"),
    "synth mutate": ("synth", "mutate", "{in}", "-o", "{dir}/mutants.jsonl", "--no-progress"),
    "synth search": ("synth", "search", "{in}", "-o", "{dir}/trees.jsonl", "--no-progress"),
    "synth explore": ("synth", "explore", "{in}", "-o", "{dir}/explored.json", "--no-progress", "--time-limit", "5"),
    "html": ("html", "{in}", "-o", "{dir}/site"),
    "serve": ("serve", "{in}", "--port", "0", "--quiet"),
}
# tests/test_bad_input.py covers these for nsp prove.
COVERED = {("prove", k) for k in ("empty", "binary", "bad-utf8-continuation", "truncated-json", "premises-ints",
                                  "deep-negation-unclosed", "missing", "a-folder")}


def _json_bytes(value) -> bytes:
    return (json.dumps(value, ensure_ascii=True) + "\n").encode()


# JSON-lines batch inputs: a line that is not an item is that item's error, and the job goes on
# (the job exits 4 at the end; nsp synth jobs list it in OUT.errors.jsonl); an input with no line
# at all is an empty job (exit 0).
JSONL_READERS = {"eval": 4, "eval-replay": 4, "synth mutate": 4, "synth search": 4}
ITEM_KINDS = {"deep-json-array", "deep-json-object", "deep-json-closed", "json-scalar", "json-string", "json-null",
              "truncated-json"}
EMPTY_KINDS = {"empty", "blank", "dev-null"}
EMPTY_OK = {"eval", "eval-replay", "synth mutate", "synth search", "html", "serve"}
# ... but a file that opens with "[" is read whole as a Logic-LM JSON dataset: a file-level error.
WHOLE_IF_ARRAY = {"eval-replay", "synth search"}
NOT_BAD = {  # well-formed input for this reader: not part of a bad-input corpus
    **{("lean check", k): "valid (empty) Lean text" for k in EMPTY_KINDS},
    **{("serve", k): "an empty source is served (and re-indexed when it changes)" for k in ("a-folder", *EMPTY_KINDS)},
}


def _generic_code(reader: str, kind: str) -> int:
    if reader in JSONL_READERS and kind in ITEM_KINDS:
        if reader in WHOLE_IF_ARRAY and GENERIC[kind].startswith(b"["):
            return 2
        return JSONL_READERS[reader]
    if reader in EMPTY_OK and kind in ({"empty", "blank"} | ({"a-folder"} if reader == "html" else set())
                                       | ({"dev-null"} if reader != "html" else set())):
        return 0
    return 2


def _file_cases() -> list[Case]:
    cases = []
    for reader, argv in READERS.items():
        for kind, data in GENERIC.items():
            if (reader, kind) not in COVERED and (reader, kind) not in NOT_BAD:
                cases.append(Case(f"{reader}/{kind}", argv, code=_generic_code(reader, kind), content=data))
        for kind, path in GENERIC_PATHS.items():
            if (reader, kind) not in COVERED and (reader, kind) not in NOT_BAD:
                cases.append(Case(f"{reader}/{kind}", argv, code=_generic_code(reader, kind), path=path))
    for reader in ("prove", "lean export"):
        for kind, value in PROBLEM_JSON.items():
            if (reader, kind) not in COVERED:
                cases.append(Case(f"{reader}/json-{kind}", READERS[reader], content=_json_bytes(value)))
        for kind, text in PROBLEM_TEXT.items():
            cases.append(Case(f"{reader}/{kind}", READERS[reader], content=text.encode()))
    for kind, value in NL_JSON.items():
        cases.append(Case(f"check/json-{kind}", READERS["check"], content=_json_bytes(value)))
    for kind, text in NL_TEXT.items():
        cases.append(Case(f"check/{kind}", READERS["check"], content=text.encode()))
    for kind, value in REPLAY.items():
        cases.append(Case(f"check-replay/{kind}", READERS["check-replay"], content=_json_bytes(value)))
    for kind, value in FOLIO_ROWS.items():  # a gold formula that does not parse is scored as an error (exit 0)
        code = 0 if kind == "bad-formula" else 4
        cases.append(Case(f"eval/item-{kind}", READERS["eval"] + ("--json",), code=code, content=_json_bytes(value)))
    for reader in ("synth mutate", "synth search"):
        for kind, value in THEOREM_ROWS.items():
            if reader == "synth search" and kind not in ("premises-ints", "conclusion-null", "row-is-number"):
                continue  # each item case starts a job's worker pool: a sample for search
            data = (value + "\n").encode() if isinstance(value, str) else _json_bytes(value)
            # a line that is not an item: exit 4 at the end; a formula that does not parse fails its item (exit 0)
            code = 0 if kind == "bad-formula" else 4
            cases.append(Case(f"{reader}/item-{kind}", READERS[reader], code=code, content=data))
    for reader in ("graph verify", "graph proof", "graph uses", "graph merge", "html", "serve"):
        for kind, value in GRAPHS.items():
            cases.append(Case(f"{reader}/graph-{kind}", READERS[reader], content=_json_bytes(value)))
    for kind, text in AXIOMS.items():
        cases.append(Case(f"synth explore/{kind}", READERS["synth explore"], content=text.encode()))
    for kind, text in LEAN_SCREENED.items():
        cases.append(Case(f"lean check/screen-{kind}", READERS["lean check"], content=text.encode()))
    return cases


BAD_SECONDS = ("nan", "NaN", "inf", "-inf", "1e308", "1e999", "0", "-5", "", "ten", "0x10")
BAD_COUNTS = ("-1", "0", "1.5", "abc", "99999999999999999999999999999999999999999999999999.5")

# (command argv with good inputs, option, bad values) — each a usage error (exit 2) before any work.
OPTIONS = [
    (("prove", "{good_problem}"), "--timeout", BAD_SECONDS),
    (("eval", "{good_folio}", "--gold-fol"), "--timeout", BAD_SECONDS),
    (("check", "{good_nl}", "--replay", "{good_replay}"), "--timeout", BAD_SECONDS),
    (("graph", "verify", "{good_graph}"), "--timeout", BAD_SECONDS),
    (("synth", "mutate", "{good_theorems}", "-o", "{dir}/m.jsonl"), "--timeout", BAD_SECONDS),
    (("synth", "explore", "{good_axioms}", "-o", "{dir}/e.json"), "--time-limit", BAD_SECONDS),
    (("lean", "check", "{good_lean}"), "--timeout", BAD_SECONDS),
    (("eval", "{good_folio}", "--gold-fol"), "--limit", BAD_COUNTS),
    (("eval", "{good_folio}", "--replay", "{good_replay}"), "--samples", BAD_COUNTS),
    (("check", "{good_nl}", "--replay", "{good_replay}"), "--repair-rounds", ("-1", "x", "2.5")),
    (("synth", "mutate", "{good_theorems}", "-o", "{dir}/m.jsonl"), "--workers", BAD_COUNTS),
    (("synth", "mutate", "{good_theorems}", "-o", "{dir}/m.jsonl"), "--per-theorem", ("0", "-3")),
    (("synth", "mutate", "{good_theorems}", "-o", "{dir}/m.jsonl"), "--rlimit", ("-1", "lots")),
    (("synth", "mutate", "{good_theorems}", "-o", "{dir}/m.jsonl"), "--seed", ("x", "1.5")),
    (("synth", "search", "{good_theorems}", "-o", "{dir}/s.jsonl"), "--simulations", ("0", "-1")),
    (("synth", "search", "{good_theorems}", "-o", "{dir}/s.jsonl"), "--strategy", ("dfs", "")),
    (("synth", "explore", "{good_axioms}", "-o", "{dir}/e.json"), "--max-size", ("2", "-1")),
    (("synth", "explore", "{good_axioms}", "-o", "{dir}/e.json"), "--variables", ("0", "5")),
    (("serve", "{good_graph}"), "--port", ("-1", "65536", "http", "1e3")),
    (("lean", "check", "{good_lean}"), "--memory", ("0", "63", "-5", "lots")),
    (("lean", "export", "{good_problem}"), "--syntax", ("latex", "")),
    (("graph", "verify", "{good_graph}"), "--prover", ("vampire", "")),
    (("train",), "--steps", ("0", "-1")),
    (("train",), "--lr", ("nan", "inf", "0", "-1e-3")),
    (("train",), "--save-minutes", ("nan", "inf", "-1")),
    (("train",), "--max-len", ("8", "-1")),
    (("train",), "--dtype", ("float16",)),
    (("eval", "{good_folio}"), "--vote", ("plurality",)),
    (("eval", "{good_folio}"), "--semantics", ("fuzzy",)),
    (("eval", "{good_folio}"), "--split", ("test",)),
    (("check", "{good_nl}"), "--mode", ("paragraph",)),
]


def _option_cases() -> list[Case]:
    cases = []
    for argv, option, values in OPTIONS:
        for value in values:
            cases.append(Case(f"{' '.join(a for a in argv[:2] if not a.startswith('{'))}/{option}={value!r}",
                              (*argv, option, value)))
    return cases


def _output_cases() -> list[Case]:
    """Outputs that must be refused before anything is written: a folder, a device, the input
    itself, a missing folder (and for nsp html, whose output is a folder: a file and a device)."""
    writers = {
        "eval --out": ("eval", "{good_folio}", "--gold-fol", "--out"),
        "graph merge -o": ("graph", "merge", "{good_graph}", "-o"),
        "synth mutate -o": ("synth", "mutate", "{good_theorems}", "--no-progress", "-o"),
        "synth search -o": ("synth", "search", "{good_theorems}", "--no-progress", "-o"),
        "synth explore -o": ("synth", "explore", "{good_axioms}", "--no-progress", "-o"),
        "lean export -o": ("lean", "export", "{good_problem}", "-o"),
    }
    inputs = {"eval --out": "{good_folio}", "graph merge -o": "{good_graph}", "synth mutate -o": "{good_theorems}",
              "synth search -o": "{good_theorems}", "synth explore -o": "{good_axioms}",
              "lean export -o": "{good_problem}"}
    cases = []
    for name, argv in writers.items():
        for kind, target in (("folder", "{dir}/folder"), ("dev-null", "/dev/null"), ("dev-full", "/dev/full"),
                             ("the-input", inputs[name]), ("missing-folder", "{dir}/no/such/dir/out.json")):
            cases.append(Case(f"{name}/{kind}", (*argv, target)))
    for kind, target in (("a-file", "{good_problem}"), ("dev-null", "/dev/null"), ("missing-folder", "{dir}/no/such/site")):
        cases.append(Case(f"html -o/{kind}", ("html", "{good_graph}", "-o", target)))
    return cases


COMMANDS = [("prove",), ("eval",), ("check",), ("train",), ("html",), ("serve",), ("lean", "export"),
            ("lean", "check"), ("lean", "doctor"), ("graph", "verify"), ("graph", "proof"), ("graph", "uses"),
            ("graph", "merge"), ("synth", "mutate"), ("synth", "search"), ("synth", "explore")]
NO_ARGUMENT = {("train",), ("lean", "doctor")}
VALUE_OPTION = {("prove",): "--timeout", ("eval",): "--limit", ("check",): "--samples", ("train",): "--steps",
                ("html",): "--title", ("serve",): "--port", ("lean", "export"): "--syntax", ("lean", "check"): "--memory",
                ("graph", "verify"): "--prover", ("graph", "merge"): "-o", ("synth", "mutate"): "--seed",
                ("synth", "search"): "--seed", ("synth", "explore"): "--max-size"}


def _usage_cases() -> list[Case]:
    cases = [Case("nsp/unknown-command", ("frobnicate",)), Case("nsp/unknown-option", ("--frobnicate",)),
             Case("graph/unknown-command", ("graph", "frobnicate")), Case("synth/unknown-command", ("synth", "x")),
             Case("lean/unknown-command", ("lean", "exec"))]
    for cmd in COMMANDS:
        name = " ".join(cmd)
        cases.append(Case(f"{name}/unknown-option", (*cmd, "--frobnicate")))
        cases.append(Case(f"{name}/extra-arguments", (*cmd, *(() if cmd in NO_ARGUMENT else ("{good_problem}",)),
                                                     "one", "two", "three")))
        if cmd not in NO_ARGUMENT:
            cases.append(Case(f"{name}/missing-argument", cmd))
        if cmd in VALUE_OPTION:
            cases.append(Case(f"{name}/option-missing-value",
                              (*cmd, *(() if cmd in NO_ARGUMENT else ("{good_problem}",)), VALUE_OPTION[cmd])))
    return cases


CASES = _file_cases() + _option_cases() + _output_cases() + _usage_cases()


# ---------------------------------------------------------------- running them


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Good inputs ({good_*}) shared by every case, and a sparse 3 GB file."""
    d = tmp_path_factory.mktemp("corpus")
    good = {
        "good_problem": ("problem.txt", "∀x (Dog(x) → Animal(x))\nDog(rex)\n---\nAnimal(rex)\n"),
        "good_nl": ("english.txt", "All dogs are animals.\nRex is a dog.\n---\nRex is an animal.\n"),
        "good_replay": ("replay.jsonl", json.dumps({"id": "x", "samples": [["P(a)", "P(a)"]]}) + "\n"),
        "good_folio": ("folio.jsonl", json.dumps({"premises-FOL": ["P(a)"], "conclusion-FOL": "P(a)",
                                                   "label": "True", "example_id": 1}) + "\n"),
        "good_theorems": ("theorems.jsonl", json.dumps({"id": "t", "premises": ["P(a)"], "conclusion": "P(a)"}) + "\n"),
        "good_graph": ("graph.json", json.dumps(GOOD_GRAPH)),
        "good_axioms": ("axioms.fol", "∀x (add(x, zero) = x)\n"),
        "good_lean": ("ok.lean", "theorem t : True := trivial\n"),
    }
    paths = {"dir": str(d)}
    for key, (name, text) in good.items():
        (d / name).write_text(text, encoding="utf-8")
        paths[key] = str(d / name)
    with open(d / "sparse-3gb.txt", "wb") as f:
        f.truncate(3 << 30)
    return d, paths


class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout(f"no exit after {CASE_SECONDS} s")


@contextlib.contextmanager
def bounded_memory():
    """Address space capped a few GB above what the test process holds while an unbounded input
    is read, so a reader that reads without bound fails the case with MemoryError instead of
    taking the machine's memory. (Only around those cases: worker processes of a job inherit the
    cap and may not start under it.)"""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        vm = int(f.read().split()[0]) * resource.getpagesize()
    cap = vm + MEMORY_HEADROOM
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.fixture(autouse=True)
def _never_serve(monkeypatch):
    """A serve case that got as far as serving is a failure, not a hang."""
    from nsp.html import server

    def refuse(self):
        raise AssertionError("nsp serve started serving a bad input")

    monkeypatch.setattr(server.Server, "serve_forever", refuse)


def _prepare(case: Case, workdir) -> tuple[list[str], dict]:
    root, paths = workdir
    d = root / re.sub(r"[^\w.-]+", "_", case.name)
    d.mkdir(exist_ok=True)
    (d / "folder").mkdir(exist_ok=True)
    values = {**paths, "dir": str(d)}
    if case.content is not None:
        p = d / "input"
        p.write_bytes(case.content)
        values["in"] = str(p)
    elif case.path is not None:
        values["in"] = case.path.format(dir=str(d) if "sparse" not in case.path else str(root))
    return [a.format(**values) if "{" in a else a for a in case.args], values


def run_in_process(argv: list[str]) -> tuple[int, str, str, BaseException | None]:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    try:
        r = CliRunner().invoke(main, argv, catch_exceptions=True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    error = None if r.exception is None or isinstance(r.exception, SystemExit) else r.exception
    return r.exit_code, r.stdout, r.stderr, error


CARET = re.compile(r"^\s*\^[\^~]*\s*$")


def assert_clean(case: Case, code: int, stderr: str, error: BaseException | None) -> None:
    import traceback

    assert error is None, f"{case.name}: {''.join(traceback.format_exception(error))}"
    assert "Traceback" not in stderr, f"{case.name}: traceback\n{stderr}"
    assert code == case.code, f"{case.name}: exit {code}, expected {case.code}\n{stderr}"
    lines = stderr.splitlines()
    if case.code in (0, 4) and not lines:  # a finished job may say nothing more (--json: the summary on stdout)
        return
    if case.code == 4 and len(lines) == 2:  # a synth job's summary line, then why it exits 4
        assert lines[1].startswith("nsp: error: "), f"{case.name}: {stderr}"
        lines = lines[1:]
    assert len(lines) in (1, 3), f"{case.name}: {len(lines)} lines on stderr (expected 1, or 3 with a caret)\n{stderr}"
    if len(lines) == 3:
        assert CARET.match(lines[2]), f"{case.name}: three lines but no caret display\n{stderr}"
    assert len(lines[0]) < 600, f"{case.name}: a {len(lines[0])}-character error line"
    if case.code == 2:
        assert lines[0].startswith("nsp: error: "), f"{case.name}: {stderr}"


# Found by this corpus and not fixed here (the module is another change's, in progress): strict
# xfails, so a fix shows up as XPASS and its line here is deleted.
KNOWN_BUGS: dict[str, str] = {}


def _param(case: Case):
    reason = KNOWN_BUGS.get(case.name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, marks=marks, id=case.name)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_case(case, workdir):
    argv, _ = _prepare(case, workdir)
    with bounded_memory() if case.path in UNBOUNDED else contextlib.nullcontext():
        code, _, stderr, error = run_in_process(argv)
    assert_clean(case, code, stderr, error)


# ---------------------------------------------------------------- the real entry point behaves the same

SAMPLE = ["prove/json-lone-surrogate", "eval/utf16-bom", "eval/item-label-int", "check/json-lone-surrogate",
          "lean export/dev-zero", "graph verify/deep-json-array", "graph merge -o/the-input",
          "synth mutate/item-premises-ints", "synth explore/latin1", "html/binary", "serve/missing",
          "train/--lr='nan'", "synth search/--simulations='0'", "nsp/unknown-command", "prove/missing-argument"]


@pytest.mark.parametrize("name", SAMPLE)
def test_subprocess_sample_matches_in_process(name, workdir):
    case = dataclasses.replace(next(c for c in CASES if c.name == name), name=f"sample/{name}")  # a fresh folder
    argv, _ = _prepare(case, workdir)
    in_code, _, in_err, error = run_in_process(argv)
    assert_clean(case, in_code, in_err, error)
    for side in ("mutants", "trees"):  # a job's output from the in-process run would make a rerun resume
        for p in Path(argv[argv.index("-o") + 1] if "-o" in argv else "/nonexistent").parent.glob(f"{side}*"):
            p.unlink()
    r = subprocess.run([sys.executable, "-m", "nsp.cli", *argv], capture_output=True, cwd=ROOT,
                       timeout=CASE_SECONDS, env={**os.environ, "COLUMNS": "100"})
    err = r.stderr.decode("utf-8", "replace")
    assert_clean(case, r.returncode, err, None)
    assert r.returncode == in_code and err == in_err, (name, in_err, err)


def test_usage_errors_are_one_line_with_the_command_and_a_hint():
    code, _, err, _ = run_in_process(["graph", "verify", "--frobnicate"])
    assert code == 2
    assert err == "nsp: error: nsp graph verify: No such option '--frobnicate'. (see 'nsp graph verify --help')\n"
    code, _, err, _ = run_in_process(["prove", "x.txt", "--timeout", "nan"])
    assert code == 2 and err.count("\n") == 1 and "'--timeout'" in err and "'nan'" in err
    code, out, err, _ = run_in_process(["synth"])  # a bare group: its help, as click prints it
    assert code == 2 and "Commands:" in out + err
