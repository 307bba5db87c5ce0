"""The format of an archived file is read from its bytes: PDF/A from the XMP, else PDF version, images, XML."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from convgen.acts.formats import UNKNOWN, identify


def picture(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, kind)
    return out.getvalue()


def pdf(version: str, pdfa: tuple[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    with pikepdf.new() as document:
        document.add_blank_page()
        if pdfa is not None:
            with document.open_metadata(set_pikepdf_as_editor=False) as meta:
                meta["pdfaid:part"], meta["pdfaid:conformance"] = pdfa
        document.save(out, force_version=version)
    return out.getvalue()


@pytest.mark.parametrize(("version", "pronom"), [("1.4", "fmt/18"), ("1.5", "fmt/19"), ("1.7", "fmt/276")])
def test_a_plain_pdf_is_named_by_its_version(version: str, pronom: str) -> None:
    found = identify(pdf(version))
    assert (found.label, found.mime, found.pronom) == (f"PDF {version}", "application/pdf", pronom)


@pytest.mark.parametrize(
    ("pdfa", "pronom"), [(("2", "B"), "fmt/477"), (("1", "B"), "fmt/354"), (("3", "U"), "fmt/481")]
)
def test_a_pdfa_is_named_by_its_part_and_level(pdfa: tuple[str, str], pronom: str) -> None:
    found = identify(pdf("1.7", pdfa))
    assert found.pronom == pronom
    assert found.label == f"PDF/A-{pdfa[0]}{pdfa[1].lower()}"


def test_pictures_xml_and_the_rest() -> None:
    jpeg = identify(picture("JPEG"))
    assert (jpeg.mime, jpeg.pronom) == ("image/jpeg", "fmt/43")  # Pillow writes JFIF 1.01
    assert identify(picture("PNG")).pronom == "fmt/13"
    assert identify(picture("TIFF")).mime == "image/tiff"
    assert identify(b'<?xml version="1.0"?><a/>').pronom == "fmt/101"
    assert identify(b"texte quelconque") == UNKNOWN
    assert identify(b"%PDF-1.6\ncorrompu").pronom == "fmt/20"  # unreadable: the header's version
