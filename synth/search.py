"""Resumable batch proof search: ``nsp synth search PROBLEMS -o TREES.jsonl``.

Input, one of:

- a Logic-LM JSON file (a JSON list of ``{id, context, question, options, answer}``, e.g.
  ProofWriter): each item's sentences are translated by :func:`nsp.parse.english.parse_sentences`
  (premises and the question's statement together); the gold label is kept;
- a JSONL of nsp theorems ``{"id", "premises": [...], "conclusion": "..."}`` in any syntax nsp
  reads (``id`` defaults to ``line-<n>``).

Each problem is first decided by Z3 through the prover interface (:mod:`provers.base`, each
check bounded by ``rlimit``, :mod:`provers.limits`). The search (:mod:`synth.mcts` or
:mod:`synth.beam`, with a policy from :mod:`synth.policy`) then runs from the premises toward the
conclusion or its negation; it stops at the first proof unless ``full_budget`` (then every
simulation is run, which gives richer trees for training, and the smallest proof found is kept).
A problem with no proof to find (decided Uncertain) or with inconsistent premises gets only
``negative_budget`` proof states in its tree, which is still written as negative data;
``negative_budget`` 0 skips the decision and gives every problem the full budget (the
behaviour before the decision was added). Every record says why its tree ended (``end``):

``solved``
    stopped at the first proof;
``budget``
    the simulations (beam: rounds) ran out, or, with ``full_budget``, ran out after a proof;
``exhausted``
    no step was left to try anywhere in the tree;
``decided-uncertain``
    the prover decided Uncertain (no proof exists either way); the small budget was spent;
``inconsistent``
    the prover found the premises inconsistent; the small budget was spent without a proof.

Files:

``TREES.jsonl``
    one record per problem, in input order: ``id``, ``verdict`` (True/False, or null when no
    proof was found), ``label`` (gold, Logic-LM only), ``correct``, ``decided`` (the prover's
    outcome, prover and rlimit; null with ``negative_budget`` 0), ``end``, ``simulations``,
    ``seconds`` (wall) and ``cpu_seconds`` (decision and search), ``proof_steps``,
    ``proof_depth``, ``stats``, ``premises`` and ``conclusion`` (FOLIO syntax), and ``tree``:
    the search tree, one entry per node (state id, parent, action, prior, visit count, Q
    value, terminal reward; see :mod:`synth.mcts`);
``TREES.proofs.jsonl``
    for each solved problem ``{"id", "verdict", "graph"}``: the minimal proof as a provenance
    graph (:meth:`synth.state.ProofState.proof_graph`); ``nsp graph verify`` reads this file;
``TREES.errors.jsonl``
    one line per problem that could not be searched (unreadable input, untranslatable
    sentence, crashed worker);
``TREES.stats.json``
    counts and timings of the job.

Crash safety and resumption follow :mod:`synth.batch`: workers never write files; the main
process appends one fsynced line per finished problem to ``TREES.jsonl.journal``, whose first
line holds the job's parameters and the input's SHA-256 (a rerun with other parameters is
refused; ``fresh`` discards it). Problems already in the journal are not run again, a torn
last line is cut off, and the output files are rebuilt from the journal in input order and
replaced atomically. The seed of each problem is derived from the job seed and the problem id
(SHA-256), so the output does not depend on the number of workers or on the order they finish.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from nsp.errors import BadInput
from nsp.files import read_text
from nsp.items import formula_fields, is_json_document, rows
from nsp.records import Journal, write_atomic
from nsp.records import side_paths as job_paths
from nsp.workers import run_file_job
from provers.limits import DEFAULT_RLIMIT
from synth.batch import JobError, _dump

STRATEGIES = ("mcts", "beam")
POLICIES = ("overlap", "uniform")
NEGATIVE_BUDGET = 10  # proof states searched on a problem with no proof to find
END_UNCERTAIN = "decided-uncertain"
END_INCONSISTENT = "inconsistent"


@dataclass(frozen=True)
class SearchParams:
    strategy: str = "mcts"
    policy: str = "overlap"
    simulations: int = 200
    seed: int = 0
    beam_width: int = 8
    max_rounds: int = 16
    decided_only: bool = False  # Logic-LM: skip items whose gold label is not True/False
    limit: int | None = None
    full_budget: bool = False  # go on searching after the first proof (richer trees)
    negative_budget: int = NEGATIVE_BUDGET  # proof states on an Uncertain/Inconsistent problem; 0: no decision
    rlimit: int = DEFAULT_RLIMIT  # Z3 resource units per check (the decision and every step check)

    def config(self, max_nodes: int | None = None):
        from synth.mcts import SearchConfig

        return SearchConfig(simulations=self.simulations, beam_width=self.beam_width, max_rounds=self.max_rounds,
                            stop_on_proof=not self.full_budget, max_nodes=max_nodes)


@dataclass
class SearchJobResult:
    items: int = 0
    items_run: int = 0
    solved: int = 0
    correct: int = 0
    labelled: int = 0
    errors: int = 0
    bad_input: int = 0  # input lines that are not problems (in the errors file too)
    simulations: int = 0
    ends: dict = field(default_factory=dict)
    wall_seconds: float = 0.0
    item_seconds: float = 0.0
    verdicts: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def side_paths(out: Path) -> dict[str, Path]:
    return job_paths(out, "proofs")


def problem_seed(seed: int, problem_id: str) -> int:
    return int(hashlib.sha256(f"{seed}:{problem_id}".encode("utf-8")).hexdigest()[:16], 16)


# ---------------------------------------------------------------- input


def read_problems(path: Path, decided_only: bool = False) -> tuple[list[dict], list[dict]]:
    """Problems in input order (not yet translated), and errors for unreadable entries (the one
    item reader, :mod:`nsp.items`)."""
    try:
        text = read_text(path)
    except BadInput as e:
        raise JobError(str(e)) from None
    if is_json_document(text):
        return _read_logiclm(path, decided_only)
    items: dict[str, dict] = {}
    errors: list[dict] = []
    for no, obj, error in rows(text):
        if not error and (not isinstance(obj.get("premises"), list) or "conclusion" not in obj):
            error = 'expected an object with "premises" (a list) and "conclusion"'
        error = error or formula_fields(obj)
        if error:
            errors.append({"id": f"line-{no}", "kind": "bad-input", "error": error})
            continue
        pid = str(obj.get("id", f"line-{no}"))
        if pid in items:
            errors.append({"id": f"line-{no}", "kind": "bad-input", "error": f"duplicate id {pid!r}"})
            continue
        items[pid] = {"id": pid, "kind": "theorem", "premises": obj["premises"], "conclusion": obj["conclusion"],
                      "syntax": obj.get("syntax", "auto"), "label": obj.get("label")}
    return list(items.values()), errors


def _read_logiclm(path: Path, decided_only: bool) -> tuple[list[dict], list[dict]]:
    from nsp.logic.problem import ProblemError
    from nsp.parse.logiclm import read_logiclm_json

    try:
        rows = read_logiclm_json(path)
    except ProblemError as e:
        raise JobError(str(e)) from None
    items: dict[str, dict] = {}
    errors: list[dict] = []
    for row in rows:
        if decided_only and row.label not in ("True", "False"):
            continue
        if row.id in items:
            errors.append({"id": row.id, "kind": "bad-input", "error": f"duplicate id {row.id!r}"})
            continue
        items[row.id] = {"id": row.id, "kind": "logiclm", "sentences": row.premises,
                         "statement": row.conclusion, "label": row.label}
    return list(items.values()), errors


def translate_item(item: dict):
    """(premises, conclusion) as IR formulas; raises ValueError naming what went wrong."""
    if item["kind"] == "logiclm":
        from nsp.parse.english import parse_sentences

        parsed = parse_sentences(list(item["sentences"]) + [item["statement"]])
        bad = [p for p in parsed if p.formula is None]
        if bad:
            raise ValueError(f"untranslated sentence {bad[0].sentence!r}: {bad[0].reason}")
        formulas = [p.formula for p in parsed]
        return formulas[:-1], formulas[-1]
    from nsp.logic.problem import problem_from_texts

    prob = problem_from_texts(list(item["premises"]), item["conclusion"], item.get("syntax", "auto"), id=item["id"])
    return list(prob.premises), prob.conclusion


# ---------------------------------------------------------------- one problem


def decide_problem(premises, conclusion, rlimit: int = DEFAULT_RLIMIT) -> dict:
    """Z3's verdict on the problem, through the prover interface: ``{"outcome", "prover",
    "rlimit"}`` (and ``reason`` when Unknown)."""
    from provers import base

    v = base.get("z3", rlimit=rlimit or None).decide(premises, conclusion)
    out = {"outcome": v.outcome.value, "prover": v.prover, "rlimit": rlimit}
    if v.reason:
        out["reason"] = v.reason
    return out


def search_problem(premises, conclusion, params: SearchParams, problem_id: str = "problem",
                   lemmas=(), policy=None):
    """Decide, then search one problem (see module docstring); returns (SearchResult, proof
    graph or None). ``result.decided`` is the prover's verdict (None when not asked) and
    ``result.end`` why the tree ended."""
    from synth.beam import beam_search
    from synth.mcts import END_SOLVED, mcts_search
    from synth.policy import make_policy
    from synth.state import ProofState
    from synth.stepcheck import StepChecker

    decided, max_nodes = None, None
    if params.negative_budget:
        decided = decide_problem(premises, conclusion, params.rlimit)
        if decided["outcome"] in ("Uncertain", "Inconsistent"):
            max_nodes = params.negative_budget
    root = ProofState.initial(premises, conclusion, lemmas)
    policy = policy or make_policy(params.policy)
    checker = StepChecker(rlimit=params.rlimit)
    if params.strategy == "mcts":
        result = mcts_search(root, policy, params.config(max_nodes), problem_seed(params.seed, problem_id), checker)
    elif params.strategy == "beam":
        result = beam_search(root, policy, params.config(max_nodes), checker)
    else:
        raise ValueError(f"unknown strategy {params.strategy!r}; choose mcts or beam")
    result.stats["stop"] = result.end
    result.decided = decided
    if max_nodes is not None and result.end != END_SOLVED:
        result.end = END_UNCERTAIN if decided["outcome"] == "Uncertain" else END_INCONSISTENT
    graph = None
    if result.solved is not None:
        graph = result.solved.proof_graph(premises, problem_id, strategy=params.strategy, policy=policy.name)
    return result, graph


def proof_depth(graph) -> int:
    """Longest chain of derived steps in a proof graph (0: the goal is a premise)."""
    import networkx as nx

    depth: dict[str, int] = {}
    for n in nx.topological_sort(graph):
        preds = list(graph.predecessors(n))
        depth[n] = 1 + max((depth[p] for p in preds), default=-1) if preds else 0
    return max(depth.values(), default=0)


def process_item(item: dict, params: dict) -> dict:
    """Run one problem in a worker; never raises (a failure becomes an error entry)."""
    from nsp.graph.provenance import to_json
    from nsp.logic.syntax import write

    pid = item["id"]
    try:
        p = SearchParams(**params)
        try:
            premises, conclusion = translate_item(item)
        except ValueError as e:
            return {"id": pid, "errors": [{"id": pid, "kind": "bad-input", "error": str(e).splitlines()[0]}]}
        wall, cpu = time.monotonic(), time.process_time()
        result, graph = search_problem(premises, conclusion, p, pid)
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
        label = item.get("label")
        record = {
            "id": pid,
            "strategy": p.strategy,
            "policy": p.policy,
            "verdict": result.verdict,
            "label": label,
            "correct": (result.verdict == label) if label in ("True", "False", "Uncertain") else None,
            "decided": result.decided,
            "end": result.end,
            "simulations": result.simulations,
            "seconds": round(wall, 4),
            "cpu_seconds": round(cpu, 4),
            "proof_steps": result.proof_steps,
            "proof_depth": proof_depth(graph) if graph is not None else None,
            "stats": result.stats,
            "premises": [write(f, "folio") for f in premises],
            "conclusion": write(conclusion, "folio"),
            "tree": result.tree,
        }
        entry = {"id": pid, "record": record, "errors": []}
        if graph is not None:
            entry["proof"] = {"id": pid, "verdict": result.verdict, "graph": to_json(graph)}
        return entry
    except Exception as e:  # noqa: BLE001 - reported per problem, the job goes on
        return {"id": pid, "errors": [{"id": pid, "kind": "internal", "error": f"{type(e).__name__}: {e}"}]}


# ---------------------------------------------------------------- the job


def run_search_job(in_path, out_path, params: SearchParams = SearchParams(), workers: int = 1,
                   ray: str | None = None, progress: bool = True, fresh: bool = False) -> SearchJobResult:
    """Run (or resume) the job; see the module docstring. Raises :class:`synth.batch.JobError`."""
    start = time.monotonic()
    in_path, out_path = Path(in_path), Path(out_path)
    if params.strategy not in STRATEGIES:
        raise JobError(f"unknown strategy {params.strategy!r}; choose {' or '.join(STRATEGIES)}")
    if params.policy not in POLICIES:
        raise JobError(f"unknown policy {params.policy!r}; choose {' or '.join(POLICIES)}")
    if params.negative_budget < 0 or params.rlimit < 0:
        raise JobError("negative_budget and rlimit must be 0 or more")
    paths = side_paths(out_path)
    solved = 0

    def describe(entry: dict) -> str:
        nonlocal solved
        solved += (entry.get("record") or {}).get("verdict") is not None
        return f"problems, {solved} solved now"

    def assemble(items: list[dict], read_errors: list[dict], journal: Journal, ran: int) -> SearchJobResult:
        result = SearchJobResult(items=len(items), items_run=ran)
        _assemble(items, read_errors, journal, out_path, paths, result)
        return result

    result = run_file_job(in_path, out_path, paths, "nsp-synth-search/1", asdict(params),
                          lambda path: read_problems(path, params.decided_only), params.limit, process_item,
                          describe, assemble, workers=workers, ray=ray, fresh=fresh, progress=progress,
                          verb="search", unit="problems")
    result.wall_seconds = time.monotonic() - start
    write_atomic(paths["stats"], [_dump({**result.to_json(), "workers": workers, "ray": ray, "params": asdict(params)})])
    return result


def _assemble(items, read_errors, journal: Journal, out_path: Path, paths: dict, result: SearchJobResult) -> None:
    trees, proofs, errors = [], [], list(read_errors)
    verdicts: dict[str, int] = {}
    for item in items:
        entry = journal.entries[item["id"]]
        errors.extend(entry.get("errors", ()))
        rec = entry.get("record")
        if rec is None:
            continue
        trees.append(rec)
        if entry.get("proof"):
            proofs.append(entry["proof"])
        verdict = str(rec.get("verdict"))
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        result.solved += rec.get("verdict") is not None
        end = str(rec.get("end"))
        result.ends[end] = result.ends.get(end, 0) + 1
        result.simulations += rec.get("simulations", 0)
        result.item_seconds += rec.get("seconds", 0.0)
        if rec.get("correct") is not None:
            result.labelled += 1
            result.correct += bool(rec["correct"])
    result.verdicts = dict(sorted(verdicts.items()))
    result.ends = dict(sorted(result.ends.items()))
    result.errors = len(errors)
    result.bad_input = len(read_errors)
    write_atomic(out_path, (_dump(r) for r in trees))
    write_atomic(paths["proofs"], (_dump(p) for p in proofs))
    write_atomic(paths["errors"], (_dump(e) for e in errors))
