"""Imported in the multiprocessing forkserver (preload, :func:`nsp.workers.mp_context`) and called
in each worker: on Linux the kernel then kills the process when its parent dies
(``PR_SET_PDEATHSIG``), so killing a job's main process leaves no forkserver or worker behind. No
effect elsewhere."""

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


die_with_parent()  # at import: the forkserver preloads this module
