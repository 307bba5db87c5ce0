"""The table of contents read from a PDF's outline: levels 1 to 3, the page each heading starts on."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from convgen.errors import BrokenOutputError
from convgen.pdf.outline import TOC_LEVELS, document_contents
from convgen.pdf.pool import ContentsEntry, settle_output


def pdf_with_outline(path: Path) -> Path:
    """Write a 4-page PDF whose outline nests four levels, with explicit, named and action destinations."""
    pdf = pikepdf.new()
    for _ in range(4):
        pdf.add_blank_page(page_size=(595, 842))
    pages = pdf.pages
    pdf.Root.Names = pikepdf.Dictionary(
        Dests=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("annexe"), pikepdf.Array([pages[3].obj])]))
    )
    with pdf.open_outline() as outline:
        article = pikepdf.OutlineItem("ARTICLE 1 – OBJET", 0)
        sub = pikepdf.OutlineItem("ARTICLE 1.1\u00a0: DÉTAIL", 1)
        deeper = pikepdf.OutlineItem("Niveau 3", 1)
        deepest = pikepdf.OutlineItem("Niveau 4, hors table", 2)
        deeper.children.append(deepest)
        sub.children.append(deeper)
        article.children.append(sub)
        by_action = pikepdf.OutlineItem(
            "ARTICLE 2",
            action=pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=pikepdf.Array([pages[2].obj, pikepdf.Name.Fit])),
        )
        by_name = pikepdf.OutlineItem("ANNEXE 1", pikepdf.String("annexe"))
        outline.root.extend([article, by_action, by_name])
    pdf.save(path)
    return path


def test_the_contents_are_the_outline_down_to_level_3(tmp_path: Path) -> None:
    with pikepdf.open(pdf_with_outline(tmp_path / "plan.pdf")) as pdf:
        entries = document_contents(pdf)
    assert TOC_LEVELS == 3  # the templates' field: TOC \o "1-3"
    assert entries == (
        ContentsEntry(1, "ARTICLE 1 – OBJET", "1"),
        ContentsEntry(2, "ARTICLE 1.1\u00a0: DÉTAIL", "2"),
        ContentsEntry(3, "Niveau 3", "2"),
        ContentsEntry(1, "ARTICLE 2", "3"),
        ContentsEntry(1, "ANNEXE 1", "4"),
    )


def test_no_outline_gives_none() -> None:
    plain = pikepdf.new()
    plain.add_blank_page()
    assert document_contents(plain) is None


def test_the_converted_pdf_is_checked_and_its_contents_read_in_one_opening(tmp_path: Path) -> None:
    pdf = pdf_with_outline(tmp_path / "plan.pdf")
    before = pdf.read_bytes()
    pages, contents = settle_output(pdf, {}, expect_text=None, name="plan.docx")
    assert pages == 4
    assert contents is not None and contents[0] == ContentsEntry(1, "ARTICLE 1 – OBJET", "1")
    assert pdf.read_bytes() == before  # no picture to put back: the file is left as it is
    (tmp_path / "abime.pdf").write_bytes(b"%PDF-1.7 pas un PDF")
    with pytest.raises(BrokenOutputError, match=r"^abime\.docx : le PDF produit est illisible"):
        settle_output(tmp_path / "abime.pdf", {}, expect_text=None, name="abime.docx")


def test_reading_the_contents_leaves_the_document_as_it_was(tmp_path: Path) -> None:
    path = pdf_with_outline(tmp_path / "plan.pdf")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        # A title as LibreOffice writes it, in UTF-16 with its byte order mark: pikepdf would write it otherwise.
        pdf.Root.Outlines.First.Title = pikepdf.String(b"\xfe\xff" + "ARTICLE 1 – OBJET".encode("utf-16-be"))
        pdf.save(path)
    with pikepdf.open(path) as pdf:
        pdf.save(tmp_path / "sans-lecture.pdf", deterministic_id=True)
    with pikepdf.open(path) as pdf:
        assert document_contents(pdf) is not None
        pdf.save(tmp_path / "apres-lecture.pdf", deterministic_id=True)
    assert (tmp_path / "apres-lecture.pdf").read_bytes() == (tmp_path / "sans-lecture.pdf").read_bytes()
