"""convgen sign refuses what the law or the data do not allow, and writes nothing then.

A refusal found only once the act's PDF is built needs LibreOffice (``-m libreoffice``); the others do not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.amending import DRAFT, SLUG, edit_epci, record, referents_by_avenant, refused, set_departement_deliberation
from tests.projects import cli

# LibreOffice runs in some: the limit per test, in seconds.
pytestmark = pytest.mark.timeout(300)


@pytest.mark.libreoffice  # refused once the PDF of the act is built
def test_sign_refuses_a_date_in_the_future(root: Path) -> None:
    output = refused(root, SLUG, "--date", "2099-01-01")
    assert f"{SLUG} : date de signature 1er janvier 2099 dans le futur" in output


def test_sign_refuses_a_malformed_date(root: Path) -> None:
    output = refused(root, SLUG, "--date", "15/04/2024")
    assert "date de signature « 15/04/2024 » invalide — format attendu AAAA-MM-JJ" in output


def test_sign_refuses_a_draft_convention(root: Path) -> None:
    output = refused(root, DRAFT, "--date", "2024-04-15")
    assert f"{DRAFT} : la convention est un projet — délibération de l’intercommunalité à renseigner." in output


@pytest.mark.libreoffice  # refused once the PDF of the act is built
def test_sign_refuses_a_date_before_the_deliberation(root: Path) -> None:
    output = refused(root, SLUG, "--date", "2024-04-01")
    assert (
        f"{SLUG} : la convention ne peut pas être signée le 1er avril 2024, avant la délibération qui l’autorise "
        "(11 avril 2024)" in output
    )


def test_sign_refuses_invalid_data(root: Path) -> None:
    edit_epci(root, referent__courriel="antoine.prototype@")
    output = refused(root, SLUG, "--date", "2024-04-15")
    assert f"epci/{SLUG}.yaml:" in output
    assert "referent.courriel : adresse invalide « antoine.prototype@ »" in output


def test_sign_refuses_an_unknown_slug(root: Path) -> None:
    result = cli(root, "sign", "cc-inconnue", "--date", "2024-04-15")
    assert result.exit_code == 1
    assert "epci/cc-inconnue.yaml:1:1: intercommunalité inconnue" in result.output


def test_sign_refuses_when_nothing_changed(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, siege="Mamers", deliberation_avenant="2025-03-11")
    output = refused(root, SLUG, "--date", "2025-03-20")
    assert (
        f"{SLUG} : rien à signer — aucune modification à faire par avenant ni par mise à jour de l’annexe 3 depuis "
        "la convention signée le 15 avril 2024. Modifications sans avenant :\n  - Siège de l’intercommunalité" in output
    )


def test_sign_refuses_a_draft_avenant(root: Path) -> None:
    referents_by_avenant(root)
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    output = refused(root, SLUG, "--date", "2025-03-20")
    assert f"{SLUG} : l’avenant n° 1 est un projet" in output
    assert (
        "la délibération du conseil communautaire autorisant l’avenant, postérieure à la convention signée le "
        f"15 avril 2024 (clé « deliberation_avenant » de epci/{SLUG}.yaml)" in output
    )


def test_sign_refuses_the_deliberation_of_a_previous_avenant(root: Path) -> None:
    referents_by_avenant(root)
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2025-03-11")
    record(root, SLUG, "2025-03-20")
    edit_epci(root, referent__telephone="02 61 91 00 01")
    output = refused(root, SLUG, "--date", "2025-10-01")
    assert (
        "postérieure à l’avenant n° 1 signé le 20 mars 2025 (la date inscrite, 11 mars 2025, est celle d’un avenant déjà signé)"
        in output
    )


@pytest.mark.libreoffice  # refused once the PDF of the act is built
def test_sign_refuses_a_date_before_the_previous_act(root: Path) -> None:
    referents_by_avenant(root)
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2024-04-16")
    set_departement_deliberation(root, "2024-04-16")
    output = refused(root, SLUG, "--date", "2024-04-10")
    assert (
        f"{SLUG} : l’avenant n° 1 ne peut pas être signé le 10 avril 2024, avant la convention signée le "
        "15 avril 2024" in output
    )


def test_sign_refuses_a_siren_change(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, siren="130025265", deliberation_avenant="2025-03-11")
    output = refused(root, SLUG, "--date", "2025-03-20")
    assert "une nouvelle convention est nécessaire" in output
