"""``nsp lean ...``: the Lean 4 bridge's commands (click): ``export``, ``check``, ``doctor``.

Each command calls the library (:mod:`provers.lean.export`, :func:`provers.lean.check.check_text`,
:func:`provers.lean.toolchain.doctor`) and formats its result here. Registered in :mod:`nsp.cli`.
Exit codes: 0 proved/done, 1 not proved, 2 bad input (or refused by the screen), 3 no toolchain;
errors are raised and printed by the ``nsp`` group (:func:`nsp.cli.fail`).
"""

from __future__ import annotations

import click

from nsp.errors import BadInput, NspError, OutputError, ToolMissing
from nsp.options import Seconds


@click.group("lean")
def lean_group() -> None:
    """Lean 4 bridge: export problems, check Lean files in a sandbox, diagnose the toolchain.

    Exit codes: 0 proved/done, 1 not proved (error, sorry, timeout), 2 bad input (or rejected
    by the sandbox screen), 3 no Lean toolchain.
    """


@lean_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the Lean file here.")
@click.option("--negate", is_flag=True, help="Prove the negation of the conclusion (a False verdict).")
@click.option("--syntax", type=click.Choice(["auto", "folio", "nltk", "tptp"]), default="auto", show_default=True)
@click.option("--strict", is_flag=True, help="Reject malformed formulas instead of repairing them.")
def lean_export(file, output, negate, syntax, strict):
    """Export the problem in FILE (as `nsp prove` reads it) as a self-contained Lean 4 file."""
    from nsp.logic.problem import read_problem_file
    from nsp.records import check_output, write_atomic
    from provers.lean.export import export_problem

    if output is not None:  # refused before any work, like every writer's output
        check_output(output, [file])
    problem = read_problem_file(file, syntax, strict)
    text = export_problem(problem, negate=negate).text
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OSError as e:
        raise OutputError(f"{output}: {e.strerror or e}") from None


@lean_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--timeout", type=Seconds(0.1), default=60.0, show_default=True, help="Wall-clock seconds.")
@click.option("--memory", "memory_mb", type=click.IntRange(min=64), default=6144, show_default=True, help="Memory limit (MB).")
@click.option("--allow-import", "allow", multiple=True, help="Allow importing this exact module name; repeatable. Default: none (nsp's exports import nothing).")
@click.option("--theorem", default=None, help="Report the axioms of this theorem (default: NSP.nsp_goal in nsp exports).")
def lean_check(file, as_json, timeout, memory_mb, allow, theorem):
    """Check FILE.lean with `lean --json` in the sandbox (text outside nsp's Lean language is
    refused by the screen before any Lean runs: exit 2)."""
    from nsp.files import read_text
    from provers.lean.check import NoToolchain, Proved, check_text, nsp_theorem, refusal
    from provers.lean.sandbox import DEFAULT_ALLOWED_IMPORTS

    text = read_text(file)
    try:
        result = check_text(
            text, timeout=timeout, memory_mb=memory_mb, allowed_imports=tuple(allow) or DEFAULT_ALLOWED_IMPORTS,
            theorem=theorem or nsp_theorem(text),
        )
    except NspError:
        raise
    except ValueError as e:  # a plain one: a bad --theorem or --allow-import
        raise BadInput(str(e)) from None
    if as_json:
        import json

        click.echo(json.dumps({"file": file, **result.to_json()}, ensure_ascii=False))
    if isinstance(result, NoToolchain):  # with --json, the object above says it
        raise ToolMissing(f"{result.detail}: {result.how_to_install}", shown=as_json)
    if getattr(result, "stage", None) == "screen":  # bad input: one line on stderr (and --json's object)
        raise refusal(result, file)
    if not as_json:
        _print_lean_result(file, result)
    if not isinstance(result, Proved):
        raise SystemExit(1)


def _print_lean_result(file: str, result) -> None:
    head = result.status
    if getattr(result, "stage", None):
        head += f" ({result.stage})"
    if getattr(result, "reason", None):
        head += f": {result.reason}"
    axioms = getattr(result, "axioms", None)
    click.echo(f"{file}: {head}")
    if axioms is not None:
        click.echo("axioms: " + (", ".join(axioms) or "none"))
    for m in getattr(result, "messages", ()):
        where = f"{file}:{m.line}:{m.column}: " if m.line is not None else f"{file}: "
        click.echo(f"{where}{m.severity}: {m.text}")


@lean_group.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def lean_doctor(as_json):
    """What the Lean bridge found on this machine, and how to install what is missing."""
    from provers.lean.toolchain import doctor

    findings = doctor()
    ok = all(f.ok for f in findings if f.required)
    if as_json:
        import json

        click.echo(json.dumps({"ok": ok, "findings": [f.to_json() for f in findings]}, ensure_ascii=False))
    else:
        for f in findings:
            click.echo(f"[{'ok' if f.ok else 'missing'}] {f.item}: {f.detail}")
            if f.fix:
                click.echo(f"    fix: {f.fix}")
    if not ok:  # the findings above say what is missing
        raise ToolMissing("the Lean toolchain is missing", shown=True)
