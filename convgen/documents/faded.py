"""The figures of a delivered draft, faded so that its watermark shows through them.

A draft's watermark (« PROJET », ``word/media/filigrane-projet.emf``) is anchored in the header, behind the text.
Word lays everything of the header under the body, whatever its wrap, and LibreOffice draws the header first:
an opaque figure of the body hides the watermark, and no setting of the header can change it. The delivered
draft therefore carries each figure of its body with ``1 − WATERMARK_OPACITY`` of its opacity, written into the
picture's own pixels (a PNG with an alpha channel): the watermark shows through as strongly as the PDF draws
it over the page (``pdf/watermark.py``), in every word processor, where the picture-transparency setting of
DrawingML (``a:alphaModFix``) is read by Word but not by LibreOffice's DOCX import. The PDF keeps its figures
as they are (its watermark is drawn over them); a document to sign has no watermark and keeps its figures.
"""

from __future__ import annotations

import functools
import io
import posixpath
from collections.abc import MutableMapping

from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.ooxml import parser, part_bytes
from convgen.documents.parts import content_types

__all__ = ["WATERMARK_OPACITY", "fade_figures", "fade_picture"]

WATERMARK_OPACITY = 0.35
"""How strongly a draft's watermark shows over its figures: in the PDF, drawn over the page at this opacity; in
the DOCX, through figures that keep the rest of their opacity."""

_DOCUMENT = "word/document.xml"
_DOCUMENT_RELS = "word/_rels/document.xml.rels"
_TYPES = "[Content_Types].xml"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def fade_figures(entries: MutableMapping[str, bytes]) -> dict[str, str]:
    """Fade the pictures of the body in place; return the parts renamed (a JPEG becomes a PNG: old → new name)."""
    if _DOCUMENT not in entries or _DOCUMENT_RELS not in entries:
        return {}
    document = etree.fromstring(entries[_DOCUMENT], parser())
    used = {blip.get(f"{{{_R}}}embed") for blip in document.iter(f"{{{_A}}}blip")}
    rels = etree.fromstring(entries[_DOCUMENT_RELS], parser())
    renamed: dict[str, str] = {}
    for rel in rels.findall(f"{{{_RELS_NS}}}Relationship"):
        if rel.get("Id") not in used or rel.get("TargetMode") == "External":
            continue
        target = str(rel.get("Target", ""))
        part = posixpath.normpath(posixpath.join("word", target))
        if part not in entries or part in renamed.values():
            continue
        stem, extension = posixpath.splitext(part)
        png = part if extension.lower() == ".png" else _free_name(stem, entries)
        entries[png] = fade_picture(entries.pop(part) if png != part else entries[part])
        if png != part:
            renamed[part] = png
            rel.set("Target", posixpath.relpath(png, "word"))
    if renamed:
        entries[_DOCUMENT_RELS] = part_bytes(rels)
        if _TYPES in entries:
            entries[_TYPES] = content_types(_with_png_type(entries[_TYPES]), set(entries))
    return renamed


@functools.lru_cache(maxsize=16)
def fade_picture(data: bytes) -> bytes:
    """Return the picture as a PNG whose every pixel keeps ``1 − WATERMARK_OPACITY`` of its opacity.

    Kept per rendering process: every draft of a build carries the same figures (≈ 35 ms each to fade).
    """
    from PIL import Image

    keep = 1 - WATERMARK_OPACITY
    with Image.open(io.BytesIO(data)) as image:
        rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A").point(lambda value: round(value * keep))
    rgba.putalpha(alpha)
    out = io.BytesIO()
    rgba.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _free_name(stem: str, entries: MutableMapping[str, bytes]) -> str:
    """Return ``stem.png``, or ``stem-1.png``… when the name is taken."""
    name, number = f"{stem}.png", 0
    while name in entries:
        number += 1
        name = f"{stem}-{number}.png"
    return name


def _with_png_type(xml: bytes) -> bytes:
    """Return ``[Content_Types].xml`` declaring PNG pictures."""
    root = etree.fromstring(xml, parser())
    defaults = {str(d.get("Extension", "")).lower() for d in root.findall(f"{{{_TYPES_NS}}}Default")}
    if "png" not in defaults:
        default = etree.SubElement(root, f"{{{_TYPES_NS}}}Default")
        default.set("Extension", "png")
        default.set("ContentType", "image/png")
    return part_bytes(root)
