"""The worker pools every batch job uses (``nsp synth mutate``, ``nsp synth search``,
``nsp graph verify``): local processes or Ray tasks, behind one resumable driver.

A job is a list of items (dicts with a string ``id``) and a module-level function
``fn(item, wire) -> entry`` (``entry["id"]`` is the item's id) that never raises. Workers never
write files: :func:`run_journaled` appends each entry to the job's :class:`nsp.records.Journal`
in the main process as it arrives, so an interrupted job (Ctrl-C, ``kill -9``) resumes by
running only the items the journal does not hold, and the caller assembles its result files
from the journal. :func:`run_file_job` is the whole driver of a job from an input file to
result files beside an output (``nsp synth mutate``, ``nsp synth search``).

Execution: local processes (``concurrent.futures`` with the forkserver start method; every
process dies with its parent and at Ctrl-C, which the main process handles: :mod:`nsp.deathsig`),
in-process for a one-worker job that asks for it (``inline``), or Ray tasks (``"local"`` starts a
Ray instance in this process unless one is already initialised; anything else is passed to
``ray.init(address=)``, e.g. ``auto``). A worker process that dies takes its in-flight items
with it: they run again, each alone, and an item that kills a worker by itself gets a
``worker-crashed`` entry (:func:`crashed`).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, TypeVar

from nsp import deathsig
from nsp.deathsig import init_worker
from nsp.errors import NspError, ToolMissing
from nsp.records import JobConflict, JobProgress, Journal, OutputError, check_output, file_sha256

R = TypeVar("R")

RAY_OBJECT_STORE_BYTES = 256 * 1024 * 1024  # a Ray instance started here: items and entries are small


class JobError(NspError):
    """The job cannot start or finish (bad input file, journal of another job): exit code 2."""


class MissingDependency(JobError, ToolMissing):
    """An optional back end (Ray) is not installed: exit code 3."""


def mp_context():
    """The multiprocessing context of every pool: forkserver (spawn where there is none); the
    forkserver preloads :mod:`nsp.deathsig`, so it dies with this process."""
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    os.environ[deathsig.PARENT] = str(os.getpid())  # children of this process die with it (nsp.deathsig)
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["nsp.deathsig"])  # the forkserver dies with this process
    return ctx


def _pool_pass(items: list[dict], params: dict, workers: int, on_result: Callable[[dict], None],
               fn: Callable[[dict, dict], dict]) -> list[dict]:
    """Run ``fn`` on items in a process pool, at most two per worker in flight (one running,
    one queued, so a worker never waits for the main process), until done or a worker dies;
    returns the items that were in flight when it died (the rest of the items either finished
    or never started: the caller tells them apart by what it received)."""
    size = max(1, min(workers, len(items)))
    pool = ProcessPoolExecutor(max_workers=size, mp_context=mp_context(), initializer=init_worker)
    queue = list(reversed(items))
    inflight: dict = {}
    lost: list[dict] = []
    try:
        while (queue or inflight) and not lost:
            while queue and len(inflight) < 2 * size:
                item = queue.pop()
                inflight[pool.submit(fn, item, params)] = item
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in done:
                item = inflight.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    lost.append(item)
                    continue
                on_result(result)
        lost.extend(inflight.values())  # a broken pool fails every running item
    finally:
        pool.shutdown(wait=not lost, cancel_futures=True)
    return lost


def run_local(items: list[dict], params: dict, workers: int, on_result: Callable[[dict], None],
              fn: Callable[[dict, dict], dict]) -> None:
    """Run ``fn(item, params)`` for every item in local worker processes; ``on_result`` gets
    each result in the main process, in completion order. The items running when a worker
    died run again, each alone; one that kills its worker alone gets a ``worker-crashed``
    error entry."""
    finished: set[str] = set()

    def record(entry: dict) -> None:
        finished.add(entry["id"])
        on_result(entry)

    suspects: set[str] = set()
    queue = list(items)
    while queue:
        fresh = [it for it in queue if it["id"] not in suspects]
        if fresh:
            suspects.update(it["id"] for it in _pool_pass(fresh, params, workers, record, fn))
        else:
            item = queue[0]
            if _pool_pass([item], params, 1, record, fn):
                record(crashed(item["id"], "the worker process died on this item"))
        queue = [it for it in queue if it["id"] not in finished]


def import_ray():
    try:
        import ray
    except ImportError:
        raise MissingDependency("Ray is not installed; install it with: pip install 'nsp[ray]'") from None
    return ray


def crashed(item_id: str, why: str) -> dict:
    """The journal entry of an item whose worker died (no records, one error)."""
    return {"id": item_id, "errors": [{"id": item_id, "kind": "worker-crashed", "error": why}]}


def run_ray(items: list[dict], params: dict, workers: int, address: str, on_result: Callable[[dict], None],
            fn: Callable[[dict, dict], dict]) -> None:
    """``run_local`` on a Ray cluster (``address``: ``local``, ``auto`` or ``ray://...``); a task
    is retried once, then reported with a ``worker-crashed`` entry. A local instance gets
    ``workers`` CPUs and a small object store (:data:`RAY_OBJECT_STORE_BYTES`)."""
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        try:
            if address == "local":
                ray.init(num_cpus=workers, object_store_memory=RAY_OBJECT_STORE_BYTES, include_dashboard=False,
                         log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
        except Exception as e:  # noqa: BLE001 - Ray raises several kinds; all mean "no cluster"
            raise JobError(f"cannot start or reach Ray at {address!r}: {type(e).__name__}: {e}") from None
        started = True
    try:
        task = ray.remote(num_cpus=1, max_retries=1)(fn)
        cpus = int(ray.cluster_resources().get("CPU", workers)) or 1
        queue = list(items)
        inflight: dict = {}
        while queue or inflight:
            while queue and len(inflight) < 2 * cpus:
                item = queue.pop(0)
                inflight[task.remote(item, params)] = item
            done, _ = ray.wait(list(inflight), num_returns=1)
            for ref in done:
                item = inflight.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as e:  # noqa: BLE001 - the task died twice: report the item
                    result = crashed(item["id"], f"Ray task failed: {type(e).__name__}")
                on_result(result)
    finally:
        if started:
            ray.shutdown()


class _Unjournaled:
    """What :func:`run_journaled` returns for a job with no journal: the entries, in memory."""

    def __init__(self) -> None:
        self.entries: dict[str, dict] = {}

    def append(self, entry: dict) -> None:
        self.entries.setdefault(str(entry["id"]), entry)

    def close(self) -> None:
        pass


def run_journaled(items: list[dict], journal_path: Path | None, header: dict, wire: dict, workers: int,
                  ray: str | None, fn: Callable[[dict, dict], dict], fresh: bool, bar: JobProgress,
                  describe: Callable[[dict], str], *, size: Callable[[dict], int] = lambda item: 1,
                  inline: bool = False) -> tuple[Journal, int]:
    """The resumable core of a batch job: open the journal (``fresh`` discards it; ``None``: keep
    entries in memory only), run ``fn`` on every item it does not hold yet (in local worker
    processes, in this process when ``inline`` and ``workers`` is 1, or on Ray), append each
    entry as it arrives and advance ``bar`` by ``size(item)`` with ``describe(entry)``. Returns
    the journal (its ``entries`` by id; the caller closes it) and how many items ran."""
    if journal_path is None:
        journal = _Unjournaled()
    else:
        journal_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            journal = Journal(journal_path, header, fresh)
        except JobConflict as e:
            raise JobError(str(e), settings=e.settings) from None
    pending = [it for it in items if it["id"] not in journal.entries]
    by_id = {it["id"]: it for it in pending}
    bar.set(sum(size(it) for it in items) - sum(size(it) for it in pending))
    try:
        with bar:
            def on_result(entry: dict) -> None:
                journal.append(entry)
                bar.advance(size(by_id[entry["id"]]), description=describe(entry))

            if ray:
                run_ray(pending, wire, workers, ray, on_result, fn=fn)
            elif inline and workers == 1:
                for item in pending:
                    on_result(fn(item, wire))
            else:
                run_local(pending, wire, workers, on_result, fn=fn)
    except BaseException:
        journal.close()
        raise
    return journal, len(pending)


def run_file_job(in_path: Path, out_path: Path, paths: dict[str, Path], job: str, params: dict,
                 read: Callable[[Path], tuple[list[dict], list[dict]]], limit: int | None,
                 fn: Callable[[dict, dict], dict], describe: Callable[[dict], str],
                 assemble: Callable[[list[dict], list[dict], Journal, int], R], *, workers: int,
                 ray: str | None, fresh: bool, progress: bool, verb: str, unit: str) -> R:
    """The driver of a job from the file ``in_path`` to ``out_path`` and its side files
    ``paths`` (:func:`nsp.records.side_paths`; ``paths["journal"]`` is the journal): every output
    is checked before anything runs (:class:`JobError` if one may not be written), the items are
    read with ``read(in_path) -> (items, read_errors)`` and cut to the first ``limit``, the
    journal header records ``job``, ``params`` (also what each worker gets) and the input's
    hash, :func:`run_journaled` runs what the journal does not hold (a ``verb`` bar counting
    ``unit``), and ``assemble(items, read_errors, journal, items_run)`` writes the results;
    its value is returned and the journal is closed whatever happens."""
    try:
        for p in (out_path, *paths.values()):
            check_output(p, [in_path])
    except OutputError as e:
        raise JobError(str(e)) from None
    items, read_errors = read(in_path)
    if limit is not None:
        items = items[:limit]
    header = {"job": job, "params": params, "input_sha256": file_sha256(in_path)}
    journal, ran = run_journaled(items, paths["journal"], header, params, workers, ray, fn, fresh,
                                 JobProgress(progress, len(items), verb, unit), describe)
    try:
        return assemble(items, read_errors, journal, ran)
    finally:
        journal.close()
