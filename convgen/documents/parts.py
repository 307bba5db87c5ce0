"""The parts no produced DOCX needs, dropped when a rendered DOCX is normalized (``render.normalize_docx``).

A thumbnail of the template, ``stylesWithEffects.xml``, customXml bibliography parts and the settings that ask
Word to refresh fields or save a preview: with their relationships and content types.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, MutableMapping

from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.ooxml import parser, part_bytes, w

__all__ = ["content_types", "drop_leftovers"]

_SETTINGS = "word/settings.xml"
_TYPES = "[Content_Types].xml"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_BIBLIOGRAPHY_NS = "http://schemas.openxmlformats.org/officeDocument/2006/bibliography"
_THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_SETTINGS_DROPPED = ("updateFields", "savePreviewPicture")


def drop_leftovers(entries: MutableMapping[str, bytes]) -> None:
    """Drop the thumbnail, ``stylesWithEffects.xml``, bibliography parts and ``w:updateFields``, rels included."""
    dropped = {name for name in entries if _is_leftover(name, entries)}
    for rels in [name for name in entries if name.endswith(".rels")]:
        if rels in dropped:
            continue
        root = etree.fromstring(entries[rels], parser())
        changed = False
        for rel in root.findall(f"{{{_RELS_NS}}}Relationship"):
            target = _target(rels, rel)
            if rel.get("Type") in (_THUMBNAIL, _STYLES_WITH_EFFECTS) and target is not None:
                dropped.add(target)
            if target is not None and target in dropped:
                root.remove(rel)
                changed = True
        if changed:
            entries[rels] = part_bytes(root)
    for name in dropped:
        entries.pop(name, None)
        entries.pop(_rels_of(name), None)
    if _TYPES in entries:
        entries[_TYPES] = content_types(entries[_TYPES], set(entries))
    if _SETTINGS in entries:
        root = etree.fromstring(entries[_SETTINGS], parser())
        for tag in _SETTINGS_DROPPED:
            for element in root.findall(w(tag)):
                root.remove(element)
        entries[_SETTINGS] = part_bytes(root)


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
        root = etree.fromstring(blob, parser())
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


def content_types(xml: bytes, parts: set[str]) -> bytes:
    """Return ``[Content_Types].xml`` without overrides of absent parts nor defaults no part uses."""
    root = etree.fromstring(xml, parser())
    extensions = {posixpath.splitext(name)[1].lstrip(".").lower() for name in parts}
    for override in root.findall(f"{{{_TYPES_NS}}}Override"):
        if override.get("PartName", "").lstrip("/") not in parts:
            root.remove(override)
    for default in root.findall(f"{{{_TYPES_NS}}}Default"):
        extension = default.get("Extension", "").lower()
        if extension not in ("rels", "xml") and extension not in extensions:
            root.remove(default)
    return part_bytes(root)
