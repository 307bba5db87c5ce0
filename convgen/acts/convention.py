"""The plan of the conventions: one job per intercommunality, with the inputs that identify it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from convgen.acts.names import DEPARTEMENT_SIGNATURE, EPCI_SIGNATURE, convention_stem
from convgen.acts.register import load_register
from convgen.data.model import Departement, Epci, Programme
from convgen.data.project import Project
from convgen.documents.context import convention_context, document_metadata
from convgen.documents.epoch import source_epoch
from convgen.documents.render import render_convention
from convgen.errors import DataError, Problem
from convgen.files import sha256_file, sha256_text, tool_identity
from convgen.pdf.finish import SignatureField
from convgen.runner.job import Job

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
    dates = [departement.deliberation, programme.convention_etat]
    if epci.deliberation is not None:
        dates.append(epci.deliberation)
    return dates


def signed_data(root: Path, slug: str, project: Project) -> tuple[Departement, Programme, Epci, bool]:
    """Return the data a convention is made from: as signed when the register has it, else the current data.

    A signed convention never changes: later changes of the data go into avenants and the consolidated version.
    """

    signed = load_register(root, slug).convention
    if signed is None:
        return project.departement, project.programme, project.epcis[slug], False
    departement = signed.donnees.departement or project.departement
    programme = signed.donnees.programme
    if "mode_signature" not in programme.model_fields_set:
        # Registered before the signature mode was data: those acts were signed on paper.
        programme = programme.model_copy(update={"mode_signature": "manuscrite"})
    return departement, programme, signed.donnees.epci, True


def signature_fields(context: Mapping[str, Any]) -> tuple[SignatureField, ...]:
    """Return the two signature fields of an act, each placed by the bookmark on its signatory's name.

    An act signed on paper (``mode_signature: manuscrite``) has none.
    """
    if not context["signature"]["electronique"]:
        return ()
    return (
        SignatureField(EPCI_SIGNATURE, context["epci"]["president"]["signature"], "SignatureIntercommunalite"),
        SignatureField(DEPARTEMENT_SIGNATURE, context["departement"]["president"]["signature"], "SignatureDepartement"),
    )


def convention_jobs(project: Project, root: Path, slugs: Sequence[str] = ()) -> list[Job]:
    """Return one job per selected intercommunality: its convention (with the annex included)."""

    templates_dir = root / "templates"
    digests = template_digests(templates_dir)
    jobs = []
    problems: list[Problem] = []
    for slug in select(project, slugs):
        try:
            departement, programme, epci, signed = signed_data(root, slug, project)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        context = convention_context(departement, programme, epci, templates_dir=templates_dir)
        epoch = source_epoch(epci_dates(departement, programme, epci))
        act = load_register(root, slug).convention if signed else None
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
                metadata=document_metadata(departement, programme, epci, templates_dir=templates_dir),
                epoch=epoch,
                context=context,
                signatures=signature_fields(context),
                pinned_pdf=act.pdf_sha256 if act is not None else None,
            )
        )
    if problems:
        raise DataError(problems)
    return jobs
