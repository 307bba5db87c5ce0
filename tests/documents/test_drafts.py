"""A draft (PROJET) is unmistakable: its title, a mark on every page, nobody to sign under."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from lxml import etree

from convgen.acts.readiness import convention_verdict
from convgen.data.model import Departement, Epci, Programme
from convgen.documents.checks import check_rendered
from convgen.documents.context import document_metadata, figure_states
from convgen.documents.render import render_convention
from convgen.documents.verdict import DRAFT_TITLE_PREFIX, Verdict
from tests.documents.test_render import TEMPLATES, body_text, header_text, make_context, sample_data

WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def header_of(data: bytes) -> tuple[etree._Element, dict[str, str]]:
    """Return the header's XML and its relationships (id → target)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/header1.xml"))
        rels = etree.fromstring(archive.read("word/_rels/header1.xml.rels"))
    return root, {r.get("Id"): r.get("Target") for r in rels.iter(f"{REL}Relationship")}


@pytest.fixture(scope="module")
def draft() -> tuple[dict[str, object], bytes]:
    """Return a draft convention (no deliberation) and its context."""
    context = make_context("madame", deliberation=None)
    return context, render_convention(TEMPLATES, context)


def test_the_check_reads_the_final_title(draft: tuple[dict[str, object], bytes]) -> None:
    context, data = draft
    assert context["projet"] is True
    final_title = "Convention de partenariat — conseiller numérique 2024-2026 — Communauté de communes Maine Saosnois"
    problems = check_rendered(data, allow_fill_in=True, context=context, title=final_title)
    assert [p for p in problems if "titre" in p] == [
        f"projet dont le titre (propriétés du document) ne commence pas par « PROJET – » : « {final_title} »"
    ]
    assert check_rendered(data, allow_fill_in=True, context=context, title=DRAFT_TITLE_PREFIX + final_title) == []
    final = make_context("madame")
    wrong = check_rendered(render_convention(TEMPLATES, final), allow_fill_in=False, context=final, title="PROJET – x")
    assert wrong == ["document définitif dont le titre commence par « PROJET – » : « PROJET – x »"]


def test_the_pdf_title_of_a_draft_begins_with_projet() -> None:
    departement, programme, epci = sample_data("madame")
    models = Departement.model_validate(departement), Programme.model_validate(programme)
    final = document_metadata(*models, Epci.model_validate(epci), verdict=Verdict())
    assert final["Title"] == (
        "Convention de partenariat — conseiller numérique 2024-2026 — Communauté de communes Maine Saosnois"
    )
    for changes in ({"deliberation": None}, {"a_confirmer": ["siege"]}):
        changed = Epci.model_validate({**epci, **changes})
        figures = figure_states(models[1], None)
        verdict = convention_verdict(*models, changed, figures, today=dt.date(2024, 6, 1))
        assert not verdict.final
        metadata = document_metadata(*models, changed, verdict=verdict)
        assert metadata["Title"] == DRAFT_TITLE_PREFIX + final["Title"]


def test_a_draft_carries_a_diagonal_mark_behind_every_page(draft: tuple[dict[str, object], bytes]) -> None:
    _, data = draft
    root, rels = header_of(data)
    anchors = list(root.iter(f"{WP}anchor"))
    assert len(anchors) == 1
    anchor = anchors[0]
    assert anchor.get("behindDoc") == "1"
    assert [a.findtext(f"{WP}align") for a in (anchor.find(f"{WP}positionH"), anchor.find(f"{WP}positionV"))] == [
        "center",
        "center",
    ]
    assert anchor.find(f"{WP}docPr").get("descr") == "PROJET"
    blip = next(e for e in anchor.iter() if etree.QName(e).localname == "blip")
    target = rels[blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")]
    emf = zipfile.ZipFile(io.BytesIO(data)).read(f"word/{target}")
    assert emf[40:44] == b" EMF"  # an EMF picture: its text « PROJET » is real text, drawn at 45°
    assert "PROJET".encode("utf-16-le") in emf
    assert header_text(data) == "PROJET"


def test_a_final_convention_has_no_mark() -> None:
    data = render_convention(TEMPLATES, make_context("madame"))
    root, _ = header_of(data)
    assert list(root.iter(f"{WP}anchor")) == []
    assert header_text(data) == ""


def test_a_draft_says_not_to_sign_above_its_signature_block(draft: tuple[dict[str, object], bytes]) -> None:
    context, data = draft
    lines = body_text(data).splitlines()
    titles = (
        "La Présidente de la Communauté de communes Maine Saosnois\tLe Président du Conseil départemental de la Sarthe"
    )
    assert lines[lines.index(titles) - 1] == "PROJET – NE PAS SIGNER"
    assert lines[lines.index(titles) + 1] == "Anne EXEMPLE\tDominique LE MÈNER"  # the names on the next row
    assert check_rendered(data, allow_fill_in=True, context=context) == []
    final = body_text(render_convention(TEMPLATES, make_context("madame")))
    assert "NE PAS SIGNER" not in final


def test_check_rendered_holds_a_draft_to_its_marks(draft: tuple[dict[str, object], bytes]) -> None:
    context, _ = draft
    final = render_convention(TEMPLATES, make_context("madame"))
    # A complete convention passed off as a draft: no mark, no « PROJET – », nothing against signing.
    problems = check_rendered(final, allow_fill_in=True, context=context, title="Convention")
    assert [p.split(" (")[0].split(" :")[0] for p in problems] == [
        "projet sans la mention PROJET en en-tête",
        "projet dont le titre",
        "bloc de signature d’un projet sans la mention « PROJET – NE PAS SIGNER »",
    ]


def test_every_reason_makes_the_same_marks() -> None:
    context = make_context("madame", a_confirmer=["siege"])
    assert context["raisons_projet"] == ["valeur à confirmer\u00a0: siège"]
    data = render_convention(TEMPLATES, context)
    assert header_text(data) == "PROJET"
    assert "PROJET – NE PAS SIGNER" in body_text(data).splitlines()
    assert check_rendered(data, allow_fill_in=False, context=context) == []
