"""nsp.html without a browser: reading every input shape, the index, layout, pages, the site
writer, the CLI and the server over HTTP. (The browser flows are in test_html_browser.py.)"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from markupsafe import escape

from nsp.cli import main
from nsp.errors import OutputError
from nsp.graph.provenance import to_json
from nsp.html.change import changed_span
from nsp.html.layout import GAP_Y, NODE_H, layered, overview
from nsp.html.load import BatchIndex, Entry, InputError, summarise
from nsp.html.render import (FORMULA_CHARS, FORMULA_LINES, FULL_MAX, OVERVIEW_MAX, Links, Row, index_page,
                             proof_page)
from nsp.html.samples import (ATTR_BREAK, IMG, LONG_FORMULA, SCRIPT, batch_records, hostile_graph,
                              hostile_mutant_graph, layered_graph, long_formula_graph, syllogism_graph)
from nsp.html.server import PER_PAGE, make_server
from nsp.html.site import write_site
from tests.conftest import ROOT

EXAMPLES = ROOT / "data" / "examples"


def nsp(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "nsp.cli", *map(str, args)], capture_output=True, cwd=ROOT,
                          timeout=timeout)


def prove_json(path: Path) -> str:
    r = nsp("prove", path, "--explain", "--json")
    assert r.returncode == 0, r.stderr
    return r.stdout.decode()


@pytest.fixture(scope="module")
def proved(tmp_path_factory) -> dict[str, Path]:
    """Real ``nsp prove --explain --json`` output for the shipped examples."""
    d = tmp_path_factory.mktemp("proved")
    out = {}
    for name in ("dogs.txt", "uncertain.json"):
        p = d / (Path(name).stem + ".json")
        p.write_text(prove_json(EXAMPLES / name), encoding="utf-8")
        out[Path(name).stem] = p
    return out


def write_jsonl(path: Path, values) -> Path:
    path.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values), encoding="utf-8")
    return path


# ---------------------------------------------------------------- reading


def test_every_input_shape(tmp_path, proved):
    syl = to_json(syllogism_graph())
    hostile = to_json(hostile_graph())
    pretty = tmp_path / "graph.json"
    pretty.write_text(json.dumps(syl, ensure_ascii=False, indent=2), encoding="utf-8")
    graphs = write_jsonl(tmp_path / "graphs.jsonl", [syl, hostile])
    records = write_jsonl(tmp_path / "records.jsonl", [{"id": "r1", "verdict": "False", "dataset": "folio",
                                                         "graph": syl}])
    explain_multi = tmp_path / "explained.json"
    explain_multi.write_text(json.dumps({"outcome": "True", "explanation": {"graph": syl}}, indent=1))
    array = tmp_path / "array.json"
    array.write_text(json.dumps([syl, {"graph": hostile}]))
    index = BatchIndex([proved["dogs"], proved["uncertain"], pretty, graphs, records, explain_multi, array])
    assert len(index) == 9
    s = index.summaries
    assert (s[0].title, s[0].outcome, s[0].dataset) == (str(EXAMPLES / "dogs.txt"), "True", "dogs")
    assert s[0].headline == "¬Plant(rex)" and s[0].roles == ("premise", "theorem")
    assert (s[1].outcome, s[1].headline) == ("Uncertain", "Animal(tom)")  # the conjecture, ranked above premises
    assert (s[2].title, s[2].dataset, s[2].nodes, s[2].edges) == ("socrates", "demo", 8, 7)
    assert s[4].title == "hostile " + SCRIPT
    assert (s[5].title, s[5].outcome, s[5].dataset) == ("r1", "False", "folio")
    assert s[6].outcome == "True" and s[8].title == "hostile " + SCRIPT
    assert s[5].where == f"{records}:1" and s[8].where == f"{array}:1[1]"
    for i in (2, 3, 5, 6, 7):  # read back from the byte offsets: the same graph
        g = index.entry(i).graph
        assert sorted(g.nodes(data=True)) == sorted(syllogism_graph().nodes(data=True))
        assert sorted(g.edges) == sorted(syllogism_graph().edges)
    assert index.entry(5).record["verdict"] == "False"


def test_bad_inputs(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="bad.json: neither JSON nor JSONL"):
        BatchIndex([bad])
    lines = tmp_path / "lines.jsonl"
    lines.write_text(json.dumps(to_json(syllogism_graph())) + "\n" + json.dumps({"id": "x"}) + "\n")
    with pytest.raises(InputError, match=r"lines.jsonl:2: expected a node-link graph"):
        BatchIndex([lines])
    torn = tmp_path / "torn.jsonl"
    torn.write_text(json.dumps(to_json(syllogism_graph())) + "\n{\"nodes\": [")
    with pytest.raises(InputError, match=r"torn.jsonl:2: invalid JSON"):
        BatchIndex([torn])
    with pytest.raises(InputError, match="no such file"):
        BatchIndex([tmp_path / "missing.jsonl"])
    # In a directory, files without graphs (stats, error lists) are skipped and reported.
    d = tmp_path / "batch"
    d.mkdir()
    write_jsonl(d / "out.jsonl", [{"id": "a", "graph": to_json(syllogism_graph())}])
    (d / "out.stats.json").write_text(json.dumps({"mutants": 1}))
    (d / "notes.txt").write_text("ignored: not .json/.jsonl")
    skipped = []
    index = BatchIndex([d], on_skip=skipped.append)
    assert len(index) == 1 and len(skipped) == 1 and "out.stats.json" in skipped[0]


def test_search_and_filters(tmp_path):
    src = write_jsonl(tmp_path / "b.jsonl", [json.loads(line) for line in batch_records(30)])
    extra = write_jsonl(tmp_path / "extra.jsonl", [to_json(syllogism_graph())])
    index = BatchIndex([src, extra])
    assert len(index) == 31
    assert index.matching("SOCRATES mortal") == [30]  # every word, any case
    assert index.matching("all humans are") == [30]  # sentences are searched
    assert index.matching("∀x (human(x)") == [30]  # formulas, unicode
    assert index.matching("socrates nowhere") == []
    assert index.matching(dataset="prontoqa") == [i for i in range(30) if i % 3 == 1]
    assert index.matching(outcome="Uncertain") == [i for i in range(30) if i % 5 == 4]
    rewrite = index.matching(rule="rewrite")
    assert rewrite and all("rewrite" in index.summaries[i].rules for i in rewrite)
    assert set(index.matching(role="mutant")) == set(rewrite)
    assert index.matching(rule="law", dataset="demo") == [30]
    f = index.facets()
    assert f["dataset"] == ["demo", "folio", "prontoqa", "proofwriter"]
    assert f["outcome"] == ["False", "True", "Uncertain"]
    assert {"entailment", "given", "law", "rewrite"} <= set(f["rule"])


# ---------------------------------------------------------------- layout


def _check_layout(g: nx.DiGraph):
    lay = layered(g)
    depth = {}
    for n in nx.topological_sort(g):
        depth[n] = max((depth[p] + 1 for p in g.predecessors(n)), default=0)
    assert lay.layer == depth  # layered by derivation depth
    for u, v in g.edges:  # every edge points down, from u's bottom to v's top
        pts = lay.routes[(u, v)]
        assert lay.pos[u][1] < lay.pos[v][1]
        assert pts[0][1] == lay.pos[u][1] + lay.node_h and pts[-1][1] == lay.pos[v][1]
    by_row: dict[int, list[int]] = {}
    for n, (x, y) in lay.pos.items():
        assert 0 <= x and x + lay.node_w <= lay.width and 0 <= y and y + lay.node_h <= lay.height
        by_row.setdefault(y, []).append(x)
    for xs in by_row.values():  # boxes of a layer never overlap
        xs.sort()
        assert all(b - a >= lay.node_w for a, b in zip(xs, xs[1:]))
    return lay


def test_layout_layers_no_overlap_deterministic():
    for g in (syllogism_graph(), layered_graph(300, width=25, seed=3)):
        a, b = _check_layout(g), layered(g)
        assert (a.pos, a.routes) == (b.pos, b.routes)


def test_layout_reduces_crossings():
    # Sources a, b (in id order) feed targets in crossed order; ordering by barycentre uncrosses.
    g = nx.DiGraph([("a", "y"), ("b", "x"), ("a", "y2"), ("b", "x2")])
    g.add_edge("c", "x")
    lay = layered(g)
    assert lay.crossings == 0
    assert lay.pos["x"][0] > lay.pos["y"][0] and lay.pos["b"][0] > lay.pos["a"][0]


def test_layout_survives_a_cycle():
    g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    lay = layered(g)
    assert lay.back_edges == {("c", "a")}
    assert set(lay.routes) == set(g.edges)


def test_overview_folds_deep_proofs():
    g = layered_graph(FULL_MAX + 100, width=20, seed=1)
    shown, folds = overview(g, OVERVIEW_MAX, 6)
    assert len(shown) <= OVERVIEW_MAX and folds
    for n, hidden in folds.items():
        assert hidden == len(nx.ancestors(g, n) - shown) > 0
    theorem = [n for n in g if g.nodes[n]["role"] == "theorem"]
    assert set(theorem) <= shown


# ---------------------------------------------------------------- pages and site


def _no_network_refs(text: str) -> None:
    urls = re.findall(r"(?:https?:)?//[\w.-]+", text)
    assert set(urls) <= {"http://www.w3.org"}, urls  # the SVG namespace only: no link, no CDN
    assert not re.search(r"<link|<img|<iframe|\ssrc=|@import|url\((?!#)", text)  # nothing loaded from anywhere


def test_hostile_text_is_escaped_in_the_html():
    g = hostile_graph()
    data = to_json(g)
    rec = {"id": "evil" + SCRIPT, "graph": data}
    summary, _ = summarise(data, rec, "x:1", "x", 1)
    page = proof_page(Entry(g, summary, rec), 1, 1, Links("i.html"))
    assert "<script>alert" not in page and "<img" not in page and "onmouseover=\"alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # Our own two scripts only: data JSON, page script; the data cannot close its element.
    assert page.count("<script") == 2 and page.count("</script>") == 2
    data_block = page.split('<script type="application/json" id="nsp-data">')[1].split("</script>")[0]
    assert "<" not in data_block and json.loads(data_block)["nodes"]


def test_site_is_deterministic_atomic_and_offline(tmp_path, proved):
    syl = tmp_path / "syl.json"
    syl.write_text(json.dumps(to_json(syllogism_graph()), ensure_ascii=False))
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(batch_records(12)), encoding="utf-8")
    inputs = [proved["dogs"], proved["uncertain"], syl, batch]
    a, b = tmp_path / "a", tmp_path / "b"
    ra = write_site(inputs, a)
    write_site(inputs, b)
    assert ra.pages == 15
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) == 16
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
        _no_network_refs((a / rel).read_text(encoding="utf-8"))
    assert not [p for p in a.rglob("*") if p.name.endswith(".tmp")]
    index = (a / "index.html").read_text(encoding="utf-8")
    assert index.count('href="p/0000') == 15
    page = (a / "p" / "000003.html").read_text(encoding="utf-8")
    assert 'href="000002.html"' in page and 'href="000004.html"' in page and 'href="../index.html"' in page
    # A shorter run into the same directory removes the pages it no longer has.
    rc = write_site([syl], a)
    assert rc.removed == 14 and sorted(p.name for p in (a / "p").iterdir()) == ["000001.html"]


def test_large_graph_page_is_folded(tmp_path):
    g = layered_graph(FULL_MAX + 50, width=15, seed=2)
    f = tmp_path / "big.json"
    f.write_text(json.dumps(to_json(g)))
    write_site([f], tmp_path / "site")
    page = (tmp_path / "site" / "p" / "000001.html").read_text(encoding="utf-8")
    overview_svg, rest = page.split('<script type="text/x-nsp-svg" id="full-view">')
    assert overview_svg.count('class="fold"') >= 1
    assert 0 < overview_svg.count('<a class="n ') <= OVERVIEW_MAX
    assert rest.split("</script>")[0].count('<a class="n ') == len(g)


def test_large_hostile_graph_cannot_break_out_of_the_unparsed_view():
    g = layered_graph(FULL_MAX + 20, width=15, seed=4)
    for n in list(g)[:30]:  # hidden facts too: the whole view holds every fact
        g.nodes[n].update(label=SCRIPT, text="</script><!--" + SCRIPT, rule="<script")
    data = to_json(g)
    summary, _ = summarise(data, data, "x:1", "x", 1)
    page = proof_page(Entry(g, summary, data), 1, 1, Links("i.html"))
    assert "<script>alert" not in page and "<!--" not in page and "<script\"" not in page
    assert page.count("<script") == 3 and page.count("</script>") == 3  # data, whole view, page script


def test_cli_html(tmp_path, proved):
    r = nsp("html", proved["dogs"], proved["uncertain"], "-o", tmp_path / "site")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("wrote 2 proof pages")
    assert (tmp_path / "site" / "p" / "000002.html").exists()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    r = nsp("html", bad, "-o", tmp_path / "site2")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert err.startswith("nsp: error:") and "bad.jsonl:1" in err and "Traceback" not in err


def test_html_output_folder_is_checked_like_every_writer(tmp_path, proved):
    """The site folder itself is created, its parents never are (as every other writer's output);
    a file or a device is refused; each with check_output's message, before any input is read."""
    missing = tmp_path / "no" / "such" / "site"
    r = CliRunner().invoke(main, ["html", str(proved["dogs"]), "-o", str(missing)])
    assert (r.exit_code, r.stderr) == (2, f"nsp: error: {missing}: the folder {missing.parent} does not exist\n")
    assert not (tmp_path / "no").exists()
    with pytest.raises(OutputError, match="/dev/null is a character device"):
        write_site([tmp_path / "not-read.json"], "/dev/null")
    r = CliRunner().invoke(main, ["html", str(proved["dogs"]), "-o", str(tmp_path / "site")])
    assert r.exit_code == 0 and (tmp_path / "site" / "p" / "000001.html").exists()


# ---------------------------------------------------------------- what a mutant changed; long formulas


def mutate_folio(tmp_path: Path, stories: int = 3) -> Path:
    """Real ``nsp synth mutate`` output for the first FOLIO rows shipped in data/ (one story whose
    mutants mostly share their conclusion: a premise was rewritten by different laws)."""
    data = tmp_path / "stories.jsonl"
    rows = (ROOT / "data" / "folio-gold-sample.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join(rows[:stories]), encoding="utf-8")
    out = tmp_path / "mutants.jsonl"
    r = nsp("synth", "mutate", data, "-o", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    return out


def test_changed_span_is_the_changed_sub_formula():
    def parts(a, b):
        p, s = changed_span(a, b)
        return a[p:len(a) - s], b[p:len(b) - s]

    assert parts("∀x (Fish(x) → ¬Plant(x))", "∀x (Plant(x) → ¬Fish(x))") == (
        "Fish(x) → ¬Plant(x)", "Plant(x) → ¬Fish(x)")  # not "Fish(x) → ¬Plant" (a cut name)
    # No dangling connective: the whole operand group.
    assert parts("∀x (A(x) → B(x))", "∀x (¬A(x) ∨ B(x))") == ("A(x) → B(x)", "¬A(x) ∨ B(x)")
    assert parts("¬Paper(eel)", "¬¬¬Paper(eel)") == ("Paper(eel)", "¬¬Paper(eel)")  # ¬ takes its operand
    assert parts("L(realMadrid) ∧ L(barca)", "L(barca) ∧ L(realMadrid)") == (
        "L(realMadrid) ∧ L(barca)", "L(barca) ∧ L(realMadrid)")  # never "(realMadrid) ∧ …"
    assert parts("P(a, b) ∧ Q(c)", "P(a, d) ∧ Q(c)") == ("b", "d")
    assert parts("same", "same") == ("", "")
    assert parts("((((", "))))") == ("((((", "))))")  # unbalanced text: no crash
    big = " ∧ ".join(f"P{i}(x)" for i in range(1500))
    assert parts(big, big.replace("P750(x)", "¬P750(x)")) == ("P750(x)", "¬P750(x)")


def test_index_tells_alike_mutants_apart(tmp_path):
    out = mutate_folio(tmp_path)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    index = BatchIndex([out])
    assert len(index) == len(records) >= 4
    for rec, s in zip(records, index.summaries):
        c, pos = s.change, rec["position"]
        rule = {"premise": "strengthen", "conclusion": "apply"}[pos["target"]]  # an implication applied
        assert c is not None and c.how == (rec["law"] or rule)
        assert c.where == ("conclusion" if pos["target"] == "conclusion" else f"p{pos['index'] + 1}")
        changed = rec["conclusion"] if pos["target"] == "conclusion" else rec["premises"][pos["index"]]
        assert c.after == changed and c.part and c.part in changed  # the new formula, its changed part marked
        before = rec["parent_conclusion"] if pos["target"] == "conclusion" else rec["parent_premises"][pos["index"]]
        assert c.before == before and c.old in before
    by_conclusion: dict[str, list[int]] = {}
    for i, s in enumerate(index.summaries):
        by_conclusion.setdefault(s.headline, []).append(i)
    alike = max(by_conclusion.values(), key=len)
    assert len(alike) >= 3
    laws = {records[i]["law"] for i in alike}
    assert len(laws) >= 3  # the story's mutants with one conclusion: rewritten by different laws
    assert index.matching(laws_one := sorted(laws)[0]) == [i for i, r in enumerate(records) if r["law"] == laws_one]
    # The index shows it: each row's change cell (law, where, the changed formula with its new
    # part marked) differs between mutants whose conclusions are the same.
    write_site([out], tmp_path / "site")
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S)
    assert len(rows) == len(records)
    cells = [re.search(r'<td class="change">(.*?)</td>', r, re.S) for r in rows]
    assert all(cells)
    shown = [html.unescape(re.sub(r"<[^>]+>", "", c.group(1))) for c in cells]
    assert len({shown[i] for i in alike}) == len(alike)
    for i in alike:
        c = index.summaries[i].change
        assert c.how in shown[i] and c.where in shown[i] and c.after in " ".join(shown[i].split())
        assert f"<mark>{escape(c.part)}</mark>" in cells[i].group(1)
        assert f'title="{escape(c.where)} before: {escape(c.before)}"' in cells[i].group(1)
    # Graphs that are not mutants get no change column.
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(to_json(long_formula_graph()), ensure_ascii=False), encoding="utf-8")
    write_site([plain], tmp_path / "plain-site")
    assert "td class=\"change\"" not in (tmp_path / "plain-site" / "index.html").read_text(encoding="utf-8")


def test_hostile_change_is_escaped():
    data = to_json(hostile_mutant_graph())
    summary, search = summarise(data, {"id": "m" + SCRIPT, "graph": data}, "x:1", "x", 1)
    c = summary.change
    assert (c.how, c.where, c.using) == (SCRIPT, "p1" + IMG, "p2" + ATTR_BREAK)
    assert IMG in c.after and SCRIPT in c.before
    page = index_page([Row(0, "p/000001.html", summary)], {"rule": [], "role": [], "outcome": [], "dataset": []}, 1,
                      static_search=[[search.decode(), "", "", [], []]])
    assert "<script>alert" not in page and "<img" not in page and 'onmouseover="alert' not in page
    cell = re.search(r'<td class="change">(.*?)</td>', page, re.S).group(1)
    assert escape(SCRIPT) in cell and escape(IMG) in cell and escape(ATTR_BREAK) in cell
    assert page.count("<script") == 2  # the search data and the page script


def _node_markup(page: str, label: str) -> str:
    return re.search(r'<a class="n [^"]*"[^>]*>(?:(?!</a>).)*?<text class="h" x="10" y="18">'
                     + re.escape(html.escape(label)) + r" ·.*?</a>", page, re.S).group(0)


def test_long_formula_wraps_and_its_box_grows():
    g = long_formula_graph()
    data = to_json(g)
    summary, _ = summarise(data, data, "x:1", "x", 1)
    page = proof_page(Entry(g, summary, data), 1, 1, Links("i.html"))
    box = _node_markup(page, "p1")
    lines = [(int(y), html.unescape(t)) for y, t in re.findall(r'<text class="f" x="10" y="(\d+)">(.*?)</text>', box)]
    assert len(lines) > 3 and all(len(t) <= FORMULA_CHARS for _, t in lines)
    assert "".join(t for _, t in lines).replace(" ", "") == LONG_FORMULA.replace(" ", "")  # nothing cut off
    assert "…" not in "".join(t for _, t in lines)
    said = [(int(y), html.unescape(t)) for y, t in re.findall(r'<text class="s" x="10" y="(\d+)">(.*?)</text>', box)]
    assert " ".join(t for _, t in said) == "“" + g.nodes[next(iter(g))]["text"] + "”"  # the sentence too
    sentence = [y for y, _ in said]
    assert len(sentence) > 1 and sentence[0] > lines[-1][0]
    height = int(re.search(r'<rect width="\d+" height="(\d+)"', box).group(1))
    foot = int(re.search(r'<text class="r" x="10" y="(\d+)">', box).group(1))
    assert height > NODE_H and foot == height - 10 and foot > sentence[-1]
    assert f"<title>{html.escape(LONG_FORMULA)}" in box  # and the whole text on hover
    short = _node_markup(page, "p2")
    assert '<rect width="280" height="82"' in short  # a short formula keeps the standard box
    # The tall box pushes the next layer down: the theorem starts below it, edges leave its bottom.
    y_long = int(re.search(r"translate\(\d+,(\d+)\)", box).group(1))
    y_thm = int(re.search(r"translate\(\d+,(\d+)\)", _node_markup(page, "theorem")).group(1))
    assert y_thm >= y_long + height + GAP_Y
    # Beyond FORMULA_LINES lines the text is cut, and whole in the tooltip.
    huge = " ∨ ".join(f"Predicate{i}(x)" for i in range(200))
    g2 = long_formula_graph()
    g2.nodes[next(n for n in g2 if g2.nodes[n].get("label") == "p1")]["formula"] = huge
    d2 = to_json(g2)
    s2, _ = summarise(d2, d2, "x:1", "x", 1)
    box2 = _node_markup(proof_page(Entry(g2, s2, d2), 1, 1, Links("i.html")), "p1")
    cut = re.findall(r'<text class="f" x="10" y="\d+">(.*?)</text>', box2)
    assert len(cut) == FORMULA_LINES and cut[-1].endswith("…") and f"<title>{huge}" in box2


def test_layout_follows_box_heights():
    g = layered_graph(60, width=8, seed=7)
    tall = {n: NODE_H + 16 * (i % 4) for i, n in enumerate(sorted(g))}
    lay = layered(g, heights=tall)
    for u, v in g.edges:
        pts = lay.routes[(u, v)]
        assert pts[0][1] == lay.pos[u][1] + tall[u] and pts[-1][1] == lay.pos[v][1]
        assert lay.pos[v][1] >= lay.pos[u][1] + tall[u] + GAP_Y  # no box reaches into a later layer
    assert all(y + tall[n] + 24 <= lay.height for n, (_, y) in lay.pos.items())
    assert lay.pos == layered(g, heights=tall).pos
    assert layered(g).pos == layered(g, heights={n: NODE_H for n in g}).pos  # standard heights: as before


# ---------------------------------------------------------------- server over HTTP


@pytest.fixture
def served(tmp_path):
    src = tmp_path / "batch.jsonl"
    with src.open("w", encoding="utf-8") as f:
        f.writelines(batch_records(120))
        f.write(json.dumps({"id": "socrates-record", "graph": to_json(syllogism_graph())}) + "\n")
    server = make_server([src], "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def test_server_pages_search_and_errors(served):
    assert served.startswith("http://127.0.0.1:")
    status, page = get(served + "/")
    assert status == 200 and page.count('href="/proof/') == PER_PAGE
    assert "Page 1 of 3" in page and "121 of 121 proofs" in page and 'href="/?page=2"' in page
    status, page3 = get(served + "/?page=3")
    assert page3.count('href="/proof/') == 21 and 'href="/proof/120"' in page3
    status, found = get(served + "/?q=Socrates+MORTAL")
    assert "1 of 121 proofs" in found and 'href="/proof/120"' in found
    status, folio = get(served + "/?dataset=folio&outcome=Uncertain")
    n = len([i for i in range(120) if i % 3 == 0 and i % 5 == 4])
    assert f"{n} of 121 proofs" in folio
    status, proof = get(served + "/proof/120")
    assert status == 200 and "socrates-record" in proof and 'href="/proof/119"' in proof
    assert get(served + "/proof/121")[0] == 404 and get(served + "/nope")[0] == 404
    assert get(served + "/?page=abc")[0] == 200  # a bad page number is page 1
    assert "&lt;script&gt;" in get(served + "/?q=%3Cscript%3E")[1]  # the query is echoed escaped
