"""What format a file archived under ``registre/`` is: its MIME type and PRONOM identifier (SEDA FormatIdentification).

The archived files are few and known: the PDFs convgen builds (PDF/A-2b, declared in their XMP), the signed
copies of them, the validation reports (XML), and the scans of paper originals, which keep their own format: a
PDF/A declared in the XMP, else the PDF version of the file (header or catalog), a JPEG, a PNG, a TIFF. The
format is read from the bytes, never from the file name. PRONOM is The National Archives' (UK) format registry,
the one SEDA's FileFormatCodeList names.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

# PRONOM identifiers (https://www.nationalarchives.gov.uk/PRONOM/), by PDF/A part and conformance level
PDFA_PRONOM = {
    ("1", "A"): "fmt/95",
    ("1", "B"): "fmt/354",
    ("2", "A"): "fmt/476",
    ("2", "B"): "fmt/477",
    ("2", "U"): "fmt/478",
    ("3", "A"): "fmt/479",
    ("3", "B"): "fmt/480",
    ("3", "U"): "fmt/481",
}
PDF_PRONOM = {
    "1.0": "fmt/14",
    "1.1": "fmt/15",
    "1.2": "fmt/16",
    "1.3": "fmt/17",
    "1.4": "fmt/18",
    "1.5": "fmt/19",
    "1.6": "fmt/20",
    "1.7": "fmt/276",
    "2.0": "fmt/1129",
}
JFIF_PRONOM = {b"\x01\x00": "fmt/42", b"\x01\x01": "fmt/43", b"\x01\x02": "fmt/44"}


@dataclass(frozen=True)
class Format:
    """A file's format as SEDA's FormatIdentification gives it."""

    label: str  # FormatLitteral: « PDF/A-2b », « PDF 1.7 », « JPEG File Interchange Format 1.02 »
    mime: str  # MimeType
    pronom: str | None  # FormatId; None when the format is not one PRONOM names here


UNKNOWN = Format("format non identifié", "application/octet-stream", None)


def identify(data: bytes) -> Format:
    """Return the format of ``data``, read from its bytes."""
    if data.startswith(b"%PDF-"):
        return _pdf(data)
    if data.startswith(b"\xff\xd8\xff"):
        version = data[11:13] if data[6:11] == b"JFIF\x00" else b""
        pronom = JFIF_PRONOM.get(version, "fmt/41")  # fmt/41: raw JPEG stream
        label = f"JPEG File Interchange Format {version[0]}.{version[1]:02d}" if version in JFIF_PRONOM else "JPEG"
        return Format(label, "image/jpeg", pronom)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Format("Portable Network Graphics 1.2", "image/png", "fmt/13")
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return Format("Tagged Image File Format", "image/tiff", "fmt/353")
    if data.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml"):
        return Format("Extensible Markup Language 1.0", "application/xml", "fmt/101")
    return UNKNOWN


def _pdf(data: bytes) -> Format:
    """Return the format of a PDF: the PDF/A its XMP declares, else its PDF version."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
            part, level = str(meta.get("pdfaid:part", "")), str(meta.get("pdfaid:conformance", "")).upper()
            ua = str(meta.get("pdfuaid:part", ""))
            version = str(pdf.pdf_version)
    except (pikepdf.PdfError, ValueError):
        version = data[5:8].decode("ascii", "replace")
        part = level = ua = ""
    pronom = PDFA_PRONOM.get((part, level))
    if pronom is not None:
        return Format(f"PDF/A-{part}{level.lower()}" + (f" (PDF/UA-{ua})" if ua else ""), "application/pdf", pronom)
    return Format(f"PDF {version}", "application/pdf", PDF_PRONOM.get(version))
