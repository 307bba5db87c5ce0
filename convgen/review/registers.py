"""What a change does to the registers of signed acts, for the review: acts recorded or removed, a renewal."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from convgen.acts.register import REGISTER_DIR, Registre, parse_register
from convgen.data.project import Project
from convgen.documents.french import NBSP, date_in_words, typography
from convgen.errors import DataError
from convgen.review.gitdata import select

NUMERO = f"n°{NBSP}"


def renewal_section(old: Project, new: Project, registers: Mapping[str, Registre]) -> list[str]:
    """Return the section of a renewal: the new period's conventions, and the closed period's acts, kept."""
    before, after = old.programme, new.programme
    if after.debut <= before.fin:
        return []
    lines = [
        "### Renouvellement",
        "",
        typography(
            f"Renouvellement : nouvelles conventions {after.debut.isoformat()} → {after.fin.isoformat()} pour "
            f"{len(new.epcis)} intercommunalités (période {before.debut.isoformat()} → {before.fin.isoformat()} close)."
        ),
        "",
        typography("Chaque convention est un projet jusqu’à ses nouvelles délibérations et conventions avec l’État."),
    ]
    closed = [
        f"- `{slug}`, {periode.label} : {acte.signed}"
        for slug, registre in sorted(registers.items())
        for periode in registre.periodes_closes
        if periode.debut == before.debut  # the period this change closes
        for acte in periode.actes
    ]
    if closed:
        lines += ["", typography("Actes de la période close, conservés au registre avec leurs fichiers :"), ""]
        lines += [typography(line) for line in closed]
    return lines


def register_changes(old_files: Mapping[str, bytes], new_files: Mapping[str, bytes]) -> list[str]:
    """Return the acts recorded in, or removed from, the registers of signed acts."""
    old = select(old_files, REGISTER_DIR)
    new = select(new_files, REGISTER_DIR)
    lines: list[str] = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) == new.get(path):
            continue
        slug = Path(path).stem
        before = register_or_none(path, old.get(path), slug)
        after = register_or_none(path, new.get(path), slug)
        before_acts = before.actes if before else ()
        after_acts = after.actes if after else ()
        for acte in after_acts[len(before_acts) :]:
            name, agreed = acte.label.replace("n° ", NUMERO), "e" if acte.signed_word.endswith("e") else ""
            signed_on = date_in_words(acte.date_signature)
            lines.append(typography(f"- `{path}` : {name} {acte.signed_word} le {signed_on} est enregistré{agreed}."))
        if before_acts[: len(after_acts)] != after_acts[: len(before_acts)] or len(after_acts) < len(before_acts):
            lines.append(
                typography(
                    f"- **Attention** : `{path}` : un acte déjà enregistré est modifié ou retiré ; le registre "
                    "n’est écrit que par « convgen sign » : vérifiez ce changement."
                )
            )
        elif len(after_acts) == len(before_acts):
            lines.append(typography(f"- `{path}` : mise en forme seulement."))
    if not lines:
        return []
    return ["### Registre des actes signés", "", *lines]


def register_or_none(path: str, data: bytes | None, slug: str) -> Registre | None:
    """Return the register read from ``data``, or None when absent or invalid."""
    if data is None:
        return None
    try:
        return parse_register(path, data, slug)
    except DataError:
        return None
