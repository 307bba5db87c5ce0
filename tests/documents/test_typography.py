"""Lines never break where French typography forbids it, and the checks keep it so.

Amounts and units, proper names, web addresses (hyperlinks too), titles without a lone last word.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from convgen.data.load import load_project
from convgen.documents.checks import check_rendered, typography_problems
from convgen.documents.context import proper_names
from convgen.documents.docxtext import docx_text
from convgen.documents.french import spacing
from convgen.documents.render import render_convention
from convgen.documents.typeset import french_spacing
from tests.documents.test_render import TEMPLATES, make_context
from tests.projects import judged_context

ROOT = TEMPLATES.parent
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NB, WJ, ZWSP = "\u00a0", "\u2060", "\u200b"


@pytest.fixture(scope="module")
def sabolien() -> tuple[dict[str, Any], bytes]:
    """Return the convention of the Pays Sabolien (hyphenated names of a person and a place) and its context."""
    project = load_project(ROOT)
    epci = project.epcis["cc-du-pays-sabolien"]
    context = judged_context(project.departement, project.programme, epci)  # figures not judged: a final text
    return context, render_convention(TEMPLATES, context)


def document_xml(data: bytes) -> str:
    """Return the body's XML."""
    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")


def with_document_xml(data: bytes, xml: str) -> bytes:
    """Return the DOCX with its body's XML replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, xml.encode("utf-8") if info.filename == "word/document.xml" else src.read(info))
    return out.getvalue()


def test_amounts_and_units_never_break(sabolien: tuple[dict[str, Any], bytes]) -> None:
    _, data = sabolien
    text = docx_text(data)
    for group in (
        "3,9 millions €",
        "1,5 million €",
        "30 000 €",
        "45 %",
        "100 %",
        "3 ans",
        "5 ans",
        "3 années",
    ):
        assert group.replace(" ", NB) in text, group
    assert "30\u00a0jours" in text


def test_proper_names_never_break_at_their_hyphens(sabolien: tuple[dict[str, Any], bytes]) -> None:
    context, data = sabolien
    assert proper_names(context) == ["Sablé-sur-Sarthe", "Anne-Sophie"]
    xml = document_xml(data)
    assert "Sablé-" not in xml and "Anne-Sophie" not in xml
    assert xml.count("Sablé</w:t><w:noBreakHyphen/>") >= 2  # the seat, and the resource that names the town
    assert 'Anne</w:t><w:noBreakHyphen/><w:t xml:space="preserve">Sophie' in xml
    text = docx_text(data)  # the text still reads (and is searched) with plain hyphens
    assert "siège\u00a0: Sablé-sur-Sarthe)" in text and "Madame\u00a0Anne-Sophie GABARIT" in text
    assert "anne-sophie.gabarit@exemple.fr" in text
    assert "anne</w:t><w:noBreakHyphen/>" in xml  # an e-mail address does not break either


def test_web_addresses_are_hyperlinks_and_never_break(sabolien: tuple[dict[str, Any], bytes]) -> None:
    _, data = sabolien
    root = etree.fromstring(document_xml(data).encode())
    rels = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels if r.get("TargetMode") == "External"}
    links = []
    for link in root.iter(f"{{{W}}}hyperlink"):
        text = "".join(t.text or "" for t in link.iter(f"{{{W}}}t"))
        assert re.fullmatch(r"[^-]*(?:-\u2060[^-]*)*", text), text  # every hyphen is followed by a word joiner
        assert text.count("/\u200b") == max(0, text.count("/") - 2)  # a line may break after a slash of the path
        links.append((text.replace(WJ, "").replace(ZWSP, ""), targets[link.get(f"{{{R}}}id")]))
        assert link.find(f".//{{{W}}}rStyle").get(f"{{{W}}}val") == "Hyperlink"
    assert links == [
        ("www.conseiller-numerique.gouv.fr", "https://www.conseiller-numerique.gouv.fr"),
        (
            "https://cdn.conseiller-numerique.gouv.fr/kit-communication/V3/logo-france-relance-gouv-ue.png",
            "https://cdn.conseiller-numerique.gouv.fr/kit-communication/V3/logo-france-relance-gouv-ue.png",
        ),
        (
            "https://www.sarthe.fr/departement-sarthe/services-en-ligne/utiliser-le-logo-du-departement",
            "https://www.sarthe.fr/departement-sarthe/services-en-ligne/utiliser-le-logo-du-departement",
        ),
        ("https://www.sarthe.fr/numerique-usages-services", "https://www.sarthe.fr/numerique-usages-services"),
    ]


def test_titles_keep_their_last_words_together(sabolien: tuple[dict[str, Any], bytes]) -> None:
    _, data = sabolien
    lines = docx_text(data).splitlines()
    assert f"Communauté de communes du Pays Sabolien{NB}– DÉPARTEMENT{NB}DE{NB}LA{NB}SARTHE" in lines
    assert "CONVENTION DE PARTENARIAT" in lines  # short: never on two lines
    assert any(line.endswith(f"DU PAYS{NB}SABOLIEN") for line in lines)


def test_the_sabolien_convention_passes_the_checks(sabolien: tuple[dict[str, Any], bytes]) -> None:
    context, data = sabolien
    assert check_rendered(data, allow_fill_in=False, context=context) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (f"3,9{NB}millions{NB}€", "3,9 millions €", "espace sécable dans un nombre ou devant son unité"),
        (f"30{NB}000{NB}€", "30 000\u00a0€", "espace sécable dans un nombre ou devant son unité"),
        (f"pour 3{NB}ans", "pour 3 ans", "espace sécable dans un nombre ou devant son unité"),
        (
            'Sablé</w:t><w:noBreakHyphen/><w:t xml:space="preserve">sur',
            "Sablé-sur",
            "trait d’union sécable dans un nom propre",
        ),
        ("numerique-\u2060usages", "numerique-usages", "trait d’union sécable dans une adresse"),
        (f"DU PAYS{NB}SABOLIEN", "DU PAYS SABOLIEN", "titre dont le dernier mot peut rester seul sur sa ligne"),
    ],
    ids=["millions", "milliers", "ans", "nom", "adresse", "titre"],
)
def test_the_checks_catch_a_line_that_could_break(
    sabolien: tuple[dict[str, Any], bytes], old: str, new: str, problem: str
) -> None:
    context, data = sabolien
    xml = document_xml(data)
    assert old in xml
    broken = with_document_xml(data, xml.replace(old, new, 1))
    found = [p.split(" (")[0] for p in check_rendered(broken, allow_fill_in=False, context=context)]
    assert found == [problem]


def test_a_web_address_without_its_link_is_caught(sabolien: tuple[dict[str, Any], bytes]) -> None:
    _, data = sabolien
    xml = re.sub(r"<w:hyperlink [^>]*>(.*?)</w:hyperlink>", r"\1", document_xml(data), count=1, flags=re.S)
    problems = typography_problems(with_document_xml(data, xml))
    assert [p.split(" (")[0] for p in problems] == ["adresse web sans lien hypertexte"]
    assert "www.conseiller-numerique.gouv.fr" in problems[0]


def test_data_with_amounts_is_typeset_too() -> None:
    context = make_context(
        "madame", ressources={"materiels": ["Salle de 120 places, 1 500 € de matériel"], "communication": []}
    )
    data = render_convention(TEMPLATES, context)
    assert f"Salle de 120{NB}places, 1{NB}500{NB}€ de matériel" in docx_text(data)
    assert check_rendered(data, allow_fill_in=False, context=context) == []


@pytest.mark.libreoffice
def test_the_title_has_no_word_alone_on_a_line_in_the_pdf(
    sabolien: tuple[dict[str, Any], bytes], tmp_path: Path
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice ou pdftotext absent")
    _, data = sabolien
    source = tmp_path / "convention.docx"
    source.write_bytes(data)
    profile = tmp_path / f"profil-{uuid.uuid4().hex}"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    first_page = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(tmp_path / "convention.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    title = first_page[: first_page.index("ENTRE")]
    lines = [line.strip() for line in title.splitlines() if line.strip()]
    assert "DÉPARTEMENT DE LA SARTHE" in " ".join(lines)
    alone = [line for line in lines if " " not in line and not re.fullmatch(r"\d{4}/\d{4}", line)]
    assert alone == [], lines
    addresses = subprocess.run(
        ["pdftotext", str(tmp_path / "convention.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    for address in ("Sablé-sur-Sarthe", "Anne-Sophie", "https://www.sarthe.fr/numerique-usages-services"):
        assert address in addresses  # searchable as typed: the non-breaking hyphen is extracted as « - »


def test_a_title_is_measured_as_it_is_set_a_non_breaking_hyphen_counted() -> None:
    """The render and the check read the same text: a ``w:noBreakHyphen`` counts as a character in both."""
    from lxml import etree

    from convgen.documents.docxtext import W
    from convgen.documents.typeset import TITLE_ONE_LINE, _join_last_word, last_word_alone, typeset_text

    head = "CC de la Vallée Anne"
    tail = "Sophie du Loir et des"
    xml = (
        f'<w:p xmlns:w="{W}"><w:r><w:t xml:space="preserve">{head}</w:t></w:r><w:r><w:noBreakHyphen/></w:r>'
        f'<w:r><w:t xml:space="preserve">{tail} Lac</w:t></w:r></w:p>'
    )
    paragraph = etree.fromstring(xml)
    text = typeset_text(paragraph)[0]
    assert len(head + tail) + 4 == TITLE_ONE_LINE  # without the hyphen the title would fit on one line
    assert len(text) == TITLE_ONE_LINE + 1 and last_word_alone(text)
    assert _join_last_word(paragraph)
    assert not last_word_alone(typeset_text(paragraph)[0])
    assert typeset_text(paragraph)[0].endswith("des\u00a0Lac")


def test_spacing_holds_numbers_to_what_they_number_and_keeps_every_other_character() -> None:
    assert (
        spacing("ENTRE : les « Communauté » ; avenant n° 3")
        == f"ENTRE{NB}: les «{NB}Communauté{NB}»{NB}; avenant n°{NB}3"
    )
    assert (
        spacing("du 1er décembre 2023 au 30 novembre 2027") == f"du 1er{NB}décembre{NB}2023 au 30{NB}novembre{NB}2027"
    )
    assert spacing("sur les 3 thématiques, 228 offres, article L. 5211-20") == (
        f"sur les 3{NB}thématiques, 228{NB}offres, article L.{NB}5211-20"
    )
    assert spacing("l’article 7 de la convention, page 1 sur 3, en 2024 les") == (
        "l’article 7 de la convention, page 1 sur 3, en 2024 les"
    )
    assert spacing("https://exemple.fr/a : b") == f"https://exemple.fr/a{NB}: b"


def test_french_spacing_works_across_runs_and_leaves_tabs() -> None:
    xml = (
        f'<w:document xmlns:w="{W}"><w:body>'
        '<w:p><w:r><w:t>ENTRE</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"> :</w:t></w:r></w:p>'
        '<w:p><w:r><w:t xml:space="preserve">les «</w:t></w:r><w:r><w:t xml:space="preserve"> nom»</w:t></w:r>'
        "<w:r><w:tab/><w:t>: suite</w:t></w:r></w:p>"
        "</w:body></w:document>"
    ).encode()
    root = etree.fromstring(french_spacing(xml))
    texts = ["".join(t.text or "" for t in p.iter(f"{{{W}}}t")) for p in root.iter(f"{{{W}}}p")]
    assert texts == [f"ENTRE{NB}:", f"les «{NB}nom{NB}»: suite"]
    assert [t.text for t in root.iter(f"{{{W}}}t")][:2] == ["ENTRE", f"{NB}:"]  # each run keeps its text and format
