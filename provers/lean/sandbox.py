"""Running untrusted Lean text: a screen that rejects dangerous constructs, and a jailed runner.

Two independent layers; neither trusts the other.

1. :func:`screen` reads the text the way Lean's lexer does (nested ``/- -/`` block comments,
   ``--`` line comments, ``«...»`` escaped identifiers) and rejects, with line and column:

   * code execution at elaboration time: ``#eval``, ``#exit`` and every ``#command`` except
     ``#check``/``#print``; ``run_cmd``, ``run_elab``, ``run_meta``, ``run_tac``,
     ``by_elab``, ``elab``/``elab_rules``/``macro``/``macro_rules``/``syntax``,
     ``initialize``, ``declare_syntax_cat``;
   * the IO world: identifiers with a component ``IO``, ``EIO``, ``BaseIO``, ``System`` (so
     ``IO.Process.spawn``, ``open System`` and ``«IO».FS`` alike), ``unsafe`` anywhere inside an
     identifier (``unsafeBaseIO``), ``extern``, ``implemented_by``, ``export`` attributes;
   * soundness escapes: ``native_decide``, ``ofReduceBool``, ``trustCompiler``, ``skipKernelTC``,
     ``prelude``;
   * string literals (a ``"`` outside comments): nothing nsp checks needs them, and without them
     the comment scanner cannot be fooled by ``"--"``;
   * imports of modules outside an allow-list (default: ``Init`` only), and any ``import`` that
     is not in the file header.

   Forbidden words inside comments are ignored (comments are stripped with Lean's own nesting
   rules first), so a name like ``#eval`` in an nsp header comment is harmless.

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
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

DEFAULT_ALLOWED_IMPORTS: tuple[str, ...] = ("Init",)

# Identifier components that name the IO world (compared after removing «» escapes).
FORBIDDEN_COMPONENTS = frozenset({"IO", "EIO", "BaseIO", "System"})
# Whole tokens that run code, touch the compiler, or weaken the kernel.
FORBIDDEN_WORDS = frozenset({
    "run_cmd", "run_elab", "run_meta", "run_tac", "by_elab", "elab", "elab_rules", "macro",
    "macro_rules", "syntax", "initialize", "builtin_initialize", "declare_syntax_cat", "extern",
    "implemented_by", "export", "prelude", "native_decide", "ofReduceBool", "ofReduceNat",
    "trustCompiler", "skipKernelTC", "unsafe",
})
# Substrings that are forbidden anywhere inside an identifier.
FORBIDDEN_SUBSTRINGS = ("unsafe", "implemented_by", "native_decide", "skipKernelTC", "ofReduce")
ALLOWED_HASH_COMMANDS = frozenset({"#check", "#print"})
_IMPORT_MODIFIERS = frozenset({"runtime", "all", "public", "meta", "private"})

# Identifier component: «escaped» or Lean's id_first id_rest* (ASCII + Greek/letterlike ranges).
_ID_FIRST = r"A-Za-z_\u03b1-\u03ba\u03bc-\u03c9\u0391-\u039f\u03a1\u03a2\u03a4-\u03a9\u03ca-\u03fb\u1f00-\u1ffe\u2100-\u214f\U0001d49c-\U0001d59f"
_ID_REST = _ID_FIRST + r"0-9'!?\u2080-\u2089\u2090-\u209c\u1d62-\u1d6a"
_COMPONENT = rf"(?:«[^»]*»|[{_ID_FIRST}][{_ID_REST}]*)"
_IDENT = re.compile(rf"{_COMPONENT}(?:\.{_COMPONENT})*")
_HASH_CMD = re.compile(rf"#[{_ID_FIRST}][{_ID_REST}]*")
_ATTR_EXPORT = re.compile(r"@\[\s*export\b")


class SandboxError(RuntimeError):
    """The sandbox itself could not run (an infrastructure failure, not a verdict)."""


@dataclass(frozen=True)
class Violation:
    """One forbidden construct in untrusted text: 1-based line and column, and what it is."""

    line: int
    column: int
    construct: str
    reason: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: forbidden {self.construct!r}: {self.reason}"


# ---------------------------------------------------------------- lexing the way Lean does


def strip_comments(text: str) -> tuple[str, list[Violation]]:
    """``text`` with comments replaced by spaces (newlines kept, so positions stay valid).

    Block comments nest (``/- /- -/ -/``) exactly as in Lean's ``finishCommentBlock``; ``--``
    runs to the end of the line; ``«...»`` escaped identifiers are copied verbatim (a ``--``
    inside one is not a comment). Returns violations for an unterminated comment or escape and
    for string literals, which the screen does not accept.
    """
    out: list[str] = []
    problems: list[Violation] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and text.startswith("/-", i):
            start = i
            depth, i = 1, i + 2
            while i < n and depth:
                if text[i] == "-" and i + 1 < n and text[i + 1] == "/":
                    depth, i = depth - 1, i + 2
                elif text[i] == "/" and i + 1 < n and text[i + 1] == "-":
                    depth, i = depth + 1, i + 2
                else:
                    i += 1
            if depth:
                problems.append(_violation(text, start, "/-", "unterminated block comment"))
            out.append("".join(ch if ch == "\n" else " " for ch in text[start:i]))
        elif c == "«":
            j = text.find("»", i + 1)
            if j < 0:
                problems.append(_violation(text, i, "«", "unterminated «escaped» identifier"))
                j = n - 1
            out.append(text[i : j + 1])
            i = j + 1
        else:
            if c == '"':
                problems.append(_violation(text, i, '"', "string literals are not accepted"))
            out.append(c)
            i += 1
    code = "".join(out)
    # A '"' inside an «escaped» identifier was copied through; reject it too (conservative).
    for m in re.finditer(r"«[^»]*»", code):
        q = m.group(0).find('"')
        if q >= 0:
            problems.append(_violation(code, m.start() + q, '"', "quote inside an escaped identifier"))
    return code, problems


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _violation(text: str, offset: int, construct: str, reason: str) -> Violation:
    line, column = _position(text, offset)
    return Violation(line, column, construct, reason)


def components(ident: str) -> list[str]:
    """The dot-separated components of an identifier, with «» escapes removed."""
    return [p[1:-1] if p.startswith("«") else p for p in re.findall(_COMPONENT, ident)]


def identifier_violation(name: str) -> str | None:
    """Why the screen would reject an identifier named ``name`` (None when it would not)."""
    for part in components(name) or [name]:
        if part in FORBIDDEN_COMPONENTS:
            return f"{part} gives access to the IO world"
        if part in FORBIDDEN_WORDS:
            return f"{part} can run code or weaken the kernel"
        for bad in FORBIDDEN_SUBSTRINGS:
            if bad in part:
                return f"identifiers containing {bad!r} can run code or weaken the kernel"
    return None


def _module_allowed(module: str, allowed: Iterable[str]) -> bool:
    module = ".".join(components(module))
    return any(module == a or module.startswith(a + ".") for a in allowed)


def screen(text: str, allowed_imports: Sequence[str] = DEFAULT_ALLOWED_IMPORTS) -> tuple[Violation, ...]:
    """Every forbidden construct in ``text`` (empty: the text may be given to Lean)."""
    code, problems = strip_comments(text)
    for m in _HASH_CMD.finditer(code):
        if m.group(0) not in ALLOWED_HASH_COMMANDS:
            problems.append(_violation(code, m.start(), m.group(0), "commands other than #check/#print can run code"))
    for m in _ATTR_EXPORT.finditer(code):
        problems.append(_violation(code, m.start(), "@[export", "export attributes change compiled code"))
    tokens = [(m.start(), m.group(0)) for m in _IDENT.finditer(code)]
    header = True
    expect_module = False
    for k, (pos, tok) in enumerate(tokens):
        if tok == "import":
            if not header:
                problems.append(_violation(code, pos, "import", "imports must come first in the file"))
            expect_module = True
            continue
        if expect_module:
            if tok in _IMPORT_MODIFIERS:
                continue
            expect_module = False
            if not _module_allowed(tok, allowed_imports):
                allowed = ", ".join(allowed_imports) or "none"
                problems.append(_violation(code, pos, f"import {tok}", f"module not in the allow-list ({allowed})"))
            continue
        if tok == "prelude" and k == 0:
            problems.append(_violation(code, pos, tok, "prelude files replace the core library"))
            continue
        header = False
        why = identifier_violation(tok)
        if why:
            problems.append(_violation(code, pos, tok, why))
    if expect_module:
        problems.append(_violation(code, len(code), "import", "import without a module name"))
    problems.sort(key=lambda v: (v.line, v.column, v.construct))
    return tuple(problems)


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
