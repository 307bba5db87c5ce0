"""The draft's watermark drawn again over each page: found past the first kilobytes, one stream for all pages."""

from __future__ import annotations

import pikepdf

from convgen.pdf.watermark import OPACITY, raise_watermark

WATERMARK = b"/Artifact BMC\nq\n0 0 595 842 re\nW\nn\nq\nBT\n/F1 113 Tf\n0.7071 0.7071 -0.7071 0.7071 120 200 Tm\n(PROJET) Tj\nET\nQ\nQ\nEMC\n"


def draft(filler: int, pages: int = 2) -> pikepdf.Pdf:
    """Return a PDF whose pages draw ``filler`` bytes of lines, then the watermark, then body text."""
    pdf = pikepdf.new()
    body = b"BT\n/F1 11 Tf\n1 0 0 1 72 700 Tm\n(Article 1) Tj\nET\n"
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary())
        page.obj.Contents = pdf.make_stream(b"0 0 m\n" * (filler // 6) + WATERMARK + body)
    return pdf


def operators(page: pikepdf.Page) -> list[str]:
    return [str(op) for _, op in pikepdf.parse_content_stream(page)]


def test_the_watermark_is_drawn_last_half_transparent_through_one_shared_stream() -> None:
    pdf = draft(filler=20_000)  # past the first prefix read: the next one finds it
    assert raise_watermark(pdf) == 2
    for page in pdf.pages:
        ops = operators(page)
        assert ops[-4:] == ["ET", "Q", "Q", "EMC"] and ops[-5] == "Tj"
        assert ops.count("Tj") == 3  # the body, the watermark as LibreOffice drew it, and over the page
        assert [float(s.ca) for s in page.obj.Resources.ExtGState.values()] == [OPACITY]
        assert len(page.obj.Contents) == 2  # the page's own stream untouched, then the drawing
    first, second = (page.obj.Contents[1] for page in pdf.pages)
    assert first.is_indirect and first.objgen == second.objgen  # the same bytes on every page: one stream


def test_a_page_without_watermark_is_left_alone() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Contents = pdf.make_stream(b"BT\n/F1 11 Tf\n(Article 1) Tj\nET\n")
    assert raise_watermark(pdf) == 0
    assert isinstance(pdf.pages[0].obj.Contents, pikepdf.Stream)
