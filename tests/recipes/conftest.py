"""The project copy the tests of the recipes edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.projects import copy_project


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Return a copy of the project's data and templates."""
    return copy_project(tmp_path)
