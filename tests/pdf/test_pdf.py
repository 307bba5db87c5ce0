"""Tests of the LibreOffice conversion pool, the PDF checks and the PDF/A post-processing."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.text.paragraph import Paragraph

from convgen.errors import ConversionError, RenderError, SetupError
from convgen.heap import TOP_PAD
from convgen.pdf.finish import SignatureField, check_pdf, finalize_pdf
from convgen.pdf.pool import ConversionResult, Converter
from convgen.pdf.uno_worker import PAUSE_VARIABLE, group_members

# LibreOffice runs here: the module's first test also pays for its builds (limit per test, in seconds).
pytestmark = pytest.mark.timeout(240)

NAME = "Communauté de communes Exemple-sur-Sarthe"
SIGNATURES = [
    SignatureField("signature_intercommunalite", "Anne EXEMPLE"),
    SignatureField("signature_departement", "Dominique LE MÈNER"),
]
METADATA = {
    "Title": f"Convention de partenariat — {NAME}",
    "Author": "Département de la Sarthe",
    "Subject": "Conseiller numérique 2024-2026",
    "Keywords": "convention; conseiller numérique; Sarthe",
}
EPOCH = datetime(2024, 2, 23, 10, 30, tzinfo=UTC)
ARTICLES = 5

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None or not os.access("/usr/bin/python3", os.X_OK),
    reason="LibreOffice ou python3-uno absent",
)


def add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """Append a complex Word field (begin, instruction, separate, result, end) to a paragraph."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, None), ("end", None)):
        run = paragraph.add_run()
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
        elif text is not None:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
            run._r.append(element)
        else:
            run.text = placeholder


def make_docx(path: Path, articles: int = ARTICLES, *, filler: int = 5) -> Path:
    """Write a small A4 convention: title, TOC field, one article per page, footer, signature table."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    for style in ("Normal", "Title", "Heading 1"):
        document.styles[style].font.name = "Liberation Serif"
    document.add_paragraph(f"Convention de partenariat entre le Département et la {NAME}", style="Title")
    document.add_paragraph("Sommaire")
    add_field(document.add_paragraph(), 'TOC \\o "1-3" \\h \\z \\u', "Table des matières à mettre à jour")
    for number in range(1, articles + 1):
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(f"Article {number} — Objet numéro {number}", level=1)
        for _ in range(filler):
            document.add_paragraph("Le Département et la communauté de communes conviennent de ce qui suit. " * 4)
    document.add_paragraph("Fait au Mans, en deux exemplaires originaux.")
    table = document.add_table(rows=4, cols=2)
    rows = [
        ("Pour la communauté de communes,", "Pour le Département,"),
        ("La Présidente,", "Le Président,"),
        ("\n" * 5, "\n" * 5),
        ("Anne EXEMPLE", "Dominique LE MÈNER"),
    ]
    for row, (left, right) in enumerate(rows):
        table.cell(row, 0).text = left
        table.cell(row, 1).text = right
    footer = section.footer.paragraphs[0]
    footer.add_run("page ")
    add_field(footer, "PAGE", "1")
    footer.add_run(" sur ")
    add_field(footer, "NUMPAGES", "1")
    document.save(str(path))
    return path


def own_processes(marker: Path) -> list[str]:
    """Return the live processes whose command line mentions ``marker`` (zombies have none)."""
    found = subprocess.run(["pgrep", "-a", "-f", str(marker)], capture_output=True, text=True, check=False)
    return [line for line in found.stdout.splitlines() if "pgrep" not in line]


def page_texts(path: Path) -> list[str]:
    """Return each page's text as laid out by pdftotext."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return text.stdout.split("\f")[:-1]


@dataclass(frozen=True)
class Sample:
    """A converted and finalised sample convention."""

    docx: Path
    raw: Path
    final: Path
    draft: Path
    result: ConversionResult


@pytest.fixture(scope="module")
def converter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Converter]:
    """Yield one warm two-worker pool for the module."""
    with Converter(workers=2, timeout=30, work_dir=tmp_path_factory.mktemp("profiles")) as pool:
        yield pool


@pytest.fixture(scope="module")
def sample(converter: Converter, tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """Convert the sample once, then finalise it as signature-ready and as a draft."""
    folder = tmp_path_factory.mktemp("sample")
    docx = make_docx(folder / "convention-exemple.docx")
    raw = folder / "brut.pdf"
    result = converter.convert(docx, raw, expect_text=NAME)
    final = folder / "convention-exemple.pdf"
    finalize_pdf(raw, final, metadata=METADATA, signature_fields=SIGNATURES, epoch=EPOCH)
    draft = folder / "projet.pdf"
    finalize_pdf(raw, draft, metadata=METADATA, signature_fields=None, epoch=EPOCH)
    return Sample(docx, raw, final, draft, result)


# --------------------------------------------------------------------------- conversion output


@pytest.mark.libreoffice
@needs_libreoffice
def test_result_reports_pages_and_memory(sample: Sample) -> None:
    assert sample.result.pages == ARTICLES + 1
    assert sample.result.attempts == 1
    assert sample.result.worker_rss_kb > 50_000


@pytest.mark.libreoffice
@needs_libreoffice
def test_pdfa_2b_identification_and_output_intent(sample: Sample) -> None:
    with pikepdf.open(sample.final) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        intents = pdf.Root.OutputIntents
        assert len(intents) >= 1
        assert intents[0].S == pikepdf.Name.GTS_PDFA1
        assert isinstance(intents[0].DestOutputProfile, pikepdf.Stream)
        assert "/Filter" not in pdf.Root.Metadata


@pytest.mark.libreoffice
@needs_libreoffice
def test_every_font_is_embedded(sample: Sample) -> None:
    listing = subprocess.run(["pdffonts", str(sample.final)], capture_output=True, text=True, check=True)
    rows = listing.stdout.splitlines()[2:]
    assert rows
    assert all(row.split()[-5] == "yes" for row in rows), listing.stdout


@pytest.mark.libreoffice
@needs_libreoffice
def test_tagged_a4_metadata_and_language(sample: Sample) -> None:
    with pikepdf.open(sample.final) as pdf:
        assert bool(pdf.Root.MarkInfo.Marked)
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "fr-FR"
        for page in pdf.pages:
            width, height = float(page.mediabox[2]), float(page.mediabox[3])
            assert abs(width - 595.28) <= 1 and abs(height - 841.89) <= 1
        info = pdf.docinfo
        assert str(info.Title) == METADATA["Title"]
        assert str(info.Author) == METADATA["Author"]
        assert str(info.Subject) == METADATA["Subject"]
        assert str(info.Keywords) == METADATA["Keywords"]
        assert str(info.Creator) == "convgen"
        assert str(info.CreationDate) == str(info.ModDate) == "D:20240223103000Z"
        meta = pdf.open_metadata()
        assert meta["dc:title"] == METADATA["Title"]
        assert meta["dc:creator"] == [METADATA["Author"]]
        assert meta["pdf:Keywords"] == METADATA["Keywords"]
        assert meta["xmp:CreatorTool"] == "convgen"
        for key in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
            assert meta[key] == "2024-02-23T10:30:00+00:00"
        profile = pdf.Root.OutputIntents[0].DestOutputProfile.read_bytes()
        assert profile[24:36] == bytes.fromhex("07e8 0002 0017 000a 001e 0000".replace(" ", ""))


@pytest.mark.libreoffice
@needs_libreoffice
def test_toc_has_page_numbers_and_footer_counts_pages(sample: Sample) -> None:
    pages = page_texts(sample.final)
    assert len(pages) == ARTICLES + 1
    for number in range(1, ARTICLES + 1):
        assert re.search(rf"Article {number} — Objet numéro {number}\s*\.*\s*{number + 1}\s*$", pages[0], re.M)
    for index, text in enumerate(pages, start=1):
        assert f"page {index} sur {len(pages)}" in text


# --------------------------------------------------------------------------- signature fields


def word_boxes(path: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """Return (word, xMin, yMin, xMax, yMax) in PDF user space (origin bottom left) for one page (1-based)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))  # type: ignore[union-attr]
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)
    return [(w, float(a), height - float(d), float(c), height - float(b)) for a, b, c, d, w in words]


@pytest.mark.libreoffice
@needs_libreoffice
def test_two_signature_fields_in_their_columns_above_their_anchors(sample: Sample) -> None:
    with pikepdf.open(sample.final) as pdf:
        form = pdf.Root.AcroForm
        assert "/SigFlags" not in form and "/NeedAppearances" not in form
        fields = {str(field.T): field for field in form.Fields}
        assert sorted(fields) == ["signature_departement", "signature_intercommunalite"]
        last = len(pdf.pages) - 1
        words = word_boxes(sample.final, last + 1)
        for spec in SIGNATURES:
            field = fields[spec.name]
            assert (field.FT, field.Subtype) == (pikepdf.Name.Sig, pikepdf.Name.Widget)
            assert int(field.F) == 4
            assert field.P.objgen == pdf.pages[last].obj.objgen
            assert any(annot.objgen == field.objgen for annot in pdf.pages[last].obj.Annots)
            assert field.AP.N.Subtype == pikepdf.Name.Form
            x0, y0, x1, y1 = (float(value) for value in field.Rect)
            assert x1 - x0 == pytest.approx(6.5 / 2.54 * 72, abs=0.1)
            assert y1 - y0 == pytest.approx(2.5 / 2.54 * 72, abs=0.1)
            first_word = spec.anchor.split()[0]
            box = next(word for word in words if word[0] == first_word)
            assert box[4] <= y0  # above the name line
            margin = 20 / 25.4 * 72  # the sample's page margins
            assert margin <= x0 and x1 <= float(pdf.pages[last].mediabox[2]) - margin
            above = [word for word in words if word[2] >= y1 and x0 - 1 <= word[1] < x1]
            assert above, "the signatory's title should stand above the blank space"
            assert all(not (word[1] < x1 and x0 < word[3] and word[2] < y1 and y0 < word[4]) for word in words)
        left, right = (fields[spec.name].Rect for spec in SIGNATURES)
        middle = float(pdf.pages[last].mediabox[2]) / 2
        assert float(left[2]) < middle < float(right[0])  # each field in its own column of the table


@pytest.mark.libreoffice
@needs_libreoffice
def test_draft_has_no_signature_field(sample: Sample) -> None:
    with pikepdf.open(sample.draft) as pdf:
        assert "/AcroForm" not in pdf.Root
        for page in pdf.pages:
            assert all(annot.get("/FT") != pikepdf.Name.Sig for annot in page.obj.get("/Annots", []))


@pytest.mark.libreoffice
@needs_libreoffice
def test_missing_anchor_is_a_french_error_and_writes_nothing(sample: Sample, tmp_path: Path) -> None:
    target = tmp_path / "convention.pdf"
    with pytest.raises(RenderError) as caught:
        finalize_pdf(
            sample.raw,
            target,
            metadata=METADATA,
            signature_fields=[SignatureField("signature_departement", "Camille INCONNUE")],
            epoch=EPOCH,
        )
    message = str(caught.value)
    assert message.startswith("convention.pdf : le texte « Camille INCONNUE » qui situe la signature")
    assert "introuvable" in message
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.libreoffice
@needs_libreoffice
def test_two_conversions_in_two_directories_are_byte_identical(
    converter: Converter, sample: Sample, tmp_path: Path
) -> None:
    outputs = []
    for folder in ("un", "deux/plus/loin"):
        work = tmp_path / folder
        work.mkdir(parents=True)
        docx = work / "convention.docx"
        shutil.copy(sample.docx, docx)
        converter.convert(docx, work / "brut.pdf", expect_text=NAME)
        finalize_pdf(work / "brut.pdf", work / "final.pdf", metadata=METADATA, signature_fields=SIGNATURES, epoch=EPOCH)
        outputs.append((work / "final.pdf").read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] == sample.final.read_bytes()


# --------------------------------------------------------------------------- failures


@pytest.mark.libreoffice
@needs_libreoffice
def test_corrupt_docx_names_the_document_and_keeps_the_destination(converter: Converter, tmp_path: Path) -> None:
    broken = tmp_path / "cc-cassee.docx"
    broken.write_bytes(b"PK\x03\x04 ceci n'est pas un document")
    target = tmp_path / "cc-cassee.pdf"
    target.write_bytes(b"%PDF-1.7 ancienne version valide")
    with pytest.raises(ConversionError) as caught:
        converter.convert(broken, target)
    assert str(caught.value).startswith("cc-cassee.docx : LibreOffice ne peut pas ouvrir ce document")
    assert target.read_bytes() == b"%PDF-1.7 ancienne version valide"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cc-cassee.docx", "cc-cassee.pdf"]


@pytest.mark.libreoffice
@needs_libreoffice
def test_missing_expected_text_keeps_destination_absent(converter: Converter, sample: Sample, tmp_path: Path) -> None:
    target = tmp_path / "convention.pdf"
    with pytest.raises(RenderError) as caught:
        converter.convert(sample.docx, target, expect_text="Communauté de communes Imaginaire")
    assert "« Communauté de communes Imaginaire » est absent du PDF" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def convert_in_thread(pool: Converter, docx: Path, pdf: Path) -> tuple[threading.Thread, list[object]]:
    """Start a conversion in a thread; the list receives its result or exception."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(pool.convert(docx, pdf, expect_text=NAME))
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.libreoffice
@needs_libreoffice
def test_worker_killed_mid_conversion_is_retried_on_a_fresh_worker(
    sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PAUSE_VARIABLE, "0.8")
    with Converter(workers=1, timeout=20, work_dir=tmp_path / "profiles") as pool:
        pool.start()
        office, bridge = pool.process_groups()
        thread, outcome = convert_in_thread(pool, sample.docx, tmp_path / "out.pdf")
        time.sleep(0.3)
        os.killpg(office, signal.SIGKILL)
        thread.join(30)
        result = outcome[0]
        assert isinstance(result, ConversionResult), result
        assert result.attempts == 2
        assert pool.stats().retries == 1
        assert group_members(office) == [] and group_members(bridge) == []
        assert office not in pool.process_groups()
    assert check_pdf(tmp_path / "out.pdf", expect_text=NAME) == ARTICLES + 1
    assert own_processes(tmp_path) == []


@pytest.mark.libreoffice
@needs_libreoffice
def test_hung_libreoffice_is_killed_at_the_timeout_then_retried(
    sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PAUSE_VARIABLE, "0.6")
    with Converter(workers=1, timeout=2.5, work_dir=tmp_path / "profiles") as pool:
        pool.start()
        office, bridge = pool.process_groups()
        thread, outcome = convert_in_thread(pool, sample.docx, tmp_path / "out.pdf")
        time.sleep(0.2)
        os.killpg(office, signal.SIGSTOP)  # LibreOffice freezes: the load never answers
        thread.join(30)
        assert isinstance(outcome[0], ConversionResult), outcome[0]
        assert outcome[0].attempts == 2
        assert group_members(office) == [] and group_members(bridge) == []
    assert own_processes(tmp_path) == []


@pytest.mark.libreoffice
@needs_libreoffice
def test_conversion_hanging_twice_raises_and_leaves_no_process(
    sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PAUSE_VARIABLE, "30")
    target = tmp_path / "out" / "convention.pdf"
    began = time.monotonic()
    with Converter(workers=1, timeout=1.5, work_dir=tmp_path / "profiles") as pool:
        with pytest.raises(ConversionError) as caught:
            pool.convert(sample.docx, target)
        assert own_processes(tmp_path / "profiles") == []
        assert pool.process_groups() == []
    assert time.monotonic() - began < 15
    message = str(caught.value)
    assert message.startswith("convention-exemple.docx : la conversion en PDF a échoué deux fois")
    assert "délai de 1.5 s dépassé" in message
    assert list(target.parent.iterdir()) == []


# --------------------------------------------------------------------------- processes


@pytest.mark.libreoffice
@needs_libreoffice
def test_close_leaves_no_process_and_no_zombie(sample: Sample, tmp_path: Path) -> None:
    pool = Converter(workers=2, work_dir=tmp_path)
    pool.start()
    pool.convert(sample.docx, tmp_path / "a.pdf")
    groups = pool.process_groups()
    sockets = [socket for worker in pool._workers for socket in worker.sockets]
    assert len(groups) == 4 and sum(os.path.exists(path) for path in sockets) == 4
    assert own_processes(tmp_path)
    pool.close()
    assert own_processes(tmp_path) == []
    assert all(group_members(group) == [] for group in groups)  # zombies included
    assert [path.name for path in tmp_path.iterdir()] == ["a.pdf"]  # profiles removed
    assert not [path for path in sockets if os.path.exists(path)]  # LibreOffice's pipe sockets removed
    with pytest.raises(ConversionError):
        pool.convert(sample.docx, tmp_path / "b.pdf")


@pytest.mark.libreoffice
@needs_libreoffice
def test_sigterm_to_the_caller_leaves_no_libreoffice(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from convgen.pdf.pool import Converter
        pool = Converter(workers=1, work_dir=Path({str(tmp_path)!r}))
        pool.start()
        print("prêt", flush=True)
        time.sleep(60)
        """
    )
    caller = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert caller.stdout is not None
    assert caller.stdout.readline().strip() == "prêt"
    assert own_processes(tmp_path)
    caller.send_signal(signal.SIGTERM)
    caller.wait(10)
    deadline = time.monotonic() + 5
    while own_processes(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert own_processes(tmp_path) == []


# --------------------------------------------------------------------------- set-up and checks (no LibreOffice)


def test_missing_soffice_is_a_setup_error() -> None:
    with pytest.raises(SetupError) as caught:
        Converter(soffice="/nulle/part/soffice")
    assert "apt-get install libreoffice-writer-nogui python3-uno" in str(caught.value)


def test_missing_uno_python_is_a_setup_error() -> None:
    with pytest.raises(SetupError) as caught:
        Converter(uno_python="/nulle/part/python3")
    assert str(caught.value).startswith("/nulle/part/python3 est introuvable (il porte le module uno)")


@needs_libreoffice
def test_python_without_uno_is_a_setup_error(tmp_path: Path) -> None:
    with (
        Converter(workers=1, uno_python=sys.executable, work_dir=tmp_path) as pool,
        pytest.raises(SetupError) as caught,
    ):
        pool.start()
    assert "module uno introuvable" in str(caught.value)
    assert "apt-get install libreoffice-writer-nogui python3-uno" in str(caught.value)


def test_check_pdf_rejects_non_pdf_and_letter_size(tmp_path: Path) -> None:
    text = tmp_path / "faux.pdf"
    text.write_text("bonjour")
    with pytest.raises(RenderError) as caught:
        check_pdf(text)
    assert str(caught.value) == "faux.pdf : le fichier produit n’est pas un PDF"
    letter = tmp_path / "lettre.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(612, 792))
        pdf.save(letter)
    with pytest.raises(RenderError) as caught:
        check_pdf(letter)
    assert str(caught.value).startswith("lettre.pdf : la page 1 mesure 612 × 792 pt au lieu du format A4")


@pytest.mark.libreoffice
@needs_libreoffice
def test_libreoffice_runs_with_glibc_s_heap_padding(tmp_path: Path) -> None:
    # ``convgen/heap.py``: LibreOffice's page faults divided by five (its environment is what glibc reads).
    with Converter(workers=1, work_dir=tmp_path) as pool:
        pool.start()
        office, _bridge = pool.process_groups()
        environments = [Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") for pid in group_members(office)]
    assert environments
    setting = f"glibc.malloc.top_pad={TOP_PAD}".encode()
    for environment in environments:
        tunables = [item for item in environment if item.startswith(b"GLIBC_TUNABLES=")]
        assert tunables and setting in tunables[0]
