"""The whole life of a convention through the command line, with the real LibreOffice: signed, amended three
times, consolidated; a signed act is never rebuilt."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from convgen.documents.french import spacing
from convgen.files import output_mode
from tests.amending import (
    SLUG,
    edit_epci,
    read_epci,
    referents_by_avenant,
    refused,
    registered,
    set_departement_deliberation,
    sha256,
    signature_fields,
    text_of,
    write_epci,
)
from tests.projects import cli, set_programme_end

pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(300)]


@pytest.mark.libreoffice
def test_the_whole_life_of_a_convention(root: Path) -> None:
    build = root / "build" / SLUG
    referents_by_avenant(root)  # the life of avenants; tests/recipes/test_annex_update.py lives an annex update

    # 1. The convention is signed: its PDF is built first, the register names its exact bytes.
    result = cli(root, "sign", SLUG, "--date", "2024-04-15")
    assert result.exit_code == 0, result.output
    assert "Signature enregistrée : la convention de cc-maine-saosnois, signée le 15 avril 2024" in result.output
    (act,) = registered(root)
    assert (act["type"], act["numero"], act["pdf"]) == ("convention", 0, f"convention-{SLUG}.pdf")
    assert act["date_signature"] == dt.date(2024, 4, 15)
    assert act["pdf_sha256"] == sha256(build / f"convention-{SLUG}.pdf")
    assert act["donnees"]["epci"]["referent"]["courriel"] == "antoine.prototype@exemple.fr"
    assert "ne le modifiez pas à la main" in (root / "registre" / f"{SLUG}.yaml").read_text(encoding="utf-8")
    assert "Aucun avenant à rédiger" in cli(root, "amend").output

    # 2. The referent changes: avenant 1 replaces the annex; a draft until its deliberation is known.
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    result = cli(root, "amend")
    assert result.exit_code == 0, result.output
    assert "avenant n° 1 construit" in result.output and "PROJET" in result.output
    text = text_of(root, f"avenant-01-{SLUG}.docx")
    assert "PROJET" in text and "a.prototype@exemple.fr" in text
    draft_pdf = build / f"avenant-01-{SLUG}.pdf"
    draft_text = subprocess.run(["pdftotext", str(draft_pdf), "-"], capture_output=True, text=True).stdout
    assert "PROJET" in draft_text and "AVENANT N° 1" in draft_text
    assert signature_fields(draft_pdf) == []  # a draft cannot be signed
    assert "Vu l’avenant" not in text
    # The signed convention is not rebuilt from the changed data: build/ keeps the bytes that were signed.
    result = cli(root, "build", SLUG)
    assert result.exit_code == 0, result.output
    assert "convention signée inchangée" in result.output
    assert sha256(build / f"convention-{SLUG}.pdf") == registered(root)[0]["pdf_sha256"]
    assert "antoine.prototype@exemple.fr" in text_of(root, f"convention-{SLUG}.docx")
    edit_epci(root, deliberation_avenant="2025-03-11")
    result = cli(root, "sign", SLUG, "--date", "2025-03-20")
    assert result.exit_code == 1
    assert "à renseigner : la délibération de la Commission permanente autorisant l’avenant" in result.output
    set_departement_deliberation(root, "2025-03-10")
    result = cli(root, "sign", SLUG, "--date", "2025-03-20")
    assert result.exit_code == 0, result.output
    acts = registered(root)
    assert [a["numero"] for a in acts] == [0, 1]
    assert acts[1]["pdf_sha256"] == sha256(build / f"avenant-01-{SLUG}.pdf")
    assert signature_fields(build / f"avenant-01-{SLUG}.pdf") == []  # signed on paper: no electronic field
    assert "PROJET" not in text_of(root, f"avenant-01-{SLUG}.docx")
    assert spacing("Conseil départemental en date du 10 mars 2025,") in text_of(root, f"avenant-01-{SLUG}.docx")
    consolidated = build / f"convention-{SLUG}-consolidee.pdf"
    assert consolidated.is_file()
    pdf_text = subprocess.run(["pdftotext", str(consolidated), "-"], capture_output=True, text=True).stdout
    assert "Version consolidée intégrant l’avenant n° 1" in pdf_text
    assert "a.prototype@exemple.fr" in pdf_text

    # 3. A resource is added: avenant 2 cites avenant 1 and its date.
    data = read_epci(root)
    data["ressources"]["materiels"].append("Salle informatique de la médiathèque de Mamers")
    data["deliberation_avenant"] = dt.date(2025, 9, 16)
    write_epci(root, data)
    set_departement_deliberation(root, "2025-09-15")
    result = cli(root, "amend")
    assert result.exit_code == 0, result.output
    text = text_of(root, f"avenant-02-{SLUG}.docx")
    assert spacing("Vu l’avenant n° 1 à cette convention, signé le 20 mars 2025,") in text
    assert "– Salle informatique de la médiathèque de Mamers" in text
    assert cli(root, "sign", SLUG, "--date", "2025-10-01").exit_code == 0

    # 4. The programme is extended to 30 November 2027: avenant 3 amends Article 7.
    set_programme_end(root, "2027-11-30")
    edit_epci(root, deliberation_avenant="2026-06-10")
    set_departement_deliberation(root, "2026-06-09")
    result = cli(root, "amend")
    assert result.exit_code == 0, result.output
    text = text_of(root, f"avenant-03-{SLUG}.docx").replace("\u00a0", " ")
    assert "Vu l’avenant n° 1 à cette convention, signé le 20 mars 2025,\nVu l’avenant n° 2" in text
    assert "L’article 7 « Durée » de la convention est remplacé par les dispositions suivantes :" in text
    assert "du 1er décembre 2023 au 30 novembre 2027." in text
    assert "ANNEXE 3 –" not in text
    comparatif = text_of(root, f"avenant-03-{SLUG}-comparatif.docx")
    assert "Article 7 – Durée" in comparatif
    result = cli(root, "sign", SLUG, "--date", "2026-07-01")
    assert result.exit_code == 0, result.output
    acts = registered(root)
    assert [(a["type"], a["numero"]) for a in acts] == [
        ("convention", 0),
        ("avenant", 1),
        ("avenant", 2),
        ("avenant", 3),
    ]
    assert acts[3]["donnees"]["programme"]["fin"] == dt.date(2027, 11, 30)
    pdf_text = subprocess.run(
        ["pdftotext", str(build / f"convention-{SLUG}-consolidee.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "Version consolidée intégrant les avenants n° 1 à 3" in pdf_text

    # Nothing is left to sign.
    assert "rien à signer" in refused(root, SLUG, "--date", "2026-07-02")
    assert "Aucun avenant à rédiger" in cli(root, "amend").output

    # Every kind of output takes the umask's mode (0644 here), never the 0600 of a temporary file.
    written = [p for folder in ("build", "registre") for p in (root / folder).rglob("*") if p.is_file()]
    assert {".docx", ".pdf", ".png", ".html", ".csv", ".json", ".yaml"} <= {p.suffix for p in written}
    assert {p.name for p in written} >= {f"avenant-03-{SLUG}-comparatif.docx", f"convention-{SLUG}-consolidee.pdf"}
    modes = {p.relative_to(root).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in written}
    assert modes == dict.fromkeys(modes, oct(output_mode()))


def test_a_signed_convention_is_never_rebuilt_when_the_templates_change(root: Path) -> None:
    """The signed act keeps its bytes: a new template (or a new version of the tool) only affects what is unsigned."""
    result = cli(root, "sign", SLUG, "--date", "2024-04-15")
    assert result.exit_code == 0, result.output
    pdf = root / "build" / SLUG / f"convention-{SLUG}.pdf"
    signed = pdf.read_bytes()
    template = root / "templates" / "annexe.docx"
    with zipfile.ZipFile(template, "a") as archive:  # same document, other bytes: the template's digest changes
        archive.comment = b"modele revu"
    rebuilt = cli(root, "build", SLUG, "cc-sud-sarthe", "--format", "pdf")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"{SLUG} : convention signée inchangée" in rebuilt.output
    assert "cc-sud-sarthe : convention construite" in rebuilt.output  # the unsigned one follows its template
    assert pdf.read_bytes() == signed
