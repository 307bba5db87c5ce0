"""Pictures put in the PDF as they are: LibreOffice lays out a stand-in, the PNG's own data takes its place."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from docx.shared import Mm
from PIL import Image

from convgen.pdf import pictures
from convgen.pdf.pictures import parse_png, prepare_pictures
from convgen.pdf.pool import Converter
from tests.drawing import drawn_pages

REPO = Path(__file__).resolve().parents[2]
FIGURES = sorted((REPO / "templates" / "figures").glob("*.png"))


def png(image: Image.Image, **options: object) -> bytes:
    """Return ``image`` saved as PNG with Pillow's ``options``."""
    out = io.BytesIO()
    image.save(out, format="PNG", **options)
    return out.getvalue()


def idat(data: bytes) -> bytes:
    """Return the concatenated IDAT data of a PNG."""
    position, found = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        if data[position + 4 : position + 8] == b"IDAT":
            found += data[position + 8 : position + 8 + length]
        position += 12 + length
    return found


def test_the_shipped_figures_go_into_the_pdf_unchanged() -> None:
    assert len(FIGURES) == 2
    for figure in FIGURES:
        picture = parse_png(figure.read_bytes())
        assert picture is not None, figure.name
        with Image.open(figure) as image:
            assert (picture.width, picture.height) == image.size
            assert picture.colour_type == 3 and picture.bits == 4
            assert picture.palette == bytes(image.getpalette() or [])[: len(picture.palette)]
        assert zlib.decompress(picture.data)  # the PNG's own compressed rows


@pytest.mark.parametrize(
    ("image", "options"),
    [
        (Image.new("RGBA", (4, 4), (10, 20, 30, 128)), {}),  # transparency
        (Image.new("P", (4, 4)), {"transparency": 0}),  # tRNS
        (Image.new("I;16", (4, 4)), {}),  # 16 bits per sample
        (Image.new("RGB", (4, 4), "red"), {"icc_profile": b"\0" * 128}),  # colour profile
    ],
)
def test_pngs_libreoffice_would_change_are_left_to_it(image: Image.Image, options: dict[str, object]) -> None:
    assert parse_png(png(image, **options)) is None


def test_grey_and_rgb_pngs_are_taken() -> None:
    assert parse_png(png(Image.new("L", (3, 2), 128))) is not None
    assert parse_png(png(Image.new("RGB", (3, 2), (1, 2, 3)))) is not None
    assert parse_png(b"GIF89a") is None


def test_the_copy_libreoffice_reads_has_stand_ins_and_goes_away(tmp_path: Path) -> None:
    docx = make_docx(tmp_path / "doc.docx", [FIGURES[0]])
    with prepare_pictures(docx, tmp_path) as (entry, found):
        assert entry != docx and entry.is_file()
        assert list(found) == [1]
        with zipfile.ZipFile(entry) as copy:
            media = [name for name in copy.namelist() if name.startswith("word/media/")]
            assert len(media) == 1
            with Image.open(io.BytesIO(copy.read(media[0]))) as stand_in:
                assert stand_in.size == (1, 1)
                assert stand_in.convert("RGB").getpixel((0, 0)) == (1, 0x5A, 0xA5)
    assert not entry.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.docx"]


def test_a_docx_without_pictures_or_unreadable_is_read_as_it_is(tmp_path: Path) -> None:
    plain = make_docx(tmp_path / "plain.docx", [])
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\3\4 not a zip")
    for docx in (plain, broken):
        with prepare_pictures(docx, tmp_path) as (entry, found):
            assert entry == docx and found == {}


def make_docx(path: Path, figures: list[Path]) -> Path:
    """Write a short DOCX with one paragraph and ``figures`` at 16 cm wide."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # python-docx's default is US Letter
    section.left_margin = section.right_margin = Mm(20)
    document.add_paragraph("Annexe 4 — figures")
    for figure in figures:
        document.add_picture(str(figure), width=Mm(160))
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def converter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Converter]:
    """Yield one warm worker for the module."""
    with Converter(workers=1, timeout=60, work_dir=tmp_path_factory.mktemp("profiles")) as pool:
        yield pool


def pages(pdf: Path) -> list[bytes]:
    """Return every page of ``pdf`` drawn at 100 dpi (raw RGB bytes)."""
    return [drawn.tobytes() for _page, drawn in drawn_pages(pdf, dpi=100)]


@pytest.mark.libreoffice
@pytest.mark.timeout(240)
def test_the_pdf_shows_the_same_pixels_as_libreoffice_s_own_export(
    converter: Converter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docx = make_docx(tmp_path / "figures.docx", FIGURES)
    ours = converter.convert(docx, tmp_path / "avec-originaux.pdf")
    assert ours.attempts == 1
    with pikepdf.open(ours.pdf) as pdf:
        images = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"]
        assert sorted(int(i.Width) for i in images) == sorted(Image.open(f).size[0] for f in FIGURES)
        assert {bytes(i.read_raw_bytes()) for i in images} == {idat(f.read_bytes()) for f in FIGURES}
        assert all(i.ColorSpace[0] == "/Indexed" for i in images)

    @pictures.contextlib.contextmanager
    def untouched(docx: Path, folder: Path) -> Iterator[tuple[Path, dict[int, pictures.Picture]]]:
        yield docx, {}

    monkeypatch.setattr(pictures, "prepare_pictures", untouched)
    theirs = converter.convert(docx, tmp_path / "par-libreoffice.pdf")
    assert pages(ours.pdf) == pages(theirs.pdf)


@pytest.mark.libreoffice
@pytest.mark.timeout(240)
def test_a_one_pixel_image_that_is_no_stand_in_makes_the_document_convert_as_it_is(
    converter: Converter, tmp_path: Path
) -> None:
    pixel = tmp_path / "pixel.png"
    pixel.write_bytes(png(Image.new("RGBA", (1, 1), (200, 10, 10, 255))))  # RGBA: not taken, LibreOffice keeps it
    docx = make_docx(tmp_path / "pixel.docx", [FIGURES[0], pixel])
    result = converter.convert(docx, tmp_path / "pixel.pdf")
    assert result.attempts == 2  # the first PDF held a one-pixel image of its own: converted again, as it is
    with pikepdf.open(result.pdf) as pdf:
        sizes = sorted(
            (int(o.Width), int(o.Height))
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        )
    assert (1, 1) in sizes and Image.open(FIGURES[0]).size in sizes
