"""The recipe of ``convgen amend``: plan the avenants and consolidated versions, then build them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from convgen.acts.avenant import avenant_job
from convgen.acts.consolidated import consolidated_job
from convgen.acts.convention import select
from convgen.acts.diff import amended
from convgen.acts.plan import AvenantPlan, plan_avenant, reportable
from convgen.acts.register import (
    Registre,
    load_register,
    write_register,
)
from convgen.data.project import Project
from convgen.documents.epoch import today_in_france
from convgen.documents.french import date_in_words
from convgen.errors import AmendError, DataError, Problem
from convgen.recipes.project import Echo, check_project, run_jobs
from convgen.runner.job import Job, Report


def load_registers(root: Path, slugs: Sequence[str]) -> dict[str, Registre]:
    """Return the register of every slug; raise one DataError listing the problems of all of them."""
    registres: dict[str, Registre] = {}
    problems: list[Problem] = []
    for slug in slugs:
        try:
            registres[slug] = load_register(root, slug)
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    return registres


@dataclass
class AmendPlan:
    """What ``convgen amend`` will build, and what it tells the user first."""

    jobs: list[Job]
    notes: list[str]
    avenants: int
    signed: int
    plans: dict[str, AvenantPlan] = field(default_factory=dict)  # the avenant drafted, per intercommunality


EXPIRY_WARNING = dt.timedelta(days=60)  # « la convention expire le … » within this of its end


def expiry_notes(slug: str, plan: AvenantPlan, today: dt.date) -> list[str]:
    """Return the warnings about the end of the convention (from today's date: messages only, never documents)."""
    end = date_in_words(plan.end)
    notes = []
    if today > plan.end:
        notes.append(
            f"{slug} : attention — la convention a expiré le {end} : elle ne peut plus être modifiée par avenant, "
            "il faut une nouvelle convention."
        )
    elif today >= plan.end - EXPIRY_WARNING:
        notes.append(
            f"{slug} : attention — la convention expire le {end} : l’avenant doit être signé avant cette date."
        )
    for late in plan.late_deliberations:
        notes.append(
            f"{slug} : attention — {late} est postérieure à la fin de la convention ({end}) : elle ne peut pas "
            "autoriser l’avenant."
        )
    return notes


def plan_amendments(
    project: Project, root: Path, slugs: Sequence[str] = (), *, today: dt.date | None = None
) -> AmendPlan:
    """Return the avenant and consolidated-convention jobs; AmendError listing every SIREN change."""
    today = today or today_in_france()

    selected = select(project, slugs)
    registres = load_registers(root, list(selected))
    jobs: list[Job] = []
    notes: list[str] = []
    refused: list[str] = []
    avenants = signed = 0
    plans: dict[str, AvenantPlan] = {}
    for slug, epci in selected.items():
        registre = registres[slug]
        try:
            plan = plan_avenant(slug, registre, epci, project.programme, project.departement.deliberation_avenant)
        except AmendError as exc:
            refused.append(str(exc))
            continue
        signed += plan is not None
        if plan is None:
            if slugs:
                notes.append(f"{slug} : aucune convention signée (registre/{slug}.yaml absent) — rien à amender.")
            continue
        for change in reportable(plan.informative):
            notes.append(f"{slug} : sans avenant — {change.describe()}")
        if plan.amending:
            avenants += 1
            elements = ", ".join(amended(plan.amending))
            draft = (" (projet — " + " ; ".join(plan.reasons) + ")") if plan.draft else ""
            notes.append(f"{slug} : avenant n° {plan.numero} à rédiger — modifie : {elements}{draft}.")
            notes += expiry_notes(slug, plan, today)
            jobs.append(avenant_job(project, root, plan))
            plans[slug] = plan
        elif not plan.informative and slugs:
            notes.append(f"{slug} : aucune modification depuis {plan.last.signed} — rien à amender.")
        if registre.avenants:
            jobs.append(consolidated_job(project, root, slug, registre))
    if refused:
        raise AmendError("\n".join(refused))
    return AmendPlan(jobs, notes, avenants, signed, plans)


def build_avenants(
    root: Path,
    *,
    slugs: Sequence[str] = (),
    formats: Sequence[str] = ("docx", "pdf"),
    jobs: int | None = None,
    force: bool = False,
    wait: float = 600,
    echo: Echo = print,
    converter_factory: Callable[[int], Any] | None = None,
) -> Report:
    """Validate everything, then draft the avenants the changes require; return the report."""

    project = check_project(root, cached=True)
    plan = plan_amendments(project, root, slugs)
    for note in plan.notes:
        echo(note)
    if not plan.avenants:
        echo(
            "Aucun avenant à rédiger : aucune modification à faire par avenant depuis les derniers actes signés."
            if plan.signed
            else "Aucun avenant à rédiger : aucun acte n’est encore enregistré comme signé (dossier registre/)."
        )
    if not plan.jobs:
        return Report()
    return run_jobs(
        root,
        plan.jobs,
        formats=formats,
        jobs=jobs,
        force=force,
        wait=wait,
        echo=echo,
        converter_factory=converter_factory,
        after=partial(record_approvals, root, plan, echo),
    )


def record_approvals(root: Path, plan: AmendPlan, echo: Echo, report: Report) -> None:
    """Record, for each avenant built final, the text its two deliberations approve (``avenant_approuve``).

    From then on, a change of that text under the same deliberations makes the avenant a PROJET again.
    """
    built = {o.job.stem for o in report.outcomes if o.status != "échec"}
    for slug, avenant in plan.plans.items():
        approval = avenant.approved()
        if approval is None or avenant.stem not in built:
            continue
        write_register(root, avenant.registre.with_approval(approval))
        echo(
            f"{slug} : texte de l’avenant n° {avenant.numero} enregistré comme celui qu’approuvent les délibérations "
            f"du {date_in_words(approval.deliberation_intercommunalite)} (conseil communautaire) et du "
            f"{date_in_words(approval.deliberation_departement)} (Commission permanente) (registre/{slug}.yaml)."
        )
