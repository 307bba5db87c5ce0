"""Copies of the shipped project for tests, optionally signed electronically, and the real command run on them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.processes import marked_env

REPO = Path(__file__).resolve().parent.parent


def copy_project(dest: Path, *, electronic: bool = False, templates: bool = True) -> Path:
    """Copy ``departement.yaml``, ``epci/`` and ``templates/`` into ``dest``; switch to electronic signature if asked."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "departement.yaml", dest / "departement.yaml")
    shutil.copytree(REPO / "epci", dest / "epci")
    if templates:
        shutil.copytree(REPO / "templates", dest / "templates")
    if electronic:
        set_signature_mode(dest, "electronique")
    return dest


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
        [sys.executable, "-m", "convgen", "-C", str(project), *args],
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


def drafts() -> dict[str, list[str]]:
    """Return the shipped intercommunalities whose convention is a PROJET, with the reasons the context gives."""
    from convgen.data.load import load_project
    from convgen.documents.context import convention_context

    project = load_project(REPO)
    found = {}
    for slug, epci in project.epcis.items():
        context = convention_context(project.departement, project.programme, epci, templates_dir=REPO / "templates")
        if context["projet"]:
            found[slug] = list(context["raisons_projet"])
    return found


def set_programme_end(root: Path, fin: str) -> None:
    """Move the end of the programme (Article 7) in ``departement.yaml``."""
    path = root / "departement.yaml"
    text = path.read_text(encoding="utf-8")
    assert "fin: 2026-11-30" in text
    path.write_text(text.replace("fin: 2026-11-30", f"fin: {fin}"), encoding="utf-8")
