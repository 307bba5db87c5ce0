"""The plan of the conventions: one job per intercommunality, with the inputs that identify it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from convgen.acts.names import DEPARTEMENT_SIGNATURE, EPCI_SIGNATURE, convention_stem
from convgen.acts.readiness import convention_verdict
from convgen.acts.register import Acte, Registre, load_register
from convgen.data.model import Departement, Epci, Programme
from convgen.data.project import Project
from convgen.documents.context import convention_context, document_metadata, figure_states
from convgen.documents.epoch import source_epoch
from convgen.documents.render import render_convention
from convgen.documents.shape import TemplateContext
from convgen.documents.verdict import Verdict
from convgen.errors import DataError, Problem
from convgen.files import sha256_file, sha256_text, tool_identity
from convgen.pdf.finish import SignatureField
from convgen.runner.job import Job
from convgen.today import today_in_france

TEMPLATES = ("convention.docx", "annexe.docx")


def template_digests(templates_dir: Path, names: Sequence[str] = TEMPLATES) -> dict[str, str]:
    """Return ``modele:<name>`` → sha256 for the templates a document is made from."""
    return {f"modele:{name}": sha256_file(templates_dir / name) for name in names}


def context_digest(context: Mapping[str, Any]) -> str:
    """Return the sha256 of a template context (what the document says, whitespace of the YAML aside)."""
    return sha256_text(json.dumps(context, sort_keys=True, ensure_ascii=False))


def select(project: Project, slugs: Sequence[str]) -> dict[str, Epci]:
    """Return the intercommunalities named by ``slugs`` (all when empty); unknown slugs are a DataError."""
    if not slugs:
        return dict(project.epcis)
    unknown = [s for s in slugs if s not in project.epcis]
    if unknown:
        known = ", ".join(sorted(project.epcis))
        raise DataError(
            Problem(f"epci/{s}.yaml", 1, 1, "", "intercommunalité inconnue", f"identifiants connus : {known}")
            for s in unknown
        )
    return {s: project.epcis[s] for s in slugs}


def epci_dates(departement: Departement, programme: Programme, epci: Epci) -> list[dt.date]:
    """Return the dates of the data a convention is made from (the PDF's dates derive from the latest)."""
    dates = [departement.deliberation, programme.convention_etat, epci.deliberation]
    return [date for date in dates if date is not None] or [programme.debut]


def signed_data(signed: Acte | None, project: Project, slug: str) -> tuple[Departement, Programme, Epci]:
    """Return the data a convention is made from: as ``signed`` when the register has it, else the current data.

    A signed convention never changes: later changes of the data go into avenants and the consolidated version.
    """
    if signed is None:
        return project.departement, project.programme, project.epcis[slug]
    departement = signed.donnees.departement or project.departement
    programme = signed.donnees.programme
    if "mode_signature" not in programme.model_fields_set:
        # Registered before the signature mode was data: those acts were signed on paper.
        programme = programme.model_copy(update={"mode_signature": "manuscrite"})
    return departement, programme, signed.donnees.epci


def signature_fields(context: TemplateContext, *, departement: bool = True) -> tuple[SignatureField, ...]:
    """Return the signature fields of an act, each placed by the bookmark on its signatory's name.

    Both parties sign, unless ``departement`` is False (an update of annex 3: the intercommunality alone). An act
    signed on paper (``mode_signature: manuscrite``) has none.
    """
    if not context["signature"]["electronique"]:
        return ()
    fields = [SignatureField(EPCI_SIGNATURE, context["epci"]["president"]["signature"], "SignatureIntercommunalite")]
    if departement:
        name = context["departement"]["president"]["signature"]
        fields.append(SignatureField(DEPARTEMENT_SIGNATURE, name, "SignatureDepartement"))
    return tuple(fields)


def judged_convention(
    departement: Departement,
    programme: Programme,
    epci: Epci,
    templates_dir: Path | None,
    *,
    today: dt.date,
    signed: bool = False,
    closed_end: dt.date | None = None,
) -> tuple[Verdict, TemplateContext]:
    """Return the verdict of a convention and its template context, which prints it.

    The figures are checked in ``templates_dir`` (not read without it). A ``signed`` convention is the text
    that was signed: final, whatever the rules have become since. ``closed_end`` is the end of the last closed
    period (after a renewal): its deliberations cannot approve the new convention.
    """
    figures = figure_states(programme, templates_dir)
    verdict = (
        Verdict()
        if signed
        else convention_verdict(departement, programme, epci, figures, today=today, closed_end=closed_end)
    )
    return verdict, convention_context(departement, programme, epci, verdict=verdict, figures=figures)


def convention_jobs(
    project: Project,
    root: Path,
    slugs: Sequence[str] = (),
    *,
    today: dt.date | None = None,
    registers: Callable[[str], Registre] | None = None,
    closed_end: dt.date | None = None,
) -> list[Job]:
    """Return one job per selected intercommunality: its convention (with the annex included).

    ``registers`` reads the register of a slug (``load_register`` by default: a caller holding them passes its
    own, so that each is read once).
    """

    templates_dir = root / "templates"
    digests = template_digests(templates_dir)
    read = registers or (lambda slug: load_register(root, slug))
    today = today or today_in_france()
    jobs = []
    problems: list[Problem] = []
    for slug in select(project, slugs):
        try:
            act = read(slug).convention
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        departement, programme, epci = signed_data(act, project, slug)
        signed = act is not None
        # A signed convention is the text that was signed: final, whatever the rules have become since.
        verdict, context = judged_convention(
            departement, programme, epci, templates_dir, today=today, signed=signed, closed_end=closed_end
        )
        epoch = source_epoch(epci_dates(departement, programme, epci))
        inputs = {
            "donnees": context_digest(context),
            "date_documents": epoch.isoformat(),
            # A signed convention is what was signed, whatever the tool or the templates have become since.
            **({"acte_signe": act.pdf_sha256} if act is not None else {"outil": tool_identity(), **digests}),
        }
        jobs.append(
            Job(
                slug=slug,
                stem=convention_stem(slug),
                label="convention signée" if signed else "convention",
                render=partial(render_convention, templates_dir, context, epoch=epoch),
                inputs=inputs,
                metadata=document_metadata(departement, programme, epci, verdict=verdict),
                epoch=epoch,
                context=context,
                verdict=verdict,
                signatures=signature_fields(context),
                pinned_pdf=act.pdf_sha256 if act is not None else None,
            )
        )
    if problems:
        raise DataError(problems)
    return jobs
