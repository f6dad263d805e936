"""``nsp graph ...``: verify, query and merge provenance graphs (click commands).

Exit codes as in :mod:`nsp.cli`: 0 done, 1 a check failed, 2 bad input, 3 missing prover.
"""

from __future__ import annotations


import click

from nsp.options import Seconds

MAX_FAILURE_LINES = 50


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"nsp: error: {message}", err=True)
    raise SystemExit(code)


@click.group("graph")
def graph_group() -> None:
    """Provenance graphs: check them independently, query them, merge them."""


@graph_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--prover", type=click.Choice(["z3", "e"]), default="z3", show_default=True,
              help="Prover that re-checks each derivation.")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True, help="Seconds per check.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr (when it is a terminal).")
def verify_cmd(file: str, prover: str, timeout: float, progress: bool) -> None:
    """Re-check every derived fact of the graph(s) in FILE from exactly its recorded sources.

    FILE: a graph (node-link JSON), a JSONL of graphs, or a JSONL of records with a "graph".
    Prints one line per rule (checks passed and failed), then each failure; exits 1 on any.
    """
    from nsp.graph.verify import GraphFileError, ProverUnavailable, verify_file
    from nsp.records import JobProgress

    import sys

    total = _count_lines(file)
    try:
        with JobProgress(progress and sys.stderr.isatty(), total, "verify", "graphs", transient=True) as bar:
            report = verify_file(file, prover, timeout, on_graph=bar.set)
    except GraphFileError as e:
        _fail(str(e))
    except ProverUnavailable as e:
        _fail(str(e), 3)
    for line in report.lines():
        click.echo(line)
    for f in report.failures[:MAX_FAILURE_LINES]:
        click.echo(f.describe())
    if len(report.failures) > MAX_FAILURE_LINES:
        click.echo(f"... and {len(report.failures) - MAX_FAILURE_LINES} more failure(s)")
    if not report.passed:
        raise SystemExit(1)


@graph_group.command("proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("fact")
def proof_cmd(file: str, fact: str) -> None:
    """Print the proof of FACT (a node id): everything it depends on, sources first."""
    from nsp.graph.provenance import derivation, in_dependency_order, proof_of

    g = _merged_with(file, fact)
    sub = proof_of(g, fact)
    for node_id in in_dependency_order(sub):
        rule, groups = derivation(sub, node_id)
        data = sub.nodes[node_id]
        srcs = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(groups.items()))
        click.echo(f"{node_id}  {data.get('role', '?')}  {rule}" + (f" ({srcs})" if srcs else ""))
        click.echo(f"    {data.get('formula', '')}")


@graph_group.command("uses")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("fact")
def uses_cmd(file: str, fact: str) -> None:
    """Print the facts derived directly from FACT (a node id)."""
    from nsp.graph.provenance import uses_of

    g = _merged_with(file, fact)
    for node_id in uses_of(g, fact):
        data = g.nodes[node_id]
        click.echo(f"{node_id}  {data.get('role', '?')}  {data.get('rule', '?')}  {data.get('formula', '')}")


@graph_group.command("merge")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="Merged graph (JSON).")
def merge_cmd(files: tuple[str, ...], out: str) -> None:
    """Merge every graph in FILES into one graph file (first derivation of a fact wins)."""
    from nsp.graph.provenance import dumps, merge, read_graphs

    from nsp.records import check_output, write_atomic

    try:
        check_output(out, files)
        g = merge(graph for f in files for graph in read_graphs(f))
        write_atomic(out, dumps(g) + "\n")
    except (ValueError, OSError) as e:  # OutputError included: a device, a folder, an input
        _fail(str(e))
    conflicts = len(g.graph.get("conflicts", ()))
    click.echo(f"{g.graph['merged']} graph(s) -> {g.number_of_nodes()} fact(s), "
               f"{g.number_of_edges()} edge(s), {conflicts} conflict(s) -> {out}")


def _merged_with(file: str, fact: str):
    from nsp.graph.provenance import merge, read_graphs

    try:
        g = merge(graph for graph in read_graphs(file) if fact in graph)
    except (ValueError, OSError) as e:
        _fail(str(e))
    if fact not in g:
        _fail(f"{file}: no graph has a fact with id {fact}")
    return g


def _count_lines(file: str) -> int | None:
    try:
        with open(file, "rb") as f:
            return sum(1 for line in f if line.strip()) or None
    except OSError:
        return None

