"""With the real LibreOffice: the DOCX's table of contents is the one its PDF prints, page numbers included."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pikepdf
import pytest

from convgen.documents.toc import stored_contents
from convgen.pdf.pool import Converter
from tests.pdf.test_pdf import needs_libreoffice
from tests.test_e2e import convgen, copy_project

SLUG = "cc-sud-sarthe"
NAME = "Communauté de communes Sud Sarthe"
ANNEX_3 = [
    "1. RESSOURCES MISES À DISPOSITION PAR L’INTERCOMMUNALITÉ (ARTICLE 3.2)",
    "2. RÉFÉRENTS DÉSIGNÉS (ARTICLE 4.2)",
]
# Two builds of one convention (DOCX and PDF, then DOCX alone) and one more conversion.
pytestmark = [pytest.mark.libreoffice, needs_libreoffice, pytest.mark.timeout(300)]


@dataclass(frozen=True)
class Built:
    """One convention built with its PDF, and the same built as a DOCX alone."""

    docx: Path
    pdf: Path
    docx_alone: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build one convention as DOCX and PDF, and in another copy as DOCX alone."""
    base = tmp_path_factory.mktemp("toc")
    both, alone = copy_project(base / "both"), copy_project(base / "alone")
    result = convgen(both, "build", SLUG, "--jobs", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    result = convgen(alone, "build", SLUG, "--format", "docx")
    assert result.returncode == 0, result.stdout + result.stderr
    folder = f"build/{SLUG}/convention-{SLUG}"
    return Built(both / f"{folder}.docx", both / f"{folder}.pdf", alone / f"{folder}.docx")


def outline(pdf: Path) -> list[tuple[int, str, str]]:
    """Return the PDF's bookmarks: level, title, page number."""
    found: list[tuple[int, str, str]] = []
    with pikepdf.open(pdf) as document:
        pages: dict[Any, int] = {page.objgen: n for n, page in enumerate(document.pages, start=1)}

        def walk(items: list[pikepdf.OutlineItem], level: int) -> None:
            for item in items:
                destination: Any = item.destination
                page = str(pages[destination[0].objgen]) if destination is not None else ""
                found.append((level, str(item.title), page))
                walk(item.children, level + 1)

        with document.open_outline() as tree:
            walk(tree.root, 1)
    return found


def printed_pages(pdf: Path) -> list[str]:
    """Return the page numbers the PDF's table of contents prints after its dot leaders, in order."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page = next(p for p in text.split("\f") if "TABLE DES MATIÈRES" in p)
    return re.findall(r"\.{3,}\s*(\d+)\s*$", page, flags=re.MULTILINE)


def test_docx_contents_are_the_pdf_s_with_annex_3_sub_entries(built: Built) -> None:
    entries = stored_contents(built.docx.read_bytes())
    assert [(level, text.replace("\u00a0", " "), page) for level, text, page in entries] == [
        (level, text.replace("\u00a0", " "), page) for level, text, page in outline(built.pdf) if level <= 3
    ]
    assert [page for _, _, page in entries] == printed_pages(built.pdf)
    texts = [text for _, text, _ in entries]
    annex = texts.index(next(t for t in texts if t.startswith("ANNEXE 3")))
    assert texts[annex + 1 : annex + 3] == ANNEX_3
    assert [level for level, _, _ in entries[annex : annex + 3]] == [1, 2, 2]


def test_docx_properties_name_the_intercommunality(built: Built) -> None:
    data = built.docx.read_bytes()
    core = docx.Document(io.BytesIO(data)).core_properties
    with pikepdf.open(built.pdf) as pdf:
        title = str(pdf.docinfo["/Title"])
    assert core.title == title and NAME in core.title
    assert core.language == "fr-FR"
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        settings = package.read("word/settings.xml")
    assert b"updateFields" not in settings
    assert not [n for n in names if "thumbnail" in n or "stylesWithEffects" in n or n.startswith("customXml/")]


def test_docx_alone_keeps_the_stored_table_without_update_fields(built: Built) -> None:
    data = built.docx_alone.read_bytes()
    texts = [text for _, text, _ in stored_contents(data)]
    assert texts and not set(ANNEX_3) & set(texts)  # the template's table, as stored
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert b"updateFields" not in package.read("word/settings.xml")
    assert NAME in docx.Document(io.BytesIO(data)).core_properties.title


def test_libreoffice_reopens_the_docx_and_lays_out_the_same_table(built: Built, tmp_path: Path) -> None:
    with Converter(workers=1, timeout=60, work_dir=tmp_path / "profiles") as converter:
        result = converter.convert(built.docx, tmp_path / "again.pdf", expect_text=NAME)
    assert result.contents is not None
    assert [tuple(entry) for entry in result.contents] == stored_contents(built.docx.read_bytes())
