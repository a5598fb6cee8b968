"""Shared fixtures: a private copy of the sample registry per test, so tests may break it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "data"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the sample registry."""
    target = tmp_path / "data"
    shutil.copytree(SAMPLE_DATA, target, ignore=shutil.ignore_patterns("README.md"))
    return target
