"""Validate a whole project before anything is built: the data, the templates, the registers, the templates' years.

Every command that reads the data starts here (``check``, ``build``, ``amend``, ``sign``, ``watch``, ``review``):
one place says what a valid project is.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path

from convgen.acts.annex_update import template_context
from convgen.acts.register import REGISTER_DIR, load_register
from convgen.acts.state import ProjectActs
from convgen.data.load import load_project
from convgen.data.project import Project
from convgen.documents.docxtext import read_parts
from convgen.documents.french import counted
from convgen.documents.lint import lint_templates
from convgen.errors import DataError, Problem, TemplateError
from convgen.files import tool_identity, write_atomic

__all__ = ["check_project", "closed_period_years", "lint_key", "orphan_registers"]


def lint_key(root: Path) -> str:
    """Return the sha256 of what the template check depends on: the templates and convgen's own code."""
    digest = hashlib.sha256(tool_identity().encode())
    for path in sorted((root / "templates").glob("*.docx")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def check_project(root: Path, *, cached: bool = False) -> Project:
    """Load and validate the data, then lint every template (the avenant's included); raise on any problem.

    With ``cached`` (the builds), a template check already passed for the same templates and code is not
    redone (marker in ``build/.cache/``): a no-op build stays well under half a second. ``convgen check``
    always checks.
    """

    project = load_project(root)
    orphans = orphan_registers(root, project)
    if orphans:
        raise DataError(orphans)
    cache = root / "build" / ".cache"
    marker = cache / f"modeles-{lint_key(root)}.ok" if cached and cache.parent.is_dir() else None
    if marker is not None and marker.is_file():
        return project

    problems = lint_templates(root / "templates", template_context(project))
    if problems:
        raise TemplateError("\n".join(str(p) for p in problems))
    if marker is not None:
        with contextlib.suppress(OSError):  # only a cache: a failure to write it costs a check next time
            for old in marker.parent.glob("modeles-*.ok"):
                old.unlink(missing_ok=True)
            write_atomic(marker, b"")
    return project


_YEAR = re.compile(r"(?<![\d/.-])(?:19|20)\d\d(?![\d])")
_TAG = re.compile(r"\{[{%].*?[%}]\}")


def closed_period_years(acts: ProjectActs) -> list[str]:
    """Return a warning for each year of a closed period a template still writes outside its preamble.

    The preamble tells the programme's history (« Fin novembre 2023… jusque fin 2026 »): the legal service edits it
    for the new period (``templates/README.md``); anywhere else, a year written in a template is a period no data
    gives (« 2024/2026 » on a title page), which every document of the new period would print.
    """
    closed = {p for slug in acts.slugs for p in acts.register(slug).periodes_closes}
    years = {str(year) for p in closed for year in range(p.debut.year, p.fin.year + 1)}
    if not years:
        return []
    warnings = []
    for template in sorted((acts.root / "templates").glob("*.docx")):
        for part in read_parts(template):
            preamble = False
            for number, text in enumerate(part.paragraphs, start=1):
                if text.strip().upper().startswith("PRÉAMBULE"):
                    preamble = True
                elif text.startswith("ARTICLE "):
                    preamble = False
                found = sorted(set(_YEAR.findall(_TAG.sub("", text))) & years)
                if found and not preamble:
                    warnings.append(
                        f"templates/{template.name} ({part.label}, paragraphe {number}) : « {', '.join(found)} » "
                        f"appartient à une période close — « {text.strip()[:80]} » ; la période se tire des données "
                        "(programme.debut, programme.fin) : corrigez le modèle"
                    )
    return warnings


def orphan_registers(root: Path, project: Project) -> list[Problem]:
    """Return a problem for each register holding acts whose intercommunality is no longer in ``epci/``.

    Renaming or removing an ``epci/`` file would otherwise detach its signed acts without a word.
    """
    problems = []
    for path in sorted((root / REGISTER_DIR).glob("*.yaml")):
        slug = path.stem
        if slug in project.epcis:
            continue
        registre = load_register(root, slug)
        acts = len(registre.actes) + sum(len(p.actes) for p in registre.periodes_closes)
        if acts or registre.signature_en_cours is not None:
            problems.append(
                Problem(
                    f"{REGISTER_DIR}/{slug}.yaml",
                    1,
                    1,
                    "intercommunalite",
                    f"registre sans intercommunalité : {counted(acts, 'acte signé', 'actes signés')} de « {slug} », mais epci/{slug}.yaml "
                    "n’existe plus",
                    f"rétablissez epci/{slug}.yaml sous ce nom (le registre suit le nom du fichier) ; une autre "
                    "personne morale se crée sous un nouveau nom, sans toucher à ce registre",
                )
            )
    return problems
