"""The avenant document: its context, its text, its job (with the comparatif as an extra output)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from convgen.acts.blocks import docx_blocks
from convgen.acts.comparatif import ANNEX_TITLE, render_comparatif
from convgen.acts.convention import context_digest, epci_dates, signature_fields, template_digests
from convgen.acts.diff import amended
from convgen.acts.names import comparatif_stem
from convgen.acts.plan import AvenantPlan, signed_baseline
from convgen.acts.readiness import avenant_verdict
from convgen.acts.register import (
    empty_register,
    new_act,
)
from convgen.data.model import ArretePrefectoral, Departement, ProlongationEtat
from convgen.data.project import Project
from convgen.documents.context import convention_context, document_metadata, figure_states, with_article_de
from convgen.documents.epoch import source_epoch
from convgen.documents.french import date_in_words, typography, upper_text
from convgen.documents.render import ANNEXE, ANNEXE_FIELD, render_document
from convgen.documents.shape import AvenantArticles, CitedAct, Precedent, SignedNames, TemplateContext
from convgen.documents.verdict import Verdict
from convgen.errors import RenderError
from convgen.files import tool_identity
from convgen.runner.job import Job

AVENANT_TEMPLATES = ("convention.docx", "annexe.docx", "avenant.docx")


def avenant_context(
    departement: Departement, plan: AvenantPlan, verdict: Verdict, *, templates_dir: Path | None = None
) -> TemplateContext:
    """Return the context of the avenant: the convention's (current data) plus ``avenant``, printing ``verdict``.

    The deliberations it cites are those that approve it (``AvenantPlan.printed_deliberations``): any other
    prints the blank.
    """
    figures = figure_states(plan.programme, templates_dir)
    context = convention_context(departement, plan.programme, plan.epci, verdict=verdict, figures=figures)
    elements = amended(plan.amending)
    # Article 1 is the « objet », then one article per amended element, in this order.
    amended_keys = [
        key for key, element in (("nom", "nom"), ("duree", "article 7"), ("annexe", "annexe")) if element in elements
    ]
    number = {key: index for index, key in enumerate(amended_keys, start=2)}
    last = 1 + len(amended_keys)
    numbers: AvenantArticles = {
        "objet": 1,
        "nom": number.get("nom", 0),
        "duree": number.get("duree", 0),
        "annexe": number.get("annexe", 0),
        "autres": last + 1,
        "vigueur": last + 2,
    }
    deliberation, deliberation_departement = plan.printed_deliberations
    context["avenant"] = {
        "numero": plan.numero,
        "numero_2": f"{plan.numero:02d}",
        "projet": not verdict.final,
        "deliberation": date_in_words(deliberation) if deliberation else "",
        "deliberation_departement": date_in_words(deliberation_departement) if deliberation_departement else "",
        **signed_names(plan),
        "ancien_nom": typography(plan.last.donnees.epci.nom),
        "arrete": cited(plan.epci.arrete_prefectoral),
        "precedents": precedents(plan),
        "modifiee_par": amended_by([acte.numero for acte in plan.registre.avenants]),
        "objet": purpose(plan),
        "prolongation": cited(plan.programme.prolongation_etat),
        "articles": numbers,
        "annexe_titre": ANNEX_TITLE,
        "article_7": [],
    }
    return context


def signed_names(plan: AvenantPlan) -> SignedNames:
    """Return how an act amending the convention names it: its date of signature and the name it was signed under."""
    convention = plan.registre.convention
    assert convention is not None
    signed_name = convention.donnees.epci.nom
    return {
        "convention_signee_le": date_in_words(convention.date_signature),
        "de_nom_signe": typography(with_article_de(signed_name)),
        "nom_signe": typography(signed_name),
        "nom_signe_majuscules": upper_text(signed_name),
    }


def precedents(plan: AvenantPlan) -> list[Precedent]:
    """Return the acts signed since the convention, as a « Vu » line cites them (« l’avenant n° 1 », « signé »)."""
    return [
        {"acte": acte.label, "signe": acte.signed_word, "date": date_in_words(acte.date_signature)}
        for acte in plan.registre.actes[1:]
    ]


def cited(act: ArretePrefectoral | ProlongationEtat | None) -> CitedAct:
    """Return how a visa cites an act: its date in words and its number, both empty without the act."""
    if act is None:
        return {"date": "", "reference": ""}
    return {"date": date_in_words(act.date), "reference": typography(act.reference)}


PURPOSES = {
    "nom": "prendre acte de la nouvelle dénomination de l’Intercommunalité",
    "annexe": f"modifier l’annexe 3 « {ANNEX_TITLE} »",
}


def purpose(plan: AvenantPlan) -> str:
    """Return what the avenant is for, after « Le présent avenant a pour objet de »: each amended element, joined.

    « prendre acte de la nouvelle dénomination de l’Intercommunalité, de prolonger la durée de la convention
    fixée à l’article 7 et de modifier l’annexe 3 « … » », in the order of the avenant's articles.
    """
    phrases = []
    for element in amended(plan.amending):
        if element == "article 7":
            verb = "prolonger" if plan.extends else "modifier"
            phrases.append(f"{verb} la durée de la convention fixée à l’article 7")
        else:
            phrases.append(PURPOSES[element])
    if not phrases:
        return ""
    following = [("d’" if phrase[0] in "aeéèiouy" else "de ") + phrase for phrase in phrases[1:]]
    return typography(
        " et ".join([", ".join([phrases[0], *following[:-1]]), following[-1]]) if following else phrases[0]
    )


def amended_by(numbers: list[int]) -> str:
    """Return « , modifiée par l’avenant n° 1, » (« les avenants n° 1 et n° 2 ») after « la convention », or ""."""
    if not numbers:
        return ""
    named = [f"n° {n}" for n in numbers]
    if len(named) == 1:
        return f", modifiée par l’avenant {named[0]},"
    return f", modifiée par les avenants {', '.join(named[:-1])} et {named[-1]},"


def lint_context(project: Project) -> TemplateContext:
    """Return a context naming every field a template may use: the convention's, ``avenant`` and ``annexe``.

    ``lint_templates`` checks every template against one known context; the avenant template needs
    ``avenant`` (and the ``annexe`` sub-document) besides the convention's fields.
    """

    slug, epci = next(iter(project.epcis.items()))
    signed = dt.date(2024, 4, 12)
    registre = empty_register(slug).with_act(new_act(slug, 0, signed, "0" * 64, epci, project.programme))
    registre = registre.with_act(new_act(slug, 1, signed, "0" * 64, epci, project.programme))
    plan = AvenantPlan(slug, registre, epci, project.programme, ())
    context = convention_context(project.departement, project.programme, epci, verdict=Verdict())
    context["avenant"] = avenant_context(project.departement, plan, Verdict())["avenant"]
    context["avenant"]["article_7"] = ["…"]
    context[ANNEXE_FIELD] = ""
    return context


ARTICLE_HEADING = re.compile(r"^ARTICLE \d+ – ")
QUOTES = "«»\u00a0\u202f "


def article_7_replacement(templates_dir: Path, context: Mapping[str, Any]) -> list[str]:
    """Return the paragraphs that replace Article 7 – Durée, as ``avenant.docx`` words them for ``context``.

    The wording of an extension is the legal service's, in the avenant template; the consolidated version
    and the comparatif take it from there, without quotation marks.
    """
    rendered = copy.deepcopy(dict(context))
    articles = rendered["avenant"]["articles"]
    rendered["avenant"]["articles"] = {**articles, "duree": articles["duree"] or 1, "annexe": 0}
    blocks = docx_blocks(render_document(templates_dir / "avenant.docx", {**rendered, ANNEXE_FIELD: ""}))
    texts = [block.text for block in blocks]
    heading = next((i for i, text in enumerate(texts) if ARTICLE_HEADING.match(text) and text.endswith("DURÉE")), None)
    if heading is None:
        raise RenderError("templates/avenant.docx : l’article « Durée » de l’avenant est introuvable")
    end = next((i for i in range(heading + 1, len(texts)) if ARTICLE_HEADING.match(texts[i])), len(texts))
    body = [text for text in texts[heading + 2 : end] if text.strip()]
    if not body:
        raise RenderError("templates/avenant.docx : l’article « Durée » de l’avenant n’a pas de texte de remplacement")
    body[0], body[-1] = body[0].lstrip(QUOTES), body[-1].rstrip(QUOTES)
    return body


def render_avenant(templates_dir: Path, context: TemplateContext, epoch: dt.datetime | None = None) -> bytes:
    """Return the DOCX of the avenant, with the new annex attached when the annex is replaced."""

    template = templates_dir / "avenant.docx"
    if not context["avenant"]["articles"]["annexe"]:
        return render_document(template, {**context, ANNEXE_FIELD: ""}, epoch=epoch)
    return render_document(template, context, annexe=templates_dir / ANNEXE, epoch=epoch)


def signed_departement(departement: Departement, plan: AvenantPlan) -> Departement:
    """Return the current Département with the referents of the last signed act, as the signed annex names them.

    The annex names the Département's referents: when the avenant replaces it, their change is part of what
    it replaces and the comparatif must show it. Other Département data need no avenant and stay current.
    """
    signed = plan.last.donnees.departement
    if signed is None:
        return departement
    return departement.model_copy(update={"referent": signed.referent, "suppleant": signed.suppleant})


def avenant_job(project: Project, root: Path, plan: AvenantPlan) -> Job:
    """Return the job of the pending avenant of ``plan``, with its comparatif as an extra output."""

    templates_dir = root / "templates"
    verdict = avenant_verdict(plan)
    context = avenant_context(project.departement, plan, verdict, templates_dir=templates_dir)
    baseline, old_programme = signed_baseline(plan)
    if "nom" in amended(plan.amending):  # the footer as signed: a short name changed with the name is shown
        baseline = baseline.model_copy(update={"nom_court": plan.last.donnees.epci.nom_court})
    old_context = convention_context(
        signed_departement(project.departement, plan), old_programme, baseline, verdict=Verdict()
    )
    if context["avenant"]["articles"]["duree"]:
        context["avenant"]["article_7"] = article_7_replacement(templates_dir, context)
    dates = [*epci_dates(project.departement, project.programme, plan.epci), plan.last.date_signature]
    if plan.deliberation is not None:
        dates.append(plan.deliberation)
    epoch = source_epoch(dates)
    metadata = dict(document_metadata(project.departement, plan.programme, plan.epci, verdict=verdict))
    metadata["Title"] = typography(
        verdict.title(
            f"Avenant n° {plan.numero} à la convention de partenariat — conseiller numérique — {plan.epci.nom}"
        )
    )
    inputs = {
        "donnees": context_digest(context),
        "donnees_signees": context_digest(old_context),
        "outil": tool_identity(),
        **template_digests(templates_dir, AVENANT_TEMPLATES),
    }
    comparatif = partial(render_comparatif, templates_dir, old_context, context, epoch)
    return Job(
        slug=plan.slug,
        stem=plan.stem,
        label=f"avenant n° {plan.numero}",
        render=partial(render_avenant, templates_dir, context, epoch),
        context=context,
        verdict=verdict,
        inputs=inputs,
        metadata=metadata,
        epoch=epoch,
        signatures=signature_fields(context),
        extras={comparatif_stem(plan.slug, plan.numero): comparatif},
    )
