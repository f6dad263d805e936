"""Ctrl-C and SIGTERM, delivered where it is safe.

:func:`install` (the CLI calls it) routes SIGINT and SIGTERM through one handler. Outside a
:func:`held` section a signal stops the program at once: ``KeyboardInterrupt`` for SIGINT,
``SystemExit(143)`` for SIGTERM. Inside one, for example a Z3 call through ``ctypes``, where an
exception raised half-way would surface as a ``ctypes.ArgumentError`` or leave a half-built object,
the signal waits until the outermost section ends and is raised there. Those sections are bounded
by the prover's rlimit and timeout. A job therefore never records the item it was working on when
stopped. Used from the main thread; sections in other threads only count.
"""

from __future__ import annotations

import functools
import signal
import threading
from contextlib import contextmanager

_state = threading.local()
_pending: list[int] = []


def _depth() -> int:
    return getattr(_state, "depth", 0)


def _deliver(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def _handler(signum, frame) -> None:
    if _depth() > 0:
        if not _pending:
            _pending.append(signum)
        return
    _deliver(signum)


def install() -> None:
    """Route SIGINT and SIGTERM through :func:`_handler` (main thread only)."""
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


@contextmanager
def held():
    """Signals that arrive inside are raised when the outermost section ends."""
    _state.depth = _depth() + 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0 and _pending and threading.current_thread() is threading.main_thread():
            _deliver(_pending.pop())


def holding(fn):
    """Decorator form of :func:`held`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with held():
            return fn(*args, **kwargs)
    return wrapper
