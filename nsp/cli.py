"""The ``nsp`` command line: thin click wrappers over library functions.

Exit codes: 0 done/decided, 1 undecided (Unknown), 2 bad input, 3 missing external tool.
Errors are one line on stderr (plus a caret display for formula syntax errors), never a traceback.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nsp")
def main() -> None:
    """nsp: neurosymbolic theorem proving over one formula IR."""


# ---------------------------------------------------------------- prove / eval (logic core)

import json as _json
import sys as _sys

SYNTAX_CHOICE = click.Choice(["auto", "folio", "nltk", "tptp"])


def fail(message: str, pointer: str = "", code: int = 2) -> None:
    """Print a one-line error (and an optional caret display) on stderr and exit."""
    click.echo(f"nsp: error: {message}", err=True)
    if pointer:
        click.echo(pointer, err=True)
    raise SystemExit(code)


def _load_problem(path: str, syntax: str, strict: bool):
    from nsp.logic.problem import ProblemError, read_problem_file

    try:
        return read_problem_file(path, syntax, strict)
    except ProblemError as e:
        fail(str(e), e.pointer)
    except RecursionError:  # pragma: no cover - the readers are iterative; belt and braces
        fail(f"{path}: formula nested too deeply to read")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--syntax", type=SYNTAX_CHOICE, default="auto", show_default=True, help="Formula syntax of FILE.")
@click.option("--strict", is_flag=True, help="Reject malformed formulas instead of repairing them.")
@click.option("--timeout", type=click.FloatRange(min=0.001), default=10.0, show_default=True, help="Seconds per prover.")
@click.option("--cross-check", is_flag=True, help="Also run the E prover and report agreement.")
@click.option("--explain", is_flag=True, help="Show premises used / counter-models (and the proof graph in --json).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def prove(file, syntax, strict, timeout, cross_check, explain, as_json):
    """Decide whether FILE's premises entail its conclusion.

    FILE: premises one per line (# comments), a line '---', then the conclusion;
    or JSON {"premises": [...], "conclusion": "..."}; or TPTP fof(...) lines with a conjecture.
    Exit 0 when decided, 1 when Unknown (or the provers disagree), 2 for bad input.
    """
    from provers.decide import prove as run

    problem = _load_problem(file, syntax, strict)
    for where, r in problem.repairs:
        if not as_json:
            click.echo(f"nsp: repaired {where}: {r}", err=True)
    report = run(problem, timeout=timeout, explain=explain or as_json, cross_check=cross_check)
    if report.second_missing:
        click.echo(f"nsp: cross-check skipped: {report.second_missing}", err=True)
    if as_json:
        click.echo(_json.dumps(_report_json(file, report, explain), ensure_ascii=False))
    else:
        _print_report(report, explain)
    raise SystemExit(0 if report.outcome.decided and report.agree is not False else 1)


def _report_json(file: str, report, explain: bool) -> dict:
    from nsp.logic.syntax import write

    p, v = report.problem, report.verdict
    out = {
        "file": file,
        "outcome": v.outcome.value,
        "prover": v.prover,
        "seconds": round(v.seconds, 6),
        "syntax": p.syntax,
        "premises": [write(f, "folio") for f in p.premises],
        "conclusion": write(p.conclusion, "folio") if p.conclusion is not None else None,
        "repairs": [{"where": w, "column": r.column, "kind": r.kind, "message": r.message} for w, r in p.repairs],
    }
    if v.reason:
        out["reason"] = v.reason
    if explain:
        exp = v.to_json()
        exp.pop("outcome"), exp.pop("prover"), exp.pop("seconds")
        exp["graph"] = report.graph
        out["explanation"] = exp
    if report.second is not None or report.second_missing:
        out["cross_check"] = {
            "prover": report.second.prover if report.second else "eprover",
            "outcome": report.second.outcome.value if report.second else None,
            "reason": report.second.reason if report.second else report.second_missing,
            "agree": report.agree,
        }
    return out


def _print_report(report, explain: bool) -> None:
    from nsp.logic.syntax import write

    p, v = report.problem, report.verdict
    line = f"{v.outcome.value}  ({v.prover}, {v.seconds:.3f} s)"
    if v.reason:
        line += f"  reason: {v.reason}"
    click.echo(line)
    if report.second is not None:
        agree = {True: "agree", False: "DISAGREE", None: "no comparison"}[report.agree]
        click.echo(f"cross-check: {report.second.prover} says {report.second.outcome.value} ({agree})"
                   + (f"; {report.second.reason}" if report.second.reason else ""))
    if not explain:
        return
    if v.used is not None:
        click.echo("premises used:")
        for i in v.used:
            src = p.premise_texts[i].strip() if p.premise_texts else ""
            shown = write(p.premises[i], "folio")
            click.echo(f"  {p.premise_names[i]}: {shown}" + (f"    [{src}]" if src and src != shown else ""))
    for title, model in (("counter-model (premises hold, conclusion fails)", v.countermodel),
                         ("model (premises and conclusion hold)", v.model)):
        if model is not None:
            click.echo(f"{title}:")
            for l in model.describe():
                click.echo(f"  {l}")


@main.command("eval")
@click.argument("dataset", type=click.Path(dir_okay=False))
@click.option("--gold-fol", is_flag=True, help="Decide the dataset's own gold FOL (no model).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N items.")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Per-problem JSONL (resumable).")
@click.option("--timeout", type=click.FloatRange(min=0.001), default=10.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def eval_cmd(dataset, gold_fol, limit, out, timeout, as_json):
    """Score a dataset: accuracy, per label, confusion matrix, repairs, time per problem."""
    from nsp.eval.gold import evaluate_gold
    from nsp.logic.problem import ProblemError

    if not gold_fol:
        fail("only --gold-fol evaluation is available in this version (the semantic parser is not built yet)")
    try:
        summary = evaluate_gold(dataset, limit=limit, timeout=timeout, out=out, progress=_sys.stderr.isatty())
    except ProblemError as e:
        fail(str(e))
    if as_json:
        click.echo(_json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)


def _print_summary(s: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    c = Console()
    acc = "n/a" if s["accuracy"] is None else f"{s['accuracy']:.1%}"
    c.print(f"scored {s['n']} items: accuracy {acc} ({s['correct']}/{s['n']}); "
            f"errors {s['errors']}; skipped {s['skipped']}"
            + (f" ({s['skipped_reason']})" if s["skipped"] else ""))
    if s["per_label"]:
        t = Table("gold \\ predicted", *[o for o in ("True", "False", "Uncertain", "Inconsistent", "Unknown", "error")],
                  "accuracy", title="confusion matrix")
        for g, d in sorted(s["per_label"].items()):
            row = s["confusion"].get(g, {})
            t.add_row(g, *[str(row.get(o, 0)) for o in ("True", "False", "Uncertain", "Inconsistent", "Unknown", "error")],
                      f"{d['accuracy']:.1%}")
        c.print(t)
    if s["premises_inconsistent"]:
        c.print(f"inconsistent premise sets (stories): {', '.join(s['premises_inconsistent'])}")
    c.print(f"repairs: {s['repairs']} in {s['items_repaired']} items {s['repairs_by_kind']}")
    sp = s["seconds_per_problem"]
    if sp["mean"] is not None:
        c.print(f"time per problem: mean {sp['mean'] * 1000:.1f} ms, median {sp['median'] * 1000:.1f} ms, "
                f"max {sp['max'] * 1000:.1f} ms; total {s['seconds']:.1f} s")
    for e in s["error_items"][:10]:
        c.print(f"error {e['id']}: {e['error']}")


# ---------------------------------------------------------------- lean (Lean 4 bridge)

# ---------------------------------------------------------------- graph / synth (synthesis)


if __name__ == "__main__":  # pragma: no cover
    main()
