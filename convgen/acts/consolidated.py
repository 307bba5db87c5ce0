"""The consolidated convention: the text as amended by the signed avenants (informative)."""

from __future__ import annotations

import datetime as dt
import io
from functools import partial
from pathlib import Path
from typing import Any

from convgen import __version__
from convgen.acts.comparatif import (
    save_docx,
    wtag,
)
from convgen.acts.convention import context_digest, epci_dates, template_digests
from convgen.acts.names import consolidated_stem
from convgen.acts.register import (
    Registre,
)
from convgen.data.model import Project
from convgen.documents.context import convention_context, document_metadata
from convgen.documents.epoch import source_epoch
from convgen.documents.french import typography
from convgen.documents.render import render_convention
from convgen.runner.job import Job


def consolidated_notice(count: int) -> str:
    """Return "Version consolidée intégrant l’avenant n° 1" or "… les avenants n° 1 à 3"."""
    if count == 1:
        return typography("Version consolidée intégrant l'avenant n° 1")
    return typography(f"Version consolidée intégrant les avenants n° 1 à {count}")


def render_consolidated(
    templates_dir: Path, context: dict[str, Any], notice: str, epoch: dt.datetime | None = None
) -> bytes:
    """Return the convention rendered for ``context`` with ``notice`` as its first paragraph."""
    import docx

    document = docx.Document(io.BytesIO(render_convention(templates_dir, context, epoch=epoch)))
    body = document.element.body
    paragraph = body.makeelement(wtag("p"), {})
    properties = paragraph.makeelement(wtag("pPr"), {})
    properties.append(properties.makeelement(wtag("jc"), {wtag("val"): "center"}))
    paragraph.append(properties)
    run = paragraph.makeelement(wtag("r"), {})
    run_properties = run.makeelement(wtag("rPr"), {})
    for tag in ("b", "i"):
        run_properties.append(run_properties.makeelement(wtag(tag), {}))
    run_properties.append(run_properties.makeelement(wtag("color"), {wtag("val"): "C00000"}))
    run.append(run_properties)
    text = run.makeelement(wtag("t"), {})
    text.text = notice
    run.append(text)
    paragraph.append(run)
    body.insert(0, paragraph)
    return save_docx(document, epoch)


def consolidated_job(project: Project, root: Path, slug: str, registre: Registre) -> Job:
    """Return the job of the consolidated convention: the text as amended by the signed avenants."""

    last = registre.last
    assert last is not None and registre.avenants
    templates_dir = root / "templates"
    epci, programme = last.donnees.epci, last.donnees.programme
    context = convention_context(project.departement, programme, epci)
    notice = consolidated_notice(len(registre.avenants))
    epoch = source_epoch([*epci_dates(project.departement, project.programme, epci), last.date_signature])
    metadata = dict(document_metadata(project.departement, programme, epci))
    metadata["Title"] = typography(f"{metadata['Title']} — {notice}")
    return Job(
        slug=slug,
        stem=consolidated_stem(slug),
        label="convention consolidée",
        render=partial(render_consolidated, templates_dir, context, notice, epoch),
        context=context,
        inputs={
            "donnees": context_digest(context),
            "mention": notice,
            "outil": f"convgen {__version__}",
            **template_digests(templates_dir),
        },
        metadata=metadata,
        epoch=epoch,
    )
