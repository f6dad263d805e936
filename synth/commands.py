"""``nsp synth ...``: the synthesis commands (click): ``mutate``, ``search``, ``explore``.

Each command builds its job's settings object (:class:`synth.batch.JobParams`,
:class:`synth.search.SearchParams`, :class:`synth.explore.ExploreParams`; for mutate and search,
what the job's journal records and compares on resume), calls the job's one library function
with it and how to run it (workers, Ray, fresh, progress), and prints the summary line.
Registered in :mod:`nsp.cli`.

Exit codes as in :mod:`nsp.cli`: 0 done (per-item problems go to the errors file), 2 bad input
or a journal of another job, 3 missing back end (Ray), 130 interrupted (rerun to resume).
"""

from __future__ import annotations

import click

from nsp.options import RAY, Seconds

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
@RAY
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
    _exit_for_bad_input(r.bad_input, "line(s) of the input could not be read")


@synth_group.command("search")
@click.argument("problems", metavar="PROBLEMS", type=click.Path(dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="Output JSONL of search trees.")
@click.option("--strategy", type=click.Choice(["mcts", "beam"]), default="mcts", show_default=True)
@click.option("--policy", type=click.Choice(["overlap", "uniform"]), default="overlap", show_default=True,
              help="Prior over steps.")
@click.option("--simulations", type=click.IntRange(1), default=200, show_default=True, help="MCTS simulations per problem.")
@click.option("--beam-width", type=click.IntRange(1), default=8, show_default=True, help="Beam search width.")
@click.option("--max-rounds", type=click.IntRange(1), default=16, show_default=True, help="Beam search rounds.")
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True, help="Worker processes.")
@RAY
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--decided-only", is_flag=True, help="Logic-LM input: only items whose gold label is True or False.")
@click.option("--full-budget", is_flag=True, help="Go on searching after the first proof (richer trees).")
@click.option("--negative-budget", type=click.IntRange(0), default=10, show_default=True,
              help="Proof states searched on a problem Z3 decides Uncertain or finds inconsistent (its tree is "
                   "kept as negative data); 0: do not decide first, give every problem the full budget.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N problems.")
@click.option("--fresh", is_flag=True, help="Discard the journal of an earlier run and start over.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr.")
def synth_search_cmd(problems, out, strategy, policy, simulations, beam_width, max_rounds, workers, ray_address,
                     seed, decided_only, full_budget, negative_budget, limit, fresh, progress) -> None:
    """Search for step-level proofs of PROBLEMS, writing the search trees to OUT.

    PROBLEMS: a Logic-LM JSON file (e.g. ProofWriter) or a JSONL of nsp theorems
    {"id", "premises": [...], "conclusion": "..."}. Proofs go to OUT's .proofs.jsonl (check them
    with nsp graph verify). Interrupted? Run the same command again.
    """
    from synth.search import SearchParams, run_search_job

    params = SearchParams(strategy=strategy, policy=policy, simulations=simulations, seed=seed,
                          beam_width=beam_width, max_rounds=max_rounds, decided_only=decided_only, limit=limit,
                          full_budget=full_budget, negative_budget=negative_budget)
    r = run_search_job(problems, out, params, workers=workers, ray=ray_address, progress=progress, fresh=fresh)
    acc = f", {r.correct}/{r.labelled} agree with the gold label" if r.labelled else ""
    click.echo(f"{r.items} problem(s) ({r.items_run} run now), {r.solved} solved{acc}, "
               f"{r.errors} error(s) -> {out}", err=True)
    _exit_for_bad_input(r.bad_input, "problem(s) of the input could not be read")


def _exit_for_bad_input(count: int, what: str) -> None:
    """Exit 4, as `nsp eval` does, when the job finished but some input could not be read (listed in
    OUT.errors.jsonl with the line); a failure while working on an item is not bad input."""
    if count:
        from nsp.errors import ItemsFailed

        raise ItemsFailed(f"{count} {what} (see the errors file)")


@synth_group.command("explore")
@click.argument("axioms", metavar="AXIOMS", type=click.Path(dir_okay=False))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="Output provenance graph (JSON).")
@click.option("--time-limit", type=Seconds(1.0), default=1800.0, show_default=True,
              help="Wall-clock seconds for the whole exploration.")
@click.option("--max-size", type=click.IntRange(3), default=7, show_default=True,
              help="Largest term size enumerated (symbols and variables).")
@click.option("--variables", type=click.IntRange(1, 4), default=3, show_default=True, help="Variables in equations.")
@click.option("--max-value", type=click.IntRange(1), default=4, show_default=True,
              help="Test every variable at the numerals 0..N.")
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True,
              help="Processes for the Z3 proof attempts of one round.")
@click.option("--progress/--no-progress", default=True, help="Progress on stderr.")
def synth_explore_cmd(axioms, out, time_limit, max_size, variables, max_value, workers, progress) -> None:
    """Prove equational theorems of AXIOMS by induction and write their provenance graph.

    AXIOMS: formulas in FOLIO syntax, one per line, '#' comments (e.g. data/axioms/peano.fol).
    """
    from synth.explore import ExploreParams, explore_file

    params = ExploreParams(time_limit=time_limit, max_size=max_size, variables=variables, max_value=max_value,
                           workers=workers)
    r = explore_file(axioms, out, params, progress=progress)
    click.echo(f"{r.proved} theorem(s) proved ({r.by_induction} by induction), {len(r.kept)} after compression, "
               f"{r.seconds:.1f}s -> {out}", err=True)
