"""Faults provoked for real on a whole build: signals, two builds at once, an unwritable build/."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pikepdf
import pytest

from convgen.files import STAGE_PREFIX
from tests.processes import marked, marked_env
from tests.projects import convgen_argv, copy_project

# LibreOffice runs here: the module's first test also pays for its builds (limit per test, in seconds).
pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[2]


def start(project: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``convgen build`` in the background."""
    return subprocess.Popen(
        convgen_argv(project, "build", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=marked_env(str(project)),
    )


def soffice_running(project: Path) -> list[int]:
    """Return the processes still running that a build of ``project`` started (LibreOffice, bridges, renderers)."""
    return marked(str(project))


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float = 120) -> list[str]:
    """Read the process's output until a line contains ``needle``; return the lines read."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"« {needle} » jamais affiché : {''.join(lines)}")


@pytest.mark.libreoffice
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_build_stops_cleanly(tmp_path: Path, signum: int, code: int) -> None:
    project = copy_project(tmp_path)
    process = start(project, "--jobs", "1")
    wait_for_line(process, "✓")
    process.send_signal(signum)
    started = time.monotonic()
    output, _ = process.communicate(timeout=30)
    assert time.monotonic() - started < 10
    assert process.returncode == code, output
    assert "Interrompu" in output
    assert "Traceback" not in output
    assert not list((project / "build").rglob(f"{STAGE_PREFIX}*"))
    for pdf in (project / "build").rglob("*.pdf"):
        with pikepdf.open(pdf) as opened:  # every file left is whole
            assert len(opened.pages) > 1
    assert not soffice_running(project)


@pytest.mark.libreoffice
def test_a_build_killed_by_sigkill_leaves_no_process_behind(tmp_path: Path) -> None:
    """SIGKILL gives the build no chance to clean up: its rendering processes, bridges and LibreOffice must go alone."""
    project = copy_project(tmp_path)
    process = start(project, "--format", "pdf")
    wait_for_line(process, "✓")
    process.kill()
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not soffice_running(project)  # waits up to 5 s for the parent watchers
    rebuilt = subprocess.run(
        convgen_argv(project, "build", "--format", "pdf"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=marked_env(str(project)),
    )
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert not list((project / "build").rglob(f"{STAGE_PREFIX}*"))
    assert not soffice_running(project)


@pytest.mark.libreoffice
def test_two_builds_at_once_wait_for_each_other(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    first = start(project, "--format", "pdf")
    wait_for_line(first, "[")
    second = start(project, "--format", "pdf")
    out_second, _ = second.communicate(timeout=300)
    out_first, _ = first.communicate(timeout=300)
    assert first.returncode == 0, out_first
    assert second.returncode == 0, out_second
    assert "Une autre construction est en cours dans ce projet : attente de sa fin" in out_second
    assert "0 document construit," in out_second  # the first built everything; the second found it current
    for pdf in (project / "build").rglob("*.pdf"):
        with pikepdf.open(pdf) as opened:
            assert len(opened.pages) > 1


def test_unwritable_build_folder_gives_a_french_message(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "build").write_text("un fichier à la place du dossier", encoding="utf-8")
    done = subprocess.run(
        convgen_argv(project, "build", "--format", "docx"),
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "build/ : écriture refusée" in done.stderr
    assert "libérez de la place ou donnez les droits d’écriture" in done.stderr
