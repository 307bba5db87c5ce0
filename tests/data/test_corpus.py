"""Every malformed file of ``tests/fixtures/invalid/`` is refused with exactly the messages in its header."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from convgen.data.load import load_project
from convgen.errors import DataError

DATA = Path(__file__).resolve().parents[1] / "fixtures"
CASES = sorted((DATA / "invalid").glob("*.yaml"))
PREFIX = "# attendu : "


def expected_messages(case: Path) -> list[str]:
    """Return the messages listed in the header of a corpus file."""
    lines = case.read_text(encoding="utf-8").splitlines()
    return [line[len(PREFIX) :] for line in lines if line.startswith(PREFIX)]


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert all(expected_messages(case) for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_invalid_file_is_refused_with_exact_messages(case: Path, tmp_path: Path) -> None:
    shutil.copy(DATA / "valid" / "departement.yaml", tmp_path / "departement.yaml")
    (tmp_path / "epci").mkdir()
    shutil.copy(case, tmp_path / "epci" / case.name)
    with pytest.raises(DataError) as caught:
        load_project(tmp_path)
    assert [str(problem) for problem in caught.value.problems] == expected_messages(case)
