"""The consolidated convention: the text as amended by the signed avenants and annex updates (informative)."""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from convgen.acts.avenant import AVENANT_TEMPLATES, article_7_replacement, lint_context
from convgen.acts.blocks import save_docx, wtag
from convgen.acts.convention import context_digest, epci_dates, template_digests
from convgen.acts.diff import amended, diff_epci, diff_programme
from convgen.acts.names import consolidated_stem
from convgen.acts.readiness import INFORMATIVE
from convgen.acts.register import Acte, Registre
from convgen.data.model import Departement, Epci, Programme
from convgen.data.project import Project
from convgen.documents.context import convention_context, document_metadata, figure_states
from convgen.documents.epoch import source_epoch
from convgen.documents.french import date_in_words, period_label, typography
from convgen.documents.render import render_convention
from convgen.documents.shape import TemplateContext
from convgen.files import tool_identity
from convgen.runner.job import Job


def _numbered(count: int, singular: str, plural: str, tail: str = "") -> str:
    """Return "l’avenant n° 1", "les avenants n° 1 et 2" or "les avenants n° 1 à 3" (``tail`` after the numbers)."""
    if count == 1:
        return f"{singular} n° 1{tail}"
    if count == 2:
        return f"{plural} n° 1 et 2{tail}"
    return f"{plural} n° 1 à {count}{tail}"


def consolidated_notice(count: int, updates: int = 0) -> str:
    """Return "Version consolidée intégrant l’avenant n° 1", "… les avenants n° 1 et 2", "… n° 1 à 3".

    The updates of annex 3 signed without avenant (article 4.2) are named after the avenants: « … l’avenant
    n° 1 et la mise à jour n° 1 de l’annexe 3 ».
    """
    parts = [_numbered(count, "l’avenant", "les avenants")] if count else []
    if updates:
        parts.append(_numbered(updates, "la mise à jour", "les mises à jour", " de l’annexe 3"))
    return typography("Version consolidée intégrant " + " et ".join(parts))


AUTHENTIC_NOTICE = (
    "Version consolidée — document d’information ; seuls font foi la convention et les actes signés qui la modifient"
)
SIGNATURE_OPENINGS = (
    "Fait en deux exemplaires",
    "Fait au ",
    "Fait à ",
    "La présente convention est signée électroniquement",
    "PROJET – NE PAS SIGNER",
)
MARKED_HEADINGS = {"article 7": "ARTICLE 7 – DURÉE", "annexe": "ANNEXE 3 – RESSOURCES MISES À DISPOSITION"}


def acts_line(registre: Registre) -> str:
    """Return « Actes intégrés : convention signée le …, avenant n° 1 signé le … », in the order of signature."""
    assert registre.convention is not None
    parts = [f"{a.name} {a.signed_word} le {date_in_words(a.date_signature)}" for a in registre.actes]
    return typography("Actes intégrés : " + ", ".join(parts) + ".")


def modifications(registre: Registre) -> dict[str, str]:
    """Return, per amended heading, « (modifié par l'avenant n° N du …) », citing each act that amended it.

    An annex 3 changed by an update (article 4.2) is « (modifiée par la mise à jour n° 1 de l'annexe 3 du …) ».
    """
    by_element: dict[str, list[Acte]] = {}
    for before, after in zip(registre.actes, registre.actes[1:], strict=False):
        changes = diff_epci(before.donnees.epci, after.donnees.epci)
        changes += diff_programme(before.donnees.programme, after.donnees.programme)
        for element in amended(changes):
            by_element.setdefault(element, []).append(after)
    marks: dict[str, str] = {}
    for amended_element, acts in by_element.items():
        if amended_element not in MARKED_HEADINGS:
            continue
        participle = "modifiée" if amended_element == "annexe" else "modifié"  # l'annexe, l'article
        marks[MARKED_HEADINGS[amended_element]] = typography(f" ({participle} par {_cited(acts)})")
    return marks


def _cited(acts: Sequence[Acte]) -> str:
    """Return « l'avenant n° 1 du … », « les avenants n° 1 du … et n° 2 du … », the annex updates after them.

    Only annex 3 is changed by an update: on its heading, « la mise à jour n° 1 du … » needs no « de l'annexe 3 ».
    """
    groups = []
    for update, singular, plural in (
        (False, "l’avenant", "les avenants"),
        (True, "la mise à jour", "les mises à jour"),
    ):
        cited = [f"n° {a.numero} du {date_in_words(a.date_signature)}" for a in acts if a.update == update]
        if cited:
            listed = cited[0] if len(cited) == 1 else ", ".join(cited[:-1]) + " et " + cited[-1]
            groups.append(f"{singular if len(cited) == 1 else plural} {listed}")
    return " et ".join(groups)


def _paragraph(body: Any, text: str, *, bold: bool = True, size: int | None = None) -> Any:
    """Return a centred red paragraph."""
    paragraph = body.makeelement(wtag("p"), {})
    properties = paragraph.makeelement(wtag("pPr"), {})
    properties.append(properties.makeelement(wtag("jc"), {wtag("val"): "center"}))
    paragraph.append(properties)
    run = paragraph.makeelement(wtag("r"), {})
    run_properties = run.makeelement(wtag("rPr"), {})
    if bold:
        run_properties.append(run_properties.makeelement(wtag("b"), {}))
    run_properties.append(run_properties.makeelement(wtag("i"), {}))
    run_properties.append(run_properties.makeelement(wtag("color"), {wtag("val"): "C00000"}))
    if size is not None:
        run_properties.append(run_properties.makeelement(wtag("sz"), {wtag("val"): str(size)}))
    run.append(run_properties)
    node = run.makeelement(wtag("t"), {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
    node.text = text
    run.append(node)
    paragraph.append(run)
    return paragraph


def _text(element: Any) -> str:
    return "".join(node.text or "" for node in element.iter(wtag("t")))


def _drop_signatures(body: Any) -> None:
    """Remove the closing formula, the place and date to fill in, and the signature table."""
    found = False
    for child in list(body):
        if child.tag == wtag("p") and _text(child).startswith(SIGNATURE_OPENINGS):
            body.remove(child)
            found = True
        elif found and child.tag == wtag("tbl"):
            body.remove(child)
            return


def _mark_headings(body: Any, marks: dict[str, str]) -> None:
    """Append « (modifié par l'avenant …) » to the headings of the amended article and annex."""
    for paragraph in body.iter(wtag("p")):
        text = _text(paragraph)
        for heading, mark in marks.items():
            if text.startswith(heading) and not text[-1:].isdigit():  # the table of contents ends in page numbers
                runs = paragraph.findall(f".//{wtag('r')}")
                run = copy.deepcopy(runs[-1])
                for node in list(run):
                    if node.tag != wtag("rPr"):
                        run.remove(node)
                node = run.makeelement(wtag("t"), {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
                node.text = mark
                run.append(node)
                runs[-1].addnext(run)


def _replace_article_7(body: Any, replacement: Sequence[str]) -> None:
    """Put the avenant's wording of Article 7 in place of the convention's (the text in force)."""
    heading = next(
        (
            p
            for p in body
            if p.tag == wtag("p") and _text(p).startswith("ARTICLE 7 – DURÉE") and not _text(p)[-1:].isdigit()
        ),
        None,
    )
    if heading is None or not replacement:
        return
    paragraphs = []
    for sibling in heading.itersiblings():
        if sibling.tag != wtag("p") or _text(sibling).startswith("ARTICLE 8"):
            break
        if _text(sibling).strip():
            paragraphs.append(sibling)
    if not paragraphs:
        return
    model = paragraphs[0]
    for extra in paragraphs[1:]:
        body.remove(extra)
    anchor = model
    for text in replacement:
        paragraph = copy.deepcopy(model)
        nodes = list(paragraph.iter(wtag("t")))
        for node in list(paragraph):
            if node.tag not in (wtag("pPr"), wtag("r")):
                paragraph.remove(node)
        runs = paragraph.findall(wtag("r"))
        for run in runs[1:]:
            paragraph.remove(run)
        nodes = list(paragraph.iter(wtag("t")))
        if runs and nodes:
            nodes[0].text = text
            for node in nodes[1:]:
                node.getparent().remove(node)
        anchor.addnext(paragraph)
        anchor = paragraph
    body.remove(model)


def render_consolidated(
    templates_dir: Path,
    context: TemplateContext,
    notice: str,
    epoch: dt.datetime | None = None,
    acts: str = "",
    marks: dict[str, str] | None = None,
    article_7: Sequence[str] = (),
) -> bytes:
    """Return the convention for ``context`` as an information document: notices, no signature block."""
    import docx

    document = docx.Document(io.BytesIO(render_convention(templates_dir, context, epoch=epoch)))
    body = document.element.body
    _drop_signatures(body)
    _replace_article_7(body, article_7)
    _mark_headings(body, marks or {})
    body.insert(0, _paragraph(body, notice))
    if acts:
        body.insert(1, _paragraph(body, acts, bold=False))
    for footer in {id(s.footer.part): s.footer for s in document.sections}.values():
        footer.part.element.insert(0, _paragraph(footer.part.element, typography(AUTHENTIC_NOTICE), size=16))
    return save_docx(document, epoch)


def signed_values(registre: Registre, project: Project) -> tuple[Departement, Programme, Epci]:
    """Return the values the consolidated version prints: those of the signed acts, never the current data.

    The Département's side is that of the last act that recorded it (registers written before it was recorded
    have none: the current one is then the only one known).
    """
    last = registre.last
    assert last is not None
    recorded = [a.donnees.departement for a in registre.actes if a.donnees.departement is not None]
    departement = recorded[-1] if recorded else project.departement
    return departement, last.donnees.programme, last.donnees.epci


def consolidated_job(project: Project, root: Path, slug: str, registre: Registre) -> Job:
    """Return the job of the consolidated convention: the text as amended by the signed avenants."""

    last = registre.last
    assert last is not None and registre.actes[1:]
    templates_dir = root / "templates"
    departement, programme, epci = signed_values(registre, project)
    context = convention_context(
        departement, programme, epci, verdict=INFORMATIVE, figures=figure_states(programme, templates_dir)
    )
    signed = registre.convention
    assert signed is not None
    # The title page keeps the period of the convention as signed: no avenant changes the title.
    context["programme"]["periode_titre"] = period_label(
        signed.donnees.programme.debut, signed.donnees.programme.fin
    ).replace("-", "/")
    if epci.nom != signed.donnees.epci.nom and epci.nom_court == signed.donnees.epci.nom_court:
        context["epci"]["nom_court"] = context["epci"]["nom"]  # the short name still says the former name
    notice = consolidated_notice(len(registre.avenants), len(registre.annex_updates))
    epoch = source_epoch([*epci_dates(departement, programme, epci), last.date_signature])
    metadata = dict(document_metadata(departement, programme, epci, verdict=INFORMATIVE))
    metadata["Title"] = typography(f"{metadata['Title']} — {notice}")
    marks = modifications(registre)
    article_7: list[str] = []
    if MARKED_HEADINGS["article 7"] in marks:
        wording = {**context, "avenant": copy.deepcopy(lint_context(project)["avenant"])}
        article_7 = article_7_replacement(templates_dir, wording)
    return Job(
        slug=slug,
        stem=consolidated_stem(slug),
        label="convention consolidée",
        render=partial(
            render_consolidated, templates_dir, context, notice, epoch, acts_line(registre), marks, article_7
        ),
        context=context,
        verdict=INFORMATIVE,
        inputs={
            "donnees": context_digest(context),
            "mention": notice,
            "actes": acts_line(registre),
            "article_7": "\n".join(article_7),
            "outil": tool_identity(),
            **template_digests(templates_dir, AVENANT_TEMPLATES),
        },
        metadata=metadata,
        epoch=epoch,
    )
