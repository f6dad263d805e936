"""Every nsp command, before and after a revision, in one run (issue 15, "Done when").

A git worktree of the "before" revision (default ab6a859, the tree before the plumbing redesign)
is made beside this checkout (so that its ../shared/data is the same shared data); the current
tree is "after". Both run with this Python as `python -m nsp.cli`, PYTHONPATH and cwd set to the
tree. Only commands that need no language model run (never --model; `nsp check` only on a file
the symbolic parser reads whole).

Per command: median wall and CPU time (children's rusage: user + sys, workers included) over
--runs runs, alternating before/after (ABAB...) so both share the machine's noise; the ratio
after/before; whether the outputs (stdout, exit code and every file written) are the same once
volatile fields are normalised (keys naming seconds/time/load/cpu, "<n> s"/"<n> ms", temp and
tree paths). Differing outputs go to bench/results/commands-diff/<name>.{before,after}.
Results: bench/results/commands.json (written atomically) and a table on stdout.

    python bench/bench_commands.py --runs 3 [--before REV] [--only NAME,...]
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AFTER = HERE.parent                      # this checkout (/work/main)
RESULTS = HERE / "results"
DIFFS = RESULTS / "commands-diff"

# {out}: a fresh per-run output folder; {fix}: fixtures made once (from the after tree);
# {before}: the before worktree (for inputs that must be the same file for both trees).
# Each entry: name, argv, files written under {out} to compare (globs), note[, after-only
# argument words, left out of the before run].
COMMANDS = [
    ("prove-dogs-json", ["prove", "data/examples/dogs.txt", "--explain", "--json"], [], ""),
    ("prove-dogs-text", ["prove", "data/examples/dogs.txt", "--explain"], [], ""),
    ("prove-uncertain-json", ["prove", "data/examples/uncertain.json", "--explain", "--json"], [], ""),
    ("check-english-json", ["check", "data/examples/english.txt", "--json"], [],
     "every sentence symbolic (no model)"),
    ("check-english-text", ["check", "data/examples/english.txt"], [], "every sentence symbolic"),
    ("eval-gold-sample", ["eval", "data/folio-gold-sample.jsonl", "--gold-fol", "--json",
                          "--out", "{out}/gold.jsonl"], ["gold.jsonl"], ""),
    ("eval-linc-replay", ["eval", "../shared/data/linc/gpt35-folio-dataset.jsonl", "--replay",
                          "../shared/data/linc/gpt35-folio-replay.jsonl", "--json"], [], ""),
    ("eval-linc-replay-majority", ["eval", "../shared/data/linc/gpt35-folio-dataset.jsonl",
                                   "--replay", "../shared/data/linc/gpt35-folio-replay.jsonl",
                                   "--json", "--vote", "majority"], [],
     "after with --vote majority (before had no --vote: majority) against before's default",
     ["--vote", "majority"]),
    ("eval-folio-dev-replay", ["eval", "../shared/data/folio/folio-train.jsonl", "--split", "dev",
                               "--replay", "{before}/data/replay/folio-dev-k1.jsonl", "--json"], [],
     "the before tree's data/replay/folio-dev-k1.jsonl for both (the shipped file was re-scored since)"),
    ("eval-proofwriter-200", ["eval", "../shared/data/proofwriter/dev.json", "--limit", "200",
                              "--json"], [], "symbolic parser only"),
    ("synth-mutate-folio20", ["synth", "mutate", "../shared/data/folio/folio-train.jsonl",
                              "--limit", "20", "-o", "{out}/mutants.jsonl", "--workers", "1",
                              "--no-progress"], ["mutants.jsonl", "mutants.stats.json",
                                                 "mutants.errors.jsonl"], ""),
    ("synth-search-pw50", ["synth", "search", "../shared/data/proofwriter/dev.json", "--limit", "50",
                           "-o", "{out}/trees.jsonl", "--workers", "1", "--no-progress"],
     ["trees.jsonl", "trees.proofs.jsonl", "trees.stats.json", "trees.errors.jsonl"],
     "after: default --negative-budget 10"),
    ("synth-search-pw50-nb0", ["synth", "search", "../shared/data/proofwriter/dev.json", "--limit",
                               "50", "-o", "{out}/trees.jsonl", "--workers", "1", "--no-progress",
                               "--negative-budget", "0"],
     ["trees.jsonl", "trees.proofs.jsonl", "trees.stats.json", "trees.errors.jsonl"],
     "after with --negative-budget 0 (the old behaviour) against before's default",
     ["--negative-budget", "0"]),
    ("graph-verify-mutants", ["graph", "verify", "{fix}/mutants.jsonl", "--no-progress"], [],
     "input: after's synth mutate output (first 20 FOLIO rows)"),
    ("graph-verify-dogs", ["graph", "verify", "{fix}/dogs-graph.json", "--no-progress"], [],
     "input: after's prove dogs --explain --json graph"),
    ("graph-proof-mutants", ["graph", "proof", "{fix}/mutants.jsonl", "{fact}"], [], ""),
    ("graph-uses-mutants", ["graph", "uses", "{fix}/mutants.jsonl", "{premise}"], [], ""),
    ("graph-merge-mutants", ["graph", "merge", "{fix}/mutants.jsonl", "-o", "{out}/merged.json"],
     ["merged.json"], ""),
    ("graph-proof-dogs", ["graph", "proof", "{fix}/dogs-graph.json", "{dogs_target}"], [], ""),
    ("html-mutants", ["html", "{fix}/mutants.jsonl", "-o", "{out}/site"], ["site/**/*"], ""),
]

# Options that exist only in the after tree: a row using one is skipped for "before" (checked
# against `--help` at start).
VOLATILE_KEY = re.compile(r"(second|time|load|cpu|duration|elapsed|wall)", re.I)
VOLATILE_TEXT = [
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|ms|seconds?)\b"), "<T>"),
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:it/s|s/it)\b"), "<RATE>"),
]


def normalise_text(text: str, subs: dict[str, str]) -> str:
    for path, tag in sorted(subs.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(path, tag)
    for rx, rep in VOLATILE_TEXT:
        text = rx.sub(rep, text)
    return text


def strip_volatile(obj):
    if isinstance(obj, dict):
        return {k: ("<V>" if VOLATILE_KEY.search(k) else strip_volatile(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [strip_volatile(v) for v in obj]
    return obj


def strip_json(text: str) -> str:
    """One compact JSON per line (whole-file JSON on one line), volatile keys blanked."""
    try:
        return json.dumps(strip_volatile(json.loads(text)), ensure_ascii=False, sort_keys=True)
    except (ValueError, RecursionError):
        pass
    out = []
    for line in text.splitlines():
        try:
            out.append(json.dumps(strip_volatile(json.loads(line)), ensure_ascii=False,
                                  sort_keys=True))
        except (ValueError, RecursionError):
            out.append(line)
    return "\n".join(out)


def normalise(text: str, subs: dict[str, str]) -> str:
    """JSON (whole or per line) with volatile keys blanked, then text substitutions."""
    try:
        obj = json.loads(text)
        text = json.dumps(strip_volatile(obj), ensure_ascii=False, indent=1, sort_keys=True)
        return normalise_text(text, subs)
    except (ValueError, RecursionError):
        pass
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s[:1] in "{[":
            try:
                line = json.dumps(strip_volatile(json.loads(s)), ensure_ascii=False, sort_keys=True)
            except (ValueError, RecursionError):
                pass
        out.append(line)
    return normalise_text("\n".join(out), subs)


def common_keys(a, b):
    """a and b with every dict key not in both dropped (recursively): do shared fields agree?"""
    if isinstance(a, dict) and isinstance(b, dict):
        ks = set(a) & set(b)
        pairs = {k: common_keys(a[k], b[k]) for k in ks}
        return {k: v[0] for k, v in pairs.items()}, {k: v[1] for k, v in pairs.items()}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = [common_keys(x, y) for x, y in zip(a, b)]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    return a, b


def same_on_common_keys(ta: str, tb: str) -> bool:
    la, lb = ta.splitlines(), tb.splitlines()
    if len(la) != len(lb):
        try:
            ja, jb = json.loads(ta), json.loads(tb)
        except ValueError:
            return False
        x, y = common_keys(ja, jb)
        return x == y
    for x, y in zip(la, lb):
        if x == y:
            continue
        try:
            ja, jb = json.loads(x), json.loads(y)
        except ValueError:
            return False
        x2, y2 = common_keys(ja, jb)
        if x2 != y2:
            return False
    return True


def read_outputs(out_dir: Path, globs: list[str]) -> dict[str, str]:
    files: dict[str, str] = {}
    for g in globs:
        for p in sorted(out_dir.glob(g)):
            if p.is_file() and not p.name.endswith(".journal"):
                try:
                    files[str(p.relative_to(out_dir))] = p.read_text(encoding="utf-8", errors="replace")
                except OSError as exc:
                    files[str(p.relative_to(out_dir))] = f"<unreadable: {exc}>"
    return files


def become_subreaper() -> bool:
    """Orphaned descendants (a forkserver and its workers outliving `python -m nsp.cli` by a
    moment) are reparented to this process, so their CPU time reaches RUSAGE_CHILDREN once
    reaped (reap_orphans)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0          # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap_orphans(deadline_s: float = 30.0) -> int:
    n, end = 0, time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return n
        if pid == 0:
            time.sleep(0.02)
        else:
            n += 1
    return n


def run_once(tree: Path, argv: list[str], env: dict) -> dict:
    reap_orphans()                   # nothing from an earlier command counts here
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "nsp.cli", *argv], cwd=tree, env=env,
                          capture_output=True, text=True, errors="replace", timeout=1800)
    wall = time.perf_counter() - t0
    reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
            "wall": wall, "cpu": cpu}


def tree_env(tree: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env["PYTHONHASHSEED"] = "0"
    env.pop("NSP_MODEL", None)
    return env


def options_of(tree: Path, sub: list[str]) -> str:
    p = subprocess.run([sys.executable, "-m", "nsp.cli", *sub, "--help"], cwd=tree,
                       env=tree_env(tree), capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else ""


def subcommand(argv: list[str]) -> list[str]:
    return argv[:2] if argv[0] in ("synth", "graph", "lean") else argv[:1]


def missing_options(tree: Path, argv: list[str], cache: dict) -> list[str]:
    sub = subcommand(argv)
    key = (str(tree), tuple(sub))
    if key not in cache:
        cache[key] = options_of(tree, sub)
    helptext = cache[key]
    if not helptext:
        return [" ".join(sub) + " (no such command)"]
    opts = [a for a in argv if a.startswith("--")]
    return [o for o in opts if not re.search(re.escape(o) + r"\b", helptext)]


def drop_words(argv: list[str], words: list[str]) -> list[str]:
    """argv without the consecutive run `words` (an option and its value)."""
    n = len(words)
    for i in range(len(argv) - n + 1):
        if n and argv[i:i + n] == words:
            return argv[:i] + argv[i + n:]
    return argv


def make_fixtures(fix: Path) -> dict[str, str]:
    env = tree_env(AFTER)
    p = subprocess.run([sys.executable, "-m", "nsp.cli", "synth", "mutate",
                        "../shared/data/folio/folio-train.jsonl", "--limit", "20", "-o",
                        str(fix / "mutants.jsonl"), "--workers", "1", "--no-progress"],
                       cwd=AFTER, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"fixture synth mutate failed: {p.stderr}")
    p = subprocess.run([sys.executable, "-m", "nsp.cli", "prove", "data/examples/dogs.txt",
                        "--explain", "--json"], cwd=AFTER, env=env, capture_output=True, text=True)
    prove = json.loads(p.stdout)
    graph = prove["explanation"]["graph"]
    (fix / "dogs-graph.json").write_text(json.dumps(graph, ensure_ascii=False), encoding="utf-8")
    first = json.loads((fix / "mutants.jsonl").read_text(encoding="utf-8").splitlines()[0])
    nodes = first["graph"]["nodes"]
    fact = next(n["id"] for n in nodes if n.get("role") == "mutant")
    premise = next(n["id"] for n in nodes if n.get("role") == "premise")
    return {"fact": fact, "premise": premise, "dogs_target": graph["graph"]["target"]}


def first_diff(a: str, b: str, n: int = 6) -> list[str]:
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "before", "after",
                                      lineterm="", n=0))
    return [ln[:300] for ln in lines[2:2 + n]]


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="ab6a859", help="revision for 'before' (default ab6a859)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated row names")
    ap.add_argument("--keep-worktree", action="store_true")
    args = ap.parse_args()
    subreaper = become_subreaper()

    shared = AFTER.parent / "shared" / "data"
    if not shared.is_dir():
        raise SystemExit(f"shared data not found at {shared}")
    before_tree = AFTER.parent / "bench-before"
    if before_tree.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(before_tree)], cwd=AFTER)
    subprocess.run(["git", "worktree", "add", "--detach", str(before_tree), args.before],
                   cwd=AFTER, check=True, capture_output=True)
    rev = {t: subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=t, capture_output=True,
                             text=True).stdout.strip() for t in (before_tree, AFTER)}
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=AFTER,
                           capture_output=True, text=True).stdout.split("\n")
    work = Path(tempfile.mkdtemp(prefix="bench-commands-"))
    fix = work / "fixtures"
    fix.mkdir()
    trees = {"before": before_tree, "after": AFTER}
    rows = []
    load_start = os.getloadavg()
    try:
        ids = make_fixtures(fix)
        fmt = {"fix": str(fix), "before": str(before_tree), **ids}
        selected = [c for c in COMMANDS if not args.only or c[0] in args.only.split(",")]
        help_cache: dict = {}
        DIFFS.mkdir(parents=True, exist_ok=True)
        for name, argv_t, globs, note, *extra in selected:
            after_only = extra[0] if extra else []
            print(f"[{time.strftime('%H:%M:%S')}] {name}", file=sys.stderr, flush=True)
            row = {"name": name, "argv": argv_t, "note": note}
            skip = {}
            for side, tree in trees.items():
                argv = [a.format(out="OUT", **fmt) for a in argv_t]
                if side == "before":
                    argv = drop_words(argv, after_only)
                miss = missing_options(tree, argv, help_cache)
                if miss:
                    skip[side] = miss
            if skip:
                row["skipped"] = skip
                rows.append(row)
                print(f"  skipped: {skip}", file=sys.stderr)
                continue
            samples = {"before": [], "after": []}
            last = {}
            for i in range(args.runs):
                for side in ("before", "after"):
                    tree = trees[side]
                    out = work / f"{name}-{side}-{i}"
                    out.mkdir()
                    argv = [a.format(out=out, **fmt) for a in argv_t]
                    if side == "before":
                        argv = drop_words(argv, after_only)
                    r = run_once(tree, argv, tree_env(tree))
                    r["files"] = read_outputs(out, globs)
                    samples[side].append(r)
                    last[side] = (r, out)
            for side in ("before", "after"):
                row[side] = {
                    "wall_median": statistics.median(s["wall"] for s in samples[side]),
                    "cpu_median": statistics.median(s["cpu"] for s in samples[side]),
                    "wall": [round(s["wall"], 4) for s in samples[side]],
                    "cpu": [round(s["cpu"], 4) for s in samples[side]],
                    "rc": sorted({s["rc"] for s in samples[side]}),
                }
            b, a = row["before"], row["after"]
            row["wall_ratio"] = a["wall_median"] / b["wall_median"] if b["wall_median"] else None
            row["cpu_ratio"] = a["cpu_median"] / b["cpu_median"] if b["cpu_median"] else None
            # Outputs of the last run of each side, normalised.
            texts = {}
            order = {"before": [], "after": []}
            raw = {}
            for side in ("before", "after"):
                r, out = last[side]
                subs = {str(out): "<OUT>", str(fix): "<FIX>", str(before_tree): "<BEFORE>",
                        str(AFTER): "<TREE>", str(trees[side]): "<TREE>", str(work): "<WORK>"}
                parts = [f"## exit code {r['rc']}", "## stdout", normalise(r["stdout"], subs)]
                raw[side] = {"exit": str(r["rc"]), "stdout": strip_json(r["stdout"])}
                for fname, content in sorted(r["files"].items()):
                    raw[side]["file " + fname] = strip_json(content)
                    content = normalise(content, subs)
                    if fname.endswith(".jsonl"):     # compared as a set of records; order below
                        order[side].append(content)
                        content = "\n".join(sorted(content.splitlines()))
                    parts += [f"## file {fname}", content]
                texts[side] = "\n".join(parts) + "\n"
                texts[side + "_stderr"] = normalise(r["stderr"], subs)
            row["identical"] = texts["before"] == texts["after"]
            if not row["identical"]:
                # Only fields added or dropped? Compare what both sides have (volatile keys gone).
                ka, kb = raw["before"], raw["after"]
                row["identical_on_common_keys"] = set(ka) == set(kb) and all(
                    same_on_common_keys(ka[k], kb[k]) for k in ka)
            row["jsonl_order_identical"] = order["before"] == order["after"]
            row["stderr_identical"] = texts["before_stderr"] == texts["after_stderr"]
            row["files"] = {s: sorted(last[s][0]["files"]) for s in ("before", "after")}
            if not row["identical"] or not row["stderr_identical"]:
                for side in ("before", "after"):
                    (DIFFS / f"{name}.{side}").write_text(
                        texts[side] + "## stderr\n" + texts[side + "_stderr"], encoding="utf-8")
                row["first_diff"] = first_diff(texts["before"], texts["after"])
                if not row["stderr_identical"]:
                    row["stderr_first_diff"] = first_diff(texts["before_stderr"],
                                                          texts["after_stderr"])
            rows.append(row)
            print(f"  wall {b['wall_median']:.2f}/{a['wall_median']:.2f} s  cpu "
                  f"{b['cpu_median']:.2f}/{a['cpu_median']:.2f} s  identical={row['identical']}",
                  file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep_worktree:
            subprocess.run(["git", "worktree", "remove", "--force", str(before_tree)], cwd=AFTER)
    report = {
        "before": {"rev": args.before, "commit": rev[before_tree]},
        "after": {"tree": str(AFTER), "commit": rev[AFTER],
                  "uncommitted": [d for d in dirty if d.strip()]},
        "python": sys.version.split()[0], "runs": args.runs,
        "cpu": "children's rusage (user+sys), orphaned workers reaped as subreaper: %s" % subreaper,
        "order": "ABAB (before, after)",
        "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rerun": "python bench/bench_commands.py --runs %d --before %s" % (args.runs, args.before),
        "rows": rows,
    }
    atomic_write(RESULTS / "commands.json", json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(f"{'command':26} {'wall B':>7} {'wall A':>7} {'ratio':>6} {'cpu B':>7} {'cpu A':>7} "
          f"{'ratio':>6}  identical")
    for r in rows:
        if "skipped" in r:
            print(f"{r['name']:26} skipped: {r['skipped']}")
            continue
        b, a = r["before"], r["after"]
        ident = "yes" if r["identical"] else (
            "NO (shared fields same)" if r.get("identical_on_common_keys") else "NO")
        if r["identical"] and not r["stderr_identical"]:
            ident += " (stderr differs)"
        print(f"{r['name']:26} {b['wall_median']:7.2f} {a['wall_median']:7.2f} "
              f"{r['wall_ratio'] or 0:6.2f} {b['cpu_median']:7.2f} {a['cpu_median']:7.2f} "
              f"{r['cpu_ratio'] or 0:6.2f}  {ident}  rc {b['rc']}/{a['rc']}")
    print(f"load average: start {load_start}, end {report['loadavg_end']}")
    print(f"results: {RESULTS / 'commands.json'}")


if __name__ == "__main__":
    main()
