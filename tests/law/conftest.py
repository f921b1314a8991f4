"""Fixtures for the computable-law tests. Pure pytest: no Django (run with -p no:django)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from comity.law import get_law
from comity.law.loader import DATA_DIR

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"


@pytest.fixture(scope="session")
def law():
    """The packaged, validated data set (real instruments and, when present, real country profiles)."""
    return get_law()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the packaged data with the fixture profiles instead of the real ones."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("profiles"))
    shutil.copytree(FIXTURES / "profiles", target / "profiles")
    return target
