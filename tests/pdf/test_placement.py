"""Text boxes read from content streams, and signature fields placed from them (crafted PDFs, no LibreOffice)."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from convgen.pdf.layout import page_boxes
from convgen.pdf.placement import SIGNATURE_HEIGHT, SIGNATURE_WIDTH, PlacementError, find_name_line, place_field

WIDTH = 5.0  # every glyph of the crafted font is 500/1000 em wide: 5 pt at 10 pt


def crafted(path: Path, lines: list[tuple[float, float, str]]) -> Path:
    """Write an untagged A4 page showing each (x, baseline y, text) at 10 pt with a fixed-width font."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595.28, 841.89))
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name("/Crafted"),
        Flags=32,
        FontBBox=[-100, -250, 1000, 900],
        Ascent=0,
        Descent=0,
        ItalicAngle=0,
        StemV=80,
        CapHeight=700,
    )
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name("/Crafted"),
            FirstChar=32,
            LastChar=126,
            Widths=[500] * 95,
            FontDescriptor=pdf.make_indirect(descriptor),
        )
    )
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    content = b"".join(
        b"q 1 0 0 1 %.2f %.2f cm BT /F1 10 Tf 0 0 Td (%s) Tj ET Q\n" % (x, y, text.encode()) for x, y, text in lines
    )
    page.obj.Contents = pdf.make_stream(content)
    pdf.save(path)
    return path


def centred(centre: float, y: float, text: str) -> tuple[float, float, str]:
    """Return a line centred on ``centre``."""
    return centre - len(text) * WIDTH / 2, y, text


BODY = (72.0, 600.0, "x" * 90)  # a paragraph across the text width (72 to 522)
LEFT, RIGHT = 184.5, 410.5


def test_boxes_follow_the_text_matrix_and_the_font_widths(tmp_path: Path) -> None:
    path = crafted(tmp_path / "page.pdf", [(100.0, 500.0, "Anne"), (300.0, 400.5, "EXEMPLE")])
    with pikepdf.open(path) as pdf:
        boxes = page_boxes(pdf.pages[0])
    assert [(box.x0, box.x1) for box in boxes] == [(100.0, 120.0), (300.0, 335.0)]
    assert boxes[0].y0 == pytest.approx(500 - 2.5) and boxes[0].y1 == pytest.approx(500 + 9)  # the font's box
    assert all(box.mcid is None and box.text and not box.artifact for box in boxes)


def test_a_field_is_centred_between_the_title_and_the_name_of_its_column(tmp_path: Path) -> None:
    lines = [
        BODY,
        centred(LEFT, 500, "La Presidente"),
        centred(RIGHT, 500, "Le President du Departement"),
        centred(LEFT, 380, "Anne EXEMPLE"),
        centred(RIGHT, 380, "Dominique LE MENER"),
    ]
    path = crafted(tmp_path / "page.pdf", lines)
    with pikepdf.open(path) as pdf:
        boxes = page_boxes(pdf.pages[0])
        rects = []
        for centre, name in ((LEFT, "Anne EXEMPLE"), (RIGHT, "Dominique LE MENER")):
            line = find_name_line(boxes, centre - len(name) * WIDTH / 2 + 1, 383)
            assert len(line) == 1
            placement = place_field(pdf, 0, boxes, line)
            x0, y0, x1, y1 = placement.rect
            assert (x0 + x1) / 2 == pytest.approx(centre, abs=0.01)
            assert x1 - x0 == pytest.approx(SIGNATURE_WIDTH, abs=0.01)
            assert y1 - y0 == pytest.approx(SIGNATURE_HEIGHT, abs=0.01)
            # Centred in the blank between the name's top (389) and the title's bottom (497.5).
            assert (y0 + y1) / 2 == pytest.approx((389 + 497.5) / 2, abs=0.01)
            assert placement.parent is None  # untagged: the field goes at the end of the structure tree
            rects.append(placement.rect)
    assert rects[0][2] < rects[1][0]


def test_too_little_room_above_the_name_is_refused(tmp_path: Path) -> None:
    lines = [BODY, centred(LEFT, 420, "La Presidente"), centred(LEFT, 380, "Anne EXEMPLE")]
    path = crafted(tmp_path / "page.pdf", lines)
    with pikepdf.open(path) as pdf:
        boxes = page_boxes(pdf.pages[0])
        line = find_name_line(boxes, LEFT - 29, 383)
        with pytest.raises(PlacementError, match="pas assez de place pour la signature au-dessus du nom"):
            place_field(pdf, 0, boxes, line)


def test_a_narrow_column_is_refused(tmp_path: Path) -> None:
    lines = [centred(LEFT, 500, "La Presidente"), centred(LEFT, 380, "Anne EXEMPLE")]
    path = crafted(tmp_path / "page.pdf", lines)  # no wider text: the column is as wide as the title
    with pikepdf.open(path) as pdf:
        boxes = page_boxes(pdf.pages[0])
        line = find_name_line(boxes, LEFT - 29, 383)
        with pytest.raises(PlacementError, match="la colonne de signature ne mesure que"):
            place_field(pdf, 0, boxes, line)
