"""Benchmark: proof pages for a 10,000-node graph, and ``nsp serve`` over a 100,000-graph batch.

    python bench/bench_html.py [--nodes N] [--width W] [--graphs G] [--runs R] [--index-runs I]

1. A seeded random DAG of N facts (:func:`nsp.html.samples.layered_graph`, layers of W facts,
   two sources each, 10 % of them from any earlier layer). Python: time to render its page
   (:func:`nsp.html.render.proof_page`: facts, both layouts, SVG, template), and the full layout
   alone. Chromium (headless, /usr/bin/chromium): from navigation start to two animation
   frames after the load event (parse + style + layout + paint of the folded view); then the
   time to show the whole graph (the ``<template>`` cloned in, laid out and painted); then the
   time to select the theorem and highlight its dependency chain in the whole graph. For scale,
   the same load measure on a blank page is reported (the browser's fixed cost).
2. A JSONL of G records with graphs (:func:`nsp.html.samples.batch_records`). The byte-offset
   index build (alone, I runs), then a server on 127.0.0.1 (ephemeral port) answering over
   HTTP: page 1 of the index (first request and warm), a deep page, first-time searches (each
   query new, so no cache), a proof page; and page 1 loaded in Chromium (to two frames after
   load).

Every figure is the median of R runs (I for the index build), each run a fresh page or request.
The machine's load average is recorded: timings on a loaded 2-core machine vary. Writes
bench/results/html.json atomically and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nsp.graph.provenance import to_json  # noqa: E402
from nsp.html.layout import layered  # noqa: E402
from nsp.html.load import BatchIndex, Entry, summarise  # noqa: E402
from nsp.html.render import Links, layer_key, proof_page  # noqa: E402
from nsp.html.samples import batch_records, layered_graph  # noqa: E402
from nsp.html.server import make_server  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "html.json"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
TIMED_HASH = """async (hash) => {
  const t0 = performance.now();
  const changed = new Promise(r => addEventListener('hashchange', r, {once: true}));
  location.hash = hash;
  await changed;
  document.querySelector('svg.dag').getBBox();
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""


def median_ms(xs: list[float]) -> float:
    return round(statistics.median(xs) * 1000, 1)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def bench_big_graph(browser, nodes: int, width: int, runs: int, tmp: Path) -> dict:
    g = layered_graph(nodes, width=width, seed=1)
    data = to_json(g)
    summary, _ = summarise(data, data, "bench", "bench", 1)
    entry = Entry(g, summary, data)
    render, layout = [], []
    html = ""
    for _ in range(runs):
        t0 = time.perf_counter()
        html = proof_page(entry, 1, 1, Links("index.html"))
        render.append(time.perf_counter() - t0)
    for _ in range(runs):
        t0 = time.perf_counter()
        lay = layered(g, key=layer_key(g))
        layout.append(time.perf_counter() - t0)
    page_path = tmp / "big.html"
    page_path.write_text(html, encoding="utf-8")
    theorem = next(k for k, n in enumerate(json.loads(
        html.split('id="nsp-data">')[1].split("</script>")[0])["nodes"]) if n["r"] == "theorem")
    blank_path = tmp / "blank.html"
    blank_path.write_text("<!DOCTYPE html><title>blank</title><p>blank</p>", encoding="utf-8")
    load, expand, select, blank = [], [], [], []
    for _ in range(runs):
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        page = ctx.new_page()
        page.goto(blank_path.as_uri(), wait_until="load")
        blank.append(page.evaluate(TWO_FRAMES) / 1000)
        ctx.close()
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        page = ctx.new_page()
        page.goto(page_path.as_uri(), wait_until="load")
        load.append(page.evaluate(TWO_FRAMES) / 1000)
        expand.append(page.evaluate(TIMED_HASH, "all") / 1000)
        assert page.locator("svg.dag a.n").count() == nodes
        select.append(page.evaluate(TIMED_HASH, f"n-{theorem}") / 1000)
        ctx.close()
    return {
        "nodes": nodes, "edges": g.number_of_edges(), "layers": max(lay.layer.values()) + 1,
        "page_bytes": len(html.encode("utf-8")), "svg_width_px": lay.width, "svg_height_px": lay.height,
        "python_render_ms": median_ms(render), "python_full_layout_ms": median_ms(layout),
        "chromium_blank_page_ms": median_ms(blank), "chromium_load_folded_ms": median_ms(load), "chromium_show_whole_graph_ms": median_ms(expand),
        "chromium_select_theorem_ms": median_ms(select),
    }


def get_s(url: str) -> float:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        body = r.read()
    assert r.status == 200 and body
    return time.perf_counter() - t0


def bench_batch(browser, graphs: int, runs: int, index_runs: int, tmp: Path) -> dict:
    src = tmp / "batch.jsonl"
    t0 = time.perf_counter()
    with src.open("w", encoding="utf-8") as f:
        f.writelines(batch_records(graphs))
    gen = time.perf_counter() - t0
    builds = []
    index = None
    for _ in range(index_runs):
        index = None
        t0 = time.perf_counter()
        index = BatchIndex([src])
        builds.append(time.perf_counter() - t0)
    assert len(index) == graphs
    server = make_server([src], "127.0.0.1", 0, quiet=True, index=index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = "http://%s:%d" % server.server_address[:2]
    try:
        first = get_s(base + "/")
        warm = [get_s(base + "/") for _ in range(runs)]
        deep = [get_s(base + f"/?page={graphs // 100 + 1}") for _ in range(runs)]
        words = ["felix", "mammal", "tweety", "nemo", "wild", "fish", "bird", "pet", "cat", "dog"]
        searches = [get_s(base + f"/?q={words[i % len(words)]}+{i}") for i in range(runs)]
        proof = [get_s(base + f"/proof/{(i * 7919) % graphs}") for i in range(runs)]
        chromium = []
        for _ in range(runs):
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            page = ctx.new_page()
            page.goto(base + "/", wait_until="load")
            chromium.append(page.evaluate(TWO_FRAMES) / 1000)
            assert page.locator("#proofs tbody tr").count() == 50
            ctx.close()
    finally:
        server.shutdown()
        server.server_close()
    return {
        "graphs": graphs, "jsonl_bytes": src.stat().st_size, "generate_s": round(gen, 2),
        "index_build_s": round(statistics.median(builds), 2), "index_build_runs_s": [round(b, 2) for b in builds],
        "page1_first_request_ms": round(first * 1000, 1), "page1_ms": median_ms(warm),
        "deep_page_ms": median_ms(deep), "search_uncached_ms": median_ms(searches), "proof_page_ms": median_ms(proof),
        "chromium_page1_load_ms": median_ms(chromium),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--width", type=int, default=100)
    ap.add_argument("--graphs", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--index-runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as d, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            big = bench_big_graph(browser, args.nodes, args.width, args.runs, Path(d))
            batch = bench_batch(browser, args.graphs, args.runs, args.index_runs, Path(d))
            version = browser.version
        finally:
            browser.close()
    result = {
        "big_graph": big, "batch": batch, "runs": args.runs, "index_runs": args.index_runs,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "chromium": version, "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
    }
    write_atomic(args.out, json.dumps(result, indent=2, sort_keys=True) + "\n")
    from rich.console import Console
    from rich.table import Table

    t = Table("measure", "median", title=f"nsp html (medians of {args.runs} runs; index: {args.index_runs})")
    for section in ("big_graph", "batch"):
        for k, v in result[section].items():
            if not isinstance(v, list):
                t.add_row(f"{section}.{k}", f"{v:,}" if isinstance(v, int) else str(v))
    Console().print(t)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
