"""Rules of validity of the models, checked without any YAML file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from convgen.data.fields import luhn_valid
from convgen.data.load import load_project
from convgen.data.model import Contact, Epci, Personne, Ressources
from convgen.data.project import DepartementFile, Project

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "valid"


@pytest.fixture(scope="module")
def valid() -> Project:
    """Return the valid test project."""
    return load_project(VALID)


@pytest.fixture
def epci_data(valid: Project) -> dict[str, Any]:
    """Return the valid EPCI as plain data, ready to be spoiled."""
    return valid.epcis["cc-exemple"].model_dump()


@pytest.fixture
def contact_data(epci_data: dict[str, Any]) -> dict[str, Any]:
    """Return a valid contact as plain data."""
    data: dict[str, Any] = epci_data["referent"]
    return data


def only_error(exc: pytest.ExceptionInfo[ValidationError]) -> tuple[tuple[str | int, ...], str, str]:
    """Return the location, French message and hint of the single error raised."""
    errors = exc.value.errors(include_url=False)
    assert len(errors) == 1
    ctx = errors[0].get("ctx") or {}
    return (*errors[0]["loc"], *ctx.get("at", ())), ctx.get("message", errors[0]["type"]), ctx.get("hint", "")


@pytest.mark.parametrize("siren", ["200072676", "247200090", "200040475", "732829320"])
def test_luhn_accepts_valid_sirens(siren: str) -> None:
    assert luhn_valid(siren)


@pytest.mark.parametrize("siren", ["200072677", "247200091", "123456789"])
def test_luhn_refuses_wrong_keys(siren: str) -> None:
    assert not luhn_valid(siren)


def test_siren_spaces_are_removed(epci_data: dict[str, Any]) -> None:
    epci = Epci.model_validate({**epci_data, "siren": "200 072 676"})
    assert epci.siren == "200072676"


@pytest.mark.parametrize(
    ("siren", "message"),
    [
        ("20007267", "SIREN « 20007267 » invalide : 8 chiffres au lieu de 9"),
        ("2000726760", "SIREN « 2000726760 » invalide : 10 chiffres au lieu de 9"),
        ("200072677", "SIREN « 200072677 » invalide : la clé de contrôle (Luhn) est fausse"),
        ("2OOO72676", "SIREN « 2OOO72676 » invalide : il ne doit contenir que des chiffres"),
    ],
)
def test_siren_is_nine_digits_with_luhn_key(epci_data: dict[str, Any], siren: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Epci.model_validate({**epci_data, "siren": siren})
    assert only_error(caught)[:2] == (("siren",), message)


@pytest.mark.parametrize(
    "phone",
    [
        "0243123456",
        "02 43 12 34 56",
        "02.43.12.34.56",
        "02-43-12-34-56",
        "+33 2 43 12 34 56",
        "+33243123456",
        "+33 (0)2 43 12 34 56",
        "0033 2 43 12 34 56",
        "02\u00a043\u00a012\u00a034\u00a056",
    ],
)
def test_phone_is_normalised(contact_data: dict[str, Any], phone: str) -> None:
    assert Contact.model_validate({**contact_data, "telephone": phone}).telephone == "02 43 12 34 56"


@pytest.mark.parametrize("phone", ["02 43 12 34", "2 43 12 34 56", "+44 20 7946 0958", "00 43 12 34 56", "abc"])
def test_phone_must_be_french(contact_data: dict[str, Any], phone: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Contact.model_validate({**contact_data, "telephone": phone})
    assert only_error(caught) == (
        ("telephone",),
        f"numéro de téléphone invalide « {phone} »",
        "10 chiffres commençant par 0, par exemple 02 43 12 34 56",
    )


def test_email_domain_is_normalised(contact_data: dict[str, Any]) -> None:
    contact = Contact.model_validate({**contact_data, "courriel": "Sophie.Modele@EXEMPLE.fr"})
    assert contact.courriel == "Sophie.Modele@exemple.fr"


@pytest.mark.parametrize("email", ["sophie.modele@", "sophie", "a b@exemple.fr", "sophie@@exemple.fr"])
def test_email_must_be_valid(contact_data: dict[str, Any], email: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Contact.model_validate({**contact_data, "courriel": email})
    assert only_error(caught) == (
        ("courriel",),
        f"adresse invalide « {email} »",
        "exemple : prenom.nom@cc-exemple.fr",
    )


def test_civilite_is_madame_or_monsieur() -> None:
    with pytest.raises(ValidationError) as caught:
        Personne.model_validate({"civilite": "Mme", "prenom": "Claire", "nom": "Exemple"})
    assert only_error(caught)[:2] == (("civilite",), "literal_error")


def test_text_is_nfc_and_stripped() -> None:
    person = Personne.model_validate({"civilite": "Madame", "prenom": " He\u0301le\u0300ne\u00a0", "nom": "Exemple\n"})
    assert person.prenom == "Hélène"
    assert person.nom == "Exemple"


def test_non_breaking_space_inside_text_is_kept() -> None:
    person = Personne.model_validate({"civilite": "Madame", "prenom": "Anne\u00a0Marie", "nom": "Exemple"})
    assert person.prenom == "Anne\u00a0Marie"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Ex\vemple", "caractère invisible interdit (U+000B)"),
        ("Ex\x00emple", "caractère invisible interdit (U+0000)"),
        ("Ex\x1bemple", "caractère invisible interdit (U+001B)"),
        ("Ex\u202eemple", "caractère invisible interdit (U+202E)"),
        ("Ex\ufeffemple", "caractère invisible interdit (U+FEFF)"),
        ("Ex\temple", "tabulation interdite dans la valeur"),
        ("Ex\nemple", "retour à la ligne interdit dans la valeur"),
        ("Ex\u2028emple", "retour à la ligne interdit dans la valeur"),
    ],
)
def test_control_characters_are_refused(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Personne.model_validate({"civilite": "Madame", "prenom": "Claire", "nom": value})
    assert only_error(caught)[:2] == (("nom",), message)


def test_text_length_is_bounded() -> None:
    with pytest.raises(ValidationError) as caught:
        Personne.model_validate({"civilite": "Madame", "prenom": "C" * 201, "nom": "Exemple"})
    assert only_error(caught)[:2] == (("prenom",), "string_too_long")


def test_text_is_not_empty() -> None:
    with pytest.raises(ValidationError) as caught:
        Personne.model_validate({"civilite": "Madame", "prenom": "   ", "nom": "Exemple"})
    assert only_error(caught)[:2] == (("prenom",), "string_too_short")


def test_numbers_are_not_text() -> None:
    with pytest.raises(ValidationError) as caught:
        Personne.model_validate({"civilite": "Madame", "prenom": 42, "nom": "Exemple"})
    assert only_error(caught)[:2] == (("prenom",), "string_type")


def test_referent_and_deputy_are_different_people(epci_data: dict[str, Any]) -> None:
    deputy = {**epci_data["suppleant"], "prenom": "SOPHIE", "nom": "modele"}
    with pytest.raises(ValidationError) as caught:
        Epci.model_validate({**epci_data, "suppleant": deputy})
    assert only_error(caught) == (
        ("suppleant",),
        "le suppléant est la même personne que le référent",
        "désignez comme suppléant une autre personne",
    )


def test_departement_referent_and_deputy_are_different_people(valid: Project) -> None:
    data = {"departement": valid.departement.model_dump(), "programme": valid.programme.model_dump()}
    data["departement"]["suppleant"] = {**data["departement"]["suppleant"], "prenom": "François", "nom": "EXEMPLE"}
    with pytest.raises(ValidationError) as caught:
        DepartementFile.model_validate(data)
    assert only_error(caught)[:2] == (
        ("departement", "suppleant"),
        "le suppléant est la même personne que le référent",
    )


def test_programme_starts_before_it_ends(valid: Project) -> None:
    programme = {**valid.programme.model_dump(), "fin": dt.date(2023, 12, 1)}
    data = {"departement": valid.departement.model_dump(), "programme": programme}
    with pytest.raises(ValidationError) as caught:
        DepartementFile.model_validate(data)
    assert only_error(caught) == (
        ("programme", "fin"),
        "la fin du programme (2023-12-01) n’est pas postérieure à son début (2023-12-01)",
        "vérifiez les dates « debut » et « fin »",
    )


def test_departement_deliberation_within_programme(valid: Project) -> None:
    departement = {**valid.departement.model_dump(), "deliberation": dt.date(2027, 1, 5)}
    with pytest.raises(ValidationError) as caught:
        DepartementFile.model_validate({"departement": departement, "programme": valid.programme.model_dump()})
    assert only_error(caught)[:2] == (
        ("departement", "deliberation"),
        "la délibération du 2027-01-05 est postérieure à la fin du programme (2026-11-30)",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(dt.date(2024, 3, 12), dt.date(2024, 3, 12)), ("2024-03-12", dt.date(2024, 3, 12)), (None, None)],
)
def test_deliberation_accepts_dates_and_iso_text(epci_data: dict[str, Any], value: object, expected: object) -> None:
    assert Epci.model_validate({**epci_data, "deliberation": value}).deliberation == expected


@pytest.mark.parametrize(
    ("value", "message", "hint"),
    [
        ("12/03/2024", "date « 12/03/2024 » mal écrite", "format attendu AAAA-MM-JJ, par exemple 2024-03-12"),
        ("2024-3-5", "date « 2024-3-5 » mal écrite", "format attendu AAAA-MM-JJ, par exemple 2024-03-05"),
        ("mars 2024", "date « mars 2024 » mal écrite", "format attendu AAAA-MM-JJ, par exemple 2024-03-12"),
        ("2023-02-29", "date impossible « 2023-02-29 » : février 2023 compte 28 jours", "vérifiez le jour et le mois"),
        ("2024-04-31", "date impossible « 2024-04-31 » : avril 2024 compte 30 jours", "vérifiez le jour et le mois"),
        (
            dt.datetime(2024, 3, 12, 10, 0),
            "une date sans heure est attendue",
            "écrivez seulement la date, par exemple 2024-03-12",
        ),
        (20240312, "« 20240312 » n’est pas une date", "format attendu AAAA-MM-JJ, par exemple 2024-03-12"),
        (True, "une date est attendue, pas oui/non", "format attendu AAAA-MM-JJ, par exemple 2024-03-12"),
    ],
)
def test_deliberation_explains_wrong_dates(epci_data: dict[str, Any], value: object, message: str, hint: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Epci.model_validate({**epci_data, "deliberation": value})
    assert only_error(caught) == (("deliberation",), message, hint)


def test_at_least_one_resource() -> None:
    assert Ressources.model_validate({"communication": ["Affiches A3 dans les mairies"]}).materiels == ()
    with pytest.raises(ValidationError) as caught:
        Ressources.model_validate({"materiels": [], "communication": []})
    assert only_error(caught) == (
        (),
        "aucune ressource n’est indiquée",
        "ajoutez au moins un élément sous « materiels » ou « communication » (article 3.2)",
    )


def test_no_duplicate_resource() -> None:
    with pytest.raises(ValidationError) as caught:
        Ressources.model_validate({"materiels": ["Salle A", "Tablettes", "salle a"]})
    assert only_error(caught)[:2] == (("materiels", 2), "élément « salle a » en double dans la liste")


def test_no_empty_resource() -> None:
    with pytest.raises(ValidationError) as caught:
        Ressources.model_validate({"materiels": ["Salle A", " "]})
    assert only_error(caught)[:2] == (("materiels", 1), "string_too_short")


def test_models_are_frozen(valid: Project) -> None:
    with pytest.raises(ValidationError):
        valid.epcis["cc-exemple"].nom = "Autre"  # type: ignore[misc]


def test_project_sorts_epcis_by_slug(valid: Project) -> None:
    epci = valid.epcis["cc-exemple"]
    other = epci.model_copy(update={"siren": "247200090"})
    project = Project(departement=valid.departement, programme=valid.programme, epcis={"cc-z": epci, "cc-a": other})
    assert list(project.epcis) == ["cc-a", "cc-z"]


def test_project_refuses_a_shared_siren(valid: Project) -> None:
    epci = valid.epcis["cc-exemple"]
    with pytest.raises(ValidationError) as caught:
        Project(departement=valid.departement, programme=valid.programme, epcis={"cc-a": epci, "cc-b": epci})
    assert only_error(caught)[:2] == (
        ("epcis", "cc-a", "siren"),
        "epci/cc-a.yaml : SIREN 200072676 déjà utilisé par epci/cc-b.yaml",
    )


def test_project_refuses_a_deliberation_after_the_programme(valid: Project) -> None:
    epci = valid.epcis["cc-exemple"].model_copy(update={"deliberation": dt.date(2027, 1, 1)})
    with pytest.raises(ValidationError) as caught:
        Project(departement=valid.departement, programme=valid.programme, epcis={"cc-a": epci})
    assert only_error(caught)[:2] == (
        ("epcis", "cc-a", "deliberation"),
        "epci/cc-a.yaml : la délibération du 2027-01-01 est postérieure à la fin du programme (2026-11-30)",
    )


def test_project_refuses_a_bad_slug(valid: Project) -> None:
    with pytest.raises(ValidationError) as caught:
        Project(departement=valid.departement, programme=valid.programme, epcis={"CC A": valid.epcis["cc-exemple"]})
    assert only_error(caught)[:2] == (("epcis",), "identifiant « CC A » invalide")


@pytest.mark.parametrize("value", ['Anne "Nanou"', "Jean<2>", "Dupont & Fils", "Marie1"])
def test_a_person_name_holds_only_letters_and_name_punctuation(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Personne.model_validate({"civilite": "Madame", "prenom": value, "nom": "Exemple"})
    where, message, hint = only_error(caught)
    assert where == ("prenom",)
    assert message.endswith("» inattendu dans un nom de personne")
    assert (
        hint
        == "un prénom ou un nom ne contient que des lettres, des espaces, des apostrophes, des tirets et des points"
    )


@pytest.mark.parametrize("value", ["D'Aubigné-Ñúñez", "Le Mèner", "Jean-Éric", "O’Neill", "St. Cyr", "Þórr", "Łukasz"])
def test_real_names_are_accepted(value: str) -> None:
    assert Personne.model_validate({"civilite": "Madame", "prenom": "Anne", "nom": value}).nom == value
