"""The recipe of ``convgen renouveler``: close the current period of the programme, open the next one.

Closing keeps every act of every register, marked with its period (``registre/<slug>.yaml``, ``periodes_closes``)
and its files where they are under ``registre/``; opening rewrites the data files in place — the period, and the
deliberations and State conventions emptied (their comments kept) — so that every convention of the new period
is a PROJET until its new deliberations are given. Nothing is written unless every check passed; a second run
with the same dates changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from convgen.acts.register import REGISTER_DIR, Registre, kept_file, write_register
from convgen.acts.state import ProjectActs
from convgen.data.load import load_sources
from convgen.data.project import Project
from convgen.documents.french import counted, date_in_words, period_label
from convgen.errors import RenewError
from convgen.files import write_atomic
from convgen.invocation import typed
from convgen.recipes.checking import check_project
from convgen.runner.folder import project_lock
from convgen.runner.options import Echo

DEPARTEMENT = "departement.yaml"
EMPTIED_DEPARTEMENT = {
    "departement": ("deliberation", "deliberation_avenant"),
    "programme": ("convention_etat", "convention_etat_coordinateur"),
}
EMPTIED_EPCI = ("deliberation", "deliberation_avenant")
TO_FILL = {
    "departement.deliberation": "délibération de la Commission permanente approuvant les conventions",
    "programme.convention_etat": "convention avec l’État « conseiller numérique France services »",
    "programme.convention_etat_coordinateur": "convention avec l’État « conseiller numérique coordinateur »",
    "deliberation": "délibération du conseil communautaire approuvant la convention",
}
GIT_TIMEOUT = 30


@dataclass(frozen=True)
class Renewal:
    """What a renewal did: the period closed, the registers that kept acts, the files rewritten."""

    closed: tuple[dt.date, dt.date]
    opened: tuple[dt.date, dt.date]
    registers: tuple[str, ...]  # slugs whose acts now belong to the closed period
    files: tuple[str, ...]  # data files rewritten


def renew(root: Path, debut: dt.date, fin: dt.date, *, wait: float = 600, echo: Echo = print) -> Renewal | None:
    """Close the current period and open ``debut``–``fin``; return what was done, None when already open."""
    project = check_project(root)
    current = project.programme
    if (current.debut, current.fin) == (debut, fin):
        echo(
            f"La période du {date_in_words(debut)} au {date_in_words(fin)} est déjà ouverte : rien à renouveler "
            "(relancer la commande ne change rien)."
        )
        return None
    if fin <= debut:
        raise RenewError(f"fin {date_in_words(fin)} avant le début {date_in_words(debut)} — vérifiez --debut et --fin.")
    if debut <= current.fin:
        raise RenewError(
            f"la nouvelle période commence le {date_in_words(debut)}, avant la fin de la période en cours "
            f"({date_in_words(current.fin)}) — une convention en cours se prolonge par avenant (article 7) ; "
            f"renouvelez à partir du lendemain de sa fin."
        )
    refuse_uncommitted(root, project)
    with project_lock(root / "build", timeout=wait):
        acts = ProjectActs(project, root)
        registers = acts.registers(acts.slugs)
        missing = missing_files(root, registers)
        if missing:
            raise RenewError(
                "ces actes signés n’ont pas leur PDF dans registre/ : la période ne peut pas être close sans eux —\n"
                + "\n".join(f"  - {line}" for line in missing)
                + f"\nArchivez-les d’abord ({typed('sign INTERCOMMUNALITÉ --archiver')}, après {typed('build')}), "
                "puis relancez."
            )
        texts = rewritten(root, project, debut, fin)
        load_sources({**_current_sources(root, project), **texts})  # the new data must load before anything is written
        closed = {slug: _close(registre, (current.debut, current.fin)) for slug, registre in registers.items()}
        for registre in closed.values():
            if registre is not None:
                write_register(root, registre)
        for rel, data in texts.items():
            write_atomic(root / rel, data)
    renewal = Renewal(
        (current.debut, current.fin),
        (debut, fin),
        tuple(slug for slug, registre in closed.items() if registre is not None),
        tuple(texts),
    )
    for line in report_lines(renewal, project):
        echo(line)
    return renewal


def parse_day(text: str, option: str) -> dt.date:
    """Return the date given to ``option``; RenewError in French when it is not AAAA-MM-JJ."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RenewError(f"{option} « {text} » invalide — format attendu AAAA-MM-JJ, par exemple 2026-12-01") from None


def _close(registre: Registre, current: tuple[dt.date, dt.date]) -> Registre | None:
    """Return the register with its current period closed, or None when it holds nothing of it.

    The period is the one the last act was signed for (an avenant may have extended it), else the data's.
    """
    if registre.last is None and registre.signature_en_cours is None:
        return None
    debut, fin = current
    if registre.last is not None:
        debut, fin = registre.last.donnees.programme.debut, registre.last.donnees.programme.fin
    return registre.closed(debut, fin)


def missing_files(root: Path, registers: dict[str, Registre]) -> list[str]:
    """Return the acts of the current periods whose signed bytes are not kept under ``registre/``, in French."""
    missing = []
    for slug, registre in registers.items():
        for acte in registre.actes:
            kept = kept_file(slug, acte)
            if not (root / kept).is_file():
                missing.append(f"{slug} : {acte.signed} ({kept} absent)")
    return missing


def refuse_uncommitted(root: Path, project: Project) -> None:
    """Refuse to rewrite files with changes git does not hold yet (in a git repository only)."""
    paths = [DEPARTEMENT, "epci", REGISTER_DIR]
    try:
        inside = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", *paths],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return  # no git: nothing to compare with
    changed = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    if changed:
        raise RenewError(
            "modifications non enregistrées dans git sur des fichiers que le renouvellement réécrit : "
            + ", ".join(changed)
            + " — enregistrez-les (git commit) ou annulez-les, puis relancez."
        )


def rewritten(root: Path, project: Project, debut: dt.date, fin: dt.date) -> dict[str, bytes]:
    """Return the data files of the new period: the period set, deliberations and State conventions emptied."""
    texts: dict[str, bytes] = {}
    text = (root / DEPARTEMENT).read_text(encoding="utf-8")
    text = set_key(text, "programme", "debut", debut.isoformat())
    text = set_key(text, "programme", "fin", fin.isoformat())
    for section, keys in EMPTIED_DEPARTEMENT.items():
        for key in keys:
            text = set_key(text, section, key, None)
    texts[DEPARTEMENT] = text.encode("utf-8")
    for slug in project.epcis:
        rel = f"epci/{slug}.yaml"
        original = (root / rel).read_text(encoding="utf-8")
        new = original
        for key in EMPTIED_EPCI:
            new = set_key(new, None, key, None)
        if new != original:
            texts[rel] = new.encode("utf-8")
    return texts


_TOP_KEY = re.compile(r"^[^\s#][^:]*:")


def set_key(text: str, section: str | None, key: str, value: str | None) -> str:
    """Return ``text`` with ``key`` (top level, or first level of ``section``) set to ``value``, or emptied.

    The line keeps its comment; an emptied key reads as absent (YAML null). A key that is not there is left so.
    """
    lines = text.split("\n")
    indent = "" if section is None else None
    inside = section is None
    for index, line in enumerate(lines):
        if section is not None and _TOP_KEY.match(line):
            inside = line.split(":", 1)[0].strip() == section
            continue
        if not inside:
            continue
        found = re.match(rf"^(?P<indent>\s*){re.escape(key)}:(?P<value>[^#\n]*?)(?P<comment>\s*#.*)?$", line)
        if found is None:
            continue
        if indent is None:
            indent = found.group("indent")
            if not indent:
                continue
        if found.group("indent") != indent:
            continue
        comment = (found.group("comment") or "").strip()
        written = f"{indent}{key}:" + (f" {value}" if value is not None else "")
        lines[index] = written + (f"  {comment}" if comment else "")
        return "\n".join(lines)
    return text


def _current_sources(root: Path, project: Project) -> dict[str, bytes]:
    """Return the data files as they are (the rewritten ones replace some)."""
    sources = {DEPARTEMENT: (root / DEPARTEMENT).read_bytes()}
    sources.update({f"epci/{slug}.yaml": (root / "epci" / f"{slug}.yaml").read_bytes() for slug in project.epcis})
    return sources


def report_lines(renewal: Renewal, project: Project) -> list[str]:
    """Return what the renewal changed and what must now be filled in, file by file."""
    (old_debut, old_fin), (debut, fin) = renewal.closed, renewal.opened
    lines = [
        f"Période {period_label(old_debut, old_fin)} close ({date_in_words(old_debut)} → {date_in_words(old_fin)}) ; "
        f"période {period_label(debut, fin)} ouverte ({date_in_words(debut)} → {date_in_words(fin)}).",
    ]
    if renewal.registers:
        lines.append(
            f"Actes de la période close conservés, avec leurs fichiers, dans {counted(len(renewal.registers), 'registre', 'registres')} : "
            + ", ".join(f"registre/{slug}.yaml" for slug in renewal.registers)
            + "."
        )
    else:
        lines.append("Aucun acte signé dans la période close : aucun registre n’a changé.")
    lines.append("Fichiers réécrits : " + ", ".join(renewal.files) + ".")
    lines.append("À renseigner maintenant (chaque convention reste un PROJET d’ici là) :")
    departement = [f"{key} ({what})" for key, what in TO_FILL.items() if key != "deliberation"]
    lines.append(f"  - {DEPARTEMENT} : " + " ; ".join(departement))
    for slug in project.epcis:
        lines.append(f"  - epci/{slug}.yaml : deliberation ({TO_FILL['deliberation']})")
    lines.append(
        f"Puis : {typed('build')}, relecture, délibérations, et {typed('sign INTERCOMMUNALITÉ --date AAAA-MM-JJ')}."
    )
    return lines
