"""The update of annex 3 (article 4.2): a change of the intercommunality's referent or deputy alone.

Drafted by ``convgen amend`` without avenant nor deliberation, signed by the intercommunality's executive alone,
recorded by ``convgen sign`` as an act of its own kind and numbering; any other change makes an avenant.
One test builds and signs with the real LibreOffice; the others draft the DOCX only.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import page
import pytest
import yaml

from convgen.acts.register import load_register
from convgen.errors import DataError
from tests.amending import (
    SLUG,
    edit_epci,
    read_epci,
    record,
    registered,
    set_departement_deliberation,
    sha256,
    signature_fields,
    text_of,
    write_epci,
)
from tests.projects import cli, copy_project

pytestmark = pytest.mark.timeout(300)

UPDATE = f"annexe-3-mise-a-jour-01-{SLUG}"
FORBIDDEN = ("None", "{{", "{%", "Président-e", "Commission permanente", "délibération du conseil communautaire")


def amend(root: Path, *args: str) -> str:
    result = cli(root, "amend", "--format", "docx", *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_new_referent_email_and_deputy_phone_draft_an_annex_update(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", suppleant__telephone="02 61 91 00 99")
    output = amend(root)
    assert (
        f"{SLUG} : mise à jour n° 1 de l’annexe 3 à rédiger — modifie : annexe ; sans avenant ni délibération "
        "(article 4.2), elle est signée par l’exécutif de l’intercommunalité seul et notifiée au Département."
    ) in output
    assert not (root / "build" / SLUG / f"avenant-01-{SLUG}.docx").exists()
    text = text_of(root, f"{UPDATE}.docx").replace("\u00a0", " ")
    for word in FORBIDDEN:
        assert word not in text, word
    assert "MISE À JOUR N° 1 DE L’ANNEXE 3\nÀ LA CONVENTION DE PARTENARIAT\n" in text
    assert "Vu l’article 4.2 de la convention, selon lequel l’Intercommunalité mentionne le référent désigné" in text
    # Agreed with each person: the deputy of the shipped data is Madame Élodie GABARIT.
    assert (
        "a pour objet de notifier au Département la modification des informations relatives au référent et à la "
        "suppléante, en application de l’article 4.2 de la convention." in text
    )
    assert "Les ressources mises à disposition qu’elle mentionne sont inchangées." in text
    assert "prend effet à la date de sa signature par le Président de l’Intercommunalité" in text
    assert "Fait à Marolles-les-Braults, le ……" in text
    signatures = text[text.index("Fait à") : text.index("ANNEXE 3 –")]
    assert "Didier FACTICE" in signatures and "LE MÈNER" not in signatures  # the executive alone
    annex = text[text.index("ANNEXE 3 –") :]
    assert "a.prototype@exemple.fr" in annex and "02 61 91 00 99" in annex
    assert "antoine.prototype@exemple.fr" not in text
    assert "Mise à jour n° 1 de l’annexe 3 à la convention conseiller numérique — CC Maine Saosnois" in text


def test_another_person_designated_is_named_as_such(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__civilite="Madame", referent__prenom="Claire", referent__nom="Exemplaire")
    amend(root)
    text = text_of(root, f"{UPDATE}.docx").replace("\u00a0", " ")
    assert "notifier au Département la désignation d’une nouvelle référente, en application" in text
    assert "Référente\tMadame Claire EXEMPLAIRE" in text


def test_any_other_change_makes_an_avenant_that_carries_the_referents(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    data = read_epci(root)
    data["referent"]["courriel"] = "a.prototype@exemple.fr"
    data["ressources"]["communication"].append("Affiche dans les mairies")
    write_epci(root, data)
    output = amend(root)
    assert f"{SLUG} : avenant n° 1 à rédiger — modifie : annexe" in output
    assert "mise à jour n° 1" not in output
    assert not (root / "build" / SLUG / f"{UPDATE}.docx").exists()
    annex = text_of(root, f"avenant-01-{SLUG}.docx")
    assert "a.prototype@exemple.fr" in annex and "Affiche dans les mairies" in annex


def test_updates_and_avenants_are_numbered_apart_and_cited(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    record(root, SLUG, "2024-06-10")  # the update n° 1, with no deliberation
    (convention, update) = load_register(root, SLUG).actes
    assert (update.type, update.numero, update.pdf) == ("mise_a_jour_annexe", 1, f"{UPDATE}.pdf")
    amend(root)
    consolidated = text_of(root, f"convention-{SLUG}-consolidee.docx").replace("\u00a0", " ")
    assert "Version consolidée intégrant la mise à jour n° 1 de l’annexe 3" in consolidated
    assert "(modifiée par la mise à jour n° 1 du 10 juin 2024)" in consolidated
    assert "a.prototype@exemple.fr" in consolidated
    # A resource now: avenant n° 1 (its own numbering), which cites the update among the acts signed.
    data = read_epci(root)
    data["ressources"]["communication"].append("Affiche dans les mairies")
    data["deliberation_avenant"] = "2025-01-12"
    write_epci(root, data)
    set_departement_deliberation(root, "2025-01-10")
    assert f"{SLUG} : avenant n° 1 à rédiger — modifie : annexe." in amend(root)
    text = text_of(root, f"avenant-01-{SLUG}.docx").replace("\u00a0", " ")
    assert (
        "signée le 15 avril 2024,\nVu la mise à jour n° 1 de l’annexe 3 à cette convention, signée le 10 juin 2024,\n"
        in text
    )
    # The register refuses an update numbered out of turn, naming its line.
    path = root / "registre" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["actes"][1]["numero"] = 2
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DataError) as refused:
        load_register(root, SLUG)
    assert "acte n° 2 à la place 2 : la mise à jour n° 1 de l’annexe 3 est attendue ici" in str(refused.value)
    assert convention.numero == 0


@pytest.mark.libreoffice
def test_the_update_is_built_signed_electronically_recorded_and_shown(tmp_path: Path) -> None:
    """Real LibreOffice: the PDF is PDF/A-2b and PDF/UA-1 with one field, the intercommunality's."""
    root = copy_project(tmp_path / "projet", electronic=True)
    record(root, SLUG, "2024-04-15")
    edit_epci(root, suppleant__telephone="02 61 91 00 99")
    result = cli(root, "amend")
    assert result.exit_code == 0, result.output
    assert "mise à jour n° 1 de l’annexe 3 construite" in result.output
    pdf = root / "build" / SLUG / f"{UPDATE}.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for word in FORBIDDEN:
        assert word not in text, word
    assert "MISE À JOUR N° 1 DE L’ANNEXE 3" in text and "02 61 91 00 99" in text
    assert signature_fields(pdf) == ["signature_intercommunalite"]
    for profile in ("2b", "ua1"):
        report = page.validate_pdf(pdf, profile=profile)
        assert report.is_compliant, [f"{f.rule_id} : {f.message}" for f in report.failures]
    page_html = (root / "build" / "index.html").read_text(encoding="utf-8")
    assert "mise à jour n° 1 de l’annexe 3" in page_html.replace("\u00a0", " ")


@pytest.mark.libreoffice
def test_the_update_signed_on_paper_is_recorded_and_archived(root: Path) -> None:
    signed = cli(root, "sign", SLUG, "--date", "2024-04-15")  # the convention, its PDF kept in registre/
    assert signed.exit_code == 0, signed.output
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    result = cli(root, "sign", SLUG, "--date", "2024-06-10")
    assert result.exit_code == 0, result.output
    assert "la mise à jour n° 1 de l’annexe 3 de cc-maine-saosnois, signée le 10 juin 2024" in result.output
    act = registered(root)[-1]
    assert (act["type"], act["numero"], act["pdf"]) == ("mise_a_jour_annexe", 1, f"{UPDATE}.pdf")
    kept = root / "registre" / SLUG / f"{UPDATE}.pdf"
    assert act["pdf_sha256"] == sha256(kept)
    text = subprocess.run(["pdftotext", str(kept), "-"], capture_output=True, text=True, check=True).stdout
    assert "Fait à Marolles-les-Braults, le" in text and "a.prototype@exemple.fr" in text
    verified = cli(root, "verifier", SLUG)
    assert verified.exit_code == 0, verified.output
    assert "mise à jour n° 1 de l’annexe 3" in verified.output
