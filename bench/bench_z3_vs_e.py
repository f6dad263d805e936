"""Benchmark: the Z3 bridge (explain off and on) against the E prover, on the same problems.

    python bench/bench_z3_vs_e.py [--problems N] [--runs R] [--seed S] [--timeout T] [--folio-problems M]

Three problem sets: N seeded random problems (:func:`nsp.logic.generate.random_problem`, seeds
S..S+N-1), the FOLIO story premise sets (is the story consistent? asked as premises ⊢ ⊤,
so True means consistent), and the first M FOLIO v2 problems (premises ⊢ conclusion).
Configurations: ``z3`` (``decide`` without explanation: the per-thread solver, push/pop), ``z3+explain``
(``decide(explain=True)``: the problem's own core, or for Uncertain the least model of each side,
found on the per-thread solver where every check decides, else in a fresh Z3 session),
``eprover`` (E as a process per problem, through the prover registry) and ``floor``: the same two
checks on one persistent Z3 context and solver for the whole run, push/pop, translation
included (what no per-problem isolation can beat). The ratios printed and stored under
``ratios``: E / z3 (the target is at least 10), z3+explain / z3 (at most 2), z3 / floor. Each configuration runs R times on each problem, in one process,
one call at a time, interleaved problem by problem so that changing load affects all alike.
Per configuration: problems decided (first run), the median over problems of each problem's
median wall time over the R runs, the mean, the total, the ratio to Z3 without explanations,
and peak memory from separate untimed passes. Z3 runs inside Python: the process's peak RSS
over one pass (VmHWM, reset before it; the RSS before is reported too). E runs as child
processes, whose peak RSS getrusage(RUSAGE_CHILDREN) over-reports on Linux (a child exec'd
from a large parent keeps the parent's peak), so E's two conjecture runs per problem are run
once more under ``/usr/bin/time -f %M`` and the largest is reported; without /usr/bin/time the
RUSAGE_CHILDREN figure is given, labelled as an upper bound. The load average at start and end
goes into the JSON: other work on the machine inflates every time.
Writes bench/results/z3_vs_e.json (atomically) and prints two tables.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nsp.logic.generate import random_problem  # noqa: E402
from nsp.logic.ir import Not, Top  # noqa: E402
from nsp.logic.problem import ProblemError, problem_from_texts  # noqa: E402
from provers import base  # noqa: E402
from provers.eprover import _problem, e_command, eprover_path  # noqa: E402
from provers.outcome import Outcome, Verdict  # noqa: E402
from provers.z3_bridge import decide, translate  # noqa: E402

FOLIO = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "folio" / "folio-train.jsonl"
FOLIO_V2 = FOLIO.with_name("folio-v2-train.jsonl")


class Floor:
    """The two decision checks on one persistent context and solver (push/pop), translation
    included: a lower bound for any per-problem decision (no isolation between problems)."""

    def __init__(self):
        self.solver = None

    def __call__(self, premises, conclusion, timeout):
        import z3

        if self.solver is None:
            self.ctx = z3.Context()
            self.solver = z3.Solver(ctx=self.ctx)
            self.solver.set(random_seed=0, timeout=int(timeout * 1000))
        tr = translate(list(premises) + [conclusion], self.ctx)
        prem, conc = tr.exprs[:-1], tr.exprs[-1]
        s, results = self.solver, []
        for fact in (z3.Not(conc), conc):
            s.push()
            s.add(*prem, fact)
            results.append(str(s.check()))
            s.pop()
        neg, pos = results
        table = {("unsat", "sat"): Outcome.TRUE, ("sat", "unsat"): Outcome.FALSE,
                 ("unsat", "unsat"): Outcome.INCONSISTENT, ("sat", "sat"): Outcome.UNCERTAIN}
        return Verdict(table.get((neg, pos), Outcome.UNKNOWN), "z3-floor")
RESULTS = ROOT / "bench" / "results" / "z3_vs_e.json"

CONFIGS = {
    "z3": lambda p, c, t: decide(p, c, t, explain=False),
    "z3+explain": lambda p, c, t: decide(p, c, t, explain=True),
    "eprover": lambda p, c, t: base.get("e", timeout=t).decide(p, c),
    "floor": Floor(),
}


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _proc_status_mb(field: str) -> float | None:
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+)", status).group(1)) / 1024
    except (OSError, AttributeError):
        return None


def _peak_rss_mb() -> float:
    peak = _proc_status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def e_memory_pass(problems: list, timeout: float) -> dict:
    """Largest RSS of any E process over the C and ¬C runs of every problem (MB)."""
    timer = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    if timer is None:
        return {"peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "peak_rss_of": "RUSAGE_CHILDREN (upper bound: includes the parent's RSS)"}
    binary, peaks = eprover_path(), []
    for premises, conclusion in problems:
        for conj in (conclusion, Not(conclusion)):
            cmd = [timer, "-f", "%M", *e_command(binary, timeout / 2)]
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True)
            try:
                _, err = proc.communicate(_problem(premises, conj), timeout=timeout / 2)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                continue
            found = re.findall(r"^(\d+)$", err, re.M)
            if found:
                peaks.append(int(found[-1]) / 1024)
    return {"peak_rss_mb": max(peaks, default=0.0), "median_rss_mb": statistics.median(peaks) if peaks else 0.0,
            "peak_rss_of": "largest E process (/usr/bin/time %M), C and ¬C runs"}


def time_configs(problems: list, runs: int, timeout: float) -> dict:
    """Time every configuration on every problem ``runs`` times, interleaved problem by problem
    so that changing load on the machine affects all configurations alike, in an order shuffled
    (seeded) for each problem and run: a call right after another of the same problem finds
    warm caches, one right after E or the floor's context cold ones, so no configuration may
    always come first or after the same one."""
    times = {name: [[] for _ in problems] for name in CONFIGS}
    outcomes: dict = {name: [] for name in CONFIGS}
    rng = random.Random(0)
    for r in range(runs):
        for i, (premises, conclusion) in enumerate(problems):
            names = list(CONFIGS)
            rng.shuffle(names)
            for name in names:
                fn = CONFIGS[name]
                t0 = time.perf_counter()
                v = fn(premises, conclusion, timeout)
                times[name][i].append(time.perf_counter() - t0)
                if r == 0:
                    outcomes[name].append(v.outcome.value)
    out = {}
    for name in CONFIGS:
        per_problem = [statistics.median(ts) for ts in times[name]]
        out[name] = {
            "decided": sum(o != "Unknown" for o in outcomes[name]),
            "outcomes": dict(sorted(Counter(outcomes[name]).items())),
            "median_s": statistics.median(per_problem),
            "mean_s": statistics.fmean(per_problem),
            "total_s": sum(per_problem),
            "_outcomes": outcomes[name],
        }
    return out


def z3_memory_pass(name: str, problems: list, timeout: float) -> dict:
    """Peak RSS of this process over one untimed pass of a Z3 configuration (MB)."""
    _reset_peak_rss()
    before = _proc_status_mb("VmRSS")
    for premises, conclusion in problems:
        CONFIGS[name](premises, conclusion, timeout)
    return {"peak_rss_mb": _peak_rss_mb(), "rss_before_mb": before,
            "peak_rss_of": "the Python process (Z3 runs in it)"}


def run_set(label: str, problems: list, runs: int, timeout: float) -> dict:
    configs = time_configs(problems, runs, timeout)
    for name in CONFIGS:
        memory = e_memory_pass if name == "eprover" else lambda p, t, n=name: z3_memory_pass(n, p, t)
        configs[name].update(memory(problems, timeout))
    z3_o, e_o = configs["z3"].pop("_outcomes"), configs["eprover"].pop("_outcomes")
    configs["z3+explain"].pop("_outcomes")
    floor_o = configs["floor"].pop("_outcomes")
    both = [(a, b) for a, b in zip(z3_o, e_o) if "Unknown" not in (a, b)]
    z3_median = configs["z3"]["median_s"]
    for c in configs.values():
        c["ratio_to_z3"] = c["median_s"] / z3_median if z3_median else None
    med = {name: c["median_s"] for name, c in configs.items()}
    return {
        "label": label,
        "problems": len(problems),
        "configs": configs,
        "both_decided": len(both),
        "disagreements": sum(a != b for a, b in both),
        "floor_outcome_differences": sum(a != b for a, b in zip(z3_o, floor_o) if "Unknown" not in (a, b)),
        "ratios": {"eprover_over_z3": med["eprover"] / med["z3"],
                   "explain_over_z3": med["z3+explain"] / med["z3"],
                   "z3_over_floor": med["z3"] / med["floor"],
                   "eprover_over_floor": med["eprover"] / med["floor"]},
    }


def random_set(n: int, seed: int) -> list:
    return [(p.premises, p.conclusion) for p in (random_problem(s) for s in range(seed, seed + n))]


def folio_set() -> tuple[list, int]:
    stories: dict = {}
    for line in FOLIO.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            stories.setdefault(row["story_id"], row["premises-FOL"])
    problems, unreadable = [], 0
    for sid in sorted(stories):
        try:
            p = problem_from_texts(stories[sid], None)
        except ProblemError:
            unreadable += 1
            continue
        problems.append((p.premises, Top()))
    return problems, unreadable


def folio_conclusions(limit: int) -> list:
    """The first ``limit`` readable FOLIO v2 problems (premises ⊢ conclusion)."""
    problems = []
    for line in FOLIO_V2.read_text(encoding="utf-8").splitlines():
        if len(problems) >= limit:
            break
        if line.strip():
            row = json.loads(line)
            try:
                p = problem_from_texts(row["premises-FOL"], row["conclusion-FOL"])
            except ProblemError:
                continue
            problems.append((p.premises, p.conclusion))
    return problems


def table(result: dict) -> Table:
    t = Table(title=f"{result['label']}: {result['problems']} problems, "
                    f"{result['both_decided']} decided by both, {result['disagreements']} disagreements",
              caption="outcomes: T True, F False, U Uncertain, I Inconsistent, ? Unknown (first run); "
                      "times: median over runs per problem; RSS: Z3 = Python process (+ growth while Z3 ran), "
                      "E = largest E process")
    for col in ("prover", "decided", "T/F/U/I/?", "median ms", "mean ms", "total s", "× z3", "peak RSS MB"):
        t.add_column(col, justify="left" if col == "prover" else "right")
    for name, c in result["configs"].items():
        o = c["outcomes"]
        counts = "/".join(str(o.get(k, 0)) for k in ("True", "False", "Uncertain", "Inconsistent", "Unknown"))
        t.add_row(name, str(c["decided"]), counts, f"{c['median_s'] * 1000:.1f}", f"{c['mean_s'] * 1000:.1f}",
                  f"{c['total_s']:.1f}", f"{c['ratio_to_z3']:.2f}", _rss_cell(c))
    return t


def _rss_cell(c: dict) -> str:
    before = c.get("rss_before_mb")
    return f"{c['peak_rss_mb']:.0f}" + (f" (+{c['peak_rss_mb'] - before:.0f})" if before is not None else "")


def write_json(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", type=int, default=300, help="random problems (default 300)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per problem (default 3)")
    ap.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--timeout", type=float, default=2.0, help="seconds per prover call (default 2)")
    ap.add_argument("--no-folio", action="store_true", help="skip the FOLIO sets")
    ap.add_argument("--folio-problems", type=int, default=300,
                    help="FOLIO v2 problems with their conclusions (default 300; 0: none)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    console = Console(width=max(120, shutil.get_terminal_size().columns))
    eprover_path()  # fail early, with the install hint, when E is missing
    started = time.time()
    load_start = list(os.getloadavg())  # other work on the machine skews the times
    rss_start = _proc_status_mb("VmRSS")  # after imports, before any solver call
    sets = [run_set("random problems", random_set(args.problems, args.seed), args.runs, args.timeout)]
    unreadable = 0
    if not args.no_folio and FOLIO.exists():
        folio, unreadable = folio_set()
        sets.append(run_set("FOLIO story premises (consistent?)", folio, args.runs, args.timeout))
        sets[-1]["unreadable_stories"] = unreadable
    if not args.no_folio and args.folio_problems and FOLIO_V2.exists():
        sets.append(run_set("FOLIO v2 problems (premises ⊢ conclusion)", folio_conclusions(args.folio_problems),
                            args.runs, args.timeout))
    for s in sets:
        console.print(table(s))
        r = s["ratios"]
        console.print(f"  medians: E / z3 = {r['eprover_over_z3']:.1f}×, z3+explain / z3 = {r['explain_over_z3']:.2f}×, "
                      f"z3 / floor = {r['z3_over_floor']:.2f}×, E / floor = {r['eprover_over_floor']:.1f}×")
    data = {
        "args": {"problems": args.problems, "runs": args.runs, "seed": args.seed, "timeout": args.timeout,
                 "folio_problems": args.folio_problems},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                    "loadavg_start": load_start, "loadavg_end": list(os.getloadavg())},
        "seconds": round(time.time() - started, 1),
        "rss_at_start_mb": rss_start,
        "sets": sets,
    }
    write_json(data, args.out)
    console.print(f"wrote {args.out} ({data['seconds']} s; load average {load_start[0]:.1f} at start, "
                  f"{data['machine']['loadavg_end'][0]:.1f} at end)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
