"""The recipe of ``convgen archiver``: one SEDA 2.3 transfer package per intercommunality and period.

Every act is first checked as ``convgen verifier`` checks it (``recipes/verify.py``, its validation reports
kept up to date the same way); one failure and nothing is written. Then each package is made in memory — a zip
of ``manifest.xml`` (``acts/seda.py``) and ``Content/`` with the archived files — and only when all are made
are they written to the folder, each atomically: a package is there whole or not at all. Same registers, same
files: same bytes (fixed zip dates, the message date from the acts or ``SOURCE_DATE_EPOCH``, identifiers
derived from the content). A package already in the folder with other bytes is never replaced.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from convgen.acts.names import act_stem, report_name
from convgen.acts.register import Acte, Registre, load_register
from convgen.acts.seda import CONTENT, PackedAct, PackedFile, Transfer, manifest, package_acts
from convgen.data.load import load_project
from convgen.data.project import Archives, Project
from convgen.documents.epoch import source_epoch
from convgen.documents.french import counted
from convgen.errors import ArchiveError, RegisterError
from convgen.files import sha256_bytes, write_atomic
from convgen.recipes.verify import failures, registered_slugs, verify
from convgen.runner.options import Echo

ARCHIVES_HINT = (
    "departement.yaml : clé « archives » absente — ajoutez-la avec les identifiants que donne le service "
    "d’archives, par exemple :\narchives:\n  service_archives:\n    identifiant: FRAD072\n    nom: Archives "
    "départementales de la Sarthe\n  service_versant:\n    identifiant: …\n    nom: …\n"
    "(voir docs/archives.md) ; rien n’a été écrit."
)


@dataclass(frozen=True)
class Package:
    """One transfer package, made in memory: its file name and bytes."""

    name: str  # sarthe-<slug>-<période>.zip
    data: bytes
    acts: int


def package_name(slug: str, period: str) -> str:
    """Return the file name of a package: ``sarthe-<slug>-2024-2026.zip``."""
    return f"sarthe-{slug}-{period}.zip"


def _read(root: Path, rel: str) -> bytes:
    """Return an archived file's bytes (verified just before)."""
    return (root / rel).read_bytes()


def _packed(root: Path, slug: str, acte: Acte) -> PackedAct:
    """Return an act with its archived files, as the package holds them."""
    stem = act_stem(slug, acte.numero, acte.update)
    signe = acte.pdf_signe
    if signe is not None and signe.signatures:
        files = (PackedFile(Path(signe.fichier).name, _read(root, signe.fichier), "BinaryMaster_1", "acte signé"),)
        rel = report_name(signe.fichier)
        report = (
            PackedFile(Path(rel).name, _read(root, rel), "BinaryMaster_1", "rapport de validation")
            if (root / rel).is_file()
            else None
        )
        return PackedAct(acte, stem, files, report)
    assert acte.pdf_archive is not None  # verified: a paper act has its printed PDF
    printed = PackedFile(
        Path(acte.pdf_archive).name, _read(root, acte.pdf_archive), "BinaryMaster_1", "PDF imprimé et signé"
    )
    scan = (
        (PackedFile(Path(signe.fichier).name, _read(root, signe.fichier), "BinaryMaster_2", "scan de l’original"),)
        if signe is not None
        else ()
    )
    return PackedAct(acte, stem, (printed, *scan))


def _periods(registre: Registre) -> list[tuple[Acte, tuple[Acte, ...]]]:
    """Return each period of the register, closed ones first: its convention and the acts that belong to it."""
    periods = [(p.actes[0], p.actes) for p in registre.periodes_closes if p.actes]
    convention = registre.convention
    return periods + ([] if convention is None else [(convention, registre.actes)])


def _zip(transfer: Transfer, xml: bytes) -> bytes:
    """Return the package: ``manifest.xml``, then ``Content/`` in the manifest's order, fixed dates."""
    stamp = transfer.date.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in (
            ("manifest.xml", xml),
            *((f"{CONTENT}/{f.name}", f.data) for f in package_acts(transfer.acts)),
        ):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return out.getvalue()


def _archives(project: Project) -> Archives:
    """Return who receives and who sends the transfers; ArchiveError naming the key to add when absent."""
    if project.archives is None:
        raise ArchiveError(ARCHIVES_HINT)
    return project.archives


def make_packages(root: Path, project: Project, slugs: Sequence[str], echo: Echo) -> list[Package]:
    """Return the packages of ``slugs`` (acts already verified), made in memory."""
    archives = _archives(project)
    packages: list[Package] = []
    for slug in slugs:
        registre = load_register(root, slug)
        periods = _periods(registre)
        if not periods:
            echo(f"{slug} : aucun acte signé — rien à verser.")
        for convention, acts in periods:
            dates = [acte.date_signature for acte in acts]
            transfer = Transfer(
                slug=slug,
                epci_nom=convention.donnees.epci.nom,
                departement_nom=(convention.donnees.departement or project.departement).nom,
                programme=convention.donnees.programme,
                archives=archives,
                acts=tuple(_packed(root, slug, acte) for acte in acts),
                date=source_epoch(dates),
            )
            data = _zip(transfer, manifest(transfer))
            packages.append(Package(package_name(slug, transfer.period), data, len(acts)))
    return packages


def archive(
    root: Path, slugs: Sequence[str] = (), *, dest: Path, trust: Sequence[Path] = (), echo: Echo = print
) -> list[Path]:
    """Write one package per intercommunality and period of ``slugs`` (all by default) into ``dest``; return them.

    Refused, with nothing written in ``dest``, when an act fails the checks of ``convgen verifier``.
    """
    project = load_project(root)
    _archives(project)  # the missing key is said before anything is checked
    found = registered_slugs(root, slugs)
    message = failures(verify(root, found, trust=trust, echo=echo))
    if message:
        raise RegisterError(f"{message} Aucun paquet n’a été écrit dans {dest}.")
    packages = make_packages(root, project, found, echo)
    for package in packages:
        path = dest / package.name
        if path.exists() and path.read_bytes() != package.data:
            raise ArchiveError(
                f"{path} existe déjà avec un autre contenu (un versement antérieur ?) — un paquet n’est jamais "
                "remplacé : choisissez un autre dossier ou retirez l’ancien ; rien n’a été écrit."
            )
    written: list[Path] = []
    for package in packages:
        path = dest / package.name
        write_atomic(path, package.data)
        written.append(path)
        echo(
            f"Paquet SEDA 2.3 écrit : {path} ({counted(package.acts, 'acte', 'actes')}, {len(package.data)} octets, "
            f"sha256 {sha256_bytes(package.data)[:12]}…)."
        )
    return written
