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


@pytest.fixture
def desk(tmp_path: Path, data_dir: Path):
    """A running officer desk for one test (tests/desk_fixtures.Desk) on a copy of the sample registry."""
    from tests.desk_fixtures import Desk

    d = Desk(tmp_path, data_dir)
    yield d
    d.db.close()
