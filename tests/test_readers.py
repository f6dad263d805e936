"""One reader per input format, one decoding policy: every command that reads a file refuses
UTF-16, binary and non-UTF-8 input with one line naming the file and the byte offset (exit 2),
and the readers of one format agree with each other."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from nsp.cli import main
from nsp.errors import BadInput
from nsp.files import read_bytes, read_text
from nsp.graph.files import GraphFileError, graphs_in_file
from nsp.graph.provenance import read_graphs, to_json
from nsp.html.load import BatchIndex
from nsp.logic.problem import read_problem_file
from nsp.parse.pipeline import read_nl_problem
from tests.conftest import ROOT
from tests.test_graph import dog_graph

EXAMPLES = ROOT / "data" / "examples"

# name -> (bytes, what the one error line must say)
BAD = {
    "utf16": ('{"premises": ["P(a)"], "conclusion": "P(a)"}\n'.encode("utf-16"), "UTF-16 (little-endian byte-order mark) at offset 0"),
    "utf16-no-bom": ("P(a)\n---\nP(a)\n".encode("utf-16-le"), "binary data or UTF-16 (NUL byte at offset 1)"),
    "binary": (b"\x7fELF\x02\x01\x01\x00\x00\x00garbage", "binary data or UTF-16 (NUL byte at offset 7)"),
    "latin1": ("P(a)\n---\nP(café)\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 14)"),
    "surrogate": (b"P(a)\n---\nP(\xed\xa0\x80)\n", "not UTF-8 text (byte 0xed at offset 11)"),
}

# every command that reads an input file, with FILE standing for it
COMMANDS = {
    "prove": ["prove", "FILE"],
    "check": ["check", "FILE"],
    "eval": ["eval", "FILE", "--gold-fol"],
    "synth mutate": ["synth", "mutate", "FILE", "-o", "OUT/m.jsonl", "--no-progress"],
    "synth search": ["synth", "search", "FILE", "-o", "OUT/s.jsonl", "--no-progress"],
    "synth explore": ["synth", "explore", "FILE", "-o", "OUT/e.json", "--no-progress"],
    "graph verify": ["graph", "verify", "FILE", "--no-progress"],
    "graph proof": ["graph", "proof", "FILE", "abc"],
    "graph uses": ["graph", "uses", "FILE", "abc"],
    "graph merge": ["graph", "merge", "FILE", "-o", "OUT/g.json"],
    "html": ["html", "FILE", "-o", "OUT/site"],
    "serve": ["serve", "FILE", "--port", "0"],
    "lean export": ["lean", "export", "FILE"],
    "lean check": ["lean", "check", "FILE"],
}


def run(args, tmp_path, file):
    words = [str(file) if a == "FILE" else a.replace("OUT", str(tmp_path)) for a in args]
    return CliRunner().invoke(main, words, catch_exceptions=False)


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_text_that_is_not_utf8(tmp_path, command, case):
    data, says = BAD[case]
    f = tmp_path / f"{case}.jsonl"
    f.write_bytes(data)
    r = run(COMMANDS[command], tmp_path, f)
    assert r.exit_code == 2, (r.exit_code, r.stderr, r.stdout)
    tail = "; expected UTF-8 text" if "byte-order" in says or "NUL" in says else ""
    assert r.stderr == f"nsp: error: {f}: {says}{tail}\n", r.stderr
    assert r.stdout == ""


def test_a_device_is_read_no_further_than_its_first_nul(tmp_path):
    r = run(COMMANDS["synth mutate"], tmp_path, "/dev/zero")
    assert r.exit_code == 2 and r.stderr.startswith("nsp: error: /dev/zero: binary data or UTF-16 (NUL byte at offset 0)")
    with pytest.raises(BadInput, match="NUL byte at offset 0"):
        read_text("/dev/zero")


def test_size_bound(tmp_path):
    f = tmp_path / "big.txt"
    f.write_text("P(a)\n" * 100)
    assert len(read_bytes(f, limit=500)) == 500
    with pytest.raises(BadInput, match=r"big.txt: file is too large \(500 bytes; the limit is 499\)"):
        read_bytes(f, limit=499)


def test_lone_surrogate_escapes_are_bad_json_everywhere(tmp_path):
    problem = tmp_path / "p.json"
    problem.write_text('{"premises": ["P(\\ud800)"], "conclusion": "P(a)"}')
    r = run(COMMANDS["prove"], tmp_path, problem)
    assert r.exit_code == 2 and r.stderr == f"nsp: error: {problem}:1:18: invalid JSON: a lone surrogate escape (not Unicode text)\n"
    dataset = tmp_path / "d.jsonl"
    good = {"premises-FOL": ["P(a)"], "conclusion-FOL": "P(a)", "label": "True", "example_id": 1}
    dataset.write_text(json.dumps(good) + '\n{"premises-FOL": ["P(\\udc00)"], "conclusion-FOL": "P(a)", "label": "True"}\n')
    r = run(COMMANDS["eval"] + ["--json"], tmp_path, dataset)
    assert r.exit_code == 4, r.stderr
    summary = json.loads(r.stdout)
    assert summary["correct"] == 1 and "d.jsonl:2: invalid JSON: a lone surrogate escape" in json.dumps(summary)
    theorems = tmp_path / "t.jsonl"
    theorems.write_text('{"id": "s", "premises": ["P(\\ud83d)"], "conclusion": "P(a)"}\n')
    r = run(COMMANDS["synth mutate"], tmp_path, theorems)
    assert "Traceback" not in r.stderr
    (error,) = [json.loads(l) for l in (tmp_path / "m.errors.jsonl").read_text().splitlines()]
    assert error == {"id": "line-1", "kind": "bad-input",
                     "error": "invalid JSON: a lone surrogate escape (not Unicode text) (column 29)"}


def test_english_and_formula_problem_files_share_one_reader(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("% a TPTP-style comment\n# a comment\nAll dogs are animals.\n\nRex is a dog.\n---\nRex is an animal.\n")
    assert read_nl_problem(f) == (["All dogs are animals.", "Rex is a dog."], "Rex is an animal.")
    f.write_text("% comment\nDog(rex)\n∀x (Dog(x) → Animal(x))\n---\nAnimal(rex)\n")
    assert read_nl_problem(f) == (["Dog(rex)", "∀x (Dog(x) → Animal(x))"], "Animal(rex)")
    p = read_problem_file(f)
    assert (list(p.premise_texts), p.conclusion_text) == read_nl_problem(f)
    f.write_text("A.\n---\nB.\n---\nC.\n")
    with pytest.raises(BadInput, match=r"p.txt:4: a second '---' separator"):
        read_nl_problem(f)


def test_graph_files_read_alike_by_every_command(tmp_path):
    g, _ = dog_graph()
    data = to_json(g)
    files = {
        "graph.json": json.dumps(data, indent=2),
        "graphs.jsonl": "\n".join(json.dumps(data) for _ in range(3)) + "\n",
        # a mutate record: its own "nodes" is a list of ids, its graph is under "graph"
        "records.jsonl": json.dumps({"id": "m", "nodes": ["a", "b"], "graph": data}) + "\n",
        "array.json": json.dumps([{"id": 1, "graph": data}, {"explanation": {"graph": data}}]),
    }
    for name, text in files.items():
        f = tmp_path / name
        f.write_text(text)
        n = len(list(graphs_in_file(f)))
        assert n == len(list(read_graphs(f))) == len(BatchIndex([f])) == {"graph.json": 1, "graphs.jsonl": 3,
                                                                        "records.jsonl": 1, "array.json": 2}[name]
        assert [len(x) for x in read_graphs(f)] == [len(g)] * n
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(GraphFileError, match="empty.jsonl: no graph in the file"):
        list(graphs_in_file(empty))
    torn = tmp_path / "torn.jsonl"
    torn.write_text(json.dumps(data) + '\n{"nodes": [\n')
    with pytest.raises(GraphFileError, match=r"torn.jsonl:2: invalid JSON"):
        list(read_graphs(torn))


@pytest.mark.parametrize("content, shown", [("42\n", "42"), ('"P(a)"\n', '"P(a)"'), ("null\n", "null"),
                                            ('["P(a)", "P(a)"]', '["P(a)", "P(a)"]')])
def test_a_problem_file_holding_a_json_value_is_json_not_a_text_problem(tmp_path, content, shown):
    f = tmp_path / "p.json"
    f.write_text(content)
    says = f'nsp: error: {f}: JSON problem must be an object with "premises" and "conclusion", not {shown}\n'
    for command in ("prove", "lean export", "check"):
        r = run(COMMANDS[command], tmp_path, f)
        assert (r.exit_code, r.stderr, r.stdout) == (2, says, ""), command


def test_text_problems_that_look_like_json_stay_text(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("Dog(rex)\n")  # one premise, no conclusion: text
    assert read_problem_file(f).premise_texts == ("Dog(rex)",)
    f.write_text('"Woof," said Rex.\n[Rex is a dog.]\n---\nRex is a dog.\n')  # sentences may open with '"' or '['
    assert read_nl_problem(f) == (['"Woof," said Rex.', "[Rex is a dog.]"], "Rex is a dog.")
    f.write_text('{"premises": ["P(a)"], "conclusion": ')
    with pytest.raises(BadInput, match=r"p.txt:1:38: invalid JSON: Expecting value"):
        read_problem_file(f)


GRAPH_COMMANDS = ("graph verify", "graph proof", "graph uses", "graph merge", "html", "serve")


@pytest.mark.parametrize("broken, says", [
    ({"nodes": [{"formula": "P(a)"}], "links": []}, 'node 0 has no "id"'),
    ({"nodes": [{"id": "p1", "formula": "P(a)"}], "links": [{"source": "p1", "target": "zz"}]},
     'links[0]: target "zz" is not a node of the graph'),
    ({"nodes": [{"id": "p1", "formula": "P(a)"}], "edges": 3}, '"edges" must be a list of links, not 3'),
    ({"nodes": [{"id": "p1", "formula": 12}], "links": []}, 'node "p1": "formula" must be a string, not 12'),
    ({"nodes": [{"id": None}], "links": []}, 'node 0: "id" must be a string, not null'),
    ({"nodes": [{"id": "p1"}], "links": [{"source": "p1"}]}, 'links[0] has no "target"'),
])
def test_a_malformed_graph_is_refused_by_the_one_reader_for_every_command(tmp_path, broken, says):
    """A graph file whose second graph is malformed: one line naming the file, the line and the node
    or link, exit 2, from every command that reads graphs (and from the library's readers)."""
    g, _ = dog_graph()
    f = tmp_path / "graphs.jsonl"
    f.write_text(json.dumps(to_json(g)) + "\n" + json.dumps({"id": "r", "graph": broken}) + "\n")
    for command in GRAPH_COMMANDS:
        r = run(COMMANDS[command], tmp_path, f)
        assert (r.exit_code, r.stderr) == (2, f"nsp: error: {f}:2: {says}\n"), (command, r.stderr, r.stdout)
    for reader in (graphs_in_file, read_graphs, lambda p: BatchIndex([p])):
        with pytest.raises(GraphFileError, match=re.escape(f"{f}:2: {says}")):
            list(reader(f))
    assert not (tmp_path / "g.json").exists() and not (tmp_path / "site" / "index.html").exists()


def test_a_graph_without_links_reads_as_one_without_edges(tmp_path):
    f = tmp_path / "g.json"
    f.write_text(json.dumps({"nodes": [{"id": "p1", "formula": "P(a)"}]}))
    (g,) = read_graphs(f)
    assert list(g.nodes) == ["p1"] and g.number_of_edges() == 0 and len(BatchIndex([f])) == 1
