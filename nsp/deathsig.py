"""Imported in the multiprocessing forkserver (preload, :func:`nsp.workers.mp_context`) and run in
each worker (:func:`init_worker`, the pools' initializer): on Linux the kernel then kills the
process when its parent dies (``PR_SET_PDEATHSIG``), so killing a job's main process leaves no
forkserver or worker behind (no effect elsewhere); and SIGINT stops a worker at once."""

from __future__ import annotations

import ctypes
import os
import signal


def die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the call: do not outlive it
        os._exit(1)


PARENT = "NSP_DEATHSIG_PARENT"  # set by nsp.workers.mp_context: the pid of the job's main process

# At import in the forkserver (it preloads this module) or a spawned worker: a direct child of the
# job's main process. Never in the main process itself: a job started with `nohup … &` must outlive
# the shell that started it.
if os.environ.get(PARENT) == str(os.getppid()):
    die_with_parent()


def init_worker() -> None:
    """The initializer of every pool worker (:mod:`nsp.workers`): it dies with its parent, and SIGINT
    stops it at once, the kernel's default action, as SIGTERM does. Ctrl-C reaches the whole
    process group, but the job is the main process's to stop (:mod:`nsp.interrupt`: it records
    nothing in flight and exits 130; what a worker had in flight runs again on resume). A worker
    that raised ``KeyboardInterrupt`` would raise it wherever Python was, e.g. half-way through a
    Z3 constructor or inside a Z3 finalizer, and print that object's traceback ("Exception
    ignored in: ...__del__") on the job's stderr."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
