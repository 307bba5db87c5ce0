"""A draft's DOCX: its figures let the PROJET watermark show through; a document to sign keeps its figures."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pypdfium2
import pytest
from lxml import etree
from PIL import Image

from convgen.documents.delivery import finish_docx
from convgen.documents.faded import WATERMARK_OPACITY, fade_figures, fade_picture
from convgen.documents.render import render_convention
from convgen.pdf.pool import Converter
from tests.documents.test_render import TEMPLATES, make_context
from tests.drawing import drawn_pages

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
HEADER = "word/header1.xml"
KEPT = round(255 * (1 - WATERMARK_OPACITY))  # 166: what an opaque pixel keeps


def entries_of(docx: bytes) -> dict[str, bytes]:
    """Return the parts of a DOCX by name."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def picture(mode: str, fmt: str, colour: tuple[int, ...]) -> bytes:
    """Return a small picture of one colour."""
    out = io.BytesIO()
    Image.new(mode, (8, 6), colour).save(out, format=fmt)
    return out.getvalue()


def alphas(data: bytes) -> set[int]:
    """Return the lowest and highest opacity of a picture's pixels."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        low, high = image.convert("RGBA").getchannel("A").getextrema()
        return {low, high}


@pytest.fixture(scope="module")
def draft() -> bytes:
    """Return the rendered DOCX of a draft convention (its intercommunality has not deliberated yet)."""
    context = make_context("madame", deliberation=None)
    assert context["projet"]
    return render_convention(TEMPLATES, context)


def test_a_picture_keeps_what_the_watermark_leaves_of_its_opacity() -> None:
    assert alphas(fade_picture(picture("RGB", "PNG", (10, 20, 30)))) == {KEPT}
    assert alphas(fade_picture(picture("RGBA", "PNG", (10, 20, 30, 100)))) == {round(100 * (1 - WATERMARK_OPACITY))}
    assert alphas(fade_picture(picture("RGB", "JPEG", (10, 20, 30)))) == {KEPT}
    with Image.open(io.BytesIO(fade_picture(picture("RGB", "PNG", (10, 20, 30))))) as faded:
        assert faded.convert("RGB").getpixel((0, 0)) == (10, 20, 30)  # the colours stay, only the opacity goes


def test_a_draft_delivers_its_figures_faded_and_nothing_else(draft: bytes) -> None:
    before = entries_of(draft)
    after = entries_of(finish_docx(draft, {"Title": "PROJET – Convention"}, None, True))
    figures = sorted(n for n in before if n.startswith("word/media/image"))
    assert len(figures) == 2
    for name in figures:
        assert alphas(after[name]) == {KEPT}
    assert after["word/media/filigrane-projet.emf"] == before["word/media/filigrane-projet.emf"]
    assert after[HEADER] == before[HEADER]
    assert after["word/document.xml"] == before["word/document.xml"]  # same pictures, same places, same sizes
    assert finish_docx(draft, {}, None, True) == finish_docx(draft, {}, None, True)  # same input, same bytes


def test_a_document_to_sign_keeps_its_figures(draft: bytes) -> None:
    before = entries_of(draft)
    after = entries_of(finish_docx(draft, {}, None, False))
    assert all(after[n] == before[n] for n in before if n.startswith("word/media/"))


def test_a_jpeg_figure_becomes_a_png_of_its_own_name(draft: bytes) -> None:
    entries = entries_of(draft)
    jpeg = picture("RGB", "JPEG", (200, 40, 40))
    entries.pop("word/media/image2.png")
    entries["word/media/image2.jpeg"] = jpeg
    rels = entries["word/_rels/document.xml.rels"].replace(b'"media/image2.png"', b'"media/image2.jpeg"')
    entries["word/_rels/document.xml.rels"] = rels
    types = entries["[Content_Types].xml"].replace(
        b"<Default ", b'<Default Extension="jpeg" ContentType="image/jpeg"/><Default ', 1
    )
    entries["[Content_Types].xml"] = types
    assert fade_figures(entries) == {"word/media/image2.jpeg": "word/media/image2.png"}
    assert "word/media/image2.jpeg" not in entries
    assert alphas(entries["word/media/image2.png"]) == {KEPT}
    assert b'Target="media/image2.png"' in entries["word/_rels/document.xml.rels"]
    content_types = etree.fromstring(entries["[Content_Types].xml"])
    extensions = {d.get("Extension") for d in content_types if d.tag.endswith("Default")}
    assert "png" in extensions and "jpeg" not in extensions  # no part is a JPEG any more


def without_watermark(docx: bytes) -> bytes:
    """Return the DOCX with the watermark's drawing taken out of its header."""
    entries = entries_of(docx)
    root = etree.fromstring(entries[HEADER])
    drawings = list(root.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}drawing"))
    assert len(drawings) == 1
    drawings[0].getparent().remove(drawings[0])
    entries[HEADER] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def converter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Converter]:
    """Yield one warm LibreOffice worker for the module."""
    with Converter(workers=1, timeout=60, work_dir=tmp_path_factory.mktemp("profils")) as pool:
        yield pool


def figure_pixels(converter: Converter, docx: bytes, folder: Path, name: str) -> list[bytes]:
    """Open the DOCX with LibreOffice; return, for each figure, the pixels of the page inside its box."""
    source = folder / f"{name}.docx"
    source.write_bytes(docx)
    pdf = folder / f"{name}.pdf"
    converter.convert(source, pdf)
    found = []
    for page, drawn in drawn_pages(pdf):
        height = page.get_height()
        for image in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]):
            left, bottom, right, top = image.get_bounds()
            found.append(drawn.crop((round(left), round(height - top), round(right), round(height - bottom))).tobytes())
    return found


@pytest.mark.libreoffice
@pytest.mark.timeout(240)
def test_libreoffice_shows_the_watermark_through_a_draft_s_figures(
    converter: Converter, draft: bytes, tmp_path: Path
) -> None:
    """With the watermark or without it, the figures' boxes differ: it shows through them (it did not before)."""
    delivered = finish_docx(draft, {}, None, True)
    shown = figure_pixels(converter, delivered, tmp_path, "projet")
    hidden = figure_pixels(converter, without_watermark(delivered), tmp_path, "sans-filigrane")
    assert len(shown) == len(hidden) == 2
    crossed = [sum(a != b for a, b in zip(s, h, strict=True)) / len(s) for s, h in zip(shown, hidden, strict=True)]
    assert all(share > 0.01 for share in crossed), crossed
    opaque = finish_docx(draft, {}, None, False)  # the figures as they were: the watermark hidden under them
    assert figure_pixels(converter, opaque, tmp_path, "opaque") == figure_pixels(
        converter, without_watermark(opaque), tmp_path, "opaque-sans-filigrane"
    )
