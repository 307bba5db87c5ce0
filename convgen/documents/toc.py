"""The table of contents of a DOCX: the one LibreOffice laid out written into the field, and the one stored.

Runs in a rendering process (lxml, one parser per thread: ``ooxml.parser``). :func:`write_contents` is called by
``delivery.finish_docx`` once the PDF is made; :func:`stored_contents` reads the entries a DOCX holds.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence

from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.ooxml import parser, part_bytes, w

__all__ = ["Entry", "stored_contents", "write_contents"]

_DOCUMENT = "word/document.xml"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

Entry = tuple[int, str, str]
"""One line of a table of contents: level (1, 2, …), text, page number."""


def _toc_field(body: etree._Element) -> tuple[etree._Element, etree._Element, etree._Element] | None:
    """Return the TOC field's begin, separate and end ``w:fldChar``, or None when the document has none."""
    chars = list(body.iter(w("fldChar"), w("instrText")))
    for start, element in enumerate(chars):
        if element.tag != w("instrText") or not (element.text or "").strip().startswith("TOC"):
            continue
        begin = next((c for c in reversed(chars[:start]) if c.tag == w("fldChar")), None)
        if begin is None or begin.get(w("fldCharType")) != "begin":
            return None
        depth, separate = 0, None
        for char in chars[chars.index(begin) :]:
            kind = char.get(w("fldCharType"))
            if kind == "begin":
                depth += 1
            elif kind == "separate" and depth == 1 and separate is None:
                separate = char
            elif kind == "end":
                depth -= 1
                if depth == 0:
                    return (begin, separate, char) if separate is not None else None
        return None
    return None


def _top_paragraph(body: etree._Element, node: etree._Element) -> etree._Element | None:
    """Return the paragraph of ``body`` (a direct child) holding ``node``."""
    while node is not None and node.getparent() is not body:
        node = node.getparent()
    return node if node is not None and node.tag == w("p") else None


def _run_of(paragraph: etree._Element, char: etree._Element) -> etree._Element | None:
    """Return the run, a direct child of ``paragraph``, that holds ``char``."""
    run = char.getparent()
    return run if run is not None and run.tag == w("r") and run.getparent() is paragraph else None


def write_contents(xml: bytes, contents: Sequence[Entry]) -> bytes:
    """Return document.xml whose TOC field shows ``contents``: one paragraph per entry, text, tab, page.

    The field itself stays (Word can still update it) and is no longer marked dirty. A document without a TOC
    field, or whose field spans something other than whole paragraphs, is returned unchanged.
    """
    root = etree.fromstring(xml, parser())
    body = root.find(w("body"))
    field = _toc_field(body) if body is not None and contents else None
    if field is None:
        return xml
    begin, separate, end = field
    first, last = _top_paragraph(body, begin), _top_paragraph(body, end)
    begin_run, separate_run, end_run = _run_of(first, begin), _run_of(first, separate), _run_of(last, end)
    if first is None or last is None or begin_run is None or separate_run is None or end_run is None:
        return xml
    old = list(body)[body.index(first) : body.index(last) + 1]
    properties = _level_properties(old)
    head = list(first)[list(first).index(begin_run) : list(first).index(separate_run) + 1]
    tail = list(last)[list(last).index(end_run) :]
    begin.attrib.pop(w("dirty"), None)
    anchors = _bookmark_headings(body, list(body)[body.index(last) + 1 :], contents)
    paragraphs = [_entry_paragraph(entry, properties, anchor) for entry, anchor in zip(contents, anchors, strict=True)]
    position = 1
    for run in head:
        paragraphs[0].insert(position, run)
        position += 1
    for run in tail:
        paragraphs[-1].append(run)
    index = body.index(first)
    for paragraph in old:
        body.remove(paragraph)
    for offset, paragraph in enumerate(paragraphs):
        body.insert(index + offset, paragraph)
    return part_bytes(root)


def _level_properties(paragraphs: Sequence[etree._Element]) -> dict[str, etree._Element]:
    """Return the paragraph properties the stored table uses, by style (``TOC1``: its ``w:pPr``)."""
    found: dict[str, etree._Element] = {}
    for paragraph in paragraphs:
        ppr = paragraph.find(w("pPr"))
        style = ppr.find(w("pStyle")) if ppr is not None else None
        if style is not None and style.get(w("val")) not in found:
            found[style.get(w("val"))] = ppr
    return found


def _plain(text: str) -> str:
    """Return ``text`` with its whitespace (non-breaking spaces, tabs) collapsed, to compare headings."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _paragraph_text(paragraph: etree._Element) -> str:
    """Return the text of a paragraph's runs, tabs as spaces."""
    return "".join(
        node.text or "" if node.tag == w("t") else " " for node in paragraph.iter(w("t"), w("tab")) if _in_run(node)
    )


def _in_run(node: etree._Element) -> bool:
    """Tell whether a ``w:t`` or ``w:tab`` is run content (not a tab stop of the paragraph's properties)."""
    parent = node.getparent()
    return parent is not None and parent.tag == w("r")


def _bookmark_headings(
    body: etree._Element, after: Sequence[etree._Element], contents: Sequence[Entry]
) -> list[str | None]:
    """Put a ``_Toc`` bookmark on the heading each entry names, in order; return the names (None: not found).

    Names and ids are numbered from the entry's position: the same document gets the same bookmarks.
    """
    used = {b.get(w("name")) for b in body.iter(w("bookmarkStart"))}
    ids = [int(i) for b in body.iter(w("bookmarkStart")) if (i := b.get(w("id"), "")).isdigit()]
    next_id = max(ids, default=-1) + 1
    paragraphs = [p for p in after if p.tag == w("p")]
    position = 0
    anchors: list[str | None] = []
    for number, (_, text, _) in enumerate(contents, start=1):
        wanted = _plain(text)
        found = next(
            (i for i in range(position, len(paragraphs)) if _plain(_paragraph_text(paragraphs[i])) == wanted), None
        )
        name = f"_Toc{number:09d}"
        if found is None or name in used:
            anchors.append(None)
            continue
        position = found + 1
        heading = paragraphs[found]
        start = etree.Element(w("bookmarkStart"))
        start.set(w("id"), str(next_id))
        start.set(w("name"), name)
        end = etree.Element(w("bookmarkEnd"))
        end.set(w("id"), str(next_id))
        heading.insert(1 if heading.find(w("pPr")) is not None else 0, start)
        heading.append(end)
        next_id += 1
        anchors.append(name)
    return anchors


def _entry_paragraph(entry: Entry, properties: Mapping[str, etree._Element], anchor: str | None) -> etree._Element:
    """Return one entry's paragraph as Word makes it: TOC style, a link to the heading, text, tab, ``PAGEREF``."""
    level, text, page = entry
    style = f"TOC{level}"
    paragraph = etree.Element(w("p"))
    if style in properties:
        ppr = etree.fromstring(etree.tostring(properties[style]))
    else:
        ppr = etree.Element(w("pPr"))
        etree.SubElement(ppr, w("pStyle")).set(w("val"), style)
    paragraph.append(ppr)
    holder = paragraph
    if anchor is not None:
        holder = etree.SubElement(paragraph, w("hyperlink"))
        holder.set(w("anchor"), anchor)
        holder.set(w("history"), "1")
    run = etree.SubElement(holder, w("r"))
    for number, piece in enumerate(text.split("\t")):
        if number:
            etree.SubElement(run, w("tab"))
        _text(run, piece)
    if page:
        etree.SubElement(etree.SubElement(holder, w("r")), w("tab"))
        if anchor is not None:
            _field_char(holder, "begin")
            _text(etree.SubElement(holder, w("r")), f" PAGEREF {anchor} \\h ", tag="instrText")
            _field_char(holder, "separate")
        _text(etree.SubElement(holder, w("r")), page)
        if anchor is not None:
            _field_char(holder, "end")
    return paragraph


def _field_char(parent: etree._Element, kind: str) -> None:
    """Append a run holding a ``w:fldChar`` of ``kind`` (begin, separate, end)."""
    etree.SubElement(etree.SubElement(parent, w("r")), w("fldChar")).set(w("fldCharType"), kind)


def _text(run: etree._Element, value: str, *, tag: str = "t") -> None:
    """Append a ``w:t`` (or ``tag``) holding ``value`` (spaces kept) to ``run``."""
    if not value:
        return
    t = etree.SubElement(run, w(tag))
    t.text = value
    t.set(_XML_SPACE, "preserve")


def stored_contents(docx: bytes) -> list[Entry]:
    """Return the entries the DOCX's TOC field shows (level from ``TOCn``, text, page), empty without one."""
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        root = etree.fromstring(src.read(_DOCUMENT), parser())
    body = root.find(w("body"))
    field = _toc_field(body) if body is not None else None
    if field is None:
        return []
    first, last = _top_paragraph(body, field[0]), _top_paragraph(body, field[2])
    if first is None or last is None:
        return []
    entries: list[Entry] = []
    for paragraph in list(body)[body.index(first) : body.index(last) + 1]:
        style = paragraph.find(f"{w('pPr')}/{w('pStyle')}")
        name = style.get(w("val"), "") if style is not None else ""
        level = int(name[3:]) if name.startswith("TOC") and name[3:].isdigit() else 0
        pieces: list[str] = []
        for node in paragraph.iter(w("t"), w("tab"), w("instrText")):
            if node.tag == w("t"):
                pieces.append(node.text or "")
            elif node.tag == w("tab") and _in_run(node):
                pieces.append("\t")
        text, _, page = "".join(pieces).rpartition("\t")
        entries.append((level, text, page))
    return entries
