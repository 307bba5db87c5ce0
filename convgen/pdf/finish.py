"""Check a PDF produced by LibreOffice, then finish it: metadata, signature fields, reproducible bytes."""

from __future__ import annotations

import hashlib
import re
import struct
import threading
import unicodedata
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pikepdf

from convgen import __version__
from convgen.errors import BrokenOutputError, RenderError
from convgen.files import replacing
from convgen.pdf.accessibility import declare_pdfua, mark_accessible, tag_widget
from convgen.pdf.layout import Box, page_boxes
from convgen.pdf.placement import Placement, PlacementError, align_rows, find_name_line, place_field
from convgen.pdf.streams import settle_streams, streams_ending_in_cr
from convgen.pdf.watermark import raise_watermark

if TYPE_CHECKING:
    from pypdf import PdfReader

__all__ = ["SignatureField", "check_header", "check_pages", "check_pdf", "check_text", "finalize_pdf"]

A4_POINTS = (595.28, 841.89)
A4_TOLERANCE = 1.0
METADATA_KEYS = ("Title", "Author", "Subject", "Keywords")
PDFIUM_LOCK = threading.Lock()  # one PDFium call at a time in this process: see _contains_text


@dataclass(frozen=True)
class SignatureField:
    """An empty signature field placed just above the signatory's name line.

    The line is found by the named destination ``bookmark`` (a Word bookmark of the template, exported by
    LibreOffice) when the PDF has it, else by the last occurrence of the text ``anchor``.
    """

    name: str
    anchor: str
    bookmark: str | None = None


def _normalize(text: str) -> str:
    """Return text in NFC with every run of (non-breaking) spaces and line breaks made one space, words whole.

    A word hyphenated at the end of a line is read whole: PDFium marks the hyphenation point with U+FFFE.
    """
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "").replace("\ufffe", "")
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


# --------------------------------------------------------------------------- checks


def _contains_text(path: Path, expected: str) -> bool:
    """Tell whether the PDF's text contains ``expected``, reading pages only until it is found.

    PDFium extracts a page's text in about 2 ms, twenty times faster than pypdf: this check runs on every output.
    PDFium is not thread-safe, "not even with different documents" (pypdfium2's documentation), and the
    conversions call this from several threads: every PDFium call is made under :data:`PDFIUM_LOCK`, and every
    PDFium object is closed before the lock is released, so no finalizer runs PDFium later from another thread.
    """
    import pypdfium2

    wanted = _normalize(expected)
    seen = ""
    with PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(str(path))
        try:
            for index in range(len(document)):
                page = document[index]
                try:
                    textpage = page.get_textpage()
                    try:
                        text = textpage.get_text_range()
                    finally:
                        textpage.close()
                finally:
                    page.close()
                # Keep the end of the previous pages: the text may run across a page break.
                seen = _normalize(f"{seen[-len(wanted) :]} {text}")
                if wanted in seen:
                    return True
            return False
        finally:
            document.close()


def check_pdf(path: Path, *, pages: int | None = None, expect_text: str | None = None, name: str | None = None) -> int:
    """Check that ``path`` is a readable A4 PDF with the expected pages and text; return its page count."""
    label = name or Path(path).name
    check_header(path, label)
    try:
        with pikepdf.open(path) as document:
            count = check_pages(document, label, pages=pages)
    except (pikepdf.PdfError, OSError, ValueError) as error:
        raise BrokenOutputError(f"{label} : le PDF produit est illisible ({error})") from None
    check_text(path, label, expect_text)
    return count


def check_header(path: Path, label: str) -> None:
    """Check that a file was written at ``path`` and that it begins as a PDF does."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(5)
    except OSError:
        raise BrokenOutputError(f"{label} : aucun PDF n’a été produit") from None
    if not head:  # the converter wrote nothing into the file prepared for it
        raise BrokenOutputError(f"{label} : aucun PDF n’a été produit")
    if head != b"%PDF-":
        raise BrokenOutputError(f"{label} : le fichier produit n’est pas un PDF")


def check_pages(document: pikepdf.Pdf, label: str, *, pages: int | None = None) -> int:
    """Check that an open PDF has pages, ``pages`` of them when given, all A4; return how many."""
    count = len(document.pages)
    sizes = [
        (float(page.mediabox[2] - page.mediabox[0]), float(page.mediabox[3] - page.mediabox[1]))
        for page in document.pages
    ]
    if count < 1:
        raise BrokenOutputError(f"{label} : le PDF produit n’a aucune page")
    if pages is not None and count != pages:
        raise RenderError(f"{label} : {count} pages au lieu des {pages} attendues")
    for number, (width, height) in enumerate(sizes, start=1):
        short, long = sorted((width, height))
        if abs(short - A4_POINTS[0]) > A4_TOLERANCE or abs(long - A4_POINTS[1]) > A4_TOLERANCE:
            raise RenderError(
                f"{label} : la page {number} mesure {width:.0f} × {height:.0f} pt au lieu du format A4 "
                "(595 × 842 pt) — réglez le format de page du modèle sur A4"
            )
    return count


def check_text(path: Path, label: str, expect_text: str | None) -> None:
    """Check that the PDF at ``path`` prints ``expect_text`` (nothing to check when None)."""
    if expect_text is not None and not _contains_text(path, expect_text):
        raise RenderError(f"{label} : le texte attendu « {expect_text} » est absent du PDF")


# --------------------------------------------------------------------------- post-processing


@dataclass(frozen=True)
class _Anchor:
    """Where an anchor text was found: page index, left x, baseline y and font height, in points."""

    page: int
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class _Fragment:
    """One piece of text drawn on a page."""

    text: str
    x: float
    y: float
    size: float


def _page_fragments(reader: PdfReader, index: int) -> list[_Fragment]:
    """Return one page's text fragments with their user-space positions."""
    fragments: list[_Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        c = tm[2] * cm[0] + tm[3] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        fragments.append(_Fragment(text, x, y, abs(float(size)) * (c * c + d * d) ** 0.5))

    reader.pages[index].extract_text(visitor_text=visit)
    return fragments


def _lines(fragments: list[_Fragment]) -> list[list[_Fragment]]:
    """Group fragments sharing a baseline, left to right."""
    lines: list[list[_Fragment]] = []
    for fragment in sorted(fragments, key=lambda item: (-round(item.y, 0), item.x)):
        if lines and abs(lines[-1][0].y - fragment.y) < 1.5:
            lines[-1].append(fragment)
        else:
            lines.append([fragment])
    return [sorted(line, key=lambda item: item.x) for line in lines]


def _find_anchor(reader: PdfReader, cache: dict[int, list[_Fragment]], anchor: str) -> _Anchor | None:
    """Return the last occurrence of ``anchor`` in document order (pages are read from the end), or None."""
    wanted = _normalize(anchor)
    for index in reversed(range(len(reader.pages))):
        if index not in cache:
            cache[index] = _page_fragments(reader, index)
        found: _Anchor | None = None
        for line in _lines(cache[index]):
            # One baseline may cross several table columns: try every fragment as the start.
            for start, first in enumerate(line):
                head = _normalize(first.text)
                text = ""
                for fragment in line[start:]:
                    text = _normalize(f"{text} {fragment.text}")
                    offset = text.find(wanted)
                    if 0 <= offset < max(1, len(head)):
                        found = _Anchor(index, first.x + offset * first.size * 0.5, first.y, first.size)
                        break
                    if len(text) > len(wanted) + len(head):
                        break
        if found is not None:
            return found
    return None


def _named_destinations(path: Path) -> dict[str, tuple[int, float, float]]:
    """Return the PDF's named destinations of the /XYZ kind: name → (page index, left, top), in points."""
    found: dict[str, tuple[int, float, float]] = {}
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        dests = pdf.Root.get("/Dests")
        items: list[tuple[str, Any]] = []
        if isinstance(dests, pikepdf.Dictionary):
            items = [(str(key)[1:], value) for key, value in dests.items()]
        for name, value in items:
            if isinstance(value, pikepdf.Dictionary):
                value = value.get("/D")
            if not isinstance(value, pikepdf.Array) or len(value) < 4 or str(value[1]) != "/XYZ":
                continue
            page_ref: Any = value[0]
            index = pages.get(page_ref.objgen)
            if index is not None:
                found[name] = (index, float(value[2]), float(value[3]))
    return found


def _inline_named_destinations(pdf: pikepdf.Pdf) -> None:
    """Replace every named destination by its explicit target, then drop the names.

    LibreOffice names the destinations of its table of contents with random numbers
    (``__RefHeading___Toc544_2711514954``): inlining them keeps the links and makes the bytes reproducible.
    """
    dests = pdf.Root.get("/Dests")
    if not isinstance(dests, pikepdf.Dictionary):
        return
    table: dict[str, Any] = {}
    for key, value in dests.items():
        target = value.get("/D") if isinstance(value, pikepdf.Dictionary) else value
        table[str(key)[1:]] = target

    def resolve(holder: Any, key: str) -> None:
        ref = holder.get(key)
        if isinstance(ref, pikepdf.Name):
            name = str(ref)[1:]
        elif isinstance(ref, pikepdf.String):
            name = str(ref)
        else:
            return
        if name in table and table[name] is not None:
            holder[key] = table[name]

    def visit(item: Any) -> None:
        resolve(item, "/Dest")
        action = item.get("/A")
        if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo":
            resolve(action, "/D")

    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", pikepdf.Array()):
            if isinstance(annotation, pikepdf.Dictionary):
                visit(annotation)
    outlines = pdf.Root.get("/Outlines")
    pending = [outlines.get("/First")] if isinstance(outlines, pikepdf.Dictionary) else []
    seen: set[tuple[int, int]] = set()
    while pending:
        item = pending.pop()
        if not isinstance(item, pikepdf.Dictionary) or item.objgen in seen:
            continue
        seen.add(item.objgen)
        visit(item)
        pending.extend(item.get(key) for key in ("/First", "/Next") if key in item)
    del pdf.Root["/Dests"]


def _pdf_date(moment: datetime) -> str:
    """Return a PDF date string in UTC: ``D:20240223000000Z``."""
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


def _fix_icc_dates(pdf: pikepdf.Pdf, moment: datetime) -> None:
    """Set the creation date inside every embedded ICC profile header (and its MD5 id, if any)."""
    seen: set[tuple[int, int]] = set()
    for intent in pdf.Root.get("/OutputIntents", pikepdf.Array()):
        profile = intent.get("/DestOutputProfile")
        if not isinstance(profile, pikepdf.Stream) or profile.objgen in seen:
            continue
        seen.add(profile.objgen)
        data = bytearray(profile.read_bytes(decode_level=pikepdf.StreamDecodeLevel.specialized))
        if len(data) < 128:
            continue
        utc = moment.astimezone(UTC)
        data[24:36] = struct.pack(">6H", utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)
        if any(data[84:100]):
            blanked = bytearray(data)
            blanked[44:48] = bytes(4)
            blanked[64:68] = bytes(4)
            blanked[84:100] = bytes(16)
            data[84:100] = hashlib.md5(bytes(blanked)).digest()
        profile.write(zlib.compress(bytes(data), 9), filter=pikepdf.Name.FlateDecode)


def _probes(
    source: Path, fields: Sequence[SignatureField], label: str
) -> list[tuple[SignatureField, int, float, float]]:
    """Return, for each field, its page and a point just inside the first letters of the signatory's name."""
    probes: list[tuple[SignatureField, int, float, float]] = []
    if not fields:
        return probes
    reader: PdfReader | None = None  # read only for a field without its bookmark (importing pypdf: 0.1 s)
    cache: dict[int, list[_Fragment]] = {}
    destinations = _named_destinations(source)
    for field in fields:
        if field.bookmark and field.bookmark in destinations:
            page, left, top = destinations[field.bookmark]  # the left and top of the name line
            probes.append((field, page, left + 1.0, top - 3.0))
            continue
        if reader is None:
            from pypdf import PdfReader

            reader = PdfReader(source)
        anchor = _find_anchor(reader, cache, field.anchor)
        if anchor is None:
            raise RenderError(
                f"{label} : le texte « {field.anchor} » qui situe la signature {field.name} est introuvable "
                "dans le PDF — vérifiez le nom du signataire dans le bloc de signature"
            )
        probes.append((field, anchor.page, anchor.x + 1.0, anchor.y + 0.3 * anchor.size))
    return probes


def _locate_fields(
    pdf: pikepdf.Pdf, probes: list[tuple[SignatureField, int, float, float]], label: str
) -> list[tuple[SignatureField, int, Placement]]:
    """Place each field in its column of the signature table, from a point on the signatory's name line."""
    boxes: dict[int, list[Box]] = {}
    placed: list[tuple[SignatureField, int, Placement]] = []
    for field, page, x, y in probes:
        if page not in boxes:
            boxes[page] = page_boxes(pdf.pages[page])
        line = find_name_line(boxes[page], x, y)
        if not line:
            raise RenderError(
                f"{label} : le nom « {field.anchor} » qui situe la signature {field.name} n’est pas du texte "
                f"lisible à la page {page + 1} — vérifiez le bloc de signature du modèle"
            )
        try:
            placed.append((field, page, place_field(pdf, page, boxes[page], line)))
        except PlacementError as error:
            raise RenderError(
                f"{label} : signature {field.name} au-dessus de « {field.anchor} » (page {page + 1}) : {error} — "
                "prévoyez, dans la colonne du signataire, un blanc d’au moins 2,6 cm de haut sur 6,5 cm de large"
            ) from None
    aligned = align_rows([(page, placement) for _, page, placement in placed])
    return [(field, page, placement) for (field, page, _), placement in zip(placed, aligned, strict=True)]


def _add_signature_fields(pdf: pikepdf.Pdf, placed: list[tuple[SignatureField, int, Placement]]) -> None:
    """Add one empty /Sig field with a printable widget per placement, tagged as a Form element."""
    fields = []
    for field, index, placement in placed:
        page = pdf.pages[index]
        rect = list(placement.rect)
        width, height = rect[2] - rect[0], rect[3] - rect[1]
        appearance = pdf.make_stream(
            b"q Q\n",  # draws nothing: an unsigned field has a blank appearance
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form,
            BBox=pikepdf.Array([0, 0, round(width, 2), round(height, 2)]),
        )
        description = f"Signature : {field.anchor}"
        widget = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Widget,
                FT=pikepdf.Name.Sig,
                T=pikepdf.String(field.name),
                TU=pikepdf.String(description),
                F=4,
                Rect=pikepdf.Array(rect),
                P=page.obj,
                AP=pikepdf.Dictionary(N=appearance),
            )
        )
        if "/Annots" not in page.obj:
            page.obj.Annots = pdf.make_indirect(pikepdf.Array())
        page.obj.Annots.append(widget)
        tag_widget(pdf, widget, page.obj, placement.parent, placement.before, description)
        fields.append(widget)
    if not fields:
        return
    if "/AcroForm" not in pdf.Root:
        pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array()))
    form = pdf.Root.AcroForm
    if "/Fields" not in form:
        form.Fields = pikepdf.Array()
    for widget in fields:
        form.Fields.append(widget)
    for key in ("/NeedAppearances", "/SigFlags"):
        if key in form:
            del form[key]


# Layouts tried in turn until no stream ends with CR: (object streams, linearized).
_LAYOUTS = (
    (pikepdf.ObjectStreamMode.generate, False),
    (pikepdf.ObjectStreamMode.generate, True),
    (pikepdf.ObjectStreamMode.disable, False),
)


def _save(pdf: pikepdf.Pdf, path: Path, label: str) -> None:
    """Save reproducibly, with no stream whose data ends with CR.

    convgen encodes the page streams itself (``settle_streams``); qpdf writes the object streams and the
    cross-reference stream while saving, and one of them ends with CR in about one file in twenty. That file is
    then saved linearized (the same objects in another order, so in other object streams) and, should that
    fail too, without object streams. The choice depends only on the content: the bytes stay reproducible.
    """
    settle_streams(pdf)
    found: list[tuple[int, int]] = []
    for mode, linearize in _LAYOUTS:
        pdf.save(
            path,
            deterministic_id=True,
            object_stream_mode=mode,
            compress_streams=True,
            fix_metadata_version=True,
            linearize=linearize,
        )
        found = streams_ending_in_cr(path)
        if not found:
            return
    number, generation = found[0]
    raise RenderError(
        f"{label} : le flux {number} {generation} R du PDF se termine par un retour chariot, "
        "ce que PDF/A-2b interdit (ISO 19005-2 § 6.1.7.1)"
    )


def finalize_pdf(
    src: Path,
    dst: Path,
    *,
    metadata: Mapping[str, str],
    signature_fields: Sequence[SignatureField] | None,
    epoch: datetime,
) -> None:
    """Set metadata and /Lang, add signature fields, fix every date; write ``dst`` atomically, byte-reproducibly."""
    source, target = Path(src), Path(dst)
    unknown = sorted(set(metadata) - set(METADATA_KEYS))
    if unknown:
        raise ValueError(f"unknown metadata keys: {unknown}; expected some of {METADATA_KEYS}")
    moment = epoch if epoch.tzinfo is not None else epoch.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    label = target.name
    probes = _probes(source, signature_fields or [], label)
    with replacing(target) as temporary:  # target is the whole checked PDF, or untouched
        with pikepdf.open(source) as pdf:
            producer = str(pdf.docinfo.get("/Producer", "LibreOffice"))
            if "convgen" not in producer:
                producer = f"{producer} ; convgen {__version__}"
            iso = moment.isoformat()
            with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
                if "Title" in metadata:
                    xmp["dc:title"] = metadata["Title"]
                if "Author" in metadata:
                    xmp["dc:creator"] = [metadata["Author"]]
                if "Subject" in metadata:
                    xmp["dc:description"] = metadata["Subject"]
                if "Keywords" in metadata:
                    xmp["pdf:Keywords"] = metadata["Keywords"]
                xmp["xmp:CreatorTool"] = "convgen"
                xmp["pdf:Producer"] = producer
                xmp["xmp:CreateDate"] = iso
                xmp["xmp:ModifyDate"] = iso
                xmp["xmp:MetadataDate"] = iso
                xmp["pdfuaid:part"] = "1"
            for key in METADATA_KEYS:
                if key in metadata:
                    pdf.docinfo[f"/{key}"] = pikepdf.String(metadata[key])
            pdf.docinfo["/Creator"] = pikepdf.String("convgen")
            pdf.docinfo["/Producer"] = pikepdf.String(producer)
            pdf.docinfo["/CreationDate"] = pikepdf.String(_pdf_date(moment))
            pdf.docinfo["/ModDate"] = pikepdf.String(_pdf_date(moment))
            pdf.Root.Lang = pikepdf.String("fr-FR")
            for key in ("/DocChecksum", "/ID"):  # both vary from run to run; qpdf derives /ID from content
                if key in pdf.trailer:
                    del pdf.trailer[key]
            declare_pdfua(pdf)
            _fix_icc_dates(pdf, moment)
            _inline_named_destinations(pdf)
            raise_watermark(pdf)  # a draft's PROJET over its figures too
            mark_accessible(pdf)
            _add_signature_fields(pdf, _locate_fields(pdf, probes, label))
            _save(pdf, temporary, label)
        check_pdf(temporary, name=label)
