"""Shared fixtures: paths, and the environment every test runs in (offline)."""

from __future__ import annotations

import os
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
