"""The ``nsp`` command line: thin click wrappers over library functions.

Exit codes: 0 done/decided, 1 undecided (Unknown) or a check failed, and for errors the code of
their branch of :mod:`nsp.errors` (2 bad input, output refused, job conflict; 3 missing tool; 4
finished but some items failed), 130 interrupted, 143 terminated. Errors are one line on stderr
(plus a caret display for formula syntax errors), never a traceback: commands let the library's
typed errors through to :class:`_Nsp`, which prints them with :func:`fail`.
"""

from __future__ import annotations

from typing import NoReturn

import click

from nsp.errors import INTERRUPTED, NspError
from nsp.options import FiniteFloat, Seconds


def fail(error: "NspError | str", pointer: str = "", code: int = 2) -> NoReturn:
    """The one place an error is printed and a command exits: one line on stderr, ``nsp: error:
    WHAT`` (plus the caret display of a formula syntax error), and the exit code of the error's
    branch (:data:`nsp.errors.EXIT_CODES`; ``code`` for a plain message)."""
    from nsp.errors import NspError, exit_code

    message = str(error)
    if isinstance(error, NspError):
        pointer, code = pointer or getattr(error, "pointer", ""), exit_code(error)
        message = as_flags(message, error.settings)
        if error.shown:  # the command's output already says it
            raise SystemExit(code)
    click.echo(f"nsp: error: {message}", err=True)
    if pointer:
        click.echo(pointer, err=True)
    raise SystemExit(code)


def flag(setting: str) -> str:
    """The command-line flag of a library setting: ``negative_budget`` is ``--negative-budget``
    (every nsp flag is its setting's name)."""
    return "--" + setting.replace("_", "-")


def as_flags(message: str, settings: tuple[str, ...]) -> str:
    """A library message with each of ``settings`` it names as ``name=value`` (see
    :class:`nsp.errors.NspError`) shown as the flag: ``fresh=True`` is ``--fresh``, ``limit=5``
    is ``--limit 5``."""
    import re

    for name in settings:
        message = re.sub(rf"\b{re.escape(name)}=(\S+)",
                         lambda m: flag(name) if m.group(1) == "True" else f"{flag(name)} {m.group(1)}", message)
    return message


def _click_error(e: click.ClickException) -> None:
    """Print click's own errors (usage errors exit 2, e.g. a missing argument, an unknown option,
    a bad option value) as one line, not click's three (Usage:, Try ..., Error:), and exit."""
    if isinstance(e, getattr(click.exceptions, "NoArgsIsHelpError", ())):  # a bare group: its help
        e.show()
        raise SystemExit(e.exit_code)
    ctx = getattr(e, "ctx", None)
    path = []
    if ctx is not None:
        path = ctx.command_path.split(" ")[len(ctx.find_root().command_path.split(" ")):]
    message = " ".join(e.format_message().split())
    hint = f" (see '{' '.join(['nsp', *path])} --help')" if isinstance(e, click.UsageError) and ctx else ""
    where = f"nsp {' '.join(path)}: " if path else ""
    fail(f"{where}{message}{hint}", code=e.exit_code)


class _Nsp(click.Group):
    """The command group; errors and stops are handled here for every command: an
    :class:`nsp.errors.NspError` is one line and its branch's exit code (:func:`fail`); Ctrl-C exits
    130 and SIGTERM 143 with one line (the item in flight is not recorded; rerunning a job resumes
    it). click's usage errors are one line too (:func:`_click_error`), with click's exit code (2)."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as e:
            _click_error(e)

    def invoke(self, ctx):
        from nsp.interrupt import install

        install()
        try:
            return super().invoke(ctx)
        except click.ClickException as e:
            _click_error(e)
        except NspError as e:
            error = e.with_traceback(None)
        except KeyboardInterrupt:
            error = None
        # Out of the except clause: the stopped job's frames (and the Z3 objects they hold) are
        # freed now, while every module is alive, not at interpreter exit.
        if error is None:
            fail("interrupted; run the same command again to resume", code=INTERRUPTED)
        fail(error)


@click.group(cls=_Nsp, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nsp")
def main() -> None:
    """nsp: neurosymbolic theorem proving over one formula IR."""


# ---------------------------------------------------------------- prove / eval (logic core)

import json as _json
import sys as _sys
import time as _time

SYNTAX_CHOICE = click.Choice(["auto", "folio", "nltk", "tptp"])


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--syntax", type=SYNTAX_CHOICE, default="auto", show_default=True, help="Formula syntax of FILE.")
@click.option("--strict", is_flag=True, help="Reject malformed formulas instead of repairing them.")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True, help="Seconds per prover.")
@click.option("--cross-check", is_flag=True,
              help="Also run the E prover and cvc5 and report the agreement of all that decide.")
@click.option("--explain", is_flag=True, help="Show premises used / counter-models (and the proof graph in --json).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def prove(file, syntax, strict, timeout, cross_check, explain, as_json):
    """Decide whether FILE's premises entail its conclusion.

    FILE: premises one per line (# comments), a line '---', then the conclusion;
    or JSON {"premises": [...], "conclusion": "..."}; or TPTP fof(...) lines with a conjecture;
    '-' reads it from standard input.
    Exit 0 when decided, 1 when Unknown (or the provers disagree), 2 for bad input.
    """
    from provers.decide import ProveSettings, prove_file

    report = prove_file(file, ProveSettings(syntax=syntax, strict=strict, timeout=timeout,
                                            explain=explain or as_json, cross_check=cross_check))
    for where, r in report.problem.repairs:
        if not as_json:
            click.echo(f"nsp: repaired {where}: {r}", err=True)
    for missing in report.missing:
        click.echo(f"nsp: cross-check skipped: {missing}", err=True)
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
    if report.others or report.missing:
        out["cross_check"] = {
            "outcome": report.agreed.value if report.others else None,
            "provers": [{"prover": o.prover, "outcome": o.outcome.value, "reason": o.reason} for o in report.others],
            "missing": list(report.missing),
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
    if report.others:
        agree = {True: "agree", False: "DISAGREE", None: "no comparison"}[report.agree]
        said = "; ".join(f"{o.prover} says {o.outcome.value}" + (f" ({o.reason})" if o.reason else "")
                         for o in report.others)
        click.echo(f"cross-check: {said} ({agree})")
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


# Options that `nsp eval` and `nsp check` share.
_VOTE = click.option(
    "--vote", type=click.Choice(["proof", "evidence", "majority", "linc"]), default="proof", show_default=True,
    help="How samples vote: proof (the samples that prove True or False, the more proved wins; evidence when none "
    "does or they tie), evidence (samples needing no structural repair, whose conclusion uses the premises' "
    "predicates; all decided ones if none), majority (every decided sample) or linc (only samples that read with "
    "no repair).")
_MODEL_HELP = ("a model name (qwen-coder-0.5b, qwen-coder-1.5b), .gguf file, model or adapter folder, hub id, or "
               "'embedded' (SmolLM2-135M alone). Default: ~/.cache/nsp/finetuned/default/model if nsp train made "
               "it, else Qwen2.5-Coder-0.5B with the whole-problem LoRA adapter shipped in nsp/parse/adapter.")
_MODE = click.option(
    "--mode", type=click.Choice(["sentence", "whole"]), default=None,
    help="whole: one generation per sample translates the whole problem in one vocabulary; sentence: one prompt "
    "per sentence. Default: the translator's own (whole; sentence for a model fine-tuned per sentence, e.g. "
    "nsp/parse/adapter-smollm or nsp train without --data whole).")
_INSTRUCTION = click.option(
    "--instruction/--no-instruction", default=False, show_default=True,
    help="whole mode: start the prompt with an instruction line (for a model not fine-tuned on nsp's layout: "
    "an endpoint's model, or a base model without the shipped adapter).")
_VOCABULARY = click.option(
    "--vocabulary-repair", type=click.IntRange(min=0), default=8, show_default=True,
    help="whole mode: when a sample's conclusion uses a name none of its premises uses, draw its conclusion N "
    "more times after its premises and keep the first that uses only their names (0: off; it runs in each "
    "repair round, so --repair-rounds 0 turns it off too).")


def _translator_options(f):
    """The options `nsp eval` and `nsp check` share: what the translator does with a problem
    (nsp.parse.translate.Settings, built by _settings)."""
    for option in reversed([
        click.option("--samples", type=click.IntRange(min=1), default=1, show_default=True,
                     help="K translations per problem, voted on (LINC)."),
        click.option("--seed", type=int, default=0, show_default=True, help="Sampling seed."),
        click.option("--repair-rounds", type=click.IntRange(min=0), default=1, show_default=True,
                     help="Re-prompt a failing translation with its error up to N times (Logic-LM)."),
        _VOCABULARY, _VOTE, _MODE, _INSTRUCTION,
        click.option("--grammar/--no-grammar", default=False, show_default=True,
                     help="Constrain a local model's output to formulas (needs nsp[grammar])."),
        click.option("--beams", type=click.IntRange(min=1), default=1, show_default=True,
                     help="A local model's greedy translation (K=1) is the most likely of N beams (beam "
                     "search); sampled ones (K>1, repairs) are not affected."),
    ]):
        f = option(f)
    return f


def _endpoint_options(f):
    """The options of the OpenAI-compatible back end (--endpoint), shared by `nsp eval` and `nsp check`."""
    from nsp.parse.endpoint import GRAMMAR_STYLES

    for option in reversed([
        click.option("--api", type=click.Choice(["completions", "chat"]), default=None,
                     help="With --endpoint: /v1/completions (default) or /v1/chat/completions."),
        click.option("--concurrency", type=click.IntRange(min=1), default=None,
                     help="With --endpoint: requests in flight (default 8)."),
        click.option("--max-n", type=click.IntRange(min=1), default=None,
                     help="With --endpoint: completions one request may ask for (llama.cpp's server: 1, the "
                     "default with --server-grammar llama.cpp); more go in further requests."),
        click.option("--server-grammar", type=click.Choice(sorted(GRAMMAR_STYLES)), default=None,
                     help="With --endpoint: the server constrains decoding to formulas (nsp's grammars in GBNF), "
                     "sent as this server takes a grammar."),
    ]):
        f = option(f)
    return f


def _endpoint(opts: dict) -> dict:
    """EndpointBackend's keyword arguments from the --endpoint options given (pops them from ``opts``)."""
    out = {k: v for k in ("api", "concurrency", "max_n") if (v := opts.pop(k, None)) is not None}
    style = opts.pop("server_grammar", None)
    if style is not None:
        out.update(grammar_style=style, formulas=True)
    return out


def _settings(timeout: float, opts: dict, **extra):
    """The translator's Settings from the shared options (``opts``; ``grammar`` and ``beams`` stay with the back end)."""
    from nsp.parse.translate import Settings

    return Settings(samples=opts["samples"], seed=opts["seed"], repair_rounds=opts["repair_rounds"],
                    vocabulary_repair=opts["vocabulary_repair"], vote=opts["vote"], mode=opts["mode"],
                    instruction=opts["instruction"], timeout=timeout, **extra)


@main.command("eval")
@click.argument("dataset", type=click.Path(dir_okay=False))
@click.option("--gold-fol", is_flag=True, help="Decide the dataset's own gold FOL (no model).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N items.")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Per-problem JSONL (resumable).")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--replay", type=click.Path(dir_okay=False), default=None,
              help="Without --gold-fol: re-score the FOL samples recorded in FILE (an --out file) instead of a model.")
@click.option("--model", default=None, help="Without --gold-fol: " + _MODEL_HELP)
@click.option("--endpoint", default=None, help="Without --gold-fol: an OpenAI-compatible server URL.")
@click.option("--split", type=click.Choice(["dev", "train"]), default=None,
              help="FOLIO: only the dev or train stories (sha256(story_id) % 5 == 0 is dev).")
@click.option("--semantics", type=click.Choice(["auto", "classical", "literal"]), default="auto", show_default=True,
              help="Without --gold-fol: classical FOL, or the literal reading ProofWriter/PrOntoQA labels use "
              "(auto: literal for ProofWriter_/ProntoQA_ items, classical otherwise).")
@click.option("--conclusion-context/--no-conclusion-context", default=False, show_default=True,
              help="sentence mode: translate the conclusion after the premises, with their FOL in its prompt.")
@_translator_options
@_endpoint_options
@click.option("--fresh", is_flag=True, help="Start --out over instead of resuming its journal (OUT.journal).")
def eval_cmd(dataset, gold_fol, limit, out, timeout, as_json, replay, model, endpoint, split, semantics,
             conclusion_context, fresh, **translator):
    """Score a dataset: accuracy, per label, confusion matrix, repairs, time per problem.

    With --gold-fol the dataset's own FOL is decided; otherwise the English is translated
    (symbolic parser first, then the model) and decided.
    """
    from nsp.eval.gold import evaluate_gold

    if not gold_fol:
        server = _endpoint(translator)
        settings = _settings(timeout, translator, semantics=semantics, conclusion_context=conclusion_context)
        _eval_pipeline(dataset, settings, as_json, limit=limit, split=split, model=model, endpoint=endpoint,
                       replay=replay, grammar=translator["grammar"], beams=translator["beams"], endpoint_options=server,
                       out=out, fresh=fresh)
        return
    summary = evaluate_gold(dataset, limit=limit, timeout=timeout, out=out, progress=True,
                            fresh=fresh)
    if as_json:
        click.echo(_json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)
    _exit_for_bad_items(summary)


def _exit_for_bad_items(summary: dict) -> None:
    """Exit 4 when the job finished but some items could not be read (their errors are in the
    summary and the records); a translation or a prover that fails on an item is a wrong answer."""
    from nsp.errors import ItemsFailed

    if summary.get("bad_items"):
        raise ItemsFailed(f"{summary['bad_items']} item(s) of the input could not be read")


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


def _eval_pipeline(dataset, settings, as_json: bool, **job) -> None:
    """``nsp eval`` without --gold-fol: evaluate_pipeline with ``settings`` and the job's options."""
    from nsp.parse.pipeline import evaluate_pipeline

    try:
        summary = evaluate_pipeline(dataset, settings, progress=True, **job)
    except ValueError as e:  # a plain one: options that do not go together
        fail(e)
    if as_json:
        click.echo(_json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)
        click.echo(f"error rate {summary['error_rate']}; samples per problem {summary['samples_per_problem']}; "
                   f"discarded samples {summary['discarded']}; sentences {summary['sentences']}; "
                   f"backend {summary['backend']} (loaded in {summary['load_seconds']:.1f} s)")
    _exit_for_bad_items(summary)


@main.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--model", default=None, help=_MODEL_HELP)
@click.option("--endpoint", default=None, help="An OpenAI-compatible server URL instead of a local model.")
@click.option("--replay", type=click.Path(dir_okay=False), default=None, help="Recorded FOL samples instead of a model.")
@click.option("--timeout", type=Seconds(), default=10.0, show_default=True, help="Seconds per prover call.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_translator_options
@_endpoint_options
def check_cmd(file, model, endpoint, replay, timeout, as_json, **translator):
    """Check an English argument: translate it to FOL, decide it, explain the verdict.

    FILE: premises one per line, a line '---', then the conclusion; or JSON
    {"premises": [...], "conclusion": "..."}; '-' reads it from standard input. Exit 0 when decided, 1 when no verdict
    (Unknown, or no usable translation), 2 for bad input, 3 when the model cannot run.
    """
    from nsp.parse.pipeline import LazyBackend, check_json, check_lines, check_problem, read_nl_problem

    started = _time.monotonic()

    def notify(message: str) -> None:
        click.echo(f"nsp check: {message}", err=True)

    try:
        premises, conclusion = read_nl_problem(file)
        backend = LazyBackend(model, endpoint, replay, translator["grammar"], notify=notify,
                              endpoint_options=_endpoint(translator), beams=translator["beams"])
        result = check_problem(premises, conclusion, backend, _settings(timeout, translator))
    except ValueError as e:  # a plain one: options that do not go together
        fail(e)
    if as_json:
        click.echo(_json.dumps(check_json(result, backend.used_name), ensure_ascii=False))
    else:
        for line in check_lines(result, backend.used_name):
            click.echo(line)
    load = f" (loading the model {backend.load_seconds:.1f} s)" if backend.load_seconds else ""
    notify(f"done in {_time.monotonic() - started:.1f} s{load}")
    decided = result.translation.predicted is not None and result.translation.predicted.decided
    raise SystemExit(0 if decided else 1)


@main.command("train")
@click.option("--model", default=None, help="Base model (default: the embedded SmolLM2-135M).")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Output folder (default ~/.cache/nsp/finetuned/default); rerun to resume.")
@click.option("--steps", type=click.IntRange(min=1), default=140, show_default=True,
              help="140 = two passes over the 557 training sequences at batch 8.")
@click.option("--batch", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--lr", type=FiniteFloat(min=0.0, min_open=True), default=5e-5, show_default=True)
@click.option("--max-len", type=click.IntRange(min=16), default=128, show_default=True, help="Tokens per sequence.")
@click.option("--warmup", type=click.IntRange(min=1), default=8, show_default=True, help="Linear warm-up steps.")
@click.option("--lora", type=click.IntRange(min=0), default=0, show_default=True,
              help="Train a rank-R LoRA adapter instead of all weights (0: full fine-tuning).")
@click.option("--synthetic", type=click.IntRange(min=0), default=0, show_default=True,
              help="Add N template pairs (controlled English read by the symbolic parser) to the data.")
@click.option("--save-every", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--save-minutes", type=FiniteFloat(min=0.0), default=0.0, show_default=True,
              help="Also save a checkpoint after this many minutes of training (0: by steps only).")
@click.option("--data", type=click.Choice(["pairs", "whole"]), default="pairs", show_default=True,
              help="pairs: one sentence per example; whole: whole problems in one vocabulary (--mode whole).")
@click.option("--micro-batch", type=click.IntRange(min=0), default=0, show_default=True,
              help="Rows per forward pass (gradient accumulation up to --batch; 0: all of --batch at once).")
@click.option("--dtype", type=click.Choice(["float32", "bfloat16"]), default="float32", show_default=True,
              help="The frozen base weights' type (bfloat16: ~2.4x faster LoRA training on a CPU with bf16 units).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--decay", type=click.IntRange(min=0), default=0, show_default=True,
              help="Lower the learning rate linearly to 0 over the last N steps (0: constant after warm-up).")
@click.option("--start-from", type=click.Path(file_okay=False, exists=True), default=None,
              help="Continue the LoRA run exported to this folder (its adapter and TRAINING.json; same data "
                   "settings) at its step, with a fresh optimizer: e.g. a --decay cool-down of nsp/parse/adapter.")
@click.option("--proved-copies", type=click.IntRange(min=1), default=1, show_default=True,
              help="--data whole: each FOLIO v2 problem labelled True or False (its gold FOL proves it) appears N times.")
@click.option("--self-train", type=click.Path(dir_okay=False, exists=True), default=None,
              help="--data whole: a replay file of the model's samples on FOLIO v2 train problems (e.g. "
                   "nsp.parse.whole.conclusion_samples); each problem's first sample from which Z3 proves its gold "
                   "label True or False joins the data.")
def train_cmd(model, out, steps, batch, lr, warmup, lora, synthetic, max_len, save_every, save_minutes, data,
              micro_batch, dtype, seed, decay, start_from, proved_copies, self_train):
    """Fine-tune the translation model on FOLIO train-split NL→FOL pairs (CPU, resumable).

    Use the result with --model OUT/model (nsp check / nsp eval).
    """
    from nsp.parse.train import DEFAULT_OUT, train

    rec = train(model=model, out=out or DEFAULT_OUT, steps=steps, batch=batch, lr=lr, max_len=max_len,
                seed=seed, save_every=save_every, progress=True, warmup=warmup,
                lora=lora, synthetic=synthetic, data=data, micro_batch=micro_batch, dtype=dtype,
                save_minutes=save_minutes, decay=decay, start_from=start_from, proved_copies=proved_copies,
                self_train=self_train)
    click.echo(f"trained {rec['steps']} steps in {rec['seconds']:.0f} s ({rec['seconds_per_step']} s/step); "
               f"loss {rec['losses'][0]} -> {rec['losses'][-1]}; model in {rec['model_dir']}")


# ---------------------------------------------------------------- graph / lean / synth: groups beside their code

from nsp.graph.commands import graph_group as _graph_group  # noqa: E402
from provers.lean.commands import lean_group as _lean_group  # noqa: E402
from synth.commands import synth_group as _synth_group  # noqa: E402

main.add_command(_graph_group)
main.add_command(_lean_group)
main.add_command(_synth_group)


# ---------------------------------------------------------------- html / serve (browsing proof graphs)


@main.command("html")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False), help="Site directory to write.")
@click.option("--title", default=None, help="Title of the index page.")
def html_cmd(inputs, out, title):
    """Write a static, self-contained site for the graphs in INPUTS: an index and one page per proof.

    INPUTS: graph JSON, JSONL of graphs, JSONL of records carrying a graph (nsp synth mutate), or
    nsp prove --explain --json output; a directory stands for its *.json/*.jsonl files.
    """
    from nsp.html.site import write_site

    try:
        result = write_site(inputs, out, title=title, on_skip=lambda m: click.echo(f"nsp: skipped {m}", err=True))
    except OSError as e:
        fail(f"{e.filename or out}: {e.strerror}")
    click.echo(f"wrote {result.pages} proof page{'s' if result.pages != 1 else ''} and {result.index}")


@main.command("serve")
@click.argument("source", type=click.Path())
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--title", default=None, help="Title of the index page.")
@click.option("--quiet", is_flag=True, help="Do not log requests.")
def serve_cmd(source, port, host, title, quiet):
    """Browse the graphs in SOURCE (a file or a directory of batch output) in a local web server.

    SOURCE is indexed once (byte offsets); pages are rendered on demand, 50 proofs a page.
    """
    import time

    from nsp.html.server import make_server

    start = time.perf_counter()
    try:
        server = make_server([source], host, port, title=title, quiet=quiet,
                             on_skip=lambda m: click.echo(f"nsp: skipped {m}", err=True))
    except OSError as e:
        fail(f"cannot listen on {host}:{port}: {e.strerror}")
    n = len(server.browser.index)
    h, p = server.server_address[:2]
    shown = f"[{h}]" if ":" in h else h
    click.echo(f"indexed {n} graph{'s' if n != 1 else ''} in {time.perf_counter() - start:.2f} s", err=True)
    click.echo(f"serving http://{shown}:{p}/ (Ctrl-C to stop)")
    _sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":  # pragma: no cover
    main()
