"""End to end with the real LibreOffice: ``convgen build`` of the 15 conventions, as ``make conventions`` runs it.

The build runs once per module (two copies, to prove reproducibility across directories); the tests then open
every output: DOCX with python-docx, PDF with pikepdf, ``pdftotext`` and ``pdffonts``.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import docx
import pikepdf
import pypdfium2
import pytest

from tests.documents.test_fidelity import SEED, lcs_length, words
from tests.processes import marked, marked_env
from tests.projects import copy_project, drafts

REPO = Path(__file__).resolve().parent.parent
SEED_WORDS = words(SEED.read_text(encoding="utf-8"))
# LibreOffice builds the 15 conventions twice in the first test (limit per test, in seconds).
pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(400)]


def convgen(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "convgen", "-C", str(project), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=marked_env(str(project)),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Build the 15 conventions in two separate copies of the project; return both and the first output."""
    base = tmp_path_factory.mktemp("e2e")
    first, second = copy_project(base / "un"), copy_project(base / "deux")
    result = convgen(first, "build", "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    again = convgen(second, "build")
    assert again.returncode == 0, again.stdout + again.stderr
    return first, second, result.stdout


def slugs() -> list[str]:
    """Return the slugs of the shipped data."""
    return sorted(p.stem for p in (REPO / "epci").glob("*.yaml"))


def pdftotext(path: Path) -> str:
    """Return the text of a PDF as poppler extracts it."""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_summary_names_built_documents_and_drafts(built: tuple[Path, Path, str]) -> None:
    _, _, output = built
    assert f"{len(slugs())} construit(s), 0 inchangé(s), 0 en échec" in output
    listed = output.split("— ces documents ne sont pas à signer :")[1]
    for slug, reasons in drafts().items():
        assert f"  - {slug} (convention) : {' ; '.join(reasons)}" in listed
    assert any("à confirmer" in " ".join(r) for r in drafts().values())


@pytest.mark.parametrize("slug", slugs())
def test_every_convention_is_a_complete_docx_and_pdf(built: tuple[Path, Path, str], slug: str) -> None:
    project, _, _ = built
    folder = project / "build" / slug
    document = docx.Document(str(folder / f"convention-{slug}.docx"))
    body = "\n".join(p.text for p in document.paragraphs)
    name = [
        line for line in (REPO / "epci" / f"{slug}.yaml").read_text("utf-8").splitlines() if line.startswith("nom:")
    ]
    assert name, slug
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert "IL A ÉTÉ CONVENU CE QUI SUIT" in body
    text = pdftotext(folder / f"convention-{slug}.pdf")
    flat = " ".join(text.split())
    for bad in ("None", "{{", "{%", "Président-e", "Le-La"):
        assert bad not in flat, (slug, bad)
    blanks = [line.strip() for line in text.splitlines() if re.search(r"\.{5}|…{2}", line)]
    toc = [line for line in blanks if re.search(r"(\.{5,}|…{2,})\s*\d+$", line)]
    assert len(toc) > 10  # the table of contents, with its dot leaders and page numbers
    others = [line for line in blanks if line not in toc]
    allowed = ["Fait au Mans, le"] + (["en date du"] if slug in drafts() else [])
    for line in others:
        assert any(a in line for a in allowed), f"blanc à compléter inattendu : {line}"
    assert any("Fait au Mans, le" in line for line in others)
    # At least 97 % of the words of the original reference text (defects and typed TOC included) appear,
    # in order, in the text extracted from the PDF.
    common = lcs_length(SEED_WORDS, words(text))
    assert common / len(SEED_WORDS) >= 0.97, f"{slug} : {common}/{len(SEED_WORDS)} mots du texte de référence"
    assert "ARTICLE 9" in flat.upper()
    pages = len(pikepdf.open(folder / f"convention-{slug}.pdf").pages)
    assert f"page {pages} sur {pages}" in flat
    assert ("PROJET" in flat) == (slug in drafts())


@pytest.mark.parametrize("slug", slugs()[:3])
def test_pdf_is_pdfa_with_embedded_fonts_and_signature_fields(built: tuple[Path, Path, str], slug: str) -> None:
    project, _, _ = built
    path = project / "build" / slug / f"convention-{slug}.pdf"
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        assert meta.get("pdfaid:part") == "2"
        assert meta.get("pdfaid:conformance") == "B"
        assert str(pdf.docinfo.get("/Author")) == "Département de la Sarthe"
        prefix = "PROJET – " if slug in drafts() else ""
        assert str(pdf.docinfo.get("/Title")).startswith(
            f"{prefix}Convention de partenariat — conseiller numérique 2024-2026 — "
        )
        assert str(pdf.Root.get("/Lang")) == "fr-FR"
        fields = [f for f in pdf.Root.AcroForm.Fields] if "/AcroForm" in pdf.Root else []
        names = sorted(str(f.T) for f in fields if f.get("/FT") == "/Sig")
        if slug in drafts() or "mode_signature: manuscrite" in (REPO / "departement.yaml").read_text("utf-8"):
            assert names == []  # a draft, or an act signed on paper, has no electronic signature field
        else:
            assert names == ["signature_departement", "signature_intercommunalite"]
            signature_page = {f.P.objgen for f in fields}
            assert len(signature_page) == 1  # both fields on the signature page
            index = next(i for i, page in enumerate(pdf.pages) if page.objgen in signature_page)
            document = pypdfium2.PdfDocument(str(path))
            text_page = document[index].get_textpage()
            assert "Fait au Mans, le" in text_page.get_text_range()
            for field in fields:
                left, bottom, right, top = (float(v) for v in field.Rect)
                assert top - bottom > 60  # about 2.5 cm to sign in
                inside = text_page.get_text_bounded(left=left, bottom=bottom, right=right, top=top)
                assert inside.strip() == "", f"{field.T} : texte sous le champ de signature : {inside!r}"
            document.close()
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    emb = listing[0].index(" emb") + 1
    assert len(listing) > 2
    for row in listing[2:]:
        assert row[emb : emb + 3] == "yes", f"police non incorporée : {row}"


def test_two_builds_in_two_directories_give_the_same_bytes(built: tuple[Path, Path, str]) -> None:
    first, second, _ = built
    outputs = sorted(
        p.relative_to(first / "build") for p in (first / "build").rglob("*") if p.suffix in {".docx", ".pdf"}
    )
    assert len(outputs) == 2 * len(slugs())
    for rel in outputs:
        assert (first / "build" / rel).read_bytes() == (second / "build" / rel).read_bytes(), rel


def test_manifest_records_every_output_with_its_hash(built: tuple[Path, Path, str]) -> None:
    project, _, _ = built
    manifest = json.loads((project / "build" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["documents"]) == 2 * len(slugs())
    for rel, entry in manifest["documents"].items():
        assert hashlib.sha256((project / "build" / rel).read_bytes()).hexdigest() == entry["sha256"]
        assert set(entry["entrees"]) >= {"donnees", "outil", "modele:convention.docx", "modele:annexe.docx"}


def test_rebuild_is_incremental(built: tuple[Path, Path, str]) -> None:
    _, project, _ = built
    unchanged = convgen(project, "build")
    assert unchanged.returncode == 0
    assert f"0 construit(s), {len(slugs())} inchangé(s)" in unchanged.stdout
    target = project / "epci" / f"{slugs()[0]}.yaml"
    target.write_text(
        target.read_text("utf-8").replace("communication:\n", "communication:\n    - Affiche ajoutée\n", 1),
        "utf-8",
    )
    one = convgen(project, "build")
    assert one.returncode == 0, one.stdout + one.stderr
    assert f"2 construit(s), {len(slugs()) - 1} inchangé(s)" not in one.stdout
    assert f"1 construit(s), {len(slugs()) - 1} inchangé(s)" in one.stdout
    assert "Affiche ajoutée" in pdftotext(project / "build" / slugs()[0] / f"convention-{slugs()[0]}.pdf")
    assert not marked(str(project))  # no LibreOffice, bridge or rendering process left by these builds


@pytest.mark.parametrize("slug", slugs())
def test_every_pdf_built_passes_an_independent_pdfa_2b_and_pdfua_1_validator(
    built: tuple[Path, Path, str], slug: str
) -> None:
    """page-validation (not convgen's own checks) on each PDF as shipped: finals and drafts alike."""
    import page

    project, _, _ = built
    path = project / "build" / slug / f"convention-{slug}.pdf"
    for profile in ("2b", "ua1"):
        report = page.validate_pdf(str(path), profile=profile)
        assert report.is_compliant, (profile, [(f.rule_id, f.message) for f in report.failures])
