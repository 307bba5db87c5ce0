"""The recipe of ``convgen verifier``: every act of every register checked again, offline, from ``registre/`` alone.

For each act: its archived files are there with the sha256 the register gives; for an electronic act, the file
received is the first bytes of the archived copy, its first revision is the PDF built (``pdf_sha256``), every
signature is intact, and from B-LT on the chains are valid at signing time from the embedded validation data
only (``acts/validation.py``). An ETSI TS 119 102-2 report is written beside each electronic act validated.
Neither LibreOffice nor the network is used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from convgen.acts.names import report_name
from convgen.acts.register import REGISTER_DIR, Acte, load_register
from convgen.acts.signature import load_anchors
from convgen.acts.validation import UNVERIFIABLE_BB, same_conclusions, validate_archived
from convgen.documents.french import counted
from convgen.errors import RegisterError
from convgen.files import sha256_bytes, write_atomic
from convgen.invocation import typed
from convgen.runner.options import Echo


@dataclass(frozen=True)
class Verdict:
    """The verdict on one act."""

    slug: str
    label: str  # « la convention », « l’avenant n° 1 »
    ok: bool
    status: str

    def line(self) -> str:
        """Return the report line of the act."""
        return f"{'✓' if self.ok else '✗'} {self.slug}, {self.label} : {self.status}"


def registered_slugs(root: Path, slugs: Sequence[str] = ()) -> list[str]:
    """Return the intercommunalities with a register, or ``slugs`` (each must have one)."""
    found = sorted(path.stem for path in (root / REGISTER_DIR).glob("*.yaml"))
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise RegisterError(
            f"pas de registre pour {', '.join(missing)} (registre/<intercommunalité>.yaml) — rien n’a été signé, "
            "ou le nom est mal écrit."
        )
    return list(slugs) or found


def _file(root: Path, rel: str, sha256: str) -> str | None:
    """Return None when ``rel`` is there with ``sha256``, else what is wrong with it."""
    path = root / rel
    if not path.is_file():
        return f"fichier manquant : {rel}"
    if sha256_bytes(path.read_bytes()) != sha256:
        return f"altéré : {rel} n’a plus l’empreinte sha256 du registre"
    return None


def _write_report(root: Path, rel: str, report: str) -> None:
    """Write the report, unless the one there says the same (only the validation time would change)."""
    path = root / rel
    if path.exists() and same_conclusions(path.read_text(encoding="utf-8"), report):
        return
    write_atomic(path, report.encode("utf-8"))


def verify_act(root: Path, slug: str, acte: Acte, trust: Sequence[Path], *, reports: bool = True) -> Verdict:
    """Return the verdict on one act (and write its validation report when ``reports``)."""
    signe = acte.pdf_signe
    electronic = signe is not None and bool(signe.signatures)
    if not electronic:
        if acte.pdf_archive is None:
            return Verdict(
                slug,
                acte.label,
                False,
                f"fichier manquant : le PDF imprimé et signé n’est pas archivé — {typed(f'sign {slug} --archiver')}",
            )
        problem = _file(root, acte.pdf_archive, acte.pdf_sha256)
        if problem is None and signe is not None:
            problem = _file(root, signe.fichier, signe.sha256)  # the scan of the signed original
        return Verdict(slug, acte.label, problem is None, problem or "vérifié (acte papier : fichier et empreinte)")
    assert signe is not None
    problem = _file(root, signe.fichier, signe.sha256)
    if problem is not None:
        return Verdict(slug, acte.label, False, problem)
    outcome = validate_archived((root / signe.fichier).read_bytes(), signe, acte.pdf_sha256, load_anchors(trust))
    if reports and outcome.report is not None:
        _write_report(root, report_name(signe.fichier), outcome.report)
    status = outcome.status if outcome.status != "vérifié" else f"vérifié (niveau {signe.niveau})"
    return Verdict(slug, acte.label, outcome.ok, status)


def verify(
    root: Path, slugs: Sequence[str] = (), *, trust: Sequence[Path] = (), echo: Echo = print, reports: bool = True
) -> list[Verdict]:
    """Check every act of the registers of ``slugs`` (all by default); echo one line per act; return the verdicts."""
    verdicts: list[Verdict] = []
    for slug in registered_slugs(root, slugs):
        registre = load_register(root, slug)
        acts = [(a, f" (période close {p.label})") for p in registre.periodes_closes for a in p.actes]
        for acte, period in [*acts, *((a, "") for a in registre.actes)]:
            verdict = verify_act(root, slug, acte, trust, reports=reports)
            verdict = dataclasses.replace(verdict, label=verdict.label + period) if period else verdict
            echo(verdict.line())
            verdicts.append(verdict)
    failed = [v for v in verdicts if not v.ok]
    unverifiable = sum(v.status == UNVERIFIABLE_BB for v in verdicts)
    echo(
        f"{counted(len(verdicts), 'acte vérifié', 'actes vérifiés')} : "
        f"{counted(len(verdicts) - len(failed), 'conforme', 'conformes')}"
        + (f" dont {unverifiable} au niveau B-B" if unverifiable else "")
        + f", {len(failed)} en échec."
    )
    return verdicts


def failures(verdicts: Sequence[Verdict]) -> str | None:
    """Return the French error naming every failed act, or None."""
    failed = [v for v in verdicts if not v.ok]
    if not failed:
        return None
    return "Vérification en échec : " + " ; ".join(f"{v.slug}, {v.label}" for v in failed) + "."
