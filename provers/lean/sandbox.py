"""Running untrusted Lean text: the allow-list screen, and a jailed runner.

Two independent layers; neither trusts the other.

1. :func:`screen` (in :mod:`provers.lean.screen`, re-exported here) accepts only nsp's own small
   Lean language (its exports and proofs: axioms, ``theorem``/``example``, ``have``, a fixed set
   of tactics and term constructors) and rejects anything else with line, column and reason.
   Imports: exact module names from an allow-list (default: none; nsp's exports import nothing).

2. :func:`run_sandboxed` runs a command in a fresh process group with ``setrlimit`` limits
   (address space, CPU seconds, file size, no core dumps) set in ``preexec_fn``, a wall-clock
   timeout that kills the whole group, stdout/stderr captured through size-limited files, a
   private temporary working directory, a scrubbed environment, and no network when
   ``unshare -n`` (``unshare -rn`` when not root) works on this machine. When it does not, the
   result says so (``network_isolated=False``); install util-linux or enable unprivileged user
   namespaces to get it.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from nsp.errors import ToolMissing
from provers.lean.screen import (  # noqa: F401  (the screen's public names, re-exported)
    DEFAULT_ALLOWED_IMPORTS, Violation, components, identifier_violation, screen, strip_comments,
)


class SandboxError(ToolMissing):
    """The sandbox itself could not run (an infrastructure failure, not a verdict): exit code 3."""


# ---------------------------------------------------------------- the jailed runner


@dataclass(frozen=True)
class RunResult:
    """What a sandboxed process did. ``signal``: the signal that ended it (None: it exited)."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool
    signal: int | None
    network_isolated: bool
    output_truncated: bool = False

    @property
    def memory_exhausted(self) -> bool:
        """The process most likely died of the address-space limit."""
        text = self.stderr[-4000:]
        return (
            "MemoryError" in text
            or "out of memory" in text.lower()
            or "std::bad_alloc" in text
            or "Cannot allocate memory" in text
            or (self.signal in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT) and not self.timed_out)
        )


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run. ``cpu_seconds`` defaults to the wall timeout (+1)."""

    timeout: float = 60.0
    memory_mb: int = 4096
    cpu_seconds: int | None = None
    max_output_bytes: int = 16 * 1024 * 1024
    network: bool = False


def _preexec(limits: Limits):
    memory = limits.memory_mb * 1024 * 1024
    cpu = limits.cpu_seconds if limits.cpu_seconds is not None else int(limits.timeout) + 1
    fsize = limits.max_output_bytes

    def apply() -> None:  # runs in the child between fork and exec: keep it to syscalls
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


@functools.lru_cache(maxsize=1)
def network_jail() -> tuple[str, ...]:
    """The command prefix that runs a program without network, or () when none works here."""
    unshare = shutil.which("unshare")
    if not unshare:
        return ()
    for prefix in ((unshare, "-n"), (unshare, "-rn")):
        try:
            r = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        if r.returncode == 0:
            return prefix
    return ()


def _clean_env(extra: dict[str, str] | None, workdir: str) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "LEAN_PATH", "LEAN_SYSROOT", "ELAN_HOME", "ELAN_TOOLCHAIN", "HOME")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update({"TMPDIR": workdir, "TMP": workdir, "TEMP": workdir})
    if extra:
        env.update(extra)
    return env


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_sandboxed(
    argv: Sequence[str],
    limits: Limits = Limits(),
    *,
    files: dict[str, str] | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> RunResult:
    """Run ``argv`` in a fresh temporary directory (``files`` written into it first) under
    ``limits``. The command's own failures are values; failing to start raises SandboxError."""
    exe = argv[0] if os.sep in argv[0] else shutil.which(argv[0])
    if not exe or not os.access(exe, os.X_OK) or not os.path.isfile(exe):
        raise SandboxError(f"cannot start {argv[0]}: not an executable file")
    jail = () if limits.network else network_jail()
    with tempfile.TemporaryDirectory(prefix="nsp-lean-") as workdir:
        for name, content in (files or {}).items():
            target = Path(workdir) / name
            if target.resolve().parent != Path(workdir).resolve():
                raise SandboxError(f"file name {name!r} escapes the sandbox directory")
            target.write_text(content, encoding="utf-8")
        out_path, err_path = Path(workdir) / ".stdout", Path(workdir) / ".stderr"
        in_path = Path(workdir) / ".stdin"
        in_path.write_text(stdin or "", encoding="utf-8")
        start = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err, open(in_path, "rb") as inp:
            try:
                proc = subprocess.Popen(
                    [*jail, *argv],
                    cwd=workdir,
                    stdin=inp,
                    stdout=out,
                    stderr=err,
                    env=_clean_env(env, workdir),
                    preexec_fn=_preexec(limits),
                    start_new_session=True,  # own process group: killpg reaches every child
                )
            except OSError as e:
                raise SandboxError(f"cannot start {argv[0]}: {e.strerror or e}") from None
            timed_out = not _wait_unreaped(proc.pid, start + limits.timeout)
            # The leader is exited-but-unreaped (or still running), so its process-group id
            # cannot have been reused: killing the group reaches only what this run started.
            _kill_group(proc)
            proc.wait()
        seconds = time.monotonic() - start
        stdout, t1 = _read_capped(out_path, limits.max_output_bytes)
        stderr, t2 = _read_capped(err_path, limits.max_output_bytes)
    rc = proc.returncode
    sig = -rc if rc is not None and rc < 0 else None
    if sig is None and rc is not None and rc > 128 and jail:
        sig = rc - 128  # unshare reports a killed child as 128 + signal
    return RunResult(
        returncode=rc, stdout=stdout, stderr=stderr, seconds=seconds, timed_out=timed_out,
        signal=sig, network_isolated=bool(jail), output_truncated=t1 or t2,
    )


def _wait_unreaped(pid: int, deadline: float) -> bool:
    """Wait until ``pid`` exits without reaping it; False when the deadline passes first."""
    pause = 0.001
    while True:
        try:
            info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
        except ChildProcessError:
            return True
        if info is not None and info.si_pid == pid:
            return True
        now = time.monotonic()
        if now >= deadline:
            return False
        time.sleep(min(pause, deadline - now))
        pause = min(pause * 2, 0.05)


def _read_capped(path: Path, cap: int) -> tuple[str, bool]:
    with open(path, "rb") as f:
        data = f.read(cap + 1)
    # RLIMIT_FSIZE stops the writer at exactly ``cap`` bytes, so reaching it means truncated
    return data[:cap].decode("utf-8", errors="replace"), len(data) >= cap
