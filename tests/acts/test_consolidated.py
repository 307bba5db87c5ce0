"""The consolidated convention: an information document that cannot pass for the signed original."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml

from convgen.acts.consolidated import consolidated_notice
from convgen.acts.register import load_register, new_act, write_register
from convgen.data.load import load_project
from convgen.documents.docxtext import docx_text
from tests.projects import cli, copy_project

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"
SHA = "ab" * 32
NOTICE = (
    "Version consolidée — document d’information ; seuls font foi la convention et les actes signés qui la modifient"
)


@pytest.fixture
def consolidated(tmp_path: Path) -> Path:
    """Sign the convention, then avenant 1 (new referent email, Article 7 extended to 2027); build the DOCX."""
    copy_project(tmp_path)
    _record(tmp_path, "2024-04-15")
    path = tmp_path / "epci" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["referent"]["courriel"] = "a.prototype@exemple.fr"
    data["deliberation_avenant"] = "2025-03-11"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    departement = tmp_path / "departement.yaml"
    departement.write_text(
        departement.read_text(encoding="utf-8").replace("fin: 2026-11-30", "fin: 2027-11-30"), encoding="utf-8"
    )
    _record(tmp_path, "2025-03-20")
    result = cli(tmp_path, "amend", "--format", "docx")
    assert result.exit_code == 0, result.output
    built = tmp_path / "build" / SLUG / f"convention-{SLUG}-consolidee.docx"
    assert built.is_file()
    return built


def _record(root: Path, date: str) -> None:
    import datetime as dt

    project = load_project(root)
    registre = load_register(root, SLUG)
    act = new_act(SLUG, registre.next_numero, dt.date.fromisoformat(date), SHA, project.epcis[SLUG], project.programme)
    write_register(root, registre.with_act(act))


def _footers(docx: Path) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(docx.read_bytes())) as archive:
        names = [n for n in archive.namelist() if n.startswith("word/footer")]
        return [archive.read(n).decode().replace("\u00a0", " ").replace("\u202f", " ") for n in names]


def test_every_page_says_only_the_signed_acts_are_authentic(consolidated: Path) -> None:
    footers = _footers(consolidated)
    assert footers
    for footer in footers:
        assert NOTICE in footer
        assert "Convention conseiller numérique 2024-2027" in footer  # the period in force


def test_the_first_page_lists_the_acts_with_their_dates(consolidated: Path) -> None:
    text = docx_text(consolidated).replace("\u00a0", " ")
    assert (
        "Version consolidée intégrant l’avenant n° 1\n"
        "Actes intégrés : convention signée le 15 avril 2024, avenant n° 1 signé le 20 mars 2025.\n"
    ) in text
    # No avenant changes the title: the title page keeps the period of the convention as signed.
    assert "\n2024/2026\n" in text and "2024/2027" not in text


def test_amended_article_and_annex_are_marked(consolidated: Path) -> None:
    text = docx_text(consolidated).replace("\u00a0", " ")
    assert "\nARTICLE 7 – DURÉE (modifié par l’avenant n° 1 du 20 mars 2025)\n" in text
    assert "DÉSIGNÉS (modifiée par l’avenant n° 1 du 20 mars 2025)\n" in text


def test_no_signature_block(consolidated: Path) -> None:
    text = docx_text(consolidated)
    assert "Fait en deux exemplaires" not in text
    assert "Fait au Mans" not in text
    assert "signée électroniquement" not in text
    project = load_project(consolidated.parents[2])
    president = project.departement.president
    assert text.count(f"{president.prenom} {president.nom.upper()}") == 1  # in the parties, not under a signature


def test_article_7_in_force_is_the_avenant_wording(consolidated: Path) -> None:
    text = docx_text(consolidated).replace("\u00a0", " ")
    assert "du 1er décembre 2023 au 30 novembre 2027." in text
    assert "le Département ne prorogera pas ce contrat de travail au-delà du 30 novembre 2027." in text
    assert "dans ces conditions" not in text


def test_the_notice_agrees_with_the_number_of_avenants() -> None:
    assert consolidated_notice(1) == "Version consolidée intégrant l’avenant n° 1"
    assert consolidated_notice(2) == "Version consolidée intégrant les avenants n° 1 et 2"
    assert consolidated_notice(3) == "Version consolidée intégrant les avenants n° 1 à 3"


def test_marks_cite_every_avenant_that_amended_the_heading() -> None:
    import datetime as dt

    from convgen.acts.consolidated import modifications
    from convgen.acts.register import empty_register

    project = load_project(REPO)
    epci, programme = project.epcis[SLUG], project.programme
    registre = empty_register(SLUG).with_act(new_act(SLUG, 0, dt.date(2024, 4, 15), SHA, epci, programme))
    for numero, (fin, date) in enumerate(
        [("2027-01-31", "2025-03-20"), ("2027-06-30", "2025-09-18"), ("2027-11-30", "2026-02-05")], start=1
    ):
        programme = programme.model_copy(update={"fin": dt.date.fromisoformat(fin)})
        registre = registre.with_act(new_act(SLUG, numero, dt.date.fromisoformat(date), SHA, epci, programme))
    marks = modifications(registre)
    assert marks["ARTICLE 7 – DURÉE"].replace("\u00a0", " ") == (
        " (modifié par les avenants n° 1 du 20 mars 2025, n° 2 du 18 septembre 2025 et n° 3 du 5 février 2026)"
    )
