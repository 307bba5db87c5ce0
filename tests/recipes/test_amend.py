"""convgen amend: from an edited YAML to the avenant drafted, the dates the law allows, the approved text.

The avenants are drafted in DOCX only (``--format docx``) and signed acts recorded directly in the register:
LibreOffice runs in one test only (``tests/recipes/test_life.py`` lives the whole life with it).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from convgen.acts.consolidated import consolidated_notice
from convgen.acts.register import empty_register, load_register, new_act, write_register
from convgen.data.load import load_project
from convgen.documents.french import spacing
from convgen.recipes.amend import plan_amendments
from tests.amending import (
    OTHER,
    SHA,
    SLUG,
    amend,
    edit_epci,
    read_epci,
    record,
    referents_by_avenant,
    refused,
    set_departement_deliberation,
    text_of,
    write_epci,
)
from tests.projects import acts_of, cli, set_programme_end

# LibreOffice runs in one test: the limit per test, in seconds.
pytestmark = pytest.mark.timeout(300)


def test_nothing_signed_nothing_to_draft(root: Path) -> None:
    result = amend(root)
    assert "Aucun avenant à rédiger : aucun acte n’est encore enregistré comme signé" in result.output
    assert not (root / "build").exists()


def test_no_change_since_the_signature_nothing_to_draft(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    result = amend(root, SLUG)
    assert f"{SLUG} : aucune modification depuis la convention signée le 15 avril 2024" in result.output
    assert "Aucun avenant à rédiger : aucune modification à faire par avenant" in result.output
    assert not (root / "build" / SLUG).exists()


def test_a_new_referent_email_by_avenant_drafts_avenant_1_replacing_the_annex(root: Path) -> None:
    referents_by_avenant(root)
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    result = amend(root)
    assert f"{SLUG} : avenant n° 1 à rédiger — modifie : annexe (projet" in result.output
    text = text_of(root, f"avenant-01-{SLUG}.docx")
    assert "[en-tête]\nPROJET\n" in text
    assert "AVENANT N°\u00a01\nÀ LA CONVENTION DE PARTENARIAT\n" in text
    assert spacing("signée le 15 avril 2024") in text
    assert "en vertu de la délibération du conseil communautaire en date du ……" in text
    assert (
        spacing(
            "Vu la convention de partenariat pour l’organisation de l’intervention d’un conseiller numérique sur le "
            "territoire de la Communauté de communes Maine Saosnois, signée le 15 avril 2024,"
        )
        in text
    )
    assert "Vu l’avenant n°" not in text
    assert (
        "ARTICLE 2 – ANNEXE 3\nL’annexe 3 « Ressources mises à disposition et référents désignés » de la "
        "convention est remplacée par l’annexe jointe au présent avenant.\n"
        "ARTICLE 3 – AUTRES STIPULATIONS\nLes autres stipulations de la convention demeurent inchangées.\n"
        "ARTICLE 4 – ENTRÉE EN VIGUEUR\nLe présent avenant entre en vigueur à la date de sa signature par les "
        "parties.\n" in text.replace("\u00a0", " ")
    )
    assert "Fait au Mans, le ……" in text
    # The new annex is attached in full.
    annex = text[text.index("ANNEXE 3 – RESSOURCES MISES À DISPOSITION ET RÉFÉRENTS DÉSIGNÉS") :]
    assert "a.prototype@exemple.fr" in annex
    assert "antoine.prototype@exemple.fr" not in text
    assert spacing("Avenant n° 1 à la convention conseiller numérique") in text  # footer
    comparatif = (root / "build" / SLUG / f"avenant-01-{SLUG}-comparatif.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(comparatif)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "<w:del " in body and "<w:ins " in body  # real tracked changes, from the signed annex to the new one
    assert "antoine.prototype" in body and "a.prototype@exemple.fr" in body
    assert not (root / "build" / OTHER).exists()


def test_the_avenant_names_the_current_president_and_reports_changes_without_avenant(root: Path) -> None:
    referents_by_avenant(root)
    record(root, SLUG, "2024-04-15")
    edit_epci(
        root,
        president__civilite="Madame",
        president__prenom="Jeanne",
        president__nom="Nouvelle",
        siege="Mamers",
        referent__fonction="Directeur général des services",
    )
    result = amend(root)
    assert (
        f"{SLUG} : sans avenant — Président(e) de l’intercommunalité : « Monsieur Didier FACTICE » → "
        "« Madame Jeanne NOUVELLE » — changement de signataire" in result.output
    )
    assert f"{SLUG} : sans avenant — Siège de l’intercommunalité" in result.output
    text = text_of(root, f"avenant-01-{SLUG}.docx")
    assert "représentée par sa Présidente, Madame\u00a0Jeanne NOUVELLE, agissant ès qualités" in text
    assert "siège\u00a0: Mamers" in text
    assert "La Présidente de la Communauté de communes Maine Saosnois\t" in text
    assert "\nJeanne NOUVELLE\tDominique LE MÈNER\n" in text  # the names on one row, under the titles


def test_changes_that_need_no_avenant_draft_nothing(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, nom_court="CC du Saosnois")
    result = amend(root)
    assert f"{SLUG} : sans avenant — Nom court de l’intercommunalité" in result.output
    assert "Aucun avenant à rédiger" in result.output
    assert not (root / "build" / SLUG).exists()


def test_avenant_2_cites_avenant_1_and_the_consolidated_version_is_built(root: Path) -> None:
    referents_by_avenant(root)
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2025-03-11")
    record(root, SLUG, "2025-03-20")
    data = read_epci(root)
    data["ressources"]["materiels"].insert(1, "Salle informatique de la médiathèque de Mamers")
    write_epci(root, data)
    # The deliberation of avenant 1 does not authorise avenant 2: still a draft.
    result = amend(root)
    assert f"{SLUG} : avenant n° 2 à rédiger — modifie : annexe (projet" in result.output
    edit_epci(root, deliberation_avenant="2025-09-16")
    set_departement_deliberation(root, "2025-03-10")  # before avenant 1's signature: it cannot authorise avenant 2
    assert "(projet" in amend(root).output
    set_departement_deliberation(root, "2025-09-15")
    result = amend(root)
    assert f"{SLUG} : avenant n° 2 à rédiger — modifie : annexe." in result.output
    text = text_of(root, f"avenant-02-{SLUG}.docx")
    assert "PROJET" not in text
    assert spacing("Commission permanente du Conseil départemental en date du 15 septembre 2025,") in text
    assert "AVENANT N°\u00a02" in text
    assert spacing("en vertu de la délibération du conseil communautaire en date du 16 septembre 2025,") in text
    assert spacing("signée le 15 avril 2024,\nVu l’avenant n° 1 à cette convention, signé le 20 mars 2025,\n") in text
    assert "– Salle informatique de la médiathèque de Mamers" in text
    consolidated = text_of(root, f"convention-{SLUG}-consolidee.docx")
    assert (
        spacing(
            "[corps]\nVersion consolidée intégrant l’avenant n° 1\nActes intégrés\u00a0: convention signée le 15 avril"
        )
        in consolidated
    )
    assert "a.prototype@exemple.fr" in consolidated  # the data of avenant 1, as signed
    assert "Salle informatique de la médiathèque de Mamers" not in consolidated  # avenant 2 is not signed


def test_programme_end_moved_amends_article_7_of_every_signed_convention(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    record(root, OTHER, "2024-05-02")
    set_programme_end(root, "2027-11-30")
    result = amend(root)
    assert f"{SLUG} : avenant n° 1 à rédiger — modifie : article 7" in result.output
    assert f"{OTHER} : avenant n° 1 à rédiger — modifie : article 7" in result.output
    for slug in (SLUG, OTHER):
        text = text_of(root, f"avenant-01-{slug}.docx", slug).replace("\u00a0", " ")
        assert (
            "ARTICLE 2 – DURÉE\nL’article 7 « Durée » de la convention est remplacé par les dispositions suivantes :\n"
            in text
        )
        assert "La durée prévue du contrat de travail est de 4 années du 1er décembre 2023 au 30 novembre 2027." in text
        assert "ARTICLE 3 – AUTRES STIPULATIONS" in text
        assert "ANNEXE 3" not in text
    # Intercommunalities with nothing signed get no avenant.
    assert sorted(p.name for p in (root / "build").iterdir() if p.is_dir()) == sorted([SLUG, OTHER])


def test_a_renamed_intercommunality(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, nom="Communauté de communes du Saosnois")
    amend(root)
    text = text_of(root, f"avenant-01-{SLUG}.docx").replace("\u00a0", " ")
    assert (
        "ARTICLE 2 – DÉNOMINATION DE L’INTERCOMMUNALITÉ\nLes parties prennent acte de ce que la Communauté de "
        "communes Maine Saosnois est désormais dénommée « Communauté de communes du Saosnois »." in text
    )
    assert "territoire de la Communauté de communes Maine Saosnois, signée le 15 avril 2024" in text
    comparatif = text_of(root, f"avenant-01-{SLUG}-comparatif.docx")
    assert "Dénomination de l’Intercommunalité — passages modifiés" in comparatif


def test_a_siren_change_needs_a_new_convention(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, siren=read_epci(root, OTHER)["siren"].replace(" ", ""))
    edit_epci(root, OTHER, siren="130025265")  # keep SIRENs distinct across files
    result = cli(root, "amend", "--format", "docx")
    assert result.exit_code == 1
    assert f"epci/{SLUG}.yaml : SIREN modifié (200072676 → " in result.output
    assert "une nouvelle convention est nécessaire" in result.output
    assert not (root / "build").exists()


def test_an_invalid_register_stops_amend_with_its_line(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    path = root / "registre" / f"{SLUG}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("numero: 0", "numero: zéro"), encoding="utf-8")
    result = cli(root, "amend", "--format", "docx")
    assert result.exit_code == 1
    assert f"registre/{SLUG}.yaml:9:11: actes[0].numero : " in result.output
    assert "restaurez-le depuis git" in result.output


def test_plan_names_unsigned_slugs_when_asked(root: Path) -> None:
    plan = plan_amendments(acts_of(root), [SLUG])
    assert plan.jobs == []
    assert plan.notes == [f"{SLUG} : aucune convention signée (registre/{SLUG}.yaml absent) — rien à amender."]


def test_consolidated_notice() -> None:
    assert consolidated_notice(1) == "Version consolidée intégrant l’avenant n° 1"
    assert consolidated_notice(3) == "Version consolidée intégrant les avenants n° 1 à 3"


def test_the_signed_convention_keeps_the_departement_as_signed(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    registre = load_register(root, SLUG)
    project = load_project(root)
    signed = registre.convention
    assert signed is not None
    # Record the Département as it was at signature, then a new Département president is elected.
    act = new_act(
        SLUG, 0, signed.date_signature, SHA, signed.donnees.epci, signed.donnees.programme, project.departement
    )
    write_register(root, empty_register(SLUG).with_act(act))
    assert "departement:" in (root / "registre" / f"{SLUG}.yaml").read_text(encoding="utf-8")
    path = root / "departement.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("prenom: Dominique", "prenom: Dominique-Claire"), "utf-8")
    result = cli(root, "build", SLUG, "--format", "docx")
    assert result.exit_code == 0, result.output
    text = text_of(root, f"convention-{SLUG}.docx")
    assert "Dominique LE MÈNER" in text and "Dominique-Claire" not in text


def test_a_deliberation_before_the_last_signed_act_authorises_nothing(root: Path) -> None:
    """A council deliberation older than the convention it would amend cannot have approved the avenant."""
    referents_by_avenant(root)
    record(root, SLUG, "2024-05-02")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2024-04-15")
    set_departement_deliberation(root, "2024-06-01")
    output = refused(root, SLUG, "--date", "2024-06-10")
    assert "l’avenant n° 1 est un projet" in output
    assert "postérieure à la convention signée le 2 mai 2024 (la date inscrite, 15 avril 2024, ne l’est pas)" in output


@pytest.mark.libreoffice  # refused once the PDF of the act is built
def test_no_avenant_after_the_convention_has_expired(root: Path) -> None:
    """Article 7 ends the convention on 30 November 2026: an avenant signed after it is refused."""
    referents_by_avenant(root)
    record(root, SLUG, "2024-05-02")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2026-11-20")
    set_departement_deliberation(root, "2026-11-20")
    output = refused(root, SLUG, "--date", "2026-12-01")
    assert (
        f"{SLUG} : l’avenant n° 1 ne peut pas être signé le 1er décembre 2026, après la fin de la convention "
        "(30 novembre 2026, article 7 – Durée) — une convention expirée ne peut être ni prolongée ni modifiée : "
        "il faut une nouvelle convention." in output
    )
    assert not (root / "registre" / f"{SLUG}.yaml").read_text(encoding="utf-8").count("numero: 1")


def test_a_deliberation_after_the_end_cannot_authorise_an_avenant(root: Path) -> None:
    record(root, SLUG, "2024-05-02")
    set_programme_end(root, "2027-11-30")  # the programme is extended; the convention as signed is not
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2026-12-03")
    set_departement_deliberation(root, "2026-11-20")
    output = refused(root, SLUG, "--date", "2026-11-25")
    assert f"{SLUG} : l’avenant n° 1 est un projet — " in output
    assert (
        "(la date inscrite, 3 décembre 2026, est postérieure à la fin de la convention (30 novembre 2026) : il faut "
        "une nouvelle convention)" in output
    )


def test_amend_warns_when_the_end_is_near_or_past(root: Path) -> None:
    from convgen.recipes.amend import plan_amendments

    referents_by_avenant(root)
    record(root, SLUG, "2024-05-02")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    near = plan_amendments(acts_of(root, dt.date(2026, 11, 1)), [SLUG]).notes
    assert (
        f"{SLUG} : attention — la convention expire le 30 novembre 2026 : l’avenant n° 1 doit être signé avant cette date."
        in near
    )
    past = plan_amendments(acts_of(root, dt.date(2026, 12, 1)), [SLUG]).notes
    assert (
        f"{SLUG} : l’avenant n° 1 n’est pas à signer — période terminée le 30 novembre 2026 : il faut une "
        "nouvelle convention." in past
    )
    early = plan_amendments(acts_of(root, dt.date(2025, 1, 1)), [SLUG]).notes
    assert not any("expir" in note for note in early)


def test_a_deliberation_approves_a_text_and_a_later_change_makes_the_avenant_a_draft_again(root: Path) -> None:
    """Avenant 1 (annex) is final under two deliberations; the programme end moves: the text is no longer the one voted."""
    referents_by_avenant(root)
    record(root, SLUG, "2024-05-02")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2025-01-12")
    set_departement_deliberation(root, "2025-01-10")
    first = cli(root, "amend", SLUG, "--format", "docx")
    assert first.exit_code == 0, first.output
    assert (
        "texte de l’avenant n° 1 enregistré comme celui qu’approuvent les délibérations du 12 janvier 2025"
        in first.output
    )
    registre = (root / "registre" / f"{SLUG}.yaml").read_text(encoding="utf-8")
    assert "avenant_approuve:" in registre and "deliberation_intercommunalite: 2025-01-12" in registre
    again = cli(root, "amend", SLUG, "--format", "docx")
    assert "projet" not in again.output.split("avenant n° 1 à rédiger")[1].split("\n")[0]  # unchanged: still final
    set_programme_end(root, "2027-11-30")  # now the avenant would also amend Article 7
    changed = cli(root, "amend", SLUG, "--format", "docx")
    assert changed.exit_code == 0, changed.output
    assert (
        "le contenu de l’avenant a changé depuis les délibérations du 12 janvier 2025 (conseil communautaire) et du "
        "10 janvier 2025 (Commission permanente), qui ont approuvé un autre texte" in changed.output
    )
    output = refused(root, SLUG, "--date", "2025-02-01")
    assert "l’avenant n° 1 est un projet — le contenu de l’avenant a changé" in output
    # New deliberations on the new text: final again, and that text is recorded.
    edit_epci(root, deliberation_avenant="2025-03-12")
    set_departement_deliberation(root, "2025-03-10")
    renewed = cli(root, "amend", SLUG, "--format", "docx")
    assert "enregistré comme celui qu’approuvent les délibérations du 12 mars 2025" in renewed.output
