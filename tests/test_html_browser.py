"""End to end in headless Chromium (Playwright, sync API): the static site from disk and
``nsp serve`` on an ephemeral 127.0.0.1 port.

Needs Debian's Chromium at /usr/bin/chromium and the playwright package (never ``playwright
install``); without them the tests skip and say why. .ci/run installs both.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nsp.graph.provenance import to_json
from nsp.html.render import FULL_MAX, OVERVIEW_MAX
from nsp.html.samples import (ATTR_BREAK, IMG, LONG_FORMULA, SCRIPT, batch_records, hostile_graph,
                              hostile_mutant_graph, layered_graph, long_formula_graph, syllogism_graph)
from nsp.html.site import write_site
from tests.conftest import ROOT

CHROMIUM = Path(shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium")  # as the Makefile finds it
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    pytest.skip("chromium not found on PATH (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed "
                                                           "(pip install playwright; no browser download needed)")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Watched:
    """A page that records dialogs, page errors and any request leaving the page's own origin."""

    def __init__(self, browser, allowed_prefix: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.dialogs, self.errors, self.foreign = [], [], []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.startswith(allowed_prefix) else self.foreign.append(r.url))

    def check_clean(self):
        assert self.dialogs == [] and self.errors == [] and self.foreign == []

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    """Real nsp prove output, a synthetic multi-step proof, a hostile graph and a batch."""
    tmp_path = tmp_path_factory.mktemp("inputs")
    out = []
    for name in ("dogs.txt", "uncertain.json"):
        r = subprocess.run([sys.executable, "-m", "nsp.cli", "prove", str(ROOT / "data" / "examples" / name),
                            "--explain", "--json"], capture_output=True, cwd=ROOT, timeout=120)
        assert r.returncode == 0, r.stderr
        out.append(tmp_path / (Path(name).stem + ".json"))
        out[-1].write_bytes(r.stdout)
    syl = tmp_path / "socrates.json"
    syl.write_text(json.dumps(to_json(syllogism_graph()), ensure_ascii=False, indent=1), encoding="utf-8")
    evil = tmp_path / "hostile.jsonl"
    evil.write_text(json.dumps({"id": "evil" + SCRIPT + ATTR_BREAK, "dataset": "bad" + IMG,
                                "graph": to_json(hostile_graph())}, ensure_ascii=False) + "\n", encoding="utf-8")
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(batch_records(60)), encoding="utf-8")
    return [*out, syl, evil, batch]


def node(page, name: str):
    """The SVG node whose header starts with ``name ·``."""
    return page.locator("svg.dag a.n").filter(has=page.locator("text.h", has_text=re.compile("^" + re.escape(name) + " ·")))


def proof_flow(w: Watched, shots: Path | None = None) -> None:
    """On the socrates proof page: select the theorem, follow a source, come back by "used by"."""
    page = w.page
    node(page, "theorem").click()
    panel = page.locator("#panel")
    sync_api.expect(panel.locator("h2 .name")).to_have_text("theorem")  # the click handler runs async
    assert sorted(panel.locator("ul.sources a").all_inner_texts()) == ["lemma", "p3", "p4"]
    assert panel.locator("ul.used-by a").all_inner_texts() == ["mutant"]
    assert "“Socrates is a Greek who is not a god.”" in panel.inner_text()
    assert "z3+eprover" in panel.inner_text()
    # The dependency chain is highlighted: every premise behind the theorem (p1, p2 through the
    # lemma), not the axiom; the mutant is marked as a use.
    for name in ("p1", "p2", "p3", "p4", "lemma"):
        assert "anc" in node(page, name).get_attribute("class").split(), name
    assert "anc" not in node(page, node_name_of_axiom(page)).get_attribute("class").split()
    assert "use" in node(page, "mutant").get_attribute("class").split()
    assert "sel" in node(page, "theorem").get_attribute("class").split()
    assert page.locator("svg.dag path.e.anc").count() == 5  # p1,p2->lemma; lemma,p3,p4->theorem
    if shots is not None:
        page.screenshot(path=str(shots))
    # Follow a source link: the lemma becomes the selected step.
    panel.locator("ul.sources a", has_text="lemma").click()
    assert re.search(r"#n-\d+$", page.url)
    sync_api.expect(panel.locator("h2 .name")).to_have_text("lemma")  # the click handler runs async
    assert "sel" in node(page, "lemma").get_attribute("class").split()
    assert "sel" not in node(page, "theorem").get_attribute("class").split()
    assert sorted(panel.locator("ul.sources a").all_inner_texts()) == ["p1", "p2"]
    # ... and back through its "used by" link.
    panel.locator("ul.used-by a", has_text="theorem").click()
    sync_api.expect(panel.locator("h2 .name")).to_have_text("theorem")  # the click handler runs async


def node_name_of_axiom(page) -> str:
    head = page.locator("svg.dag a.n.role-axiom text.h").text_content()
    return head.split(" ·")[0]


def hostile_checks(w: Watched) -> None:
    """The hostile proof page: markup shows as text, nothing runs, nothing is injected."""
    page = w.page
    assert page.locator("h1").inner_text() == "evil" + SCRIPT + ATTR_BREAK
    for n in page.locator("svg.dag a.n").all():
        n.hover()
        n.click()
    panel = page.locator("#panel")
    node(page, IMG).click()
    sync_api.expect(panel.locator("h2 .name")).to_have_text(IMG)  # the click handler runs async
    assert (SCRIPT + ATTR_BREAK) in panel.locator(".sentence").inner_text()
    node(page, "conclusion").click()
    sync_api.expect(panel.locator("h2 .name")).to_have_text("conclusion")  # the click handler runs async
    assert f"entailment</text>{SCRIPT}" in panel.inner_text()
    assert panel.locator("ul.sources .as").all_inner_texts() == [f"lemma{IMG}"]
    page.wait_for_timeout(100)
    assert page.evaluate("document.querySelectorAll('script').length") == 2  # the data block and ours
    assert page.evaluate("document.querySelectorAll('img, b, [onmouseover], [onerror]').length") == 0
    w.check_clean()


def test_static_site_end_to_end(browser, inputs, tmp_path):
    site = tmp_path / "site"
    result = write_site(inputs, site)
    assert result.pages == 64
    w = Watched(browser, "file://")
    page = w.page
    try:
        page.goto((site / "index.html").as_uri())
        rows = page.locator("#proofs tbody tr:not([hidden])")
        assert page.locator("#count").inner_text() == "64 of 64 proofs"
        assert rows.count() == 50 and page.locator("#pages .page-no").inner_text() == "Page 1 of 2"
        page.locator("#pages button.next").click()
        assert rows.count() == 14
        assert rows.first.locator("td").first.inner_text() == "51"
        # Filters: rule and verdict; then text search.
        page.select_option("#f-outcome", "Uncertain")
        uncertain = 1 + len([i for i in range(60) if i % 5 == 4])
        assert page.locator("#count").inner_text() == f"{uncertain} of 64 proofs"
        page.select_option("#f-outcome", "")
        page.select_option("#f-rule", "law")
        assert all("law" in t for t in rows.locator("td:last-child").all_inner_texts())
        page.select_option("#f-rule", "")
        page.fill("#q", "socrates GREEK")
        assert page.locator("#count").inner_text() == "1 of 64 proofs"
        assert rows.count() == 1
        page.fill("#q", "no such words anywhere")
        assert rows.count() == 0 and page.locator("#empty").is_visible()
        page.fill("#q", "socrates")
        rows.first.locator("td.title a").click()
        assert page.url.endswith("/p/000003.html")
        assert page.locator("h1").inner_text() == "socrates"
        proof_flow(w, shots=tmp_path / "static-proof.png")
        assert (tmp_path / "static-proof.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # Previous / next between pages, and the hostile page.
        page.locator("a[rel=next]").click()
        assert page.url.endswith("/p/000004.html")
        hostile_checks(w)
        page.goto((site / "index.html").as_uri())
        assert page.locator("td.title a", has_text="evil").inner_text() == "evil" + SCRIPT + ATTR_BREAK
        assert page.evaluate("document.querySelectorAll('img, [onmouseover]').length") == 0
        w.check_clean()
    finally:
        w.close()


def test_folded_long_proof(browser, tmp_path):
    g = layered_graph(FULL_MAX + 100, width=20, seed=5)
    src = tmp_path / "long.json"
    src.write_text(json.dumps(to_json(g)))
    write_site([src], tmp_path / "site")
    w = Watched(browser, "file://")
    page = w.page
    try:
        page.goto((tmp_path / "site" / "p" / "000001.html").as_uri())
        shown = page.locator("svg.dag a.n").count()
        assert 0 < shown <= OVERVIEW_MAX
        fold = page.locator("svg.dag a.fold").first
        k = int(fold.get_attribute("data-k"))
        fold.click()
        sync_api.expect(page.locator("svg.dag a.n")).to_have_count(len(g))  # the whole graph (drawn async)
        assert page.locator(f"#node-{k}").get_attribute("class").split()[-1] == "sel"
        chain = int(re.search(r"Dependency chain \((\d+)\)", page.locator("#panel").text_content()).group(1))
        assert page.locator("svg.dag a.n.anc").count() == chain > 0
        w.check_clean()
    finally:
        w.close()


def test_index_changes_and_whole_formulas_in_boxes(browser, tmp_path):
    """Real ``nsp synth mutate`` output: rows whose conclusions are alike show different changes
    (law, where, the changed formula with its new part marked). A long formula shows whole, in
    lines that lie inside its box. A hostile mutant's change is text, never markup."""
    stories = tmp_path / "stories.jsonl"
    rows_in = (ROOT / "data" / "folio-gold-sample.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    stories.write_text("".join(rows_in[:3]), encoding="utf-8")
    mutants = tmp_path / "mutants.jsonl"
    r = subprocess.run([sys.executable, "-m", "nsp.cli", "synth", "mutate", str(stories), "-o", str(mutants),
                        "--no-progress"], capture_output=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    long = tmp_path / "long.json"
    long.write_text(json.dumps(to_json(long_formula_graph()), ensure_ascii=False), encoding="utf-8")
    evil = tmp_path / "evil.jsonl"
    evil.write_text(json.dumps({"id": "evil-mutant", "graph": to_json(hostile_mutant_graph())},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    n = len(mutants.read_text(encoding="utf-8").splitlines())
    site = tmp_path / "site"
    write_site([mutants, long, evil], site)
    w = Watched(browser, "file://")
    page = w.page
    try:
        page.goto((site / "index.html").as_uri())
        rows = page.locator("#proofs tbody tr")
        conclusions = rows.locator("td.hl").all_inner_texts()
        changes = rows.locator("td.change").all_inner_texts()
        assert len(changes) == n + 2
        alike: dict[str, list[int]] = {}
        for i, c in enumerate(conclusions[:n]):
            alike.setdefault(c, []).append(i)
        group = max(alike.values(), key=len)
        assert len(group) >= 3 and len({changes[i] for i in group}) == len(group)
        for i in group:
            cell = rows.nth(i).locator("td.change")
            assert cell.locator(".chip.law").inner_text() and cell.locator(".at").inner_text().startswith("p")
            mark = cell.locator("mark")
            assert mark.is_visible() and mark.inner_text() in cell.locator("code.after").inner_text()
        evil_cell = rows.nth(n + 1).locator("td.change")
        assert evil_cell.locator(".chip.law").inner_text() == SCRIPT
        assert IMG in evil_cell.locator("code.after").inner_text()
        assert page.evaluate("document.querySelectorAll('img, [onmouseover], [onerror]').length") == 0
        page.fill("#q", page.locator("td.change .chip.law").first.inner_text())  # the law is searchable
        assert 0 < page.locator("#proofs tbody tr:not([hidden])").count() < n
        # The long formula's page: every line of the box inside the box, the whole formula shown.
        page.goto((site / "p" / f"{n + 1:06d}.html").as_uri())
        box = node(page, "p1")
        lines = box.locator("text.f").all_text_contents()
        assert len(lines) > 3 and "".join(lines).replace(" ", "") == LONG_FORMULA.replace(" ", "")
        geometry = box.evaluate("""a => {
            const r = a.querySelector("rect").getBBox();
            const t = Array.from(a.querySelectorAll("text"), e => e.getBBox());
            return {rect: [r.x, r.y, r.width, r.height],
                    text: [Math.min(...t.map(b => b.x)), Math.min(...t.map(b => b.y)),
                           Math.max(...t.map(b => b.x + b.width)), Math.max(...t.map(b => b.y + b.height))]};
        }""")
        x, y, width, height = geometry["rect"]
        left, top, right, bottom = geometry["text"]
        assert x <= left and y <= top and right <= x + width and bottom <= y + height, geometry
        assert height > 82  # taller than a standard box
        for other in ("p2", "theorem"):  # no box overlaps another
            o = node(page, other).locator("rect").bounding_box()
            b = box.locator("rect").bounding_box()
            assert (o["x"] >= b["x"] + b["width"] or o["x"] + o["width"] <= b["x"]
                    or o["y"] >= b["y"] + b["height"] or o["y"] + o["height"] <= b["y"]), other
        w.check_clean()
    finally:
        w.close()


@pytest.fixture
def server(inputs, tmp_path, nsp_serve):
    """``nsp serve`` on one JSONL of every input's record, port 0; its base URL."""
    src = tmp_path / "all.jsonl"
    lines = []
    for p in inputs:
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".json":
            lines.append(json.dumps(json.loads(text), ensure_ascii=False) + "\n")
        else:
            lines.extend(text.splitlines(keepends=True))
    src.write_text("".join(lines), encoding="utf-8")
    return nsp_serve(src, tmp_path / "serve.log", "--quiet")[0]


def test_serve_end_to_end(browser, server, tmp_path):
    w = Watched(browser, server + "/")
    page = w.page
    try:
        page.goto(server + "/")
        rows = page.locator("#proofs tbody tr")
        assert rows.count() == 50
        assert page.locator("#count").inner_text() == "64 of 64 proofs"
        assert page.locator(".pages .page-no").inner_text() == "Page 1 of 2"
        page.locator(".pages a.next").click()
        page.wait_for_url(re.compile(r"page=2"))
        assert rows.count() == 14 and rows.first.locator("td").first.inner_text() == "51"
        page.select_option("#f-outcome", "Uncertain")  # submits: filtered on the server
        page.wait_for_url(re.compile(r"outcome=Uncertain"))
        assert page.locator("#count").inner_text() == f"{1 + len([i for i in range(60) if i % 5 == 4])} of 64 proofs"
        page.select_option("#f-outcome", "")
        page.wait_for_url(re.compile(r"outcome=&|outcome=$"))
        page.fill("#q", "socrates greek")
        page.press("#q", "Enter")
        page.wait_for_url(re.compile(r"q=socrates"))
        assert page.locator("#count").inner_text() == "1 of 64 proofs"
        assert page.locator("#q").input_value() == "socrates greek"
        rows.first.locator("td.title a").click()
        page.wait_for_url(re.compile(r"/proof/2$"))
        proof_flow(w, shots=tmp_path / "served-proof.png")
        page.locator("a[rel=next]").click()
        page.wait_for_url(re.compile(r"/proof/3$"))
        hostile_checks(w)
        page.goto(server + "/?q=" + "%3Cscript%3E")
        assert page.locator("#q").input_value() == "<script>"
        assert page.locator("#count").inner_text() == "1 of 64 proofs"
        w.check_clean()
    finally:
        w.close()
