"""The comparatif: every difference of the replaced annex tracked, tables kept, phrases, notice on every page."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from convgen.acts.avenant import avenant_job
from convgen.acts.blocks import Table, docx_items
from convgen.acts.comparatif import Section, phrases, tracked_changes
from convgen.acts.plan import plan_avenant
from convgen.acts.register import empty_register, new_act
from convgen.data.load import load_project
from convgen.data.project import Project
from convgen.documents.context import convention_context
from convgen.documents.french import spacing
from convgen.documents.render import render_annexe

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"
SHA = "ab" * 32
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
EPOCH = dt.datetime(2025, 3, 11, 12, 0, tzinfo=dt.UTC)
Tables = list[list[list[list[str]]]]


def w(tag: str) -> str:
    """Return the Clark name of a WordprocessingML tag."""
    return f"{{{W}}}{tag}"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Return a copy of the project's data and templates."""
    shutil.copy2(REPO / "departement.yaml", tmp_path / "departement.yaml")
    shutil.copytree(REPO / "epci", tmp_path / "epci")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    return tmp_path


def _part(docx: bytes, name: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return etree.fromstring(archive.read(name))


def _unwrap(element: etree._Element) -> None:
    parent = element.getparent()
    assert parent is not None
    index = parent.index(element)
    for child in list(element):
        parent.insert(index, child)
        index += 1
    parent.remove(element)


def resolve(docx: bytes, *, accept: bool) -> etree._Element:
    """Return the body once every tracked change is accepted (or rejected)."""
    document = _part(docx)
    gone, kept = ("del", "ins") if accept else ("ins", "del")
    for row in list(document.iter(w("tr"))):
        if row.find(f"{w('trPr')}/{w(gone)}") is not None:
            row.getparent().remove(row)
    for paragraph in list(document.iter(w("p"))):
        if paragraph.find(f"{w('pPr')}/{w('rPr')}/{w(gone)}") is not None:
            paragraph.getparent().remove(paragraph)
    for mark in list(document.iter(w(gone))):
        mark.getparent().remove(mark)
    if not accept:
        for deleted_text in list(document.iter(w("delText"))):
            deleted_text.tag = w("t")
    for mark in list(document.iter(w(kept))):
        _unwrap(mark)
    body = document.find(w("body"))
    assert body is not None
    return body


def _text(paragraph: etree._Element) -> str:
    """Return a paragraph's text, Word's non-breaking hyphens as U+2011."""
    return "".join(
        "\u2011" if n.tag == w("noBreakHyphen") else n.text or "" for n in paragraph.iter(w("t"), w("noBreakHyphen"))
    )


def tables_of(body: etree._Element) -> Tables:
    """Return every table as rows of cells of paragraph texts."""
    return [
        [[[_text(p) for p in cell.findall(w("p"))] for cell in row.findall(w("tc"))] for row in table.iter(w("tr"))]
        for table in body.iter(w("tbl"))
    ]


def paragraphs_after_heading(body: etree._Element, heading: str) -> list[str]:
    """Return the texts of the body's paragraphs after ``heading`` (cells included)."""
    texts = [_text(p) for p in body.iter(w("p"))]
    return texts[texts.index(spacing(heading)) + 1 :]


def _with_departement_referent(project: Project, fonction: str) -> Project:
    referent = project.departement.referent.model_copy(update={"fonction": fonction})
    return project.model_copy(update={"departement": project.departement.model_copy(update={"referent": referent})})


@pytest.fixture
def versions(root: Path) -> dict[str, Any]:
    """Sign with the shipped data; then the Département's referent and the intercommunality's email change."""
    signed_project = load_project(root)
    signed_epci = signed_project.epcis[SLUG]
    registre = empty_register(SLUG).with_act(
        new_act(SLUG, 0, dt.date(2024, 4, 15), SHA, signed_epci, signed_project.programme, signed_project.departement)
    )
    project = _with_departement_referent(signed_project, "Directeur de la transformation numérique")
    epci = signed_epci.model_copy(
        update={"referent": signed_epci.referent.model_copy(update={"courriel": "a.prototype@exemple.fr"})}
    )
    plan = plan_avenant(SLUG, registre, epci, project.programme)
    assert plan is not None
    job = avenant_job(project, root, plan)
    (comparatif,) = job.extras.values()
    templates = root / "templates"
    signed_context = convention_context(signed_project.departement, signed_project.programme, signed_epci)
    return {
        "comparatif": comparatif(),
        "signed": render_annexe(templates, signed_context),
        "proposed": render_annexe(templates, job.context),
    }


HEADING = "Annexe « Ressources mises à disposition et référents désignés »"


def test_accepting_all_gives_the_proposed_annex_tables_included(versions: dict[str, Any]) -> None:
    accepted = resolve(versions["comparatif"], accept=True)
    proposed = _part(versions["proposed"]).find(w("body"))
    assert proposed is not None
    assert tables_of(accepted) == tables_of(proposed)
    assert paragraphs_after_heading(accepted, HEADING) == [_text(p) for p in proposed.iter(w("p"))]


def test_rejecting_all_gives_the_signed_annex_tables_included(versions: dict[str, Any]) -> None:
    rejected = resolve(versions["comparatif"], accept=False)
    signed = _part(versions["signed"]).find(w("body"))
    assert signed is not None
    assert tables_of(rejected) == tables_of(signed)
    assert paragraphs_after_heading(rejected, HEADING) == [_text(p) for p in signed.iter(w("p"))]


def test_the_departement_referent_change_is_tracked_inside_its_cell(versions: dict[str, Any]) -> None:
    document = _part(versions["comparatif"])
    inserted = [_text(i) for i in document.iter(w("ins"))]
    deleted = ["".join(t.text or "" for t in d.iter(w("delText"))) for d in document.iter(w("del"))]
    assert any("Directeur de la transformation numérique" in text for text in inserted)
    assert any(text.startswith("Chef du service") for text in deleted)
    assert "a.prototype@exemple.fr" in inserted
    for mark in document.iter(w("ins"), w("del")):
        assert any(a.tag == w("tc") for a in mark.iterancestors()) or mark.getparent().tag != w("body")


def test_the_notice_is_in_the_footer_of_every_page(versions: dict[str, Any]) -> None:
    with zipfile.ZipFile(io.BytesIO(versions["comparatif"])) as archive:
        footers = [name for name in archive.namelist() if name.startswith("word/footer")]
    assert footers
    for name in footers:
        assert "Comparatif – document de travail, sans valeur contractuelle" in _text(
            _part(versions["comparatif"], name)
        )


def test_changes_come_by_phrase_not_alternating_words() -> None:
    segments = phrases(
        "Responsable du réseau des conseillers numériques du territoire",
        "Directeur de la transformation numérique du territoire",
    )
    changes = [(a, b) for kind, a, b in segments if kind == "change"]
    assert len(changes) == 1
    assert phrases("Salle de réunion du siège", "Salle de réunion du siège communautaire") == [
        ("equal", "Salle de réunion du siège", "Salle de réunion du siège"),
        ("change", "", " communautaire"),
    ]


def test_inserted_and_deleted_rows_are_marked_in_the_row_properties(root: Path) -> None:
    project = load_project(root)
    context = convention_context(project.departement, project.programme, project.epcis[SLUG])
    base = render_annexe(root / "templates", context)
    items = docx_items(base)
    table = next(item for item in items if isinstance(item, Table))
    shorter = type(table)(table.element, table.rows[:2] + table.rows[3:])
    docx = tracked_changes(base, ["Intro"], [Section("Essai", (shorter,), (table,))], EPOCH)
    rows = list(_part(docx).iter(w("tr")))
    marked = [row for row in rows if row.find(f"{w('trPr')}/{w('ins')}") is not None]
    assert len(marked) == 1
    assert tables_of(resolve(docx, accept=True)) == tables_of(_part(base))
    docx = tracked_changes(base, ["Intro"], [Section("Essai", (table,), (shorter,))], EPOCH)
    assert len([r for r in _part(docx).iter(w("tr")) if r.find(f"{w('trPr')}/{w('del')}") is not None]) == 1
    assert tables_of(resolve(docx, accept=False)) == tables_of(_part(base))


def test_hyphens_of_proper_names_are_kept(versions: dict[str, Any]) -> None:
    accepted = resolve(versions["comparatif"], accept=True)
    assert any("Marolles\u2011les\u2011Braults" in _text(p) for p in accepted.iter(w("p")))


def test_punctuation_stays_out_of_the_changed_words() -> None:
    assert phrases("ne prorogera pas, dans ces conditions, ce contrat.", "ne prorogera pas ce contrat.") == [
        ("equal", "ne prorogera pas", "ne prorogera pas"),
        ("change", ", dans ces conditions,", ""),
        ("equal", " ce contrat.", " ce contrat."),
    ]
