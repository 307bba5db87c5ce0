"""The DOCX says what its PDF says: leftover parts dropped, properties set, the table of contents written back."""

from __future__ import annotations

import functools
import io
import posixpath
import zipfile

import docx
from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.delivery import finish_docx
from convgen.documents.parts import drop_leftovers
from convgen.documents.render import normalize_docx, render_convention
from convgen.documents.toc import stored_contents, write_contents
from tests.documents.test_render import TEMPLATES, make_context

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
METADATA = {
    "Title": "PROJET – Convention de partenariat — conseiller numérique 2024-2026 — Communauté de communes Exemple",
    "Author": "Département de la Sarthe",
    "Subject": "Organisation de l’intervention d’un conseiller numérique",
    "Keywords": "convention; conseiller numérique; CC Exemple",
}
CONTENTS = [
    (1, "ARTICLE 1 – OBJET", "4"),
    (2, "ARTICLE 1.1\u00a0: DÉTAIL", "5"),
    (1, "ANNEXE 3 – RESSOURCES", "13"),
    (2, "1. RESSOURCES MISES À DISPOSITION", "13"),
    (2, "2. RÉFÉRENTS DÉSIGNÉS", "14"),
]


def parts(data: bytes) -> dict[str, bytes]:
    """Return every part of a DOCX by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return {name: src.read(name) for name in src.namelist()}


@functools.cache
def rendered() -> bytes:
    """Return the sample convention as rendered from the shipped templates."""
    return render_convention(TEMPLATES, make_context("madame"))


def test_rendered_docx_has_no_leftover_parts_nor_update_fields() -> None:
    found = parts(rendered())
    assert not [name for name in found if "thumbnail" in name or "stylesWithEffects" in name]
    assert not [name for name in found if name.startswith("customXml/")]
    assert b"updateFields" not in found["word/settings.xml"]
    assert b"savePreviewPicture" not in found["word/settings.xml"]


def test_no_dangling_relationship_or_content_type() -> None:
    found = parts(rendered())
    names = set(found)
    types = etree.fromstring(found["[Content_Types].xml"])
    for override in types:
        if override.get("PartName"):
            assert override.get("PartName").lstrip("/") in names
    for rels in (name for name in names if name.endswith(".rels")):
        folder = rels.split("_rels/")[0]
        for rel in etree.fromstring(found[rels]):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            path = target.lstrip("/") if target.startswith("/") else _join(folder, target)
            assert path in names, (rels, target)


def _join(folder: str, target: str) -> str:
    """Return the part a relative target names from ``folder``."""
    return posixpath.normpath(posixpath.join(folder, target))


def test_drop_leftovers_keeps_a_custom_xml_that_is_not_a_bibliography() -> None:
    entries = {
        "customXml/item1.xml": b"<donnees xmlns='urn:exemple'/>",
        "customXml/itemProps1.xml": b"<ds:datastoreItem xmlns:ds='urn:ds'/>",
        "customXml/item2.xml": b"<b:Sources xmlns:b='http://schemas.openxmlformats.org/officeDocument/2006/bibliography'/>",
        "customXml/itemProps2.xml": b"<ds:datastoreItem xmlns:ds='urn:ds'/>",
        "customXml/_rels/item2.xml.rels": b"<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'/>",
    }
    drop_leftovers(entries)
    assert sorted(entries) == ["customXml/item1.xml", "customXml/itemProps1.xml"]


def test_normalize_is_reproducible() -> None:
    data = rendered()
    assert normalize_docx(data) == normalize_docx(data)


def test_finish_sets_the_properties_of_the_pdf_and_keeps_the_dates() -> None:
    before = docx.Document(io.BytesIO(rendered())).core_properties
    finished = finish_docx(rendered(), METADATA)
    core = docx.Document(io.BytesIO(finished)).core_properties
    assert core.title == METADATA["Title"] and "Exemple" in core.title
    assert core.title.startswith("PROJET – ")
    assert core.subject == METADATA["Subject"]
    keywords = etree.fromstring(parts(finished)["docProps/core.xml"]).find(f"{{{CP}}}keywords")
    assert keywords.text == METADATA["Keywords"]  # python-docx 1.x reads no cp:keywords
    assert core.author == METADATA["Author"]
    assert core.language == "fr-FR"
    assert (core.created, core.modified) == (before.created, before.modified)
    assert b"<Application>convgen</Application>" in parts(finished)["docProps/app.xml"]
    assert finish_docx(rendered(), METADATA) == finished


def test_without_contents_the_stored_table_stays() -> None:
    data = rendered()
    assert stored_contents(finish_docx(data, METADATA)) == stored_contents(data)
    assert stored_contents(data)  # the template stores one


def test_contents_replace_the_field_result_and_keep_the_field() -> None:
    finished = finish_docx(rendered(), METADATA, CONTENTS)
    assert stored_contents(finished) == CONTENTS
    body = etree.fromstring(parts(finished)["word/document.xml"])
    instructions = [t.text for t in body.iter(f"{{{W}}}instrText") if "TOC" in (t.text or "")]
    assert instructions == [' TOC \\o "1-3" \\h \\z \\u ']
    kinds = [c.get(f"{{{W}}}fldCharType") for c in body.iter(f"{{{W}}}fldChar")]
    assert kinds.count("begin") == kinds.count("end")
    assert not [c for c in body.iter(f"{{{W}}}fldChar") if c.get(f"{{{W}}}dirty")]
    styles = [
        p.find(f"{{{W}}}pPr/{{{W}}}pStyle").get(f"{{{W}}}val")
        for p in body.iter(f"{{{W}}}p")
        if p.find(f"{{{W}}}pPr/{{{W}}}pStyle") is not None
        and p.find(f"{{{W}}}pPr/{{{W}}}pStyle").get(f"{{{W}}}val").startswith("TOC")
        and p.find(f"{{{W}}}pPr/{{{W}}}pStyle").get(f"{{{W}}}val") != "TOCHeading"
    ]
    assert styles == ["TOC1", "TOC2", "TOC1", "TOC2", "TOC2"]
    docx.Document(io.BytesIO(finished))  # python-docx opens it


def test_a_document_without_table_is_unchanged() -> None:
    xml = f"<w:document xmlns:w='{W}'><w:body><w:p/></w:body></w:document>".encode()
    assert write_contents(xml, CONTENTS) == xml


def test_entries_link_to_bookmarks_on_their_headings_with_pageref() -> None:
    data = rendered()
    contents = [entry for entry in stored_contents(data) if entry[1].startswith(("ARTICLE 1 ", "ANNEXE 3"))]
    finished = finish_docx(data, METADATA, contents)
    body = etree.fromstring(parts(finished)["word/document.xml"])
    links = [link.get(f"{{{W}}}anchor") for link in body.iter(f"{{{W}}}hyperlink") if link.get(f"{{{W}}}anchor")]
    assert links == ["_Toc000000001", "_Toc000000002"]
    marks = {b.get(f"{{{W}}}name"): b.getparent() for b in body.iter(f"{{{W}}}bookmarkStart")}
    for anchor, (_, text, _) in zip(links, contents, strict=True):
        heading = marks[anchor]
        assert heading.find(f"{{{W}}}pPr/{{{W}}}pStyle").get(f"{{{W}}}val").startswith("Heading")
        assert "".join(heading.itertext()) == text
    instructions = [t.text for t in body.iter(f"{{{W}}}instrText")]
    assert instructions[1:] == [" PAGEREF _Toc000000001 \\h ", " PAGEREF _Toc000000002 \\h "]
    ids = [b.get(f"{{{W}}}id") for b in body.iter(f"{{{W}}}bookmarkStart")]
    assert len(ids) == len(set(ids))
    assert stored_contents(finished) == contents
