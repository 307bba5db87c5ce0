"""``convgen watch``: what a save rebuilds, errors printed like ``convgen check``, a clean stop on Ctrl-C."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import threading
import time
from pathlib import Path

import pikepdf
import pytest

from convgen.errors import DataError, Problem
from convgen.recipes.watch import READY, changed_inputs, is_input, problem_text, slugs_to_rebuild
from tests.processes import marked, marked_env, new_tag
from tests.projects import convgen_argv, copy_project

# LibreOffice runs here: the module's first test also pays for its builds (limit per test, in seconds).
pytestmark = pytest.mark.timeout(300)

SLUG = "cc-maine-saosnois"


def test_only_inputs_count_and_editor_files_are_ignored(tmp_path: Path) -> None:
    root = tmp_path
    assert is_input(root, root / "departement.yaml")
    assert is_input(root, root / "epci" / "cc-x.yaml")
    assert is_input(root, root / "templates" / "convention.docx")
    for ignored in (
        "epci/.cc-x.yaml.swp",
        "epci/cc-x.yaml~",
        "epci/#cc-x.yaml#",
        "epci/cc-x.yaml.tmp",
        "epci/4913",
        "templates/~$convention.docx",
        "templates/.~lock.convention.docx#",
        "build/cc-x/convention-cc-x.pdf",
        "registre/cc-x.yaml",
        "notes.yaml",
    ):
        assert not is_input(root, root / ignored), ignored
    found = changed_inputs(root, [str(root / "epci" / "a.yaml"), str(root / "epci" / ".a.yaml.swp")])
    assert found == [root / "epci" / "a.yaml"]


def test_an_epci_save_rebuilds_that_epci_only(tmp_path: Path) -> None:
    (tmp_path / "epci").mkdir()
    saved = tmp_path / "epci" / "cc-a.yaml"
    saved.write_text("nom: A\n", encoding="utf-8")
    assert slugs_to_rebuild(tmp_path, [saved], ()) == ("cc-a",)
    assert slugs_to_rebuild(tmp_path, [saved], ("cc-b",)) == ()  # outside the watched selection
    assert slugs_to_rebuild(tmp_path, [tmp_path / "departement.yaml"], ("cc-b",)) == ("cc-b",)
    assert slugs_to_rebuild(tmp_path, [tmp_path / "epci" / "cc-gone.yaml"], ()) == ()  # a removal: everything


def test_errors_read_like_convgen_check() -> None:
    problem = Problem("epci/cc-x.yaml", 16, 13, "referent.courriel", "adresse invalide", "exemple : a@b.fr")
    text = problem_text(DataError([problem]))
    assert text == f"{problem}\n1 erreur : rien n’a été écrit."


class Output:
    """The lines a background process prints, read by a thread so that every wait is bounded."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, needle: str, after: int = 0, timeout: float = 180) -> int:
        """Return the index of the first line from ``after`` on that contains ``needle``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(after, len(self.lines)):
                    if needle in self.lines[index]:
                        return index
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"« {needle} » jamais affiché :\n{''.join(self.lines)}")
                self._changed.wait(timeout=min(left, 0.5))

    def text(self) -> str:
        """Return everything read so far."""
        with self._changed:
            return "".join(self.lines)


def sha(path: Path) -> str:
    """Return the sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.libreoffice
def test_watch_rebuilds_on_save_refuses_invalid_data_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "projet")
    tag = new_tag()
    process = subprocess.Popen(
        convgen_argv(project, "watch", SLUG),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=marked_env(tag),
    )
    try:
        output = Output(process)
        ready = output.wait_for(READY)
        pdf = project / "build" / SLUG / f"convention-{SLUG}.pdf"
        first = sha(pdf)

        # An editor's swap file, then the real save: only the real file is named and rebuilt.
        data = project / "epci" / f"{SLUG}.yaml"
        (project / "epci" / f".{SLUG}.yaml.swp").write_bytes(b"\0brouillon")
        original = data.read_text(encoding="utf-8")
        data.write_text(
            original.replace("communication:\n", "communication:\n    - Affiche de la permanence\n", 1),
            encoding="utf-8",
        )
        changed = output.wait_for("Modifié :", after=ready)
        assert output.lines[changed].strip() == f"Modifié : epci/{SLUG}.yaml"
        rebuilt = output.wait_for("Reconstruit :", after=changed)
        assert f"{SLUG} (convention)" in output.lines[rebuilt]
        assert "depuis l’enregistrement" in output.lines[rebuilt]
        second = sha(pdf)
        assert second != first
        with pikepdf.open(pdf) as opened:
            assert len(opened.pages) > 1

        # Invalid data: the errors of convgen check, nothing written, still watching.
        data.write_text(original.replace("@", "@@", 1), encoding="utf-8")
        refused = output.wait_for("rien n’a été écrit", after=rebuilt)
        check = subprocess.run(
            convgen_argv(project, "check"),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=marked_env(tag),
        )
        assert check.returncode == 1
        expected = check.stderr.strip().splitlines()
        assert [line.rstrip("\n") for line in output.lines[refused - len(expected) + 1 : refused + 1]] == expected
        assert sha(pdf) == second

        # Fixed again: rebuilt again.
        data.write_text(original, encoding="utf-8")
        output.wait_for("Reconstruit :", after=refused)

        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)  # within seconds, or TimeoutExpired fails the test
        assert process.returncode == 130, output.text()
        assert "Traceback" not in output.text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert not marked(tag)  # no LibreOffice, bridge or rendering process left


@pytest.mark.libreoffice
def test_sigterm_while_waiting_exits_143(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "projet")
    tag = new_tag()
    process = subprocess.Popen(
        convgen_argv(project, "watch", SLUG, "--format", "docx"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=marked_env(tag),
    )
    try:
        output = Output(process)
        output.wait_for(READY)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        assert process.returncode == 143, output.text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert not marked(tag)
