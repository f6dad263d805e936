"""``nsp graph ...``: verify, query and merge provenance graphs (click commands).

Each command calls one library function (``verify``: :func:`nsp.graph.verify.verify_job` with
its :class:`nsp.graph.verify.Settings`; ``proof``/``uses``: :func:`nsp.graph.provenance.merged_with`;
``merge``: :func:`nsp.graph.provenance.merge_files`) and formats its result here. Exit codes as in
:mod:`nsp.cli`: 0 done, 1 a check failed, 2 bad input (or a journal of another job), 3 missing
prover or Ray, 130 interrupted. Errors are the library's typed ones (:mod:`nsp.errors`), printed
by the ``nsp`` group.
"""

from __future__ import annotations

import click

from nsp.errors import BadInput
from nsp.options import RAY, Seconds
from provers.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT

MAX_FAILURE_LINES = 50


@click.group("graph")
def graph_group() -> None:
    """Provenance graphs: check them independently, query them, merge them."""


@graph_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--prover", type=click.Choice(["z3", "e"]), default="z3", show_default=True,
              help="Prover that re-checks each derivation.")
@click.option("--rlimit", type=click.IntRange(0), default=DEFAULT_RLIMIT, show_default=True,
              help="Z3 resource limit per check: the bound (deterministic; 0: none).")
@click.option("--timeout", type=Seconds(), default=DEFAULT_TIMEOUT, show_default=True,
              help="Wall-clock seconds per check: only a guard against hangs (a check it stops fails and says so).")
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="Worker processes (1: check in this process).")
@RAY
@click.option("-o", "--out", type=click.Path(dir_okay=False), default=None,
              help="Write the report (JSON, every node's verdict) here; OUT.journal makes an interrupted run "
                   "resumable.")
@click.option("--fresh", is_flag=True, help="With --out: discard the journal of an earlier run and start over.")
@click.option("--progress/--no-progress", default=True, help="Progress on stderr: a bar on a terminal, else a line every 30 s.")
def verify_cmd(file: str, prover: str, rlimit: int, timeout: float, workers: int, ray_address: str | None,
               out: str | None, fresh: bool, progress: bool) -> None:
    """Re-check every derived fact of the graph(s) in FILE from exactly its recorded sources.

    FILE: a graph (node-link JSON), a JSONL of graphs, or a JSONL of records with a "graph".
    Prints one line per rule (checks passed and failed), then each failure; exits 1 on any.
    The verdicts, and the report, are the same for any --workers and --ray. With --out,
    interrupted? Run the same command again.
    """
    from nsp.graph.verify import Settings, verify_job

    if fresh and out is None:
        raise BadInput("--fresh needs --out (only a run with a report file keeps a journal)")
    settings = Settings(prover=prover, rlimit=rlimit, timeout=timeout)
    report, stats = verify_job(file, settings, workers=workers, ray=ray_address, out=out, fresh=fresh,
                               progress=progress)
    for line in report.lines():
        click.echo(line)
    for f in report.failures[:MAX_FAILURE_LINES]:
        click.echo(f.describe())
    if len(report.failures) > MAX_FAILURE_LINES:
        click.echo(f"... and {len(report.failures) - MAX_FAILURE_LINES} more failure(s)")
    if out is not None:
        click.echo(f"{stats.checks} check(s) in {stats.chunks} chunk(s), {stats.chunks_run} run now "
                   f"({stats.wall_seconds:.1f} s, {stats.cpu_seconds:.1f} s CPU in checks) -> {out}", err=True)
    if not report.passed:
        raise SystemExit(1)


@graph_group.command("proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("fact")
def proof_cmd(file: str, fact: str) -> None:
    """Print the proof of FACT (a node id): everything it depends on, sources first."""
    from nsp.graph.provenance import derivation, in_dependency_order, merged_with, proof_of

    sub = proof_of(merged_with(file, fact), fact)
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
    from nsp.graph.provenance import merged_with, uses_of

    g = merged_with(file, fact)
    for node_id in uses_of(g, fact):
        data = g.nodes[node_id]
        click.echo(f"{node_id}  {data.get('role', '?')}  {data.get('rule', '?')}  {data.get('formula', '')}")


@graph_group.command("merge")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="Merged graph (JSON).")
def merge_cmd(files: tuple[str, ...], out: str) -> None:
    """Merge every graph in FILES into one graph file (first derivation of a fact wins)."""
    from nsp.graph.provenance import merge_files

    g = merge_files(files, out)
    conflicts = len(g.graph.get("conflicts", ()))
    click.echo(f"{g.graph['merged']} graph(s) -> {g.number_of_nodes()} fact(s), "
               f"{g.number_of_edges()} edge(s), {conflicts} conflict(s) -> {out}")
