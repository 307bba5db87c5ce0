"""Tests of the rendering of the templates: golden texts, escaping, literal data, checks, determinism.

The contexts are built by ``convention_context`` from the sample data of ``tests/golden/donnees/``.
``CONVGEN_REGEN_GOLDEN=1`` (``make golden``) rewrites the golden texts: read the diff before committing.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from lxml import etree

from convgen.data.model import Departement, Epci, Programme
from convgen.documents.checks import check_rendered
from convgen.documents.docxtext import docx_text, read_parts
from convgen.documents.french import spacing
from convgen.documents.render import normalize_docx, render_annexe, render_convention
from convgen.errors import RenderError
from tests.projects import judged_context

# LibreOffice runs here: the module's first test also pays for its builds (limit per test, in seconds).
pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
DATA = GOLDEN / "donnees"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def sample_data(name: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Return (departement, programme, epci) raw data of a sample: ``madame`` or ``monsieur``."""
    both = json.loads((DATA / "departement.json").read_text(encoding="utf-8"))
    epci = json.loads((DATA / f"epci-{name}.json").read_text(encoding="utf-8"))
    return both["departement"], both["programme"], epci


def make_context(name: str = "madame", **epci_changes: Any) -> dict[str, Any]:
    """Return the template context of a sample intercommunality, with top-level EPCI keys replaced."""
    departement, programme, epci = sample_data(name)
    epci = copy.deepcopy(epci)
    epci.update(epci_changes)
    epci = {k: v for k, v in epci.items() if v is not None}
    return judged_context(
        Departement.model_validate(departement), Programme.model_validate(programme), Epci.model_validate(epci)
    )


def all_xml_parses(data: bytes) -> None:
    """Parse every XML part of a DOCX (raises on the first that is not well-formed)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name))


def body_text(data: bytes) -> str:
    """Return the body's text alone (no header, no footer)."""
    return "\n".join(part for p in read_parts(data) if p.label == "corps" for part in p.paragraphs)


def header_text(data: bytes) -> str:
    """Return the headers' text."""
    return "\n".join(part for p in read_parts(data) if p.label == "en-tête" for part in p.paragraphs)


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[dict[str, Any], bytes]]:
    """Return the two sample conventions, rendered once for the module."""
    out = {}
    for name in ("madame", "monsieur"):
        context = make_context(name)
        out[name] = (context, render_convention(TEMPLATES, context))
    return out


# --- golden texts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["madame", "monsieur"])
def test_golden_text(name: str, rendered: dict[str, tuple[dict[str, Any], bytes]]) -> None:
    text = docx_text(rendered[name][1])
    golden = GOLDEN / f"convention-{name}.txt"
    if os.environ.get("CONVGEN_REGEN_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


# --- what every rendered document must satisfy ----------------------------------------------------------


@pytest.mark.parametrize("name", ["madame", "monsieur"])
def test_rendered_conventions_pass_the_checks(name: str, rendered: dict[str, tuple[dict[str, Any], bytes]]) -> None:
    context, data = rendered[name]
    all_xml_parses(data)
    assert check_rendered(data, allow_fill_in=False) == []
    assert check_rendered(data, allow_fill_in=False, context=context) == []
    text = docx_text(data)
    for bad in ("None", "Président-e", "Le-La", "{{", "{%", "....."):
        assert bad not in text


def test_two_renders_are_byte_identical() -> None:
    context = make_context("madame")
    assert render_convention(TEMPLATES, context) == render_convention(TEMPLATES, context)


def test_dates_of_the_package_are_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    context = make_context("madame")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1708646400")  # 2024-02-23 00:00 UTC
    data = render_annexe(TEMPLATES, context)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        core = archive.read("docProps/core.xml").decode()
    assert {i.date_time for i in infos} == {(2024, 2, 23, 0, 0, 0)}
    assert [i.filename for i in infos][:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert "2024-02-23T00:00:00Z" in core
    epoch = dt.datetime(2024, 3, 12, 9, 30, tzinfo=dt.UTC)
    assert (
        "2024-03-12T09:30:00Z"
        in zipfile.ZipFile(io.BytesIO(render_annexe(TEMPLATES, context, epoch=epoch)))
        .read("docProps/core.xml")
        .decode()
    )


def test_duplicate_entries_are_dropped_keeping_the_first() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("docProps/core.xml", "<a>premier</a>")
        with pytest.warns(UserWarning):
            archive.writestr("docProps/core.xml", "<a>second</a>")
    with zipfile.ZipFile(io.BytesIO(normalize_docx(buffer.getvalue()))) as archive:
        assert archive.namelist() == ["[Content_Types].xml", "docProps/core.xml"]
        assert b"premier" in archive.read("docProps/core.xml")


# --- escaping and literal data ----------------------------------------------------------------------------


def test_special_characters_are_escaped_once() -> None:
    context = make_context(
        "madame",
        nom="Communauté de communes de l'Orée & Bercé <Belinois>",
        president={"civilite": "Madame", "prenom": "Éloïse", "nom": "D'Aubigné-Ñúñez"},
        ressources={"materiels": ['Salle "Le Préau" & cour < 50 m² > 20 m²'], "communication": []},
    )
    data = render_convention(TEMPLATES, context)
    all_xml_parses(data)
    docx.Document(io.BytesIO(data))  # python-docx opens it
    text = docx_text(data)
    assert context["epci"]["nom"] == "Communauté de communes de l’Orée & Bercé <Belinois>"
    assert context["epci"]["nom"] in text
    assert "Madame\u00a0Éloïse D’AUBIGNÉ-ÑÚÑEZ" in text
    assert spacing(context["epci"]["ressources"]["materiels"][0]) in text  # « 50 m² »
    for escaped in ("&amp;", "&lt;", "&gt;", "&#34;", "&#39;", "&quot;"):
        assert escaped not in text
    assert check_rendered(data, allow_fill_in=False, context=context) == []


def test_template_like_data_stays_literal() -> None:
    context = make_context(
        "madame",
        nom="Communauté de communes {{ 7*7 }}",
        ressources={"materiels": ["{% if %} salle {# note #}"], "communication": ["None"]},
    )
    data = render_convention(TEMPLATES, context)
    text = docx_text(data)
    assert "Communauté de communes {{ 7*7 }}" in text
    assert "49" not in text
    assert "{% if %} salle {# note #}" in text
    # The data explain their own braces: the check does not hold them against the template.
    assert check_rendered(data, allow_fill_in=False, context=context) == []
    # Without the data, braces are suspect.
    problems = check_rendered(data, allow_fill_in=False)
    assert any("balise de modèle non remplacée" in p for p in problems)


def test_a_none_in_the_context_is_an_error_naming_the_field() -> None:
    context = make_context("madame")
    context["epci"]["siege"] = None
    with pytest.raises(RenderError) as caught:
        render_convention(TEMPLATES, context)
    # The annex's template is part of the convention's (compose.py): the message names the convention.
    assert str(caught.value) == "templates/convention.docx : valeur absente (None) dans le contexte : epci.siege"


def test_a_missing_field_is_an_error_naming_the_template() -> None:
    context = make_context("madame")
    del context["epci"]["siren"]
    with pytest.raises(RenderError) as caught:
        render_convention(TEMPLATES, context)
    message = str(caught.value)
    assert message.startswith("templates/convention.docx : champ absent du contexte")
    assert "siren" in message


# --- draft and complete ---------------------------------------------------------------------------------


def test_draft_has_projet_in_the_header_and_a_fill_in_line() -> None:
    context = make_context("madame", deliberation=None)
    assert context["projet"] is True
    data = render_convention(TEMPLATES, context)
    assert "PROJET" in header_text(data)
    assert "en vertu de la délibération en date du ……" in body_text(data)
    assert check_rendered(data, allow_fill_in=True, context=context) == []
    problems = check_rendered(data, allow_fill_in=False, context=context)
    assert len(problems) == 1
    assert problems[0].startswith("blanc à compléter alors que la date de délibération est connue")


def test_complete_data_has_neither_projet_nor_a_fill_in(rendered: dict[str, tuple[dict[str, Any], bytes]]) -> None:
    context, data = rendered["madame"]
    assert context["projet"] is False
    assert context["signature"] == {"mode": "electronique", "electronique": True, "manuscrite": False}
    assert "PROJET" not in docx_text(data)
    body = body_text(data)
    assert spacing("en vertu de la délibération en date du 12 mars 2024,") in body
    assert [line for line in body.splitlines() if "……" in line] == []  # signed electronically: no date to write
    assert "Fait en deux exemplaires" not in body
    assert (
        "La présente convention est signée électroniquement par chacune des parties\u00a0; elle est datée du jour "
        "de la dernière signature.\nLa Présidente de la Communauté de communes Maine Saosnois" in body
    )


def test_signed_by_hand_the_source_s_closing_formula_and_the_date_blank() -> None:
    context = make_context("madame", mode_signature="manuscrite")
    data = render_convention(TEMPLATES, context)
    body = body_text(data)
    fill_ins = [line for line in body.splitlines() if "……" in line]
    assert fill_ins == ["Fait au Mans, le " + "…" * 20]  # the signing date, written by hand
    assert "Fait en deux exemplaires dont un pour chacun des signataires.\nFait au Mans, le" in body
    assert "électroniquement" not in body
    assert check_rendered(data, allow_fill_in=False, context=context) == []


def test_the_programme_s_signature_mode_is_overridden_by_the_epci_s() -> None:
    departement, programme, epci = sample_data("madame")
    by_hand = Programme.model_validate({**programme, "mode_signature": "manuscrite"})
    context = judged_context(
        Departement.model_validate(departement),
        by_hand,
        Epci.model_validate({**epci, "mode_signature": "electronique"}),
    )
    assert context["signature"]["mode"] == "electronique"
    context = judged_context(Departement.model_validate(departement), by_hand, Epci.model_validate(epci))
    assert context["signature"]["mode"] == "manuscrite"


def test_a_closing_formula_of_the_other_mode_is_caught() -> None:
    electronic, by_hand = make_context("madame"), make_context("madame", mode_signature="manuscrite")
    signed_by_hand = render_convention(TEMPLATES, by_hand)
    problems = check_rendered(signed_by_hand, allow_fill_in=False, context=electronic)
    assert [p.split(" (")[0] for p in problems] == [
        "formule de signature manuscrite dans un acte signé électroniquement"
    ] * 2
    signed_electronically = render_convention(TEMPLATES, electronic)
    problems = check_rendered(signed_electronically, allow_fill_in=False, context=by_hand)
    assert [p.split(" (")[0] for p in problems] == ["formule de signature électronique dans un acte signé à la main"]


def test_check_rendered_finds_every_defect() -> None:
    document = docx.Document()
    for text in (
        "représentée par son Président-e, agissant",
        "Le-La Président de la Communauté",
        "Madame None EXEMPLE",
        "du {{ programme.debut }} au",
        "{%p endif %}",
        "Liste : .....",
        "en vertu de la délibération en date du ……",
        "Fait au Mans, le ……………",
    ):
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    problems = check_rendered(buffer.getvalue(), allow_fill_in=False)
    assert [p.split(" (")[0] for p in problems] == [
        "accord non fait",
        "accord non fait",
        "« None » imprimé à la place d’une valeur",
        "balise de modèle non remplacée",
        "balise de modèle non remplacée",
        "blanc à compléter inattendu",
        "blanc à compléter alors que la date de délibération est connue",
    ]
    assert "corps, paragraphe 3" in problems[2]


def test_empty_resource_list_reads_neant(rendered: dict[str, tuple[dict[str, Any], bytes]]) -> None:
    context, data = rendered["monsieur"]
    assert context["epci"]["ressources"]["materiels"] == []
    lines = body_text(data).splitlines()
    start = lines.index("Matériels")
    assert lines[start + 1] == "Néant."
    assert lines[start + 2] == "Communication"


def test_ordinal_is_set_in_superscript(rendered: dict[str, tuple[dict[str, Any], bytes]]) -> None:
    data = rendered["madame"][1]
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    superscripts = [
        r.findtext(f"{W}t")
        for r in root.iter(f"{W}r")
        if r.find(f"{W}rPr/{W}vertAlign[@{W}val='superscript']") is not None
    ]
    assert superscripts == ["er"]
    assert spacing("du 1er décembre 2023 au 30 novembre 2026.") in body_text(data)


# --- a template re-saved by LibreOffice -------------------------------------------------------------------


@pytest.mark.libreoffice
def test_template_resaved_by_libreoffice_still_renders(tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice absent")
    resaved = tmp_path / "templates"
    profile = tmp_path / f"profil-{uuid.uuid4().hex}"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "docx",
            "--outdir",
            str(resaved),
            str(TEMPLATES / "convention.docx"),
            str(TEMPLATES / "annexe.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    shutil.copytree(TEMPLATES / "figures", resaved / "figures")
    context = make_context("madame", deliberation=None)
    data = render_convention(resaved, context)
    all_xml_parses(data)
    assert check_rendered(data, allow_fill_in=True, context=context) == []
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert len(names) == len(set(names))
    original = render_convention(TEMPLATES, context)
    # Same text; only the cached page count of the footer differs (LibreOffice stores its own).
    assert body_text(data) == body_text(original)
    assert header_text(data) == header_text(original) == "PROJET"
