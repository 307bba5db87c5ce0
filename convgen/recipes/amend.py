"""What ``convgen amend`` plans: the avenants, annex updates and consolidated versions, and what it records after.

The build itself is ``build.build_avenants``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from convgen.acts.convention import select
from convgen.acts.diff import amended
from convgen.acts.plan import AvenantPlan, reportable
from convgen.acts.register import act_label, signed_word, write_register
from convgen.acts.state import ProjectActs
from convgen.documents.french import date_in_words
from convgen.errors import AmendError
from convgen.runner.job import Job, Report
from convgen.runner.options import Echo


@dataclass
class AmendPlan:
    """What ``convgen amend`` will build, and what it tells the user first."""

    jobs: list[Job]
    notes: list[str]
    avenants: int
    signed: int
    plans: dict[str, tuple[AvenantPlan, Job]] = field(default_factory=dict)  # the avenant drafted, per slug
    updates: int = 0  # the updates of annex 3 drafted (article 4.2)


EXPIRY_WARNING = dt.timedelta(days=60)  # « la convention expire le … » within this of its end


def expiry_notes(slug: str, plan: AvenantPlan, today: dt.date, *, update: bool = False) -> list[str]:
    """Return what the end of the convention means for the pending avenant (or annex update) today, if anything.

    After the end nothing can be signed (``readiness.status`` says « période terminée » of a final text too).
    """
    end = date_in_words(plan.end)
    numero = plan.update_numero if update else plan.numero
    act, signed = act_label(numero, update), signed_word(numero, update)
    if today > plan.end:
        return [f"{slug} : {act} n’est pas à signer — période terminée le {end} : il faut une nouvelle convention."]
    if today >= plan.end - EXPIRY_WARNING:
        return [f"{slug} : attention — la convention expire le {end} : {act} doit être {signed} avant cette date."]
    return []


def plan_amendments(acts: ProjectActs, slugs: Sequence[str] = ()) -> AmendPlan:
    """Return the avenant and consolidated-convention jobs; AmendError listing every SIREN change."""
    selected = select(acts.project, slugs)
    acts.registers(list(selected))  # every register's problems at once, before any plan
    jobs: list[Job] = []
    notes: list[str] = []
    refused: list[str] = []
    avenants = signed = updates = 0
    plans: dict[str, tuple[AvenantPlan, Job]] = {}
    for slug in selected:
        try:
            plan = acts.plan(slug)
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
        avenant = acts.avenant(slug)
        if avenant is not None:
            avenants += 1
            elements = ", ".join(amended(plan.amending))
            draft = f" (projet — {avenant.verdict.describe()})" if avenant.draft else ""
            notes.append(f"{slug} : avenant n° {plan.numero} à rédiger — modifie : {elements}{draft}.")
            notes += expiry_notes(slug, plan, acts.today)
            jobs.append(avenant)
            plans[slug] = (plan, avenant)
        update = acts.annex_update(slug)
        if update is not None:
            updates += 1
            elements = ", ".join(amended(plan.amending))
            draft = f" (projet — {update.verdict.describe()})" if update.draft else ""
            notes.append(
                f"{slug} : mise à jour n° {plan.update_numero} de l’annexe 3 à rédiger — modifie : {elements}{draft} ; "
                "sans avenant ni délibération (article 4.2), elle est signée par l’exécutif de l’intercommunalité "
                "seul et notifiée au Département."
            )
            notes += expiry_notes(slug, plan, acts.today, update=True)
            jobs.append(update)
        if avenant is None and update is None and not plan.informative and slugs:
            notes.append(f"{slug} : aucune modification depuis {plan.last.signed} — rien à amender.")
        consolidated = acts.consolidated(slug)
        if consolidated is not None:
            jobs.append(consolidated)
    if refused:
        raise AmendError("\n".join(refused))
    return AmendPlan(jobs, notes, avenants, signed, plans, updates)


def record_approvals(root: Path, plan: AmendPlan, echo: Echo, report: Report) -> None:
    """Record, for each avenant built final, the text its two deliberations approve (``avenant_approuve``).

    From then on, a change of that text under the same deliberations makes the avenant a PROJET again. An
    avenant whose verdict is not final records nothing.
    """
    built = {o.job.stem for o in report.outcomes if o.status != "échec"}
    for slug, (avenant, job) in plan.plans.items():
        approval = avenant.approval_to_record(job.verdict.final)
        if approval is None or job.stem not in built:
            continue
        write_register(root, avenant.registre.with_approval(approval))
        echo(
            f"{slug} : texte de l’avenant n° {avenant.numero} enregistré comme celui qu’approuvent les délibérations "
            f"du {date_in_words(approval.deliberation_intercommunalite)} (conseil communautaire) et du "
            f"{date_in_words(approval.deliberation_departement)} (Commission permanente) (registre/{slug}.yaml)."
        )
