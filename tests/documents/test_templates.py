"""Tests of the templates themselves: lint (fields, syntax), layout, styles, fields, properties."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest

from convgen.documents.docxtext import docx_text, read_parts
from convgen.documents.lint import lint_templates
from convgen.documents.render import REQUIRED_FIELDS
from convgen.errors import Problem
from tests.documents.test_render import make_context

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
OWN_TEMPLATES = ("convention.docx", "annexe.docx")  # the avenant and annex update templates have their own tests
OWN_FIELDS = {name: REQUIRED_FIELDS[name] for name in OWN_TEMPLATES}


def lint_own(templates: Path, context: dict[str, Any]) -> list[Problem]:
    """Return the lint problems of the convention and its annex (the templates this module copies)."""
    return lint_templates(templates, context, required=OWN_FIELDS)


def copy_templates(tmp_path: Path) -> Path:
    """Return a copy of the templates folder in ``tmp_path``."""
    target = tmp_path / "templates"
    target.mkdir()
    for name in OWN_TEMPLATES:
        shutil.copy2(TEMPLATES / name, target / name)
    return target


def replace_in_template(path: Path, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in the first paragraph holding it (one run); return its body paragraph number."""
    document = docx.Document(str(path))
    body = document.element.body
    paragraphs = list(body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"))
    for number, p in enumerate(paragraphs, start=1):
        for t in p.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"):
            if t.text and old in t.text:
                t.text = t.text.replace(old, new, 1)
                document.save(str(path))
                return number
    raise AssertionError(f"{old!r} absent de {path.name}")


def test_templates_lint_clean(tmp_path: Path) -> None:
    assert lint_own(copy_templates(tmp_path), make_context("madame")) == []


def test_lint_reports_an_unknown_field_with_its_paragraph(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    number = replace_in_template(templates / "convention.docx", "{{ epci.siren }}", "{{ epci.sirenn }}")
    problems = lint_own(templates, make_context("madame"))
    assert [(p.path, p.line, p.column, p.key, p.message) for p in problems] == [
        ("templates/convention.docx", 1, 1, "epci.siren", "champ attendu absent du modèle"),
        ("templates/convention.docx", number, 1, "epci.sirenn", "champ inconnu"),
    ]
    assert problems[1].hint == "champs voisins : epci.siren"
    assert str(problems[1]).startswith(f"templates/convention.docx:{number}:1: epci.sirenn : champ inconnu")


def test_lint_reports_an_unknown_field_inside_a_loop(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    number = replace_in_template(templates / "annexe.docx", "{{ item }}", "{{ item.libelle }}")
    problems = lint_own(templates, make_context("madame"))
    assert [(p.path, p.line, p.key) for p in problems] == [("templates/annexe.docx", number, "item.libelle")]


def test_lint_reports_a_syntax_error_with_its_paragraph(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    number = replace_in_template(templates / "convention.docx", "{{ epci.siege }}", "{{ epci.siege }")
    problems = lint_own(templates, make_context("madame"))
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.path, problem.line, problem.column) == ("templates/convention.docx", number, 1)
    assert problem.message.startswith("erreur de syntaxe dans une balise : ")


def test_lint_reports_a_missing_template(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    (templates / "annexe.docx").unlink()
    assert lint_own(templates, make_context("madame")) == [
        Problem("templates/annexe.docx", 1, 1, "", "modèle introuvable", "restaurez le fichier depuis le dépôt git")
    ]


def test_template_text_keeps_the_tags() -> None:
    text = docx_text(TEMPLATES / "convention.docx")
    assert "{{ epci.nom }}\u00a0– {{ departement.nom_majuscules }}" in text
    assert "{{p annexe }}" in text
    assert "{% if projet %}PROJET{% endif %}" in text
    annexe = docx_text(TEMPLATES / "annexe.docx")
    assert "{%p for item in epci.ressources.materiels %}" in annexe


@pytest.mark.parametrize("name", ["convention.docx", "annexe.docx"])
def test_layout_is_a4_french_with_a_word_compatible_font(name: str) -> None:
    document = docx.Document(str(TEMPLATES / name))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm, 2) == round(section.right_margin.cm, 2) == 2.5
    styles = zipfile.ZipFile(TEMPLATES / name).read("word/styles.xml").decode()
    defaults = styles[styles.index("<w:docDefaults>") : styles.index("</w:docDefaults>")]
    assert 'w:ascii="Arial"' in defaults and 'w:hAnsi="Arial"' in defaults
    assert 'w:val="fr-FR"' in defaults
    assert "majorHAnsi" not in styles.split("<w:latentStyles")[0].split("</w:docDefaults>")[1]
    for level in (1, 2):
        assert document.styles[f"Heading {level}"].font.name == "Arial"


def test_convention_structure_headings_toc_footer() -> None:
    document = docx.Document(str(TEMPLATES / "convention.docx"))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    articles = [t for s, t in headings if s == "Heading 1" and t.startswith("ARTICLE")]
    assert [a.split(" – ")[0] for a in articles] == [f"ARTICLE {n}" for n in range(1, 10)]
    assert ("Heading 2", "ARTICLE 3.2\u00a0: DISPOSITIONS RELATIVES À LA MISE À DISPOSITION DE RESSOURCES") in headings
    xml = zipfile.ZipFile(TEMPLATES / "convention.docx").read("word/document.xml").decode()
    assert 'TOC \\o "1-3" \\h \\z \\u' in xml
    footer = zipfile.ZipFile(TEMPLATES / "convention.docx").read("word/footer1.xml").decode()
    assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer
    parts = {p.label: p.paragraphs for p in read_parts(TEMPLATES / "convention.docx")}
    assert parts["pied de page"] == (
        "Convention conseiller numérique {{ programme.millesime }} — {{ epci.nom_court }} — page 1 sur 1",
    )


@pytest.mark.parametrize("name", ["convention.docx", "annexe.docx"])
def test_properties_hold_no_personal_data_and_fixed_dates(name: str) -> None:
    document = docx.Document(str(TEMPLATES / name))
    props = document.core_properties
    assert props.author == "Département de la Sarthe"
    assert props.language == "fr-FR"
    assert props.created == props.modified
    package = zipfile.ZipFile(TEMPLATES / name)
    for entry in package.namelist():
        assert b"python-docx" not in package.read(entry), entry
    assert props.comments == ""


def test_templates_open_in_python_docx() -> None:
    for name in ("convention.docx", "annexe.docx"):
        docx.Document(io.BytesIO((TEMPLATES / name).read_bytes()))
