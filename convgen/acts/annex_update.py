"""The update of annex 3 (article 4.2): a new referent or deputy of the intercommunality, notified without avenant.

Article 4.2 of the convention: « L'Intercommunalité mentionne le référent désigné et un suppléant en annexe de
la présente convention. En cas de changement, l'annexe est modifiée. » The update is the notification, signed
by the intercommunality's executive alone, followed by annex 3 as it now reads. Whether the changes of a plan
are made this way is ``AvenantPlan.by_annex_update``; whether its text can be signed, ``annex_update_verdict``.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

from convgen.acts.avenant import amended_by, lint_context, precedents, signed_names
from convgen.acts.comparatif import ANNEX_TITLE
from convgen.acts.convention import context_digest, epci_dates, signature_fields, template_digests
from convgen.acts.diff import Change
from convgen.acts.plan import AvenantPlan
from convgen.acts.readiness import annex_update_verdict
from convgen.data.model import Departement, Epci
from convgen.data.project import Project
from convgen.documents.context import convention_context, document_metadata, figure_states
from convgen.documents.epoch import source_epoch
from convgen.documents.french import gendered, typography, with_place_preposition
from convgen.documents.render import ANNEXE, UPDATE, render_document
from convgen.documents.shape import AvenantText, TemplateContext, UpdateText
from convgen.documents.verdict import Verdict
from convgen.files import tool_identity
from convgen.runner.job import Job

UPDATE_TEMPLATES = (ANNEXE, UPDATE)


def purpose(changes: list[Change], epci: Epci) -> str:
    """Return what the update notifies, after « notifier au Département », agreed with each person's civilité.

    « la désignation d’une nouvelle référente et la modification des informations relatives au suppléant »,
    « la modification des informations relatives au référent et à la suppléante », in the order of the annex.
    """
    designated, modified = [], []
    for key, person in (("referent", epci.referent), ("suppleant", epci.suppleant)):
        mine = [c for c in changes if c.path.split(".")[0] == key]
        role = {"referent": ("référent", "référente"), "suppleant": ("suppléant", "suppléante")}[key]
        if any(c.path == key for c in mine):  # another person designated (``diff._contact_changes``)
            designated.append(gendered(person.civilite, f"d’un nouveau {role[0]}", f"d’une nouvelle {role[1]}"))
        elif mine:
            modified.append(gendered(person.civilite, f"au {role[0]}", f"à la {role[1]}"))
    phrases = []
    if designated:
        phrases.append("la désignation " + " et ".join(designated))
    if modified:
        phrases.append("la modification des informations relatives " + " et ".join(modified))
    return typography(" et ".join(phrases))


def update_context(
    departement: Departement, plan: AvenantPlan, verdict: Verdict, *, templates_dir: Path | None = None
) -> TemplateContext:
    """Return the context of the pending update of annex 3: the convention's (current data) plus ``mise_a_jour``."""
    figures = figure_states(plan.programme, templates_dir)
    context = convention_context(departement, plan.programme, plan.epci, verdict=verdict, figures=figures)
    context["mise_a_jour"] = {
        "numero": plan.update_numero,
        **signed_names(plan),
        "precedents": precedents(plan),
        "modifiee_par": amended_by([acte.numero for acte in plan.registre.avenants]),
        "objet": purpose(plan.referent_changes, plan.epci),
        "annexe_titre": ANNEX_TITLE,
        "lieu_prepose": with_place_preposition(plan.epci.siege),  # « Fait à Conlie, le … » (paper only)
    }
    return context


def template_context(project: Project) -> TemplateContext:
    """Return the context ``check`` lints every template against: the avenant's (``lint_context``), ``mise_a_jour``."""
    context = lint_context(project)
    context["mise_a_jour"] = _lint_fields(context["avenant"])
    return context


def _lint_fields(avenant: AvenantText) -> UpdateText:
    """Return ``mise_a_jour`` as the template check knows it, from the avenant's fields."""
    return {
        "numero": 1,
        "convention_signee_le": avenant["convention_signee_le"],
        "de_nom_signe": avenant["de_nom_signe"],
        "nom_signe": avenant["nom_signe"],
        "nom_signe_majuscules": avenant["nom_signe_majuscules"],
        "precedents": [{"acte": "l’avenant n° 1", "signe": "signé", "date": avenant["convention_signee_le"]}],
        "modifiee_par": avenant["modifiee_par"],
        "objet": "la désignation d’un nouveau référent",
        "annexe_titre": ANNEX_TITLE,
        "lieu_prepose": "au Mans",
    }


def render_update(templates_dir: Path, context: TemplateContext, epoch: dt.datetime | None = None) -> bytes:
    """Return the DOCX of the update: the notification, then annex 3 as it now reads."""
    return render_document(templates_dir / UPDATE, context, annexe=templates_dir / ANNEXE, epoch=epoch)


def annex_update_job(project: Project, root: Path, plan: AvenantPlan) -> Job:
    """Return the job of the pending update of annex 3 of ``plan``, signed by the intercommunality alone."""
    templates_dir = root / "templates"
    verdict = annex_update_verdict(plan)
    context = update_context(project.departement, plan, verdict, templates_dir=templates_dir)
    epoch = source_epoch([*epci_dates(project.departement, project.programme, plan.epci), plan.last.date_signature])
    metadata = dict(document_metadata(project.departement, plan.programme, plan.epci, verdict=verdict))
    metadata["Title"] = typography(
        verdict.title(
            f"Mise à jour n° {plan.update_numero} de l’annexe 3 à la convention de partenariat — conseiller "
            f"numérique — {plan.epci.nom}"
        )
    )
    label = f"mise à jour n° {plan.update_numero} de l’annexe 3"
    return Job(
        slug=plan.slug,
        stem=plan.update_stem,
        label=label,
        render=partial(render_update, templates_dir, context, epoch),
        context=context,
        verdict=verdict,
        inputs={
            "donnees": context_digest(context),
            "outil": tool_identity(),
            **template_digests(templates_dir, UPDATE_TEMPLATES),
        },
        metadata=metadata,
        epoch=epoch,
        signatures=signature_fields(context, departement=False),  # the intercommunality's executive alone
    )
