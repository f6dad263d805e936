"""``nsp synth ...``: batch synthesis commands (click).

Exit codes as in :mod:`nsp.cli`: 0 done (per-item problems go to the errors file), 2 bad input
or a journal of another job, 3 missing back end (Ray), 130 interrupted (rerun to resume).
"""

from __future__ import annotations

import click

from nsp.options import Seconds

from synth.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT


@click.group("synth")
def synth_group() -> None:
    """Synthesis: new verified theorems from old ones."""


@synth_group.command("mutate")
@click.argument("infile", metavar="IN.jsonl", type=click.Path(dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="Output JSONL of mutants.")
@click.option("--per-theorem", type=click.IntRange(1), default=5, show_default=True,
              help="Most mutants kept per theorem.")
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True, help="Worker processes.")
@click.option("--ray", "ray_address", metavar="ADDRESS|auto|local", default=None,
              help="Run as Ray tasks: 'local' starts a Ray instance here, else ray.init(address=...).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--rlimit", type=click.IntRange(0), default=DEFAULT_RLIMIT, show_default=True,
              help="Z3 resource limit per check (deterministic; 0: none).")
@click.option("--timeout", type=Seconds(), default=DEFAULT_TIMEOUT, show_default=True,
              help="Wall-clock seconds per Z3 call (a backstop to --rlimit).")
@click.option("--max-literals", type=click.IntRange(0), default=8, show_default=True,
              help="Most ground-literal theorems built per FOLIO story.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N items.")
@click.option("--fresh", is_flag=True, help="Discard the journal of an earlier run and start over.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr.")
def mutate_cmd(infile, out, per_theorem, workers, ray_address, seed, rlimit, timeout, max_literals, limit,
               fresh, progress) -> None:
    """Mutate every theorem of IN.jsonl into verified new theorems, written to OUT.

    IN.jsonl: FOLIO rows (premises-FOL; theorems are built from each story) or nsp theorems
    {"id", "premises": [...], "conclusion": "..."}. Interrupted? Run the same command again.
    """
    from synth.batch import JobParams, run_job

    params = JobParams(per_theorem=per_theorem, seed=seed, rlimit=rlimit, timeout=timeout,
                       max_literals=max_literals, limit=limit)
    r = run_job(infile, out, params, workers=workers, ray=ray_address, progress=progress, fresh=fresh)
    rejected = sum(r.rejected.values())
    expansion = r.mutants / r.theorems if r.theorems else 0.0
    click.echo(
        f"{r.items} item(s) ({r.items_run} run now), {r.theorems} theorem(s), {r.mutants} mutant(s) "
        f"(x{expansion:.2f}), {r.tried} re-decided, {rejected} rejected, {r.errors} error(s) -> {out}",
        err=True,
    )
