"""The avenant's wording: Article 7 replaced consistently, annex 3 named, the council's deliberation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from convgen.acts.register import load_register, new_act, write_register
from convgen.cli import main
from convgen.data.load import load_project
from convgen.documents.docxtext import docx_text
from tests import projects

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"


@pytest.fixture
def avenant(tmp_path: Path) -> str:
    """Sign the convention; then extend the programme to 2027 and change the referent's email; draft avenant 1."""
    projects.copy_project(tmp_path)
    project = load_project(tmp_path)
    act = new_act(SLUG, 0, dt.date(2024, 4, 15), "ab" * 32, project.epcis[SLUG], project.programme)
    write_register(tmp_path, load_register(tmp_path, SLUG).with_act(act))
    departement = tmp_path / "departement.yaml"
    departement.write_text(
        departement.read_text(encoding="utf-8").replace("fin: 2026-11-30", "fin: 2027-11-30"), encoding="utf-8"
    )
    path = tmp_path / "epci" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["referent"]["courriel"] = "a.prototype@exemple.fr"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "amend", "--format", "docx"])
    assert result.exit_code == 0, result.output
    return docx_text(tmp_path / "build" / SLUG / f"avenant-01-{SLUG}.docx").replace("\u00a0", " ")


def test_article_7_is_replaced_without_contradiction(avenant: str) -> None:
    assert "L’article 7 « Durée » de la convention est remplacé par les dispositions suivantes :\n« La convention" in (
        avenant
    )
    assert "du 1er décembre 2023 au 30 novembre 2027." in avenant
    assert "ne prorogera pas ce contrat de travail au-delà du 30 novembre 2027. »\n" in avenant
    assert "dans ces conditions" not in avenant
    assert "modifié comme suit" not in avenant


def test_annex_3_is_named_and_the_council_deliberation(avenant: str) -> None:
    assert (
        "L’annexe 3 « Ressources mises à disposition et référents désignés » de la convention est remplacée par "
        "l’annexe jointe au présent avenant." in avenant
    )
    assert "en vertu de la délibération du conseil communautaire en date du" in avenant
