"""Shared fixtures: paths, and the environment every test runs in (offline)."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
FOLIO_TRAIN = SHARED / "folio" / "folio-train.jsonl"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def folio_train() -> Path:
    if not FOLIO_TRAIN.exists():
        pytest.skip(f"shared data not found at {FOLIO_TRAIN} (clone next to ../shared)")
    return FOLIO_TRAIN


@pytest.fixture(scope="session")
def embedded():
    """The real embedded SmolLM2-135M (converted once into ~/.cache/nsp), offline."""
    pytest.importorskip("torch", reason="the model back end needs torch (pip install torch==2.13.0)")
    pytest.importorskip("transformers", reason="the model back end needs transformers")
    from nsp.parse.backends import BackendError, TransformersBackend, embedded_gguf

    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    try:
        embedded_gguf()
    except BackendError as e:
        pytest.skip(str(e))
    return TransformersBackend("embedded")  # the base model, even where `nsp train` left weights


@contextlib.contextmanager
def _serving(source: Path, log_path: Path, args: tuple[str, ...]):
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "nsp.cli", "serve", str(source), "--port", "0", *args],
                                stdout=subprocess.PIPE, stderr=log, cwd=ROOT, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
        try:
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                line = ""
            m = re.search(r"serving (http://127\.0\.0\.1:(\d+))/", line)
            assert m, (line, proc.poll(), log_path.read_text())
            yield m.group(1), int(m.group(2))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            proc.stdout.close()


@pytest.fixture(scope="module")
def nsp_serve():
    """Start ``nsp serve SOURCE --port 0 [ARGS]`` as users run it (a subprocess, stderr to
    ``log_path``): ``nsp_serve(source, log_path, *args)`` returns ``(base URL, port)`` once it
    serves. Every server started stops when the module's tests are done."""
    with contextlib.ExitStack() as stack:
        yield lambda source, log_path, *args: stack.enter_context(_serving(Path(source), Path(log_path), args))


# Under CI a skipped test is a failure unless it skips for a Lean toolchain (none can be installed
# here): a missing E prover, chromium, shared data, model wheel or package must not turn a run
# green by skipping (`make install` installs them all, the default translator's Qwen wheels too).
CI_MAY_SKIP = ("Lean", "lean", "elan", "toolchain")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI", "").lower() not in ("true", "1"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    bad = []
    for rep in reporter.stats.get("skipped", []):
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        if not any(word in reason for word in CI_MAY_SKIP):
            bad.append(f"{rep.nodeid}: {reason}")
    if bad:
        reporter.write_line(f"CI: {len(bad)} test(s) skipped for something this run should have:", red=True)
        for line in bad[:20]:
            reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
