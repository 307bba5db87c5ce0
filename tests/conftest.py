"""Shared fixtures, and the guard that keeps the ``libreoffice`` marker true.

A test without ``@pytest.mark.libreoffice`` runs with a stand-in ``soffice`` first on its ``PATH`` (inherited by
every process it starts): the stand-in writes down that it was started and fails, and the test then fails too,
naming the marker it lacks. ``pytest -m "not libreoffice"`` (``make test-fast``) is thus truly without LibreOffice.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from tests.projects import copy_project

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "fixtures"
STARTED = "lancements.txt"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """Return a copy of the shipped ``departement.yaml`` and ``epci/`` in a temporary folder."""
    return copy_project(tmp_path, templates=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, Any, None]:
    """Put the stand-in ``soffice`` first on ``PATH`` for a test without the marker, from before its fixtures."""
    if item.get_closest_marker("libreoffice") is not None:
        yield
        return
    folder: Path = item.config.stand_in_office  # type: ignore[attr-defined]
    (folder / STARTED).unlink(missing_ok=True)
    previous = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{folder}{os.pathsep}{previous}"
    try:
        yield
    finally:
        os.environ["PATH"] = previous


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Fail a test without the marker that started LibreOffice (directly or in any process it started)."""
    outcome = yield
    if call.when != "teardown" or item.get_closest_marker("libreoffice") is not None:
        return
    started = item.config.stand_in_office / STARTED  # type: ignore[attr-defined]
    if started.exists():
        report = outcome.get_result()
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} a démarré LibreOffice sans la marque @pytest.mark.libreoffice "
            f"({started.read_text(encoding='utf-8').strip()}) : ajoutez la marque, ou ne produisez pas de PDF"
        )
        started.unlink()


def pytest_configure(config: pytest.Config) -> None:
    """Create, once for the session, the stand-ins for ``soffice`` and ``libreoffice``: each start is written down.

    ``--version`` alone is answered by the real program: asking a version starts no office.
    """
    folder = Path(tempfile.mkdtemp(prefix="convgen-sans-libreoffice-"))
    for name in ("soffice", "libreoffice"):
        real = shutil.which(name) or "false"
        script = folder / name
        script.write_text(
            "#!/bin/sh\n"
            f'if [ "$*" = "--version" ]; then exec {shlex.quote(real)} --version; fi\n'
            f'echo "$0 $*" >> {shlex.quote(str(folder / STARTED))}\n'
            'echo "LibreOffice démarré par un test sans la marque libreoffice" >&2\n'
            "exit 97\n",
            encoding="utf-8",
        )
        script.chmod(0o755)
    config.stand_in_office = folder  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the stand-in."""
    folder = getattr(config, "stand_in_office", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
