"""The avenant's wording: Article 7 replaced consistently, annex 3 named, the council's deliberation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from convgen.acts.avenant import amended_by, purpose
from convgen.acts.plan import plan_avenant
from convgen.acts.readiness import avenant_verdict
from convgen.acts.register import empty_register, load_register, new_act, write_register
from convgen.data.load import load_project
from convgen.documents.docxtext import docx_text
from tests.projects import cli, copy_project

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"


@pytest.fixture
def avenant(tmp_path: Path) -> str:
    """Sign the convention; then extend the programme to 2027 and change the referent's email; draft avenant 1."""
    return drafted(tmp_path)


def drafted(tmp_path: Path, prolongation: str = "") -> str:
    """Return the text of avenant 1 extending the programme and replacing the annex (``prolongation``: YAML lines)."""
    copy_project(tmp_path)
    project = load_project(tmp_path)
    act = new_act(SLUG, 0, dt.date(2024, 4, 15), "ab" * 32, project.epcis[SLUG], project.programme)
    write_register(tmp_path, load_register(tmp_path, SLUG).with_act(act))
    departement = tmp_path / "departement.yaml"
    departement.write_text(
        departement.read_text(encoding="utf-8").replace("fin: 2026-11-30", "fin: 2027-11-30" + prolongation),
        encoding="utf-8",
    )
    path = tmp_path / "epci" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["referent"]["courriel"] = "a.prototype@exemple.fr"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli(tmp_path, "amend", "--format", "docx")
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


def test_the_object_article_says_what_the_avenant_replaces(avenant: str) -> None:
    assert (
        "IL A ÉTÉ CONVENU CE QUI SUIT :\nARTICLE 1 – OBJET\nLe présent avenant a pour objet de prolonger la durée de "
        "la convention fixée à l’article 7 et de modifier l’annexe 3 « Ressources mises à disposition et référents "
        "désignés ».\nARTICLE 2 – DURÉE\n" in avenant
    )
    assert "ARTICLE 3 – ANNEXE 3\n" in avenant
    assert "ARTICLE 4 – AUTRES STIPULATIONS\nLes autres stipulations de la convention demeurent inchangées." in avenant


def test_an_extension_waits_for_the_state_s_act_then_cites_it(avenant: str, tmp_path: Path) -> None:
    assert avenant.startswith("[en-tête]\nPROJET")
    assert "Vu l’acte de l’État" not in avenant
    (tmp_path / "cite").mkdir()
    cited = drafted(tmp_path / "cite", "\n  prolongation_etat: {date: 2026-10-15, reference: 2026-CNFS-072}")
    assert (
        "Vu l’acte de l’État n° 2026-CNFS-072 du 15 octobre 2026 prolongeant le cofinancement du dispositif "
        "conseiller numérique,\nVu l’article 8" in cited
    )


def test_the_reason_and_the_wording_of_the_plan() -> None:
    project = load_project(REPO)
    epci = project.epcis[SLUG]
    registre = empty_register(SLUG).with_act(new_act(SLUG, 0, dt.date(2024, 4, 15), "ab" * 32, epci, project.programme))
    longer = project.programme.model_copy(update={"fin": dt.date(2027, 11, 30)})
    renamed = epci.model_copy(update={"nom": "Communauté de communes du Saosnois"})
    plan = plan_avenant(SLUG, registre, renamed, longer)
    assert plan is not None
    reason = "acte de l’État prolongeant le cofinancement à renseigner (clé « prolongation_etat » de departement.yaml)"
    assert reason in avenant_verdict(plan).reasons
    assert purpose(plan) == (
        "prendre acte de la nouvelle dénomination de l’Intercommunalité, de prolonger la durée de la convention "
        "fixée à l’article 7"
    ).replace(", de", " et de")
    shorter = project.programme.model_copy(update={"fin": dt.date(2026, 6, 30)})
    plan = plan_avenant(SLUG, registre, epci, shorter)
    assert plan is not None and reason not in avenant_verdict(plan).reasons
    assert purpose(plan) == "modifier la durée de la convention fixée à l’article 7"
    assert amended_by([]) == ""
    assert amended_by([1]) == ", modifiée par l’avenant n° 1,"
    assert amended_by([1, 2, 3]) == ", modifiée par les avenants n° 1, n° 2 et n° 3,"
