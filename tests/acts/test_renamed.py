"""A renamed intercommunality: the avenant takes note of the new name, cites the prefectoral order."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from convgen.acts.register import load_register, new_act, write_register
from convgen.data.load import load_project
from convgen.documents.docxtext import docx_text
from convgen.errors import DataError
from tests.projects import cli, copy_project

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"
OLD = "Communauté de communes Maine Saosnois"
NEW = "Communauté de communes du Saosnois"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Return a copy of the project where the convention is signed, then the intercommunality renamed."""
    copy_project(tmp_path)
    project = load_project(tmp_path)
    act = new_act(SLUG, 0, dt.date(2024, 5, 6), "ab" * 32, project.epcis[SLUG], project.programme)
    write_register(tmp_path, load_register(tmp_path, SLUG).with_act(act))
    return tmp_path


def _edit(root: Path, **values: Any) -> None:
    path = root / "epci" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(values)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _avenant(root: Path) -> str:
    result = cli(root, "amend", "--format", "docx")
    assert result.exit_code == 0, result.output
    return docx_text(root / "build" / SLUG / f"avenant-01-{SLUG}.docx").replace("\u00a0", " ")


def test_the_avenant_takes_note_of_the_new_name_and_cites_the_order(root: Path) -> None:
    _edit(root, nom=NEW, arrete_prefectoral={"date": "2025-01-15", "reference": "DCPPAT 2025-0012"})
    text = _avenant(root)
    assert f"À LA CONVENTION DE PARTENARIAT\n{OLD} – DÉPARTEMENT DE LA SARTHE\n" in text
    assert "SUR LE TERRITOIRE DE LA COMMUNAUTÉ DE COMMUNES MAINE SAOSNOIS\nsignée le 6 mai 2024\n" in text
    assert (
        "Vu l’arrêté préfectoral n° DCPPAT 2025-0012 du 15 janvier 2025 portant modification des statuts de la "
        f"{OLD}, pris en application de l’article L. 5211-20 du code général des collectivités territoriales,"
    ) in text
    assert (
        f"Les parties prennent acte de ce que la {OLD} est désormais dénommée « {NEW} », en application de "
        "l’arrêté préfectoral susvisé." in text
    )
    assert "est remplacée par « " + NEW not in text
    assert f"[pied de page]\nAvenant n° 1 à la convention conseiller numérique — {NEW} — page" in text


def test_without_the_order_the_avenant_is_a_draft(root: Path) -> None:
    _edit(root, nom=NEW)
    text = _avenant(root)
    assert text.startswith("[en-tête]\nPROJET")
    assert "arrêté préfectoral" not in text


def test_the_order_is_validated_in_french(root: Path) -> None:
    _edit(root, arrete_prefectoral={"date": "15/01/2025"})
    with pytest.raises(DataError) as raised:
        load_project(root)
    message = str(raised.value)
    assert "arrete_prefectoral.date" in message
    assert "arrete_prefectoral.reference" in message


def test_the_consolidated_footer_has_the_current_name(root: Path) -> None:
    _edit(root, nom=NEW, arrete_prefectoral={"date": "2025-01-15", "reference": "DCPPAT 2025-0012"})
    project = load_project(root)
    registre = load_register(root, SLUG)
    act = new_act(SLUG, 1, dt.date(2025, 3, 20), "cd" * 32, project.epcis[SLUG], project.programme)
    write_register(root, registre.with_act(act))
    result = cli(root, "amend", "--format", "docx")
    assert result.exit_code == 0, result.output
    text = docx_text(root / "build" / SLUG / f"convention-{SLUG}-consolidee.docx")
    assert f"— {NEW} — page" in text
    assert "CC Maine Saosnois" not in text


def test_the_comparatif_tracks_the_name_in_the_title_the_parties_and_the_footer(root: Path) -> None:
    _edit(root, nom=NEW, arrete_prefectoral={"date": "2025-01-15", "reference": "DCPPAT 2025-0012"})
    _avenant(root)
    comparatif = root / "build" / SLUG / f"avenant-01-{SLUG}-comparatif.docx"
    body = etree.fromstring(zipfile.ZipFile(comparatif).read("word/document.xml"))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    tracked = {}
    for p in body.iter(f"{w}p"):
        inserted = "".join(t.text or "" for t in p.iter(f"{w}t") if any(a.tag == f"{w}ins" for a in t.iterancestors()))
        deleted = "".join(t.text or "" for t in p.iter(f"{w}delText"))
        if inserted or deleted:
            tracked["".join(t.text or "" for t in p.iter(f"{w}t"))] = (deleted, inserted)
    title = next(text for text in tracked if text.startswith("POUR L’ORGANISATION DE L’INTERVENTION"))
    assert "MAINE" in tracked[title][0] and "DU" in tracked[title][1]
    assert any("(SIREN" in text for text in tracked)  # the parties
    footer = next(text for text in tracked if text.startswith("Convention conseiller numérique 2024-2026 — "))
    assert NEW in footer.replace("\u00a0", " ") and "CC Maine" in tracked[footer][0]
    assert "pageBreakBefore" not in zipfile.ZipFile(comparatif).read("word/document.xml").decode()
