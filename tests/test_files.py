"""The one atomic writer: files take the user's umask, never the 0600 of a temporary file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from convgen.files import output_mode, replacing, umask, write_atomic
from tests.projects import convgen, copy_project

SLUG = "cc-maine-saosnois"

WRITE = """
import os, sys
os.umask(int(sys.argv[2], 8))
from pathlib import Path
from convgen.files import replacing, write_atomic
root = Path(sys.argv[1])
write_atomic(root / "ecrit.txt", b"x")
with replacing(root / "remplace.pdf") as tmp:
    os.unlink(tmp)  # a program that writes a new file in the temporary's place (LibreOffice, pikepdf)
    tmp.write_bytes(b"y")
with replacing(root / "garde.docx") as tmp:
    tmp.write_bytes(b"z")  # the temporary file itself, 0600 as mkstemp made it
"""


def mode(path: Path) -> int:
    """Return the permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


def test_the_umask_is_read_without_being_changed() -> None:
    current = os.umask(0o022)
    os.umask(current)
    assert umask() == current
    assert output_mode() == 0o666 & ~current
    assert os.umask(current) == current  # still the same after reading it


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002, 0o077], ids=lambda mask: f"umask-{mask:03o}")
def test_every_way_of_writing_gives_the_mode_of_the_umask(tmp_path: Path, mask: int) -> None:
    subprocess.run([sys.executable, "-c", WRITE, str(tmp_path), f"{mask:o}"], check=True, timeout=60)
    for name in ("ecrit.txt", "remplace.pdf", "garde.docx"):
        assert oct(mode(tmp_path / name)) == oct(0o666 & ~mask), name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ecrit.txt", "garde.docx", "remplace.pdf"]


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    write_atomic(target, b"old")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_bytes(b"new")
        raise RuntimeError
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_docx_build_follows_the_umask(tmp_path: Path) -> None:
    """DOCX, dashboard, table, manifest of a build run with umask 027: all 0640 (LibreOffice aside, see recipes)."""
    root = copy_project(tmp_path / "projet")
    convgen(root, "build", SLUG, "--format", "docx", umask=0o027)
    outputs = [p for p in (root / "build").rglob("*") if p.is_file()]
    names = {p.relative_to(root / "build").as_posix() for p in outputs}
    assert {f"{SLUG}/convention-{SLUG}.docx", "index.html", "suivi.csv", "manifest.json"} <= names
    assert {p.name: oct(mode(p)) for p in outputs} == {p.name: oct(0o640) for p in outputs}
