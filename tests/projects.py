"""Copies of the shipped project for tests, optionally signed electronically, and the real command run on them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from click.testing import Result

    from convgen.acts.state import ProjectActs
    from convgen.data.model import Departement, Epci, Programme

from tests.processes import marked_env

REPO = Path(__file__).resolve().parent.parent


def copy_project(dest: Path, *, electronic: bool = False, templates: bool = True, samples: bool = False) -> Path:
    """Copy ``departement.yaml``, ``epci/`` and ``templates/`` into ``dest``; switch to electronic signature if asked.

    The shipped figures are samples, which make every convention a PROJET: the copy's figures are made final
    (the same pictures without their sample mark) unless ``samples`` keeps them as shipped.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "departement.yaml", dest / "departement.yaml")
    shutil.copytree(REPO / "epci", dest / "epci")
    if templates:
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


def convgen_argv(project: Path, *args: str) -> list[str]:
    """Return the real command line ``python -m convgen -C project ARGS`` (for a process a test starts itself)."""
    return [sys.executable, "-m", "convgen", "-C", str(project), *args]


def cli(root: Path, *args: str, env: Mapping[str, str | None] | None = None) -> Result:
    """Run ``convgen -C root ARGS`` in-process (click's runner); return its result (exit code, output)."""
    from click.testing import CliRunner

    from convgen.cli import main

    return CliRunner().invoke(main, ["-C", str(root), *args], env=env)


def convgen(
    project: Path,
    *args: str,
    timeout: float = 600,
    env: Mapping[str, str] | None = None,
    umask: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real command ``convgen -C project ARGS`` in a subprocess, as a user would; return what it did.

    Its processes are marked with the project's path (``tests.processes``) unless ``env`` is given; ``umask``
    is set in the child before it starts.
    """
    return subprocess.run(
        convgen_argv(project, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=dict(env) if env is not None else marked_env(str(project)),
        umask=-1 if umask is None else umask,
    )


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


STATE_ACT = "\n  prolongation_etat: {date: 2026-10-15, reference: 2026-CNFS-072}"
"""The State's act extending its funding, which an avenant extending Article 7 cites (a fictitious reference)."""


def set_programme_end(root: Path, fin: str, *, state_act: bool = True) -> None:
    """Move the end of the programme (Article 7) in ``departement.yaml``, with the State's act that extends it."""
    path = root / "departement.yaml"
    text = path.read_text(encoding="utf-8")
    assert "fin: 2026-11-30" in text
    path.write_text(text.replace("fin: 2026-11-30", f"fin: {fin}" + (STATE_ACT if state_act else "")), encoding="utf-8")


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
    from convgen.today import today_in_france

    return judged_convention(departement, programme, epci, templates_dir, today=today or today_in_france())[1]


def acts_of(root: Path, today: dt.date | None = None) -> ProjectActs:
    """Return the acts of the project in ``root``, as a run sees them (``today`` in France by default)."""
    from convgen.acts.state import ProjectActs
    from convgen.data.load import load_project

    return ProjectActs(load_project(root), root) if today is None else ProjectActs(load_project(root), root, today)
