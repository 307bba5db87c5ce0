"""The recipe of ``convgen sign``: check the pending act, build its PDF, record it in the register."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convgen.acts.avenant import avenant_job
from convgen.acts.consolidated import consolidated_job
from convgen.acts.convention import convention_jobs, select
from convgen.acts.plan import plan_avenant, reportable
from convgen.acts.register import (
    Acte,
    Registre,
    act_label,
    load_register,
    new_act,
    register_path,
    signed_word,
    write_register,
)
from convgen.data.model import Epci, Programme, Project
from convgen.documents.french import date_in_words
from convgen.errors import AmendError
from convgen.files import sha256_file
from convgen.recipes.project import Echo, check_project, locked_runner
from convgen.runner.job import Job


def parse_date(text: str) -> dt.date:
    """Return the date of ``--date``; AmendError in French when it is not AAAA-MM-JJ."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise AmendError(
            f"date de signature « {text} » invalide — format attendu AAAA-MM-JJ, par exemple 2024-04-02"
        ) from None


@dataclass(frozen=True)
class Pending:
    """The act about to be signed, checked, with the job that builds its PDF."""

    slug: str
    numero: int
    epci: Epci
    programme: Programme
    job: Job
    registre: Registre


def pending_act(project: Project, root: Path, slug: str, date_signature: dt.date, today: dt.date) -> Pending:
    """Return the act of ``slug`` to sign on ``date_signature``; AmendError in French when it cannot be."""

    epci = select(project, [slug])[slug]
    registre = load_register(root, slug)
    numero = registre.next_numero
    what = f"{act_label(numero)} ne peut pas être {signed_word(numero)}"
    if date_signature > today:
        raise AmendError(
            f"{slug} : date de signature {date_in_words(date_signature)} dans le futur (nous sommes le "
            f"{date_in_words(today)}) — enregistrez la signature le jour où elle a eu lieu."
        )
    last = registre.last
    if last is not None and date_signature < last.date_signature:
        raise AmendError(f"{slug} : {what} le {date_in_words(date_signature)}, avant {last.signed} — vérifiez la date.")
    if numero == 0:
        if epci.deliberation is None:
            raise AmendError(
                f"{slug} : la convention est un projet — la délibération autorisant sa signature n’est pas "
                f"renseignée (clé « deliberation » de epci/{slug}.yaml)."
            )
        _not_before_deliberation(slug, what, date_signature, epci.deliberation)
        job = convention_jobs(project, root, [slug])[0]
        return Pending(slug, 0, epci, project.programme, job, registre)
    plan = plan_avenant(slug, registre, epci, project.programme, project.departement.deliberation_avenant)
    assert plan is not None
    if not plan.amending:
        extra = "".join(f"\n  - {c.describe()}" for c in reportable(plan.informative))
        raise AmendError(
            f"{slug} : rien à signer — aucune modification à faire par avenant depuis {plan.last.signed}."
            + (f" Modifications sans avenant :{extra}" if extra else "")
        )
    if plan.missing:
        raise AmendError(
            f"{slug} : l’avenant n° {numero} est un projet — à renseigner : "
            + " ; ".join(m.describe() for m in plan.missing)
            + "."
        )
    assert plan.deliberation is not None and plan.departement_authorisation is not None
    _not_before_deliberation(slug, what, date_signature, max(plan.deliberation, plan.departement_authorisation))
    return Pending(slug, numero, epci, project.programme, avenant_job(project, root, plan), registre)


def _not_before_deliberation(slug: str, what: str, date_signature: dt.date, deliberation: dt.date) -> None:
    """Refuse a signature before the deliberation that authorises it."""
    if date_signature < deliberation:
        raise AmendError(
            f"{slug} : {what} le {date_in_words(date_signature)}, avant la délibération "
            f"qui l’autorise ({date_in_words(deliberation)}) — vérifiez la date."
        )


def sign(
    root: Path,
    slug: str,
    date_signature: dt.date,
    *,
    today: dt.date | None = None,
    wait: float = 600,
    echo: Echo = print,
    converter_factory: Callable[[int], Any] | None = None,
) -> Acte:
    """Record that the pending act of ``slug`` was signed on ``date_signature``; return the act recorded."""
    project = check_project(root, cached=True)
    pending = pending_act(project, root, slug, date_signature, today or dt.date.today())
    with locked_runner(root, jobs=1, wait=wait, echo=echo, converter_factory=converter_factory) as runner:
        report = runner.run([pending.job])
        if report.failed:
            raise AmendError(f"{slug} : le PDF de l’acte à signer n’a pas pu être produit — {report.failed[0].error}")
        pdf = runner.build_dir / slug / pending.job.pdf_name
        acte = new_act(
            slug,
            pending.numero,
            date_signature,
            sha256_file(pdf),
            pending.epci,
            pending.programme,
            project.departement,
        )
        registre = pending.registre.with_act(acte)
        write_register(root, registre)
        echo(
            f"Signature enregistrée : {acte.label} de {slug}, signée le {date_in_words(date_signature)} "
            f"({acte.pdf}, sha256 {acte.pdf_sha256[:12]}…) dans {register_path(root, slug).relative_to(root)}."
        )
        if registre.avenants:
            consolidated = runner.run([consolidated_job(project, root, slug, registre)])
            if consolidated.failed:
                echo(f"Attention : la convention consolidée n’a pas pu être produite — {consolidated.failed[0].error}")
    return acte
