"""Paper acts keep their bytes: ``sign --date`` archives the PDF printed, ``sign --archiver`` the older ones.

Real LibreOffice builds the act; the register is then read and edited as an older convgen would have left it
(no ``pdf_archive``, no file under ``registre/<slug>/``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.projects import cli, copy_project
from tests.recipes.test_sign import SLUG, act_pdf

pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(240)]

ARCHIVED = f"registre/{SLUG}/convention-{SLUG}.pdf"


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a project whose convention was signed on paper on 15 April 2024."""
    root = copy_project(tmp_path_factory.mktemp("papier"))
    result = cli(root, "sign", SLUG, "--date", "2024-04-15")
    assert result.exit_code == 0, result.output
    assert f"PDF imprimé archivé dans {ARCHIVED}" in result.output
    return root


@pytest.fixture
def root(signed: Path, tmp_path: Path) -> Path:
    """Return a private copy of the signed project."""
    return Path(shutil.copytree(signed, tmp_path / "projet"))


def register_text(root: Path) -> str:
    return (root / "registre" / f"{SLUG}.yaml").read_text(encoding="utf-8")


def acte(root: Path) -> dict[str, object]:
    found: dict[str, object] = yaml.safe_load(register_text(root))["actes"][0]
    return found


def as_before_archiving(root: Path) -> None:
    """Make the register as a convgen that kept only the sha256 wrote it: no pdf_archive, no file."""
    path = root / "registre" / f"{SLUG}.yaml"
    text = register_text(root)
    assert f"  pdf_archive: {ARCHIVED}\n" in text
    path.write_text(text.replace(f"  pdf_archive: {ARCHIVED}\n", ""), encoding="utf-8")
    (root / ARCHIVED).unlink()


def test_paper_signature_archives_the_pdf_printed_byte_for_byte(root: Path) -> None:
    archived = (root / ARCHIVED).read_bytes()
    assert archived == act_pdf(root).read_bytes()
    assert acte(root)["pdf_archive"] == ARCHIVED
    assert acte(root)["pdf_sha256"] == hashlib.sha256(archived).hexdigest()
    assert "pdf_signe" not in acte(root)  # no scan given
    result = cli(root, "verifier")
    assert result.exit_code == 0, result.output
    assert f"✓ {SLUG}, la convention : vérifié (acte papier : fichier et empreinte)" in result.output


def test_an_older_register_is_named_then_archived_from_build(root: Path) -> None:
    as_before_archiving(root)
    result = cli(root, "verifier")
    assert result.exit_code == 1
    assert f"✗ {SLUG}, la convention : fichier manquant" in result.output
    assert f"convgen sign {SLUG} --archiver" in result.output
    result = cli(root, "sign", SLUG, "--archiver")
    assert result.exit_code == 0, result.output
    assert f"Archivé : la convention de {SLUG} ({ARCHIVED}" in result.output
    assert (root / ARCHIVED).read_bytes() == act_pdf(root).read_bytes()
    assert acte(root)["pdf_archive"] == ARCHIVED
    assert cli(root, "verifier").exit_code == 0
    again = cli(root, "sign", SLUG, "--archiver")
    assert again.exit_code == 0 and "chaque acte a déjà ses octets dans registre/" in again.output


def test_archiver_refuses_bytes_that_are_not_those_signed(root: Path) -> None:
    as_before_archiving(root)
    before = register_text(root)
    act_pdf(root).write_bytes(act_pdf(root).read_bytes() + b"\n% reconstruit\n")
    result = cli(root, "sign", SLUG, "--archiver")
    assert result.exit_code == 1
    assert f"build/{SLUG}/convention-{SLUG}.pdf n’est pas le PDF signé de la convention" in result.output
    assert "rien n’a été archivé" in result.output
    assert not (root / ARCHIVED).exists()
    assert register_text(root) == before


def test_archiver_never_replaces_an_archived_file(root: Path) -> None:
    as_before_archiving(root)
    other = b"%PDF-1.4\n% un autre fichier\n"
    (root / ARCHIVED).write_bytes(other)
    before = register_text(root)
    result = cli(root, "sign", SLUG, "--archiver")
    assert result.exit_code == 1
    assert f"{ARCHIVED} existe déjà avec d’autres octets" in result.output
    assert "jamais remplacé" in result.output
    assert (root / ARCHIVED).read_bytes() == other
    assert register_text(root) == before


def test_the_command_a_message_gives_is_typed_as_convgen_was_run(root: Path) -> None:
    as_before_archiving(root)
    repo = Path(__file__).resolve().parents[2]
    script = Path(sys.executable).with_name("convgen")  # the venv's script, as the README and make type it
    done = subprocess.run(
        [os.path.relpath(script, repo), "-C", str(root), "verifier"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=repo,
        env={**os.environ, "PATH": "/usr/bin:/bin"},  # a fresh shell: convgen alone is not found
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"— {os.path.relpath(script, repo)} sign {SLUG} --archiver" in done.stdout
