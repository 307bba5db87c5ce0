"""The status of each intercommunality, on registers written here: the exact French the dashboard shows."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import shutil
import signal
from pathlib import Path

import pikepdf
import pytest

from convgen.acts.register import PdfSigne, SignatureEnCours, SignatureLue, empty_register, new_act, write_register
from convgen.data.load import load_project
from convgen.desk import dashboard
from convgen.desk.dashboard import dashboard_csv, dashboard_html, update_thumbnails, write_dashboard
from convgen.desk.status import Row, certificate_name, programme_status
from convgen.errors import Interrupted
from convgen.files import sha256_file
from convgen.runner.job import Outcome
from tests.projects import acts_of, copy_project

SLUG = "cc-maine-saosnois"
SHA = "a" * 64
SIGNED = "2024-04-15"
DURING = dt.date(2024, 7, 1)  # a day of the programme 2024–2026
NB = "\u00a0"  # French typography: before « ; » and « : », inside « », after « n° »


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Return a copy of the shipped project (nothing signed)."""
    return copy_project(tmp_path / "projet")


def rows(root: Path, today: dt.date = DURING) -> dict[str, Row]:
    """Return the rows of the dashboard by slug, on ``today`` (during the programme by default)."""
    return {row.slug: row for row in programme_status(acts_of(root, today))}


def sign_convention(root: Path, *, changed: bool = False) -> None:
    """Record the convention of SLUG as signed on paper, with the current data (or an older annex if ``changed``)."""
    project = load_project(root)
    epci = project.epcis[SLUG]
    if changed:
        ressources = epci.ressources.model_copy(update={"materiels": ("Ancienne salle de réunion",)})
        epci = epci.model_copy(update={"ressources": ressources})
    act = new_act(SLUG, 0, dt.date.fromisoformat(SIGNED), SHA, epci, project.programme, project.departement)
    write_register(root, empty_register(SLUG).with_act(act))


def add_line(path: Path, after: str, line: str) -> None:
    """Insert ``line`` after the first line starting with ``after``."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after)
    end = text.index("\n", start) + 1
    path.write_text(text[:end] + line + "\n" + text[end:], encoding="utf-8")


def test_unsigned_conventions_ready_or_draft_with_the_reasons_of_the_build(root: Path) -> None:
    found = rows(root)
    assert len(found) == 15
    assert (found[SLUG].state, found[SLUG].statut) == ("prete", "prête à signer")
    assert found[SLUG].actes == ("délibération de l’intercommunalité du 11 avril 2024",)
    assert found[SLUG].signataires == (
        "Monsieur\u00a0Didier FACTICE, Président de l’intercommunalité",
        "Monsieur\u00a0Dominique LE MÈNER, Président du Département",
    )
    assert (found["cc-sud-sarthe"].state, found["cc-sud-sarthe"].statut) == (
        "projet",
        "PROJET — délibération de l’intercommunalité à renseigner",
    )
    assert found["cc-sud-sarthe"].actes == ()
    assert found["cc-du-val-de-sarthe"].statut == (
        f"PROJET — délibération de l’intercommunalité à renseigner{NB}; valeur à confirmer{NB}: siège"
    )
    names = [row.nom for row in programme_status(acts_of(root))]
    assert names[0] == "Communauté de communes de la Champagne Conlinoise et du Pays de Sillé"
    assert names[-1] == "Communauté de communes des Vallées de la Braye et de l’Anille"  # by short name: « Vallées »


def test_after_the_end_of_the_period_nothing_is_to_sign(root: Path) -> None:
    after = dt.date(2026, 12, 6)
    row = rows(root, after)[SLUG]
    assert (row.state, row.statut) == (
        "terminee",
        f"période terminée le 30 novembre 2026 — non signée{NB}; il faut une nouvelle convention",
    )
    assert rows(root, after)["cc-sud-sarthe"].state == "projet"  # a PROJET stays a PROJET
    sign_convention(root, changed=True)
    add_line(root / "epci" / f"{SLUG}.yaml", "deliberation:", "deliberation_avenant: 2024-06-03")
    add_line(root / "departement.yaml", "  deliberation:", "  deliberation_avenant: 2024-06-10")
    row = rows(root, after)[SLUG]
    assert (row.state, row.statut) == (
        "avenant-terminee",
        f"signée le 15 avril 2024{NB}; avenant n°{NB}1{NB}: période terminée le 30 novembre 2026 — non signé{NB}; "
        "il faut une nouvelle convention",
    )


def test_a_signed_convention(root: Path) -> None:
    sign_convention(root)
    row = rows(root)[SLUG]
    assert (row.state, row.statut) == ("signee", "signée le 15 avril 2024")
    assert row.actes == ("convention signée le 15 avril 2024",)


def test_a_signature_in_progress_names_who_is_still_to_sign_never_an_email(root: Path) -> None:
    partial = SignatureEnCours(
        numero=0,
        pdf_sha256=SHA,
        pdf_signe=PdfSigne(
            fichier=f"registre/{SLUG}/convention-{SLUG}-signe.pdf",
            sha256=SHA,
            signatures=(
                SignatureLue(
                    champ="signature_intercommunalite",
                    signataire="1.2.840.113549.1.9.1=didier@exemple.fr,CN=Didier Factice,O=CC Maine Saosnois",
                    horodatage="2024-04-15T10:00:00+02:00",
                    chaine_de_confiance="non vérifiée",
                ),
            ),
        ),
        manquantes=("signature_departement",),
    )
    write_register(root, empty_register(SLUG).with_partial(partial))
    row = rows(root)[SLUG]
    assert (row.state, row.statut) == (
        "incomplete",
        f"signature incomplète — à signer encore{NB}: Dominique LE MÈNER (le Département)",
    )
    assert row.signataires[-1] == "signé électroniquement par Didier Factice (l’intercommunalité)"
    assert not any("@" in text for text in row.signataires)


def test_certificate_name_keeps_the_common_name_only() -> None:
    assert certificate_name("CN=Le M\\,ner,O=Département") == "Le M,ner"
    assert certificate_name("emailAddress=a@b.fr,O=Département") == "O=Département"


def test_an_avenant_in_draft_gives_each_missing_deliberation(root: Path) -> None:
    sign_convention(root, changed=True)
    row = rows(root)[SLUG]
    assert row.state == "avenant-projet"
    assert row.statut == (
        f"signée le 15 avril 2024{NB}; avenant n°{NB}1 en projet — à renseigner{NB}: la délibération du conseil "
        "communautaire autorisant l’avenant, postérieure à la convention signée le 15 avril 2024 (clé "
        f"«{NB}deliberation_avenant{NB}» de epci/cc-maine-saosnois.yaml){NB}; à renseigner{NB}: la délibération de "
        "la Commission permanente autorisant l’avenant, postérieure à la convention signée le 15 avril 2024 (clé "
        f"«{NB}deliberation_avenant{NB}» de departement.yaml)"
    )


def test_an_avenant_ready_to_sign(root: Path) -> None:
    sign_convention(root, changed=True)
    add_line(root / "epci" / f"{SLUG}.yaml", "deliberation:", "deliberation_avenant: 2024-06-03")
    add_line(root / "departement.yaml", "  deliberation:", "  deliberation_avenant: 2024-06-10")
    row = rows(root)[SLUG]
    assert (row.state, row.statut) == ("avenant-a-signer", f"signée le 15 avril 2024{NB}; avenant n°{NB}1 à signer")


def test_the_dashboard_files_are_accessible_deterministic_and_french(root: Path) -> None:
    sign_convention(root)
    first = write_dashboard(acts_of(root, DURING))
    page = (root / "build" / "index.html").read_bytes()
    table = (root / "build" / "suivi.csv").read_bytes()
    assert write_dashboard(acts_of(root, DURING)) == first
    assert (root / "build" / "index.html").read_bytes() == page
    assert (root / "build" / "suivi.csv").read_bytes() == table
    text = page.decode("utf-8")
    assert text.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert "<caption>" in text and text.count('<th scope="col">') == 6 and text.count('<th scope="row">') == 15
    assert "http" not in text and "<script" not in text and not re.search(r"\w@\w", text)  # no e-mail address
    assert "Suivi des conventions «\u00a0conseiller numérique\u00a0»" in text
    assert table.startswith(b"\xef\xbb\xbfIntercommunalit\xc3\xa9;Identifiant;Statut;")
    assert table.count(b"\r\n") == 16 and b"\n" not in table.replace(b"\r\n", b"")
    parsed = list(csv.reader(io.StringIO(table.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert parsed[0] == list(dashboard.CSV_HEADERS)
    by_slug = {line[1]: line for line in parsed[1:]}
    assert by_slug[SLUG][2] == "signée le 15 avril 2024"
    assert by_slug["cc-sud-sarthe"][2] == "PROJET — délibération de l’intercommunalité à renseigner"
    assert all(line[5] == "" for line in parsed[1:])  # nothing built: no link


def blank_convention_pdf(root: Path) -> Path:
    """Write a one-page A4 PDF where the build puts the convention's PDF of SLUG; return its path."""
    build = root / "build" / SLUG
    build.mkdir(parents=True)
    pdf = build / f"convention-{SLUG}.pdf"
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    document.save(pdf)
    return pdf


def counted_thumbnails(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Return the list of the PDFs whose thumbnail is drawn from now on (each drawn for real)."""
    calls: list[Path] = []
    real = dashboard.render_thumbnail

    def counted(source: Path, target: Path, sha: str) -> bool:
        calls.append(source)
        return real(source, target, sha)

    monkeypatch.setattr(dashboard, "render_thumbnail", counted)
    return calls


def test_thumbnails_are_rendered_once_then_only_when_the_pdf_changes(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = blank_convention_pdf(root)
    build = pdf.parent
    manifest = {"documents": {f"{SLUG}/{pdf.name}": {"sha256": sha256_file(pdf)}}}
    (root / "build" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    calls = counted_thumbnails(monkeypatch)
    found = programme_status(acts_of(root))
    assert update_thumbnails(root / "build", found) == {f"{SLUG}/{pdf.name}"}
    png = build / f"apercu-convention-{SLUG}.png"
    assert png.read_bytes().startswith(b"\x89PNG") and len(calls) == 1
    update_thumbnails(root / "build", found)
    assert len(calls) == 1
    manifest["documents"][f"{SLUG}/{pdf.name}"]["sha256"] = "b" * 64
    (root / "build" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    update_thumbnails(root / "build", found)
    assert len(calls) == 2
    html = dashboard_html(found, {f"{SLUG}/{pdf.name}"})
    assert f'<img src="{SLUG}/apercu-convention-{SLUG}.png" alt="Première page de convention-{SLUG}.pdf">' in html
    assert dashboard_csv(found).count(f"{SLUG}/convention-{SLUG}.pdf".encode()) == 1


def test_a_built_pdf_gets_its_thumbnail_at_once_and_the_dashboard_does_not_draw_it_again(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = blank_convention_pdf(root)
    calls = counted_thumbnails(monkeypatch)
    acts = acts_of(root)
    job = acts.convention(SLUG)
    draw = dashboard.thumbnail_as_built(acts)
    draw(Outcome(job, "échec", error="conversion simulée"))
    draw(Outcome(job, "inchangé"))
    assert calls == []  # only what this run has built
    other = dataclasses.replace(job, stem=f"convention-{SLUG}-consolidee")
    shutil.copy(pdf, pdf.with_name(other.pdf_name))
    draw(Outcome(other, "construit", 1.0))
    assert calls == []  # only the PDF the dashboard shows: not a consolidated version
    draw(Outcome(job, "construit", 1.0))
    assert calls == [pdf]
    png = pdf.parent / f"apercu-convention-{SLUG}.png"
    assert dashboard.thumbnail_source(png) == sha256_file(pdf)
    assert update_thumbnails(root / "build", programme_status(acts)) == {f"{SLUG}/{pdf.name}"}
    assert calls == [pdf]  # current: not drawn twice


def test_a_thumbnail_that_cannot_be_written_during_the_build_does_not_stop_it(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blank_convention_pdf(root)

    def full(target: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dashboard, "write_atomic", full)
    acts = acts_of(root)
    # No exception: the build goes on.
    dashboard.thumbnail_as_built(acts)(Outcome(acts.convention(SLUG), "construit", 1.0))
    assert not (root / "build" / SLUG / f"apercu-convention-{SLUG}.png").exists()


def test_an_interruption_while_a_thumbnail_is_drawn_stops_the_build(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SIGINT and SIGTERM become Interrupted in the main thread, wherever it is: here, drawing a thumbnail.
    blank_convention_pdf(root)

    def stopped(source: Path, target: Path, sha: str) -> bool:
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(dashboard, "render_thumbnail", stopped)
    acts = acts_of(root)
    with pytest.raises(Interrupted):
        dashboard.thumbnail_as_built(acts)(Outcome(acts.convention(SLUG), "construit", 1.0))
