"""Shared fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """Return a copy of the shipped ``departement.yaml`` and ``epci/`` in a temporary folder."""
    shutil.copy(REPO / "departement.yaml", tmp_path / "departement.yaml")
    shutil.copytree(REPO / "epci", tmp_path / "epci")
    return tmp_path
