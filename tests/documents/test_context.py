"""Tests of the template context built from the models: the whole contract, never a None."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from convgen.data.model import Departement, Epci, Programme
from convgen.documents.context import (
    assert_no_none,
    document_metadata,
    millesime,
    with_article_de,
)
from convgen.documents.verdict import Verdict
from convgen.errors import RenderError
from tests.projects import judged_context

NB = "\u00a0"

DEPARTEMENT: dict[str, Any] = {
    "nom": "Département de la Sarthe",
    "president": {"civilite": "Monsieur", "prenom": "Dominique", "nom": "Le Mèner"},
    "deliberation": "2024-02-23",
    "lieu_signature": "Le Mans",
    "adresse": "Hôtel du Département – 72072 Le Mans Cedex 9",
    "referent": {
        "civilite": "Monsieur",
        "prenom": "Paul",
        "nom": "Exemple",
        "fonction": "Chef du service DNUT",
        "courriel": "paul.exemple@exemple.fr",
        "telephone": "02 43 54 00 01",
    },
    "suppleant": {
        "civilite": "Madame",
        "prenom": "Léa",
        "nom": "d'Aubigné",
        "fonction": "Conseillère numérique coordinatrice",
        "courriel": "lea.daubigne@exemple.fr",
        "telephone": "0243540002",
    },
}

PROGRAMME: dict[str, Any] = {
    "debut": "2023-12-01",
    "fin": "2026-11-30",
    "convention_etat": "2024-02-23",
    "convention_etat_coordinateur": "2024-02-23",
}

EPCI: dict[str, Any] = {
    "nom": "Communauté de communes Maine Saosnois",
    "nom_court": "CC Maine Saosnois",
    "siren": "200072676",
    "siege": "Marolles-les-Braults",
    "president": {"civilite": "Madame", "prenom": "Anne", "nom": "Exemple"},
    "deliberation": "2024-03-12",
    "referent": {
        "civilite": "Madame",
        "prenom": "Claire",
        "nom": "Le Bœuf-Ñúñez",
        "fonction": "Directrice des services à la population",
        "courriel": "claire.leboeuf@exemple.fr",
        "telephone": "02 43 12 34 56",
    },
    "suppleant": {
        "civilite": "Monsieur",
        "prenom": "Jean-Marc",
        "nom": "Dupont",
        "fonction": "Animateur de l'espace France services",
        "courriel": "jm.dupont@exemple.fr",
        "telephone": "02.43.12.34.57",
    },
    "ressources": {
        "materiels": [
            "Salle de réunion du siège équipée d'un vidéoprojecteur",
            'Accès "wifi" : réseau public',
        ],
        "communication": ["Article dans le magazine intercommunal « Le Saosnois »"],
    },
}

PERSON_KEYS = {"civilite", "feminin", "prenom", "nom", "nom_complet"}
PRESIDENT_KEYS = PERSON_KEYS | {"signature", "titre", "le_titre", "Le_titre", "son_titre", "du_titre"}
CONTACT_KEYS = PERSON_KEYS | {"fonction", "courriel", "telephone", "referent_titre", "suppleant_titre"}


def build(
    departement: dict[str, Any] | None = None,
    programme: dict[str, Any] | None = None,
    epci: dict[str, Any] | None = None,
) -> tuple[Departement, Programme, Epci]:
    """Return the three models validated from small dicts."""
    return (
        Departement.model_validate(departement or DEPARTEMENT),
        Programme.model_validate(programme or PROGRAMME),
        Epci.model_validate(epci or EPCI),
    )


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Return a deep copy of the data with top-level keys replaced."""
    data = copy.deepcopy(base)
    data.update(changes)
    return data


def leaves(value: Any) -> list[Any]:
    """Return every leaf value of a nested context."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


# --- the whole contract ------------------------------------------------------------------------------


def test_convention_context_contract() -> None:
    context = judged_context(*build())

    assert context == {
        "projet": False,
        "raisons_projet": [],
        "departement": {
            "nom": "Département de la Sarthe",
            "nom_majuscules": f"DÉPARTEMENT{NB}DE{NB}LA{NB}SARTHE",
            "lieu_signature": "Le Mans",
            "lieu_signature_prepose": "au Mans",
            "adresse": "Hôtel du Département – 72072 Le Mans Cedex 9",
            "deliberation": "23 février 2024",
            "president": {
                "civilite": "Monsieur",
                "feminin": False,
                "prenom": "Dominique",
                "nom": "LE MÈNER",
                "nom_complet": "Monsieur\u00a0Dominique LE MÈNER",
                "signature": "Dominique LE MÈNER",
                "titre": "Président",
                "le_titre": "le Président",
                "Le_titre": "Le Président",
                "son_titre": "son Président",
                "du_titre": "du Président",
            },
            "referent": {
                "civilite": "Monsieur",
                "feminin": False,
                "prenom": "Paul",
                "nom": "EXEMPLE",
                "nom_complet": "Monsieur\u00a0Paul EXEMPLE",
                "fonction": "Chef du service DNUT",
                "courriel": "paul.exemple@exemple.fr",
                "telephone": f"02{NB}43{NB}54{NB}00{NB}01",
                "referent_titre": "Référent",
                "suppleant_titre": "Suppléant",
            },
            "suppleant": {
                "civilite": "Madame",
                "feminin": True,
                "prenom": "Léa",
                "nom": "D’AUBIGNÉ",
                "nom_complet": "Madame\u00a0Léa D’AUBIGNÉ",
                "fonction": "Conseillère numérique coordinatrice",
                "courriel": "lea.daubigne@exemple.fr",
                "telephone": f"02{NB}43{NB}54{NB}00{NB}02",
                "referent_titre": "Référente",
                "suppleant_titre": "Suppléante",
            },
        },
        "programme": {
            "debut": "1er décembre 2023",
            "fin": "30 novembre 2026",
            "convention_etat": "23 février 2024",
            "convention_etat_coordinateur": "23 février 2024",
            "duree": f"3{NB}années",
            "millesime": "2024-2026",
            "periode_titre": "2024/2026",
        },
        "epci": {
            "nom": "Communauté de communes Maine Saosnois",
            "nom_majuscules": "COMMUNAUTÉ DE COMMUNES MAINE SAOSNOIS",
            "de_nom": "de la Communauté de communes Maine Saosnois",
            "nom_court": "CC Maine Saosnois",
            "siren": f"200{NB}072{NB}676",
            "siege": "Marolles-les-Braults",
            "deliberation": "12 mars 2024",
            "deliberation_avenant": "",
            "president": {
                "civilite": "Madame",
                "feminin": True,
                "prenom": "Anne",
                "nom": "EXEMPLE",
                "nom_complet": "Madame\u00a0Anne EXEMPLE",
                "signature": "Anne EXEMPLE",
                "titre": "Présidente",
                "le_titre": "la Présidente",
                "Le_titre": "La Présidente",
                "son_titre": "sa Présidente",
                "du_titre": "de la Présidente",
            },
            "referent": {
                "civilite": "Madame",
                "feminin": True,
                "prenom": "Claire",
                "nom": "LE BŒUF-ÑÚÑEZ",
                "nom_complet": "Madame\u00a0Claire LE BŒUF-ÑÚÑEZ",
                "fonction": "Directrice des services à la population",
                "courriel": "claire.leboeuf@exemple.fr",
                "telephone": f"02{NB}43{NB}12{NB}34{NB}56",
                "referent_titre": "Référente",
                "suppleant_titre": "Suppléante",
            },
            "suppleant": {
                "civilite": "Monsieur",
                "feminin": False,
                "prenom": "Jean-Marc",
                "nom": "DUPONT",
                "nom_complet": "Monsieur\u00a0Jean-Marc DUPONT",
                "fonction": "Animateur de l’espace France services",
                "courriel": "jm.dupont@exemple.fr",
                "telephone": f"02{NB}43{NB}12{NB}34{NB}57",
                "referent_titre": "Référent",
                "suppleant_titre": "Suppléant",
            },
            "ressources": {
                "materiels": [
                    "Salle de réunion du siège équipée d’un vidéoprojecteur",
                    f"Accès «{NB}wifi{NB}»{NB}: réseau public",
                ],
                "communication": [f"Article dans le magazine intercommunal «{NB}Le Saosnois{NB}»"],
            },
            "a_confirmer": [],
        },
        "figures": {
            "nuage": {
                "fichier": "templates/figures/nuage-de-mots.png",
                "image": "figures/nuage-de-mots.png",
                "texte_alternatif": "Nuage des mots les plus souvent cités par les collectivités ayant répondu à "
                "la concertation.",
                "present": True,
                "probleme": "",
                "exemple": False,
                "empreinte": "",
            },
            "carte": {
                "fichier": "templates/figures/carte-offres.png",
                "image": "figures/carte-offres.png",
                "texte_alternatif": "Carte de la Sarthe situant les 228 offres d’accès à un accompagnement numérique.",
                "present": True,
                "probleme": "",
                "exemple": False,
                "empreinte": "",
            },
        },
        "signature": {"mode": "electronique", "electronique": True, "manuscrite": False},
    }


def test_convention_context_keys_and_types() -> None:
    context = judged_context(*build())

    assert set(context) == {"projet", "raisons_projet", "departement", "programme", "epci", "figures", "signature"}
    assert set(context["departement"]) == {
        "nom",
        "nom_majuscules",
        "lieu_signature",
        "lieu_signature_prepose",
        "adresse",
        "deliberation",
        "president",
        "referent",
        "suppleant",
    }
    assert set(context["programme"]) >= {
        "debut",
        "fin",
        "convention_etat",
        "convention_etat_coordinateur",
        "duree",
    }
    assert set(context["epci"]) >= {
        "nom",
        "nom_majuscules",
        "nom_court",
        "siren",
        "siege",
        "deliberation",
        "president",
        "referent",
        "suppleant",
        "ressources",
    }
    for party in ("departement", "epci"):
        assert set(context[party]["president"]) == PRESIDENT_KEYS
        assert set(context[party]["referent"]) == CONTACT_KEYS
        assert set(context[party]["suppleant"]) == CONTACT_KEYS
    assert set(context["epci"]["ressources"]) == {"materiels", "communication"}
    assert all(isinstance(leaf, str | bool) for leaf in leaves(context))
    assert isinstance(context["epci"]["ressources"]["materiels"], list)


def test_every_text_is_in_french_typography() -> None:
    context = judged_context(*build())

    texts = [leaf for leaf in leaves(context) if isinstance(leaf, str)]
    assert not [text for text in texts if "'" in text or '"' in text]


# --- variants ----------------------------------------------------------------------------------------


def test_projet_when_the_deliberation_is_unknown() -> None:
    epci = with_changes(EPCI)
    del epci["deliberation"]

    context = judged_context(*build(epci=epci))

    assert context["projet"] is True
    assert context["epci"]["deliberation"] == ""
    assert_no_none(context)


def test_deliberation_avenant_in_words() -> None:
    context = judged_context(*build(epci=with_changes(EPCI, deliberation_avenant="2025-10-01")))

    assert context["epci"]["deliberation_avenant"] == "1er octobre 2025"


def test_president_gender_both_ways() -> None:
    madame = {"civilite": "Madame", "prenom": "Véronique", "nom": "Rivron"}
    monsieur = {"civilite": "Monsieur", "prenom": "Éric", "nom": "d'Ornano"}

    feminine = judged_context(*build(epci=with_changes(EPCI, president=madame)))["epci"]["president"]
    masculine = judged_context(*build(epci=with_changes(EPCI, president=monsieur)))["epci"]["president"]

    assert feminine == {
        "civilite": "Madame",
        "feminin": True,
        "prenom": "Véronique",
        "nom": "RIVRON",
        "nom_complet": "Madame\u00a0Véronique RIVRON",
        "signature": "Véronique RIVRON",
        "titre": "Présidente",
        "le_titre": "la Présidente",
        "Le_titre": "La Présidente",
        "son_titre": "sa Présidente",
        "du_titre": "de la Présidente",
    }
    assert masculine == {
        "civilite": "Monsieur",
        "feminin": False,
        "prenom": "Éric",
        "nom": "D’ORNANO",
        "nom_complet": "Monsieur\u00a0Éric D’ORNANO",
        "signature": "Éric D’ORNANO",
        "titre": "Président",
        "le_titre": "le Président",
        "Le_titre": "Le Président",
        "son_titre": "son Président",
        "du_titre": "du Président",
    }


def test_departement_president_feminine() -> None:
    departement = with_changes(DEPARTEMENT, president={"civilite": "Madame", "prenom": "Anne", "nom": "Exemple"})

    president = judged_context(*build(departement=departement))["departement"]["president"]

    assert (president["nom_complet"], president["Le_titre"]) == ("Madame\u00a0Anne EXEMPLE", "La Présidente")


def test_other_place_of_signature() -> None:
    departement = with_changes(DEPARTEMENT, lieu_signature="La Flèche")

    context = judged_context(*build(departement=departement))

    assert context["departement"]["lieu_signature_prepose"] == "à La Flèche"


# --- metadata ----------------------------------------------------------------------------------------


def test_document_metadata() -> None:
    assert document_metadata(*build(), verdict=Verdict()) == {
        "Title": "Convention de partenariat — conseiller numérique 2024-2026 — Communauté de communes Maine Saosnois",
        "Author": "Département de la Sarthe",
        "Subject": "Organisation de l’intervention d’un conseiller numérique sur le territoire "
        "de la Communauté de communes Maine Saosnois",
        "Keywords": "convention; conseiller numérique; inclusion numérique; Sarthe; CC Maine Saosnois",
    }


@pytest.mark.parametrize(
    ("debut", "fin", "expected"),
    [("2023-12-01", "2026-11-30", "2024-2026"), ("2024-01-01", "2026-12-31", "2024-2026")],
)
def test_millesime(debut: str, fin: str, expected: str) -> None:
    programme = Programme.model_validate(with_changes(PROGRAMME, debut=debut, fin=fin))

    assert millesime(programme) == expected


@pytest.mark.parametrize(
    ("nom", "expected"),
    [
        ("Communauté de communes Maine Saosnois", "de la Communauté de communes Maine Saosnois"),
        ("Communauté urbaine Le Mans Métropole", "de la Communauté urbaine Le Mans Métropole"),
        ("Syndicat mixte du Pays", "de Syndicat mixte du Pays"),
    ],
)
def test_with_article_de(nom: str, expected: str) -> None:
    assert with_article_de(nom) == expected


# --- no None -----------------------------------------------------------------------------------------


def test_assert_no_none_accepts_a_complete_context() -> None:
    assert_no_none({"a": "x", "b": [True, {"c": ""}], "d": ()})


@pytest.mark.parametrize(
    ("context", "where"),
    [
        (None, "contexte"),
        ({"epci": {"referent": {"nom": None}}}, "contexte.epci.referent.nom"),
        ({"epci": {"ressources": {"materiels": ["a", None]}}}, "contexte.epci.ressources.materiels[1]"),
        ({"t": ("a", None)}, "contexte.t[1]"),
    ],
)
def test_assert_no_none_names_the_key(context: Any, where: str) -> None:
    with pytest.raises(RenderError) as caught:
        assert_no_none(context)

    assert str(caught.value) == f"{where} : valeur absente (None) dans le contexte du modèle de document"
