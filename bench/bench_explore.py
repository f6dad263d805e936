"""Benchmark: theory exploration of Peano arithmetic from data/axioms/peano.fol alone.

    python bench/bench_explore.py [--workers W] [--time-limit SEC] [--max-size N]

Runs the exploration behind ``nsp synth explore`` (:mod:`synth.explore`), writes its graph to
bench/results/explore-peano.graph.json, and reports: the wall time (with the load average at
start and end: other work on the machine inflates it), candidates, theorems proved (by
induction / directly) before compression and after, whether each classic law was proved
(commutativity and associativity of + and ×, left and right distributivity), and the
independent checker (:class:`nsp.graph.verify.Checker`, Z3) on the whole graph: checks passed
and failed per rule. Induction steps are checked by :func:`synth.induction.check_node` (the
check the graph checker needs for rule "induction"); the base and step of each are ordinary
entailments that the checker re-proves.
Writes bench/results/explore.json atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nsp.graph.provenance import dumps, to_json  # noqa: E402
from nsp.graph.verify import Checker, prover  # noqa: E402
from nsp.logic.syntax import parse  # noqa: E402
from nsp.records import write_atomic  # noqa: E402
from synth.conjecture import equation_key  # noqa: E402
from synth.explore import ExploreParams, explore, read_axioms  # noqa: E402
from synth.induction import check_node  # noqa: E402

AXIOMS = ROOT / "data" / "axioms" / "peano.fol"
RESULTS = ROOT / "bench" / "results" / "explore.json"
GRAPH = ROOT / "bench" / "results" / "explore-peano.graph.json"
LAWS = {
    "add commutative": "∀x ∀y (add(x, y) = add(y, x))",
    "add associative": "∀x ∀y ∀z (add(add(x, y), z) = add(x, add(y, z)))",
    "mul commutative": "∀x ∀y (mul(x, y) = mul(y, x))",
    "mul associative": "∀x ∀y ∀z (mul(mul(x, y), z) = mul(x, mul(y, z)))",
    "left distributive": "∀x ∀y ∀z (mul(x, add(y, z)) = add(mul(x, y), mul(x, z)))",
    "right distributive": "∀x ∀y ∀z (mul(add(x, y), z) = add(mul(x, z), mul(y, z)))",
}


def find(graph, text: str) -> str | None:
    """The theorem node stating the law (up to renaming variables and swapping sides)."""
    want = equation_key(parse(text, "folio", strict=True).formula)
    for n, d in graph.nodes(data=True):
        if d["role"] == "theorem" and equation_key(parse(d["formula"], "folio", strict=True).formula) == want:
            return n
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=1800.0)
    ap.add_argument("--max-size", type=int, default=7)
    args = ap.parse_args()
    console = Console(stderr=True)
    load_start = os.getloadavg()
    params = ExploreParams(time_limit=args.time_limit, max_size=args.max_size, workers=args.workers)
    start = time.monotonic()
    r = explore(read_axioms(AXIOMS), params, str(AXIOMS.relative_to(ROOT)), progress=True)
    wall = time.monotonic() - start
    load_mid = os.getloadavg()
    g = r.graph
    GRAPH.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(GRAPH, dumps(g) + "\n")
    laws = {}
    for name, text in LAWS.items():
        nid = find(g, text)
        laws[name] = {"proved": nid is not None, "node": nid,
                      "method": g.nodes[nid].get("method") if nid else None,
                      "kept": g.nodes[nid].get("kept") if nid else None}
    console.print("checking every step of the graph")
    t = time.monotonic()
    checker = Checker(prover("z3"), 20.0)
    checker.check(json.loads(json.dumps(to_json(g))))
    rep = checker.report
    induction_nodes = [n for n, d in g.nodes(data=True) if d.get("rule") == "induction"]
    induction_bad = [n for n in induction_nodes if check_node(g, n) is not None]
    other_failures = [f.describe() for f in rep.failures if f.rule != "induction"]
    result = {
        "benchmark": "synth explore on Peano arithmetic",
        "axioms": str(AXIOMS.relative_to(ROOT)),
        "params": params.to_json(),
        "wall_seconds": round(wall, 2),
        "prove_seconds": round(r.prove_seconds, 2),
        "compress_seconds": round(r.compress_seconds, 2),
        "candidates": r.candidates,
        "theorems_before_compression": r.proved,
        "by_induction": r.by_induction,
        "direct": r.direct,
        "known_candidates": r.known,
        "unproved_candidates": len(r.unproved),
        "timed_out": r.timed_out,
        "theorems_after_compression": len(r.kept),
        "kept": [g.nodes[k]["formula"] for k in r.kept],
        "lemmas_by_induction": [g.nodes[k]["formula"] for k in r.theorems if g.nodes[k]["method"] == "induction"],
        "laws": laws,
        "z3_calls": r.z3_calls,
        "graph": str(GRAPH.relative_to(ROOT)),
        "graph_nodes": g.number_of_nodes(),
        "verify": {"ok": dict(rep.ok), "failed": dict(rep.failed),
                   "failures_other_than_induction": other_failures[:20],
                   "seconds": round(time.monotonic() - t, 2)},
        "induction_check": {"nodes": len(induction_nodes), "failed": len(induction_bad)},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_start": [round(x, 2) for x in load_start],
                    "load_after_explore": [round(x, 2) for x in load_mid],
                    "load_end": [round(x, 2) for x in os.getloadavg()]},
    }
    write_atomic(RESULTS, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    out = Console()
    out.print(f"explore: {wall:.1f}s wall on {args.workers} worker(s); {r.candidates} candidates; "
              f"{r.proved} theorems ({r.by_induction} by induction) -> {len(r.kept)} after compression")
    for name, v in laws.items():
        out.print(f"  {name}: {'proved' if v['proved'] else 'NOT proved'} ({v['method']})")
    out.print("verify:", "; ".join(rep.lines()))
    out.print(f"induction nodes: {len(induction_nodes)}, failing the induction check: {len(induction_bad)}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
