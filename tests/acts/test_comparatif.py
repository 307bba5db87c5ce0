"""The comparatif: every difference of the replaced annex tracked, tables kept, phrases, notice on every page."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from convgen.acts.avenant import avenant_context, avenant_job
from convgen.acts.blocks import Table, docx_blocks, docx_items
from convgen.acts.comparatif import Section, phrases, render_comparatif, tracked_changes
from convgen.acts.plan import plan_avenant
from convgen.acts.readiness import avenant_verdict
from convgen.acts.register import empty_register, new_act
from convgen.data.load import load_project
from convgen.data.project import Project
from convgen.documents.french import spacing
from convgen.documents.render import render_annexe
from tests.amending import amend, edit_epci, record, referents_by_avenant
from tests.projects import copy_project, judged_context

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
    return copy_project(tmp_path)


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
    signed_context = judged_context(signed_project.departement, signed_project.programme, signed_epci)
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
    context = judged_context(project.departement, project.programme, project.epcis[SLUG])
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


# ----------------------------------------------------------------------------------------------- comparatif
def _paragraphs(document: etree._Element) -> list[str]:
    """Return the text of every body paragraph."""
    body = document.find(f"{{{W}}}body")
    assert body is not None
    return ["".join(t.text or "" for t in p.iter(f"{{{W}}}t")) for p in body.iter(f"{{{W}}}p")]


def _document(docx: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def accept_all(docx: bytes) -> list[str]:
    """Return the paragraphs once every tracked change is accepted: deletions dropped, insertions kept."""
    document = _document(docx)
    for paragraph in list(document.iter(f"{{{W}}}p")):
        if paragraph.find(f"{{{W}}}pPr/{{{W}}}rPr/{{{W}}}del") is not None:
            paragraph.getparent().remove(paragraph)
    for deleted in list(document.iter(f"{{{W}}}del")):
        deleted.getparent().remove(deleted)
    for inserted in list(document.iter(f"{{{W}}}ins")):
        parent = inserted.getparent()
        index = parent.index(inserted)
        for child in list(inserted):
            parent.insert(index, child)
            index += 1
        parent.remove(inserted)
    return _paragraphs(document)


def reject_all(docx: bytes) -> list[str]:
    """Return the paragraphs once every tracked change is rejected: insertions dropped, deletions kept."""
    document = _document(docx)
    for paragraph in list(document.iter(f"{{{W}}}p")):
        if paragraph.find(f"{{{W}}}pPr/{{{W}}}rPr/{{{W}}}ins") is not None:
            paragraph.getparent().remove(paragraph)
    for inserted in list(document.iter(f"{{{W}}}ins")):
        inserted.getparent().remove(inserted)
    for deleted_text in list(document.iter(f"{{{W}}}delText")):
        deleted_text.tag = f"{{{W}}}t"
    for deleted in list(document.iter(f"{{{W}}}del")):
        parent = deleted.getparent()
        index = parent.index(deleted)
        for child in list(deleted):
            parent.insert(index, child)
            index += 1
        parent.remove(deleted)
    return _paragraphs(document)


@pytest.fixture
def annex_versions(root: Path) -> tuple[list[str], list[str], bytes]:
    """Return the signed and new annex texts and the comparatif between them."""
    project = load_project(root)
    old = project.epcis[SLUG]
    new = old.model_copy(
        update={
            "referent": old.referent.model_copy(update={"courriel": "a.prototype@exemple.fr"}),
            "ressources": old.ressources.model_copy(
                update={"materiels": ("Salle informatique", *old.ressources.materiels[1:])}
            ),
        }
    )
    old_context = judged_context(project.departement, project.programme, old)
    signed = empty_register(SLUG).with_act(new_act(SLUG, 0, dt.date(2024, 4, 15), SHA, old, project.programme))
    plan = plan_avenant(SLUG, signed, new, project.programme)
    assert plan is not None
    new_context = avenant_context(project.departement, plan, avenant_verdict(plan))
    from convgen.documents.render import render_annexe

    templates = root / "templates"
    old_text = [b.text for b in docx_blocks(render_annexe(templates, old_context))]
    new_text = [b.text for b in docx_blocks(render_annexe(templates, new_context))]
    return old_text, new_text, render_comparatif(templates, old_context, new_context, EPOCH)


def test_accepting_all_changes_gives_the_new_text(annex_versions: tuple[list[str], list[str], bytes]) -> None:
    old, new, comparatif = annex_versions
    accepted = accept_all(comparatif)
    heading = accepted.index(spacing("Annexe « Ressources mises à disposition et référents désignés »"))
    assert accepted[heading + 1 :] == new
    assert old != new


def test_rejecting_all_changes_gives_the_signed_text(annex_versions: tuple[list[str], list[str], bytes]) -> None:
    old, _new, comparatif = annex_versions
    rejected = reject_all(comparatif)
    heading = rejected.index(spacing("Annexe « Ressources mises à disposition et référents désignés »"))
    assert rejected[heading + 1 :] == old


def test_tracked_changes_are_word_level_with_a_fixed_author_and_date(
    annex_versions: tuple[list[str], list[str], bytes],
) -> None:
    _old, _new, comparatif = annex_versions
    document = _document(comparatif)
    deleted = ["".join(t.text or "" for t in d.iter(f"{{{W}}}delText")) for d in document.iter(f"{{{W}}}del")]
    inserted = ["".join(t.text or "" for t in i.iter(f"{{{W}}}t")) for i in document.iter(f"{{{W}}}ins")]
    assert "antoine.prototype@exemple.fr" in deleted
    assert "a.prototype@exemple.fr" in inserted
    marks = list(document.iter(f"{{{W}}}ins", f"{{{W}}}del"))
    assert {m.get(f"{{{W}}}author") for m in marks} == {"convgen"}
    assert {m.get(f"{{{W}}}date") for m in marks} == {"2025-03-11T12:00:00Z"}
    ids = [m.get(f"{{{W}}}id") for m in marks]
    assert len(ids) == len(set(ids))


def test_whole_paragraphs_inserted_and_deleted(root: Path) -> None:
    from convgen.documents.render import render_annexe

    project = load_project(root)
    context = judged_context(project.departement, project.programme, project.epcis[SLUG])
    base = render_annexe(root / "templates", context)
    old = docx_blocks(base)[:3]
    new = [old[0], *docx_blocks(base)[5:7], old[2]]
    section = Section("Essai", tuple(old), tuple(new))
    docx = tracked_changes(base, ["Intro"], [section], EPOCH)
    assert accept_all(docx) == ["Intro", "Essai", *(b.text for b in new)]
    assert reject_all(docx) == ["Intro", "Essai", *(b.text for b in old)]


def test_comparatif_is_deterministic(root: Path) -> None:
    referents_by_avenant(root)
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    amend(root)
    first = (root / "build" / SLUG / f"avenant-01-{SLUG}-comparatif.docx").read_bytes()
    amend(root, "--force")
    assert (root / "build" / SLUG / f"avenant-01-{SLUG}-comparatif.docx").read_bytes() == first


@pytest.mark.libreoffice
def test_libreoffice_opens_the_comparatif(tmp_path: Path, annex_versions: tuple[list[str], list[str], bytes]) -> None:
    _old, _new, comparatif = annex_versions
    source = tmp_path / "comparatif.docx"
    source.write_bytes(comparatif)
    profile = tmp_path / f"profil-{uuid.uuid4().hex}"
    completed = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "comparatif.pdf"
    assert completed.returncode == 0, completed.stderr
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "a.prototype@exemple.fr" in text
