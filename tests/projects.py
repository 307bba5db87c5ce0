"""Copies of the shipped project for tests, optionally signed electronically."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convgen.acts.state import ProjectActs
    from convgen.data.model import Departement, Epci, Programme

REPO = Path(__file__).resolve().parent.parent


def copy_project(dest: Path, *, electronic: bool = False, samples: bool = False) -> Path:
    """Copy ``departement.yaml``, ``epci/`` and ``templates/`` into ``dest``; switch to electronic signature if asked.

    The shipped figures are samples, which make every convention a PROJET: the copy's figures are made final
    (the same pictures without their sample mark) unless ``samples`` keeps them as shipped.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "departement.yaml", dest / "departement.yaml")
    shutil.copytree(REPO / "epci", dest / "epci")
    shutil.copytree(REPO / "templates", dest / "templates")
    if not samples:
        for figure in (dest / "templates" / "figures").glob("*.png"):
            figure.write_bytes(without_sample_mark(figure.read_bytes()))
    if electronic:
        set_signature_mode(dest, "electronique")
    return dest


def without_sample_mark(png: bytes) -> bytes:
    """Return the PNG without its text chunks (the sample mark ``Exemple`` is one): the same picture, final."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out, at = [png[:8]], 8
    while at < len(png):
        size = struct.unpack(">I", png[at : at + 4])[0]
        chunk = png[at : at + 12 + size]
        if chunk[4:8] not in (b"tEXt", b"iTXt", b"zTXt"):
            out.append(chunk)
        at += 12 + size
    return b"".join(out)


def set_signature_mode(root: Path, mode: str) -> None:
    """Set ``programme.mode_signature`` in ``departement.yaml`` and drop every per-intercommunality override."""
    path = root / "departement.yaml"
    text = re.sub(r"(?m)^\s+mode_signature:.*\n", "", path.read_text(encoding="utf-8"))
    assert "\nprogramme:\n" in text, "departement.yaml : section programme introuvable"
    path.write_text(text.replace("\nprogramme:\n", f"\nprogramme:\n  mode_signature: {mode}\n", 1), encoding="utf-8")
    for epci in (root / "epci").glob("*.yaml"):
        epci.write_text(re.sub(r"(?m)^mode_signature:.*\n", "", epci.read_text(encoding="utf-8")), encoding="utf-8")


def drafts(root: Path | None = None, today: dt.date | None = None) -> dict[str, list[str]]:
    """Return the intercommunalities whose convention is a PROJET, with the reasons of their verdict.

    ``root`` is a project folder; by default, a copy of the shipped project with final figures (``copy_project``),
    as the tests build it.
    """
    if root is None:
        with tempfile.TemporaryDirectory() as folder:
            return drafts(copy_project(Path(folder) / "projet"), today)
    acts = acts_of(root, today)
    return {job.slug: list(job.verdict.reasons) for job in acts.conventions() if job.draft}


def set_programme_end(root: Path, fin: str) -> None:
    """Move the end of the programme (Article 7) in ``departement.yaml``."""
    path = root / "departement.yaml"
    text = path.read_text(encoding="utf-8")
    assert "fin: 2026-11-30" in text
    path.write_text(text.replace("fin: 2026-11-30", f"fin: {fin}"), encoding="utf-8")


def judged_context(
    departement: Departement,
    programme: Programme,
    epci: Epci,
    *,
    templates_dir: Path | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Return the context of a convention with its verdict, as a build makes it (``judged_convention``)."""
    from convgen.acts.convention import judged_convention
    from convgen.documents.epoch import today_in_france

    return judged_convention(departement, programme, epci, templates_dir, today=today or today_in_france())[1]


def acts_of(root: Path, today: dt.date | None = None) -> ProjectActs:
    """Return the acts of the project in ``root``, as a run sees them (``today`` in France by default)."""
    from convgen.acts.state import ProjectActs
    from convgen.data.load import load_project

    return ProjectActs(load_project(root), root) if today is None else ProjectActs(load_project(root), root, today)
