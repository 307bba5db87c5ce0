"""The text of a DOCX file in reading order: headers, body (paragraphs and tables), footers.

Reads the XML directly (no python-docx), so a template's Jinja tags come out as they are typed, and a
file with duplicate or unusual parts still reads. Used by the tests, the rendered-document checks,
the fidelity check and ``convgen text``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.ooxml import W, parser

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCUMENT = "word/document.xml"
LIST_PREFIX = "– "

_HEADER = "header"
_FOOTER = "footer"
_PART_LABELS = {_HEADER: "en-tête", "body": "corps", _FOOTER: "pied de page"}


def _w(tag: str) -> str:
    """Return the Clark name of a WordprocessingML element."""
    return f"{{{W}}}{tag}"


@dataclass(frozen=True)
class Part:
    """One story of the document: its label, its XML part name, its paragraphs' texts in order."""

    label: str
    name: str
    paragraphs: tuple[str, ...]


def read_parts(docx: bytes | Path) -> list[Part]:
    """Return the headers, the body and the footers, each with the text of every paragraph (empty ones too).

    Paragraphs are numbered in document order, those inside tables included; a table row is one
    paragraph of the result, its cells separated by tabs.
    """
    data = docx.read_bytes() if isinstance(docx, Path) else docx
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        document = etree.fromstring(archive.read(DOCUMENT), parser())
        list_styles = _list_styles(archive.read("word/styles.xml")) if "word/styles.xml" in names else set()
        targets = _relationship_targets(archive, names)
        order = {_HEADER: _referenced(document, "headerReference"), _FOOTER: _referenced(document, "footerReference")}
        parts: list[Part] = []
        for kind in (_HEADER, "body", _FOOTER):
            if kind == "body":
                body = document.find(_w("body"))
                texts = tuple(_blocks(body, list_styles)) if body is not None else ()
                parts.append(Part(_PART_LABELS["body"], DOCUMENT, texts))
                continue
            for rid in order[kind]:
                name = targets.get(rid)
                if name is None or name not in names:
                    continue
                root = etree.fromstring(archive.read(name), parser())
                parts.append(Part(_PART_LABELS[kind], name, tuple(_blocks(root, list_styles))))
    return parts


def docx_text(docx: bytes | Path) -> str:
    """Return the document's text in reading order, one paragraph a line, empty paragraphs left out."""
    lines: list[str] = []
    for part in read_parts(docx):
        texts = [t for t in part.paragraphs if t.strip()]
        if part.label != _PART_LABELS["body"] and not texts:
            continue
        lines.append(f"[{part.label}]")
        lines.extend(texts)
    return "\n".join(lines) + "\n"


def _relationship_targets(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Return the document's relationship ids mapped to part names (``word/header1.xml``)."""
    rels = "word/_rels/document.xml.rels"
    if rels not in names:
        return {}
    root = etree.fromstring(archive.read(rels), parser())
    targets: dict[str, str] = {}
    for rel in root.iter(f"{{{PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        targets[rel.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"word/{target}"
    return targets


def _referenced(document: etree._Element, tag: str) -> list[str]:
    """Return the relationship ids of the headers (or footers) in the order the sections name them."""
    seen: list[str] = []
    for ref in document.iter(_w(tag)):
        rid = ref.get(f"{{{R}}}id")
        if rid and rid not in seen:
            seen.append(rid)
    return seen


def _list_styles(styles_xml: bytes) -> set[str]:
    """Return the ids of the paragraph styles that carry a numbering (bullets)."""
    root = etree.fromstring(styles_xml, parser())
    found: set[str] = set()
    for style in root.iter(_w("style")):
        ppr = style.find(_w("pPr"))
        numpr = ppr.find(_w("numPr")) if ppr is not None else None
        num = numpr.find(_w("numId")) if numpr is not None else None
        if num is not None and num.get(_w("val")) != "0":
            found.add(style.get(_w("styleId"), ""))
    return found


def _blocks(container: etree._Element, list_styles: set[str]) -> Iterator[str]:
    """Yield the text of every paragraph and table row of a story, in order."""
    for child in container:
        tag = child.tag
        if tag == _w("p"):
            yield _paragraph(child, list_styles)
        elif tag == _w("tbl"):
            for row in child.iter(_w("tr")):
                if row.getparent() is not None and _owner_table(row) is child:
                    yield _row(row, list_styles)
        elif tag in (_w("sdt"), _w("customXml"), _w("sdtContent")):
            content = child.find(_w("sdtContent")) if tag == _w("sdt") else child
            if content is not None:
                yield from _blocks(content, list_styles)


def _owner_table(row: etree._Element) -> etree._Element | None:
    """Return the table a row belongs to (rows of nested tables belong to the nested table)."""
    node = row.getparent()
    while node is not None and node.tag != _w("tbl"):
        node = node.getparent()
    return node


def _row(row: etree._Element, list_styles: set[str]) -> str:
    """Return a table row: its cells separated by tabs, a cell's paragraphs by " / "."""
    cells = []
    for cell in row.iter(_w("tc")):
        node = cell.getparent()
        while node is not None and node.tag != _w("tr"):
            node = node.getparent()
        if node is not row:
            continue
        texts = [t for t in _blocks(cell, list_styles) if t.strip()]
        cells.append(" / ".join(texts))
    return "\t".join(cells)


def _paragraph(p: etree._Element, list_styles: set[str]) -> str:
    """Return a paragraph's text: runs, tabs, line breaks; a bulleted paragraph starts with "– "."""
    pieces: list[str] = []
    for node in p.iter(_w("t"), _w("tab"), _w("br"), _w("cr"), _w("noBreakHyphen"), _w("softHyphen")):
        if _inside(node, p, (_w("del"), _w("pPr"), _w("rPr"))):
            continue
        if node.tag == _w("t"):
            pieces.append(node.text or "")
        elif node.tag == _w("tab"):
            pieces.append("\t")
        elif node.tag == _w("br"):
            if node.get(_w("type")) not in ("page", "column"):
                pieces.append("\n")
        elif node.tag == _w("cr"):
            pieces.append("\n")
        elif node.tag == _w("noBreakHyphen"):
            pieces.append("-")
    text = "".join(pieces)
    return LIST_PREFIX + text if _is_list(p, list_styles) and text.strip() else text


def _inside(node: etree._Element, stop: etree._Element, tags: tuple[str, ...]) -> bool:
    """Return True when ``node`` lies inside one of ``tags`` below ``stop``."""
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _is_list(p: etree._Element, list_styles: set[str]) -> bool:
    """Return True when the paragraph is numbered or bulleted (directly or by its style)."""
    ppr = p.find(_w("pPr"))
    if ppr is None:
        return False
    numpr = ppr.find(_w("numPr"))
    if numpr is not None:
        num = numpr.find(_w("numId"))
        if num is not None:
            return bool(num.get(_w("val")) != "0")
    style = ppr.find(_w("pStyle"))
    return style is not None and str(style.get(_w("val"), "")) in list_styles
