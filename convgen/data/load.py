"""Read ``departement.yaml`` and ``epci/*.yaml`` safely, with the line and column of every value.

The YAML is composed into nodes (never constructed by PyYAML), then turned into plain Python data
by this module, so that no tag is ever executed and every YAML 1.1 trap can be explained with the
source text. Every problem of every file is gathered before one ``DataError`` is raised.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from convgen.data.fields import SLUG_RE
from convgen.data.model import Epci
from convgen.data.project import DepartementFile, Project, project_issues
from convgen.data.validate import validate_document
from convgen.data.yamlread import MAX_BYTES, Document, at_file, at_loc, parse_document, too_big
from convgen.errors import DataError, Problem

DEPARTEMENT = "departement.yaml"


EPCI_DIR = "epci"


def load_project(root: Path) -> Project:
    """Read and validate ``departement.yaml`` and ``epci/*.yaml`` under ``root``; raise DataError."""
    problems: list[Problem] = []
    sources: dict[str, bytes] = {}
    base = root.resolve()
    departement = root / DEPARTEMENT
    if departement.exists():
        data = _read(departement, DEPARTEMENT, base, problems)
        if data is not None:
            sources[DEPARTEMENT] = data
    elif departement.is_symlink():
        problems.append(at_file(DEPARTEMENT, "lien symbolique cassé", "remplacez-le par le fichier lui-même"))
    epci_dir = root / EPCI_DIR
    if not epci_dir.is_dir():
        problems.append(
            at_file(EPCI_DIR + "/", "dossier introuvable", f"créez le dossier {EPCI_DIR}/ à côté de {DEPARTEMENT}")
        )
    elif not epci_dir.resolve().is_relative_to(base):
        problems.append(
            at_file(
                EPCI_DIR + "/",
                "lien symbolique vers un dossier extérieur au projet refusé",
                "placez les fichiers dans le dossier epci/ du projet",
            )
        )
    else:
        for entry in sorted(epci_dir.iterdir()):
            if entry.name.startswith("."):
                continue
            rel = f"{EPCI_DIR}/{entry.name}"
            if entry.is_dir() and not entry.is_symlink():
                problems.append(_directory_problem(rel))
                continue
            data = _read(entry, rel, base, problems)
            if data is not None:
                sources[rel] = data
    return _load(sources, problems)


def load_sources(sources: Mapping[str, bytes]) -> Project:
    """Validate in-memory files keyed by relative POSIX path; raise DataError listing all problems."""
    problems: list[Problem] = []
    kept: dict[str, bytes] = {}
    for rel, data in sources.items():
        if rel == DEPARTEMENT:
            kept[rel] = data
        elif rel.startswith(EPCI_DIR + "/"):
            name = rel[len(EPCI_DIR) + 1 :]
            if name.startswith("."):
                continue
            if "/" in name:
                problems.append(_directory_problem(f"{EPCI_DIR}/{name.split('/', 1)[0]}"))
                continue
            kept[rel] = data
    return _load(kept, problems)


def _read(path: Path, rel: str, base: Path, problems: list[Problem]) -> bytes | None:
    """Return the bytes of a data file, or None after recording why it cannot be used."""
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            problems.append(at_file(rel, "lien symbolique cassé", "remplacez-le par le fichier lui-même"))
            return None
        if not target.is_relative_to(base):
            problems.append(
                at_file(
                    rel,
                    "lien symbolique vers un fichier extérieur au projet refusé",
                    "copiez le fichier dans le projet au lieu d’un lien",
                )
            )
            return None
        if target.is_dir():
            problems.append(_directory_problem(rel))
            return None
    if path.is_dir():
        problems.append(_directory_problem(rel))
        return None
    if not path.is_file():
        problems.append(at_file(rel, "n’est pas un fichier ordinaire", "remplacez-le par un fichier YAML"))
        return None
    size = path.stat().st_size
    if size > MAX_BYTES:
        problems.append(too_big(rel, size))
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.append(at_file(rel, f"lecture impossible ({exc.strerror or 'erreur système'})"))
        return None


def _load(sources: Mapping[str, bytes], problems: list[Problem]) -> Project:
    """Parse and validate every source, check the rules between files, then build the Project."""
    reported = {p.path for p in problems}
    departement_file: DepartementFile | None = None
    if DEPARTEMENT in sources:
        doc = parse_document(DEPARTEMENT, sources[DEPARTEMENT], problems)
        if doc is not None:
            departement_file = validate_document(DepartementFile, doc, problems)
    elif DEPARTEMENT not in reported:
        problems.append(
            at_file(
                DEPARTEMENT,
                "fichier introuvable",
                "il doit se trouver à la racine du projet, à côté de epci/",
            )
        )
    epcis: dict[str, Epci] = {}
    docs: dict[str, Document] = {}
    epci_files = sorted(rel for rel in sources if rel.startswith(EPCI_DIR + "/"))
    for rel in epci_files:
        slug = _slug_of(rel, problems)
        if not rel.endswith((".yaml", ".yml")):
            continue  # not a data file: its name is the only problem
        doc = parse_document(rel, sources[rel], problems)
        if doc is None:
            continue
        epci = validate_document(Epci, doc, problems)
        if slug is not None and epci is not None:
            epcis[slug] = epci
            docs[slug] = doc
    if not epci_files and not any(p.path.startswith(EPCI_DIR + "/") for p in problems):
        problems.append(
            at_file(
                EPCI_DIR + "/",
                "aucun fichier d’intercommunalité",
                "ajoutez un fichier <slug>.yaml par communauté de communes",
            )
        )
    if departement_file is not None:
        for issue in project_issues(departement_file.programme, epcis):
            problems.append(at_loc(docs[issue.slug], issue.at, issue.message, issue.hint))
    if problems or departement_file is None:
        raise DataError(problems)
    return Project(
        departement=departement_file.departement,
        programme=departement_file.programme,
        epcis=epcis,
        archives=departement_file.archives,
    )


def _slug_of(rel: str, problems: list[Problem]) -> str | None:
    """Return the slug of an EPCI file name, or None after recording why the name is wrong."""
    name = rel[len(EPCI_DIR) + 1 :]
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if extension == "yml":
        problems.append(at_file(rel, "extension .yml", f"renommez le fichier en « {_suggest_slug(stem)}.yaml »"))
        return None
    if extension != "yaml":
        problems.append(at_file(rel, "fichier inattendu dans epci/", "seuls les fichiers <slug>.yaml y sont acceptés"))
        return None
    if not SLUG_RE.fullmatch(stem):
        problems.append(
            at_file(
                rel,
                f"nom de fichier « {name} » invalide : minuscules sans accent, chiffres et tirets seulement",
                f"renommez-le en « {_suggest_slug(stem)}.yaml »",
            )
        )
        return None
    return stem


def _suggest_slug(stem: str) -> str:
    """Return a slug close to a wrong file name."""
    ascii_text = unicodedata.normalize("NFKD", stem.replace("œ", "oe")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "cc-exemple"


def _directory_problem(rel: str) -> Problem:
    """Return the problem for a folder found where a data file is expected."""
    return at_file(rel, "est un dossier, pas un fichier", "placez les fichiers <slug>.yaml directement dans epci/")
