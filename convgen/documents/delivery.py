"""The DOCX as it is delivered: what its PDF says (properties, table of contents) and, for a draft, figures its
watermark shows through (:mod:`convgen.documents.faded`).

Runs in a rendering process, once the PDF is made (or without it, for a DOCX built alone).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence

from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.faded import fade_figures
from convgen.documents.ooxml import parser, part_bytes
from convgen.documents.toc import Entry, write_contents

__all__ = ["APPLICATION", "DEFAULT_LANGUAGE", "finish_docx"]

DEFAULT_LANGUAGE = "fr-FR"
APPLICATION = "convgen"

_DOCUMENT = "word/document.xml"
_CORE = "docProps/core.xml"
_APP = "docProps/app.xml"
_CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"


def finish_docx(
    docx: bytes, metadata: Mapping[str, str], contents: Sequence[Entry] | None = None, draft: bool = False
) -> bytes:
    """Return the DOCX with the job's properties, the table of contents the PDF prints (when given) and, for a
    draft, figures its watermark shows through.

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
    renamed = fade_figures(entries) if draft else {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in infos:
            name = renamed.get(info.filename, info.filename)
            if name != info.filename:
                info = _renamed(info, name)
            dst.writestr(info, entries[name], compresslevel=6)
    return out.getvalue()


def _renamed(info: zipfile.ZipInfo, name: str) -> zipfile.ZipInfo:
    """Return a copy of a zip entry's header under another name (same date, compression and attributes)."""
    copy = zipfile.ZipInfo(name, info.date_time)
    copy.compress_type, copy.create_system, copy.external_attr = (
        info.compress_type,
        info.create_system,
        info.external_attr,
    )
    return copy


def _core(xml: bytes, metadata: Mapping[str, str]) -> bytes:
    """Return core.xml with the PDF's title, subject, keywords and author, in French; dates untouched."""
    root = etree.fromstring(xml, parser())
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
    return part_bytes(root)


def _app(xml: bytes) -> bytes:
    """Return app.xml naming convgen as the application that made the document."""
    root = etree.fromstring(xml, parser())
    application = root.find(f"{{{_APP_NS}}}Application")
    if application is None:
        application = etree.Element(f"{{{_APP_NS}}}Application")
        root.insert(0, application)
    application.text = APPLICATION
    return part_bytes(root)
