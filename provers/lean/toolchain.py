"""Finding a Lean 4 toolchain, the REPL and lean-dojo, and saying how to install what is missing.

Search order for ``lean`` (the first hit wins):

1. ``$NSP_LEAN``: a ``lean`` executable, or a toolchain directory holding ``bin/lean``;
2. ``lean`` on ``$PATH``;
3. elan's default location, ``$ELAN_HOME/bin`` or ``~/.elan/bin``.

``lake`` is looked up next to the chosen ``lean`` and then on ``$PATH``. The Lean REPL
(leanprover-community/repl) is ``$NSP_LEAN_REPL`` or ``repl`` on ``$PATH``. Nothing is
downloaded and nothing is run except ``lean --version`` (only by :func:`doctor`).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

INSTALL_LEAN = (
    "install elan, the Lean toolchain manager: "
    "curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh "
    "(then `elan default stable`), or set NSP_LEAN to a lean executable"
)
INSTALL_REPL = (
    "git clone https://github.com/leanprover-community/repl && cd repl && lake build, "
    "then set NSP_LEAN_REPL=$PWD/.lake/build/bin/repl"
)
INSTALL_DOJO = "pip install 'nsp[lean]'  (lean-dojo; it also needs a Lean toolchain and git)"
NO_TOOLCHAIN = "no Lean 4 toolchain (install elan)"


@dataclass(frozen=True)
class Toolchain:
    """Paths of the Lean executables found; ``source`` says how ``lean`` was found."""

    lean: Path
    source: str  # "NSP_LEAN", "PATH" or "elan"
    lake: Path | None = None
    repl: Path | None = None

    def version(self, timeout: float = 20.0) -> str | None:
        """``lean --version``'s first line, or None when it does not answer in time."""
        return _version(self.lean, timeout)


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _which(name: str, env: Mapping[str, str]) -> Path | None:
    found = shutil.which(name, path=env.get("PATH", ""))
    return Path(found) if found else None


def _elan_bin(env: Mapping[str, str]) -> Path | None:
    if env.get("ELAN_HOME"):
        return Path(env["ELAN_HOME"]) / "bin"
    home = env.get("HOME")
    return Path(home) / ".elan" / "bin" if home else None


def _from_nsp_lean(value: str) -> Path | None:
    p = Path(value).expanduser()
    for candidate in (p, p / "bin" / "lean", p / "lean"):
        if _executable(candidate):
            return candidate
    return None


def find_lean(env: Mapping[str, str] | None = None) -> tuple[Path, str] | None:
    env = os.environ if env is None else env
    if env.get("NSP_LEAN"):
        found = _from_nsp_lean(env["NSP_LEAN"])
        return (found, "NSP_LEAN") if found else None  # an explicit choice is not overridden
    found = _which("lean", env)
    if found:
        return found, "PATH"
    elan = _elan_bin(env)
    if elan and _executable(elan / "lean"):
        return elan / "lean", "elan"
    return None


def find_repl(env: Mapping[str, str] | None = None) -> Path | None:
    env = os.environ if env is None else env
    if env.get("NSP_LEAN_REPL"):
        p = Path(env["NSP_LEAN_REPL"]).expanduser()
        return p if _executable(p) else None
    return _which("repl", env)


def find_toolchain(env: Mapping[str, str] | None = None) -> Toolchain | None:
    """The Lean toolchain to use, or None (then see :data:`INSTALL_LEAN`)."""
    env = os.environ if env is None else env
    found = find_lean(env)
    if found is None:
        return None
    lean, source = found
    lake = lean.parent / "lake"
    lake = lake if _executable(lake) else _which("lake", env)
    return Toolchain(lean=lean, source=source, lake=lake, repl=find_repl(env))


def _version(exe: Path, timeout: float) -> str | None:
    try:
        r = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (r.stdout or r.stderr).strip()
    return text.splitlines()[0] if r.returncode == 0 and text else None


def lean_dojo_available() -> bool:
    return importlib.util.find_spec("lean_dojo") is not None


@dataclass(frozen=True)
class Finding:
    """One line of ``nsp lean doctor``: what, whether it was found, details, how to fix."""

    item: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = False

    def to_json(self) -> dict:
        return {"item": self.item, "ok": self.ok, "detail": self.detail, "fix": self.fix, "required": self.required}


def doctor(env: Mapping[str, str] | None = None, version_timeout: float = 20.0) -> list[Finding]:
    """What the Lean bridge can use on this machine, and how to install what is missing."""
    from provers.lean.sandbox import network_jail

    env = os.environ if env is None else env
    out: list[Finding] = []
    tc = find_toolchain(env)
    if tc is None:
        detail = "not found"
        if env.get("NSP_LEAN"):
            detail = f"NSP_LEAN={env['NSP_LEAN']} is not a lean executable or toolchain directory"
        else:
            elan = _elan_bin(env)
            detail = f"not on PATH, not in {elan}" if elan else "not on PATH"
        out.append(Finding("lean", False, detail, INSTALL_LEAN, required=True))
    else:
        version = tc.version(version_timeout)
        out.append(Finding("lean", True, f"{tc.lean} (via {tc.source}); "
                           + (version or "version unknown: `lean --version` failed or timed out"),
                           "" if version else "check that the elan default toolchain is installed: elan show",
                           required=True))
    lake = tc.lake if tc else _which("lake", env)
    out.append(Finding("lake", lake is not None, str(lake) if lake else "not found",
                       "" if lake else "comes with every Lean toolchain (install elan)"))
    repl = find_repl(env)
    out.append(Finding("repl (incremental checking, tactic mode)", repl is not None,
                       str(repl) if repl else "not found", "" if repl else INSTALL_REPL))
    dojo = lean_dojo_available()
    out.append(Finding("lean-dojo (tactic interaction in Lean repositories)", dojo,
                       "importable" if dojo else "not installed", "" if dojo else INSTALL_DOJO))
    jail = network_jail()
    out.append(Finding("network isolation", bool(jail),
                       " ".join(jail) if jail else "unshare -n does not work here; Lean runs with network",
                       "" if jail else "install util-linux (unshare) and allow user namespaces "
                       "(sysctl kernel.unprivileged_userns_clone=1)"))
    out.append(Finding("resource limits", True, "setrlimit RLIMIT_AS/RLIMIT_CPU/RLIMIT_FSIZE in the child"))
    return out
