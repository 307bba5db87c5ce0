"""Comparison of models: lists by content, and what each change amends in a signed convention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from convgen.acts.diff import Change, amended, amending, diff_departement, diff_epci, diff_list, diff_programme
from convgen.data.load import load_project
from convgen.data.model import Epci
from convgen.data.project import Project

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"


@pytest.fixture(scope="module")
def project() -> Project:
    """Return the shipped data."""
    return load_project(REPO)


@pytest.fixture
def epci(project: Project) -> Epci:
    """Return one shipped intercommunality."""
    return project.epcis[SLUG]


def edit(epci: Epci, **changes: Any) -> Epci:
    """Return ``epci`` with some YAML keys replaced, validated again."""
    data = epci.model_dump()
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    return Epci.model_validate(data)


def test_no_change_no_difference(epci: Epci) -> None:
    assert diff_epci(epci, epci) == []


def test_inserting_one_item_is_one_addition(epci: Epci) -> None:
    items = list(epci.ressources.materiels)
    new = edit(epci, ressources__materiels=[items[0], "Salle informatique de la médiathèque", *items[1:]])
    assert diff_epci(epci, new) == [
        Change(
            "ressources.materiels",
            "Ressource matérielle mise à disposition (annexe)",
            "ajouté",
            "",
            "Salle informatique de la médiathèque",
            "annexe",
        )
    ]


def test_removing_one_item_is_one_removal(epci: Epci) -> None:
    items = list(epci.ressources.communication)
    new = edit(epci, ressources__communication=items[1:])
    changes = diff_epci(epci, new)
    assert [(c.kind, c.before, c.after) for c in changes] == [("supprimé", items[0], "")]


def test_a_permutation_is_one_reordering() -> None:
    changes = diff_list("ressources.materiels", ["a", "b", "c"], ["c", "a", "b"])
    assert len(changes) == 1
    assert changes[0].kind == "réordonné"
    assert (changes[0].before, changes[0].after) == ("a ; b ; c", "c ; a ; b")
    assert changes[0].amends == "annexe"


def test_a_reworded_item_is_one_modification() -> None:
    changes = diff_list(
        "ressources.materiels",
        ["Imprimante multifonction du siège communautaire", "Bureau"],
        ["Bureau", "Imprimante multifonction couleur du siège communautaire"],
    )
    assert [(c.kind, c.before, c.after) for c in changes] == [
        (
            "modifié",
            "Imprimante multifonction du siège communautaire",
            "Imprimante multifonction couleur du siège communautaire",
        )
    ]


def test_additions_and_a_reordering_together() -> None:
    changes = diff_list("ressources.communication", ["a", "b"], ["b", "a", "nouveau support"])
    assert [c.kind for c in changes] == ["ajouté", "réordonné"]


def test_referent_email_amends_the_annex(epci: Epci) -> None:
    new = edit(epci, referent__courriel="a.prototype@exemple.fr")
    (change,) = diff_epci(epci, new)
    assert change.path == "referent.courriel"
    assert change.label == "Courriel du référent de l’intercommunalité"
    assert (change.kind, change.amends, change.needs_avenant) == ("modifié", "annexe", True)
    assert change.after == "a.prototype@exemple.fr"


def test_another_referent_is_one_change_naming_both_people(epci: Epci) -> None:
    new = edit(
        epci,
        referent__civilite="Madame",
        referent__prenom="Inès",
        referent__nom="Nouvelle",
        referent__courriel="ines.nouvelle@exemple.fr",
    )
    (change,) = diff_epci(epci, new)
    assert change.path == "referent"
    assert change.label == "Désignation du référent de l’intercommunalité"
    assert change.before.startswith("Monsieur Antoine PROTOTYPE, Directeur des services à la population")
    assert change.after.startswith("Madame Inès NOUVELLE, Directeur des services à la population")
    assert change.amends == "annexe"


def test_what_each_field_amends(project: Project, epci: Epci) -> None:
    new = edit(
        epci,
        nom="Communauté de communes Maine Saosnois Nouvelle",
        nom_court="CC MSN",
        siege="Mamers",
        president__prenom="Jeanne",
        president__civilite="Madame",
        deliberation_avenant=dt.date(2025, 3, 11),
        suppleant__telephone="02 61 91 00 00",
    )
    by_path = {c.path: c for c in diff_epci(epci, new)}
    assert {path: c.amends for path, c in by_path.items()} == {
        "nom": "nom",
        "nom_court": "aucun",
        "siege": "aucun",
        "president": "aucun",
        "deliberation_avenant": "aucun",
        "suppleant.telephone": "annexe",
    }
    assert by_path["president"].before == "Monsieur Didier FACTICE"
    assert by_path["president"].after == "Madame Jeanne FACTICE"
    assert "institution" in by_path["president"].reason
    assert by_path["deliberation_avenant"].kind == "ajouté"
    assert by_path["deliberation_avenant"].after == "11 mars 2025"
    assert all(c.reason for c in by_path.values() if not c.needs_avenant)
    assert amended(list(by_path.values())) == ["nom", "annexe"]


def test_a_siren_change_needs_a_new_convention(epci: Epci, project: Project) -> None:
    other = project.epcis["cc-sud-sarthe"].siren
    (change,) = diff_epci(epci, edit(epci, siren=other))
    assert change.amends == "nouvelle convention"
    assert "autre personne morale" in change.reason
    assert not change.needs_avenant
    assert amending([change]) == []


def test_programme_period_amends_article_7_and_visas_amend_nothing(project: Project) -> None:
    old = project.programme
    new = old.model_copy(update={"fin": dt.date(2027, 11, 30), "convention_etat": dt.date(2024, 2, 26)})
    changes = diff_programme(old, new)
    assert [(c.path, c.amends, c.before, c.after) for c in changes] == [
        ("programme.fin", "article 7", "30 novembre 2026", "30 novembre 2027"),
        ("programme.convention_etat", "aucun", "23 février 2024", "26 février 2024"),
    ]


def test_departement_changes_never_amend(project: Project) -> None:
    old = project.departement
    data = old.model_dump()
    data["president"]["prenom"] = "Dominique-Marie"
    data["referent"]["courriel"] = "dnut@exemple.fr"
    new = type(old).model_validate(data)
    changes = diff_departement(old, new)
    assert [(c.path, c.amends) for c in changes] == [
        ("departement.president", "aucun"),
        ("departement.referent.courriel", "aucun"),
    ]
    assert "fonction" in changes[1].reason


def test_describe_reads_as_french(epci: Epci) -> None:
    new = edit(epci, siege="Mamers")
    (change,) = diff_epci(epci, new)
    assert change.describe() == (
        "Siège de l’intercommunalité : « Marolles-les-Braults » → « Mamers » — le siège n’est pas une "
        "stipulation de la convention ; l’Intercommunalité est partie à la convention en tant qu’institution"
    )
