"""Make a DOCX say what its PDF says: the table of contents LibreOffice laid out, the properties, no leftover parts.

Runs in a rendering process (lxml): :func:`drop_leftovers` from ``normalize_docx``, :func:`finish_docx` once
the PDF is made (or without it, for a DOCX built alone). Each call makes its own parser: lxml parsers are not
shared between threads.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Mapping, MutableMapping, Sequence

from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.docxtext import W

__all__ = ["DEFAULT_LANGUAGE", "drop_leftovers", "finish_docx", "stored_contents"]

DEFAULT_LANGUAGE = "fr-FR"
APPLICATION = "convgen"

_DOCUMENT = "word/document.xml"
_SETTINGS = "word/settings.xml"
_CORE = "docProps/core.xml"
_APP = "docProps/app.xml"
_TYPES = "[Content_Types].xml"
_CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_BIBLIOGRAPHY_NS = "http://schemas.openxmlformats.org/officeDocument/2006/bibliography"
_THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_SETTINGS_DROPPED = ("updateFields", "savePreviewPicture")

Entry = tuple[int, str, str]
"""One line of a table of contents: level (1, 2, …), text, page number."""


def _parser() -> etree.XMLParser:
    """Return a new safe parser (one per call: parsers are not shared between threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


def _xml(root: etree._Element) -> bytes:
    """Return ``root`` serialized as a standalone UTF-8 part."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _w(tag: str) -> str:
    """Return the Clark name of a WordprocessingML tag."""
    return f"{{{W}}}{tag}"


# --------------------------------------------------------------------------- leftover parts


def drop_leftovers(entries: MutableMapping[str, bytes]) -> None:
    """Drop the thumbnail, ``stylesWithEffects.xml``, bibliography parts and ``w:updateFields``, rels included."""
    dropped = {name for name in entries if _is_leftover(name, entries)}
    for rels in [name for name in entries if name.endswith(".rels")]:
        if rels in dropped:
            continue
        root = etree.fromstring(entries[rels], _parser())
        changed = False
        for rel in root.findall(f"{{{_RELS_NS}}}Relationship"):
            target = _target(rels, rel)
            if rel.get("Type") in (_THUMBNAIL, _STYLES_WITH_EFFECTS) and target is not None:
                dropped.add(target)
            if target is not None and target in dropped:
                root.remove(rel)
                changed = True
        if changed:
            entries[rels] = _xml(root)
    for name in dropped:
        entries.pop(name, None)
        entries.pop(_rels_of(name), None)
    if _TYPES in entries:
        entries[_TYPES] = _content_types(entries[_TYPES], set(entries))
    if _SETTINGS in entries:
        root = etree.fromstring(entries[_SETTINGS], _parser())
        for tag in _SETTINGS_DROPPED:
            for element in root.findall(_w(tag)):
                root.remove(element)
        entries[_SETTINGS] = _xml(root)


def _is_leftover(name: str, entries: Mapping[str, bytes]) -> bool:
    """Tell whether a part is one no document needs: a thumbnail, a customXml bibliography and its properties."""
    if name.startswith("docProps/thumbnail.") or name == "word/stylesWithEffects.xml":
        return True
    if not name.startswith("customXml/") or "/_rels/" in name:
        return False
    item = name.replace("itemProps", "item")
    blob = entries.get(item)
    if blob is None:
        return False
    try:
        root = etree.fromstring(blob, _parser())
    except etree.XMLSyntaxError:
        return False
    return bool(etree.QName(root).namespace == _BIBLIOGRAPHY_NS)


def _target(rels: str, rel: etree._Element) -> str | None:
    """Return the part a relationship points to (None for an external target)."""
    if rel.get("TargetMode") == "External":
        return None
    target = str(rel.get("Target", ""))
    if target.startswith("/"):
        return target.lstrip("/")
    source_dir = posixpath.dirname(posixpath.dirname(rels))  # word/_rels/document.xml.rels → word
    return posixpath.normpath(posixpath.join(source_dir, target))


def _rels_of(name: str) -> str:
    """Return the relationships part of a part: ``customXml/_rels/item1.xml.rels``."""
    folder, base = posixpath.split(name)
    return posixpath.join(folder, "_rels", base + ".rels")


def _content_types(xml: bytes, parts: set[str]) -> bytes:
    """Return ``[Content_Types].xml`` without overrides of absent parts nor defaults no part uses."""
    root = etree.fromstring(xml, _parser())
    extensions = {posixpath.splitext(name)[1].lstrip(".").lower() for name in parts}
    for override in root.findall(f"{{{_TYPES_NS}}}Override"):
        if override.get("PartName", "").lstrip("/") not in parts:
            root.remove(override)
    for default in root.findall(f"{{{_TYPES_NS}}}Default"):
        extension = default.get("Extension", "").lower()
        if extension not in ("rels", "xml") and extension not in extensions:
            root.remove(default)
    return _xml(root)


# --------------------------------------------------------------------------- finishing


def finish_docx(docx: bytes, metadata: Mapping[str, str], contents: Sequence[Entry] | None = None) -> bytes:
    """Return the DOCX with the job's properties and, when given, the table of contents the PDF prints.

    The zip entries keep their order, dates and compression: same inputs, same bytes.
    """
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        infos = [info for info in src.infolist() if not info.is_dir()]
        entries = {info.filename: src.read(info) for info in infos}
    if _CORE in entries:
        entries[_CORE] = _core(entries[_CORE], metadata)
    if _APP in entries:
        entries[_APP] = _app(entries[_APP])
    if contents is not None and _DOCUMENT in entries:
        entries[_DOCUMENT] = write_contents(entries[_DOCUMENT], contents)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in infos:
            dst.writestr(info, entries[info.filename], compresslevel=6)
    return out.getvalue()


def _core(xml: bytes, metadata: Mapping[str, str]) -> bytes:
    """Return core.xml with the PDF's title, subject, keywords and author, in French; dates untouched."""
    root = etree.fromstring(xml, _parser())
    values = {
        "dc:title": metadata.get("Title"),
        "dc:subject": metadata.get("Subject"),
        "cp:keywords": metadata.get("Keywords"),
        "dc:creator": metadata.get("Author"),
        "cp:lastModifiedBy": metadata.get("Author"),
        "dc:language": metadata.get("Language", DEFAULT_LANGUAGE),
    }
    for name, value in values.items():
        if value is None:
            continue
        element = root.find(name, _CORE_NS)
        if element is None:
            prefix, tag = name.split(":")
            element = etree.SubElement(root, f"{{{_CORE_NS[prefix]}}}{tag}")
        element.text = value
    return _xml(root)


def _app(xml: bytes) -> bytes:
    """Return app.xml naming convgen as the application that made the document."""
    root = etree.fromstring(xml, _parser())
    application = root.find(f"{{{_APP_NS}}}Application")
    if application is None:
        application = etree.Element(f"{{{_APP_NS}}}Application")
        root.insert(0, application)
    application.text = APPLICATION
    return _xml(root)


# --------------------------------------------------------------------------- table of contents


def _toc_field(body: etree._Element) -> tuple[etree._Element, etree._Element, etree._Element] | None:
    """Return the TOC field's begin, separate and end ``w:fldChar``, or None when the document has none."""
    chars = list(body.iter(_w("fldChar"), _w("instrText")))
    for start, element in enumerate(chars):
        if element.tag != _w("instrText") or not (element.text or "").strip().startswith("TOC"):
            continue
        begin = next((c for c in reversed(chars[:start]) if c.tag == _w("fldChar")), None)
        if begin is None or begin.get(_w("fldCharType")) != "begin":
            return None
        depth, separate = 0, None
        for char in chars[chars.index(begin) :]:
            kind = char.get(_w("fldCharType"))
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
    return node if node is not None and node.tag == _w("p") else None


def _run_of(paragraph: etree._Element, char: etree._Element) -> etree._Element | None:
    """Return the run, a direct child of ``paragraph``, that holds ``char``."""
    run = char.getparent()
    return run if run is not None and run.tag == _w("r") and run.getparent() is paragraph else None


def write_contents(xml: bytes, contents: Sequence[Entry]) -> bytes:
    """Return document.xml whose TOC field shows ``contents``: one paragraph per entry, text, tab, page.

    The field itself stays (Word can still update it) and is no longer marked dirty. A document without a TOC
    field, or whose field spans something other than whole paragraphs, is returned unchanged.
    """
    root = etree.fromstring(xml, _parser())
    body = root.find(_w("body"))
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
    begin.attrib.pop(_w("dirty"), None)
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
    return _xml(root)


def _level_properties(paragraphs: Sequence[etree._Element]) -> dict[str, etree._Element]:
    """Return the paragraph properties the stored table uses, by style (``TOC1``: its ``w:pPr``)."""
    found: dict[str, etree._Element] = {}
    for paragraph in paragraphs:
        ppr = paragraph.find(_w("pPr"))
        style = ppr.find(_w("pStyle")) if ppr is not None else None
        if style is not None and style.get(_w("val")) not in found:
            found[style.get(_w("val"))] = ppr
    return found


def _plain(text: str) -> str:
    """Return ``text`` with its whitespace (non-breaking spaces, tabs) collapsed, to compare headings."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _paragraph_text(paragraph: etree._Element) -> str:
    """Return the text of a paragraph's runs, tabs as spaces."""
    return "".join(
        node.text or "" if node.tag == _w("t") else " " for node in paragraph.iter(_w("t"), _w("tab")) if _in_run(node)
    )


def _in_run(node: etree._Element) -> bool:
    """Tell whether a ``w:t`` or ``w:tab`` is run content (not a tab stop of the paragraph's properties)."""
    parent = node.getparent()
    return parent is not None and parent.tag == _w("r")


def _bookmark_headings(
    body: etree._Element, after: Sequence[etree._Element], contents: Sequence[Entry]
) -> list[str | None]:
    """Put a ``_Toc`` bookmark on the heading each entry names, in order; return the names (None: not found).

    Names and ids are numbered from the entry's position: the same document gets the same bookmarks.
    """
    used = {b.get(_w("name")) for b in body.iter(_w("bookmarkStart"))}
    ids = [int(i) for b in body.iter(_w("bookmarkStart")) if (i := b.get(_w("id"), "")).isdigit()]
    next_id = max(ids, default=-1) + 1
    paragraphs = [p for p in after if p.tag == _w("p")]
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
        start = etree.Element(_w("bookmarkStart"))
        start.set(_w("id"), str(next_id))
        start.set(_w("name"), name)
        end = etree.Element(_w("bookmarkEnd"))
        end.set(_w("id"), str(next_id))
        heading.insert(1 if heading.find(_w("pPr")) is not None else 0, start)
        heading.append(end)
        next_id += 1
        anchors.append(name)
    return anchors


def _entry_paragraph(entry: Entry, properties: Mapping[str, etree._Element], anchor: str | None) -> etree._Element:
    """Return one entry's paragraph as Word makes it: TOC style, a link to the heading, text, tab, ``PAGEREF``."""
    level, text, page = entry
    style = f"TOC{level}"
    paragraph = etree.Element(_w("p"))
    if style in properties:
        ppr = etree.fromstring(etree.tostring(properties[style]))
    else:
        ppr = etree.Element(_w("pPr"))
        etree.SubElement(ppr, _w("pStyle")).set(_w("val"), style)
    paragraph.append(ppr)
    holder = paragraph
    if anchor is not None:
        holder = etree.SubElement(paragraph, _w("hyperlink"))
        holder.set(_w("anchor"), anchor)
        holder.set(_w("history"), "1")
    run = etree.SubElement(holder, _w("r"))
    for number, piece in enumerate(text.split("\t")):
        if number:
            etree.SubElement(run, _w("tab"))
        _text(run, piece)
    if page:
        etree.SubElement(etree.SubElement(holder, _w("r")), _w("tab"))
        if anchor is not None:
            _field_char(holder, "begin")
            _text(etree.SubElement(holder, _w("r")), f" PAGEREF {anchor} \\h ", tag="instrText")
            _field_char(holder, "separate")
        _text(etree.SubElement(holder, _w("r")), page)
        if anchor is not None:
            _field_char(holder, "end")
    return paragraph


def _field_char(parent: etree._Element, kind: str) -> None:
    """Append a run holding a ``w:fldChar`` of ``kind`` (begin, separate, end)."""
    etree.SubElement(etree.SubElement(parent, _w("r")), _w("fldChar")).set(_w("fldCharType"), kind)


def _text(run: etree._Element, value: str, *, tag: str = "t") -> None:
    """Append a ``w:t`` (or ``tag``) holding ``value`` (spaces kept) to ``run``."""
    if not value:
        return
    t = etree.SubElement(run, _w(tag))
    t.text = value
    t.set(_XML_SPACE, "preserve")


def stored_contents(docx: bytes) -> list[Entry]:
    """Return the entries the DOCX's TOC field shows (level from ``TOCn``, text, page), empty without one."""
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        root = etree.fromstring(src.read(_DOCUMENT), _parser())
    body = root.find(_w("body"))
    field = _toc_field(body) if body is not None else None
    if field is None:
        return []
    first, last = _top_paragraph(body, field[0]), _top_paragraph(body, field[2])
    if first is None or last is None:
        return []
    entries: list[Entry] = []
    for paragraph in list(body)[body.index(first) : body.index(last) + 1]:
        style = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
        name = style.get(_w("val"), "") if style is not None else ""
        level = int(name[3:]) if name.startswith("TOC") and name[3:].isdigit() else 0
        pieces: list[str] = []
        for node in paragraph.iter(_w("t"), _w("tab"), _w("instrText")):
            if node.tag == _w("t"):
                pieces.append(node.text or "")
            elif node.tag == _w("tab") and _in_run(node):
                pieces.append("\t")
        text, _, page = "".join(pieces).rpartition("\t")
        entries.append((level, text, page))
    return entries
