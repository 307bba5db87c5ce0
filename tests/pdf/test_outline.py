"""The table of contents read from a PDF's outline: levels 1 to 3, the page each heading starts on."""

from __future__ import annotations

from pathlib import Path

import pikepdf

from convgen.pdf.outline import TOC_LEVELS, outline_contents
from convgen.pdf.pool import ContentsEntry


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
    entries = outline_contents(pdf_with_outline(tmp_path / "plan.pdf"))
    assert TOC_LEVELS == 3  # the templates' field: TOC \o "1-3"
    assert entries == (
        ContentsEntry(1, "ARTICLE 1 – OBJET", "1"),
        ContentsEntry(2, "ARTICLE 1.1\u00a0: DÉTAIL", "2"),
        ContentsEntry(3, "Niveau 3", "2"),
        ContentsEntry(1, "ARTICLE 2", "3"),
        ContentsEntry(1, "ANNEXE 1", "4"),
    )


def test_no_outline_or_no_pdf_gives_none(tmp_path: Path) -> None:
    plain = pikepdf.new()
    plain.add_blank_page()
    plain.save(tmp_path / "sans-plan.pdf")
    assert outline_contents(tmp_path / "sans-plan.pdf") is None
    (tmp_path / "abime.pdf").write_bytes(b"%PDF-1.7 pas un PDF")
    assert outline_contents(tmp_path / "abime.pdf") is None
