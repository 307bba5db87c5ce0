"""``convgen sign SLUG --archiver``: archive the PDF of paper acts recorded before their bytes were kept.

An act signed on paper names the sha256 of the PDF that was printed. When ``build/`` still holds exactly those
bytes, they are copied to ``registre/<slug>/`` and the register records where; an archived file is never
replaced, and bytes that differ from the register's sha256 are refused.
"""

from __future__ import annotations

from pathlib import Path

from convgen.acts.register import built_copy_name, keep_file, load_register, period_folder, write_register
from convgen.errors import RegisterError
from convgen.files import sha256_bytes
from convgen.runner.options import Echo


def archive_built_acts(root: Path, slug: str, *, echo: Echo = print) -> int:
    """Archive the built PDF of every paper act of ``slug`` that lacks it; return how many were archived."""
    registre = load_register(root, slug)
    actes = list(registre.actes)
    done = 0
    for index, acte in enumerate(actes):
        if acte.pdf_archive is not None or (acte.pdf_signe is not None and acte.pdf_signe.signatures):
            continue  # archived already, or electronic (the signed file begins with the PDF built)
        built = root / "build" / slug / acte.pdf
        if not built.is_file():
            raise RegisterError(
                f"{slug} : {acte.label} n’a pas de PDF archivé et build/{slug}/{acte.pdf} n’existe plus — les "
                "octets signés ne peuvent être retrouvés que depuis une sauvegarde de build/."
            )
        data = built.read_bytes()
        if sha256_bytes(data) != acte.pdf_sha256:
            raise RegisterError(
                f"{slug} : build/{slug}/{acte.pdf} n’est pas le PDF signé de {acte.label} (sha256 "
                f"{sha256_bytes(data)[:12]}… au lieu de {acte.pdf_sha256[:12]}…) — il a été reconstruit depuis ; "
                "rien n’a été archivé."
            )
        name = built_copy_name(period_folder(registre, acte.donnees.programme), acte.pdf)
        keep_file(root, name, data)
        actes[index] = acte.model_copy(update={"pdf_archive": name})
        echo(f"Archivé : {acte.label} de {slug} ({name}, sha256 {acte.pdf_sha256[:12]}…).")
        done += 1
    if done:
        write_register(root, registre.with_acts(tuple(actes)))
    else:
        echo(f"{slug} : chaque acte a déjà ses octets dans registre/.")
    return done
