"""``convgen renouveler``: the conventions of the next period, the acts of the closed one kept for good."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from convgen.acts.register import load_register
from tests.amending import SHA, SLUG, edit_epci, record, referents_by_avenant, set_departement_deliberation
from tests.projects import acts_of, cli, copy_project

TODAY = dt.date(2026, 12, 6)
NEW = ("--debut", "2026-12-01", "--fin", "2029-11-30")


def git(root: Path, *args: str) -> str:
    """Run git in ``root``; return its output."""
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=60).stdout


def commit(root: Path, message: str = "état") -> None:
    """Commit everything in ``root``."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def signed(tmp_path: Path) -> Path:
    """Return a git repository of the project where SLUG signed its convention and avenant n° 1 (2024–2026).

    The acts are recorded on paper, each with the PDF that was printed kept under ``registre/``.
    """
    root = copy_project(tmp_path / "projet")
    referents_by_avenant(root)
    record(root, SLUG, "2024-05-02")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2025-01-12")
    record(root, SLUG, "2025-02-01")
    for acte in load_register(root, SLUG).actes:
        kept = root / "registre" / SLUG / acte.pdf
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(b"%PDF-1.7 acte " + acte.pdf.encode())
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Service juridique")
    git(root, "config", "user.email", "juridique@exemple.fr")
    git(root, "config", "commit.gpgsign", "false")
    commit(root, "période 2024-2026")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Return every data, register and archived file of the project, by path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for folder in ("epci", "registre")
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    } | {"departement.yaml": (root / "departement.yaml").read_bytes()}


def test_renewal_closes_the_period_and_opens_the_next(signed: Path) -> None:
    before = snapshot(signed)
    result = cli(signed, "renouveler", *NEW)
    assert result.exit_code == 0, result.output
    assert "Période 2024-2026 close (1er décembre 2023 → 30 novembre 2026) ; période 2027-2029 ouverte" in result.output
    assert f"registre/{SLUG}.yaml" in result.output
    assert "  - departement.yaml : departement.deliberation" in result.output
    assert f"  - epci/{SLUG}.yaml : deliberation" in result.output

    registre = load_register(signed, SLUG)
    assert registre.actes == () and registre.next_numero == 0
    [closed] = registre.periodes_closes
    assert (closed.debut, closed.fin, closed.label) == (dt.date(2023, 12, 1), dt.date(2026, 11, 30), "2024-2026")
    assert [a.numero for a in closed.actes] == [0, 1] and all(a.pdf_sha256 == SHA for a in closed.actes)
    after = snapshot(signed)
    for path, data in before.items():  # every archived file kept byte for byte, where it was
        if path.startswith("registre/") and not path.endswith(".yaml"):
            assert after[path] == data, path

    departement = (signed / "departement.yaml").read_text(encoding="utf-8")
    assert "  debut: 2026-12-01\n  fin: 2029-11-30\n" in departement
    assert "  deliberation:  # Commission permanente\n" in departement  # emptied, its comment kept
    assert "  convention_etat:\n  convention_etat_coordinateur:\n" in departement
    data = yaml.safe_load((signed / "epci" / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    assert data["deliberation"] is None and data["deliberation_avenant"] is None
    other = (signed / "epci" / "cc-du-pays-flechois.yaml").read_text(encoding="utf-8")
    assert other.startswith("# yaml-language-server") and "\ndeliberation:\n" in other  # comments kept

    again = cli(signed, "renouveler", *NEW)  # idempotent
    assert again.exit_code == 0 and "déjà ouverte : rien à renouveler" in again.output
    assert snapshot(signed) == after


def test_after_a_renewal_every_convention_is_a_draft_until_the_new_period_s_acts(signed: Path) -> None:
    assert cli(signed, "renouveler", *NEW).exit_code == 0
    jobs = acts_of(signed, TODAY).conventions()
    assert all(job.draft for job in jobs)
    reasons = acts_of(signed, TODAY).convention(SLUG).verdict.reasons
    assert reasons == (
        "délibération de l’intercommunalité à renseigner",
        "délibération de la Commission permanente à renseigner",
        "date de la convention avec l’État « conseiller numérique France services » à renseigner "
        "(clé « convention_etat » de departement.yaml)",
        "date de la convention avec l’État « conseiller numérique coordinateur » à renseigner "
        "(clé « convention_etat_coordinateur » de departement.yaml)",
    )
    # The closed period's acts cannot approve the new convention.
    set_departement(
        signed, deliberation="2024-02-23", convention_etat="2026-12-02", convention_etat_coordinateur="2026-12-02"
    )
    edit_epci(signed, deliberation="2024-04-11")
    reasons = acts_of(signed, TODAY).convention(SLUG).verdict.reasons
    assert (
        "la délibération de l’intercommunalité du 11 avril 2024 appartient à la période close le 30 novembre 2026 : "
        "elle ne peut pas approuver la nouvelle convention — renseignez celle de la nouvelle période"
    ) in reasons
    assert any(
        r.startswith("la délibération de la Commission permanente du 23 février 2024 appartient") for r in reasons
    )
    # The new period's deliberations make it final.
    set_departement(signed, deliberation="2026-12-03")
    edit_epci(signed, deliberation="2026-12-04")
    job = acts_of(signed, TODAY).convention(SLUG)
    assert job.verdict.final, job.verdict.reasons
    assert job.context["programme"]["millesime"] == "2027-2029"
    assert "2027-2029" in job.title
    code = cli(signed, "check")
    assert code.exit_code == 0 and f"{SLUG} (convention)" in code.output.split("Prêts à signer")[1]


def set_departement(root: Path, **values: str) -> None:
    """Set keys of departement.yaml (``deliberation`` under ``departement``, the others under ``programme``)."""
    from convgen.recipes.renew import set_key

    path = root / "departement.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        text = set_key(text, "departement" if key == "deliberation" else "programme", key, value)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--debut", "2026-11-01", "--fin", "2029-11-30"), "avant la fin de la période en cours (30 novembre 2026)"),
        (("--debut", "2026-12-01", "--fin", "2026-11-30"), "fin 30 novembre 2026 avant le début 1er décembre 2026"),
        (
            ("--debut", "01/12/2026", "--fin", "2029-11-30"),
            "--debut « 01/12/2026 » invalide — format attendu AAAA-MM-JJ",
        ),
    ],
)
def test_renewal_refuses_wrong_dates_and_writes_nothing(signed: Path, args: tuple[str, ...], message: str) -> None:
    before = snapshot(signed)
    result = cli(signed, "renouveler", *args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert snapshot(signed) == before


def test_renewal_refuses_uncommitted_changes(signed: Path) -> None:
    edit_epci(signed, siege="Mamers")
    before = snapshot(signed)
    result = cli(signed, "renouveler", *NEW)
    assert result.exit_code == 1
    assert (
        f"modifications non enregistrées dans git sur des fichiers que le renouvellement réécrit : epci/{SLUG}.yaml"
        in (result.output)
    )
    assert snapshot(signed) == before


def test_renewal_refuses_an_act_whose_bytes_are_not_kept(signed: Path) -> None:
    (signed / "registre" / SLUG / f"avenant-01-{SLUG}.pdf").unlink()
    commit(signed)
    before = snapshot(signed)
    result = cli(signed, "renouveler", *NEW)
    assert result.exit_code == 1
    assert f"{SLUG} : l’avenant n° 1 signé le 1er février 2025 (registre/{SLUG}/avenant-01-{SLUG}.pdf absent)" in (
        result.output
    )
    assert snapshot(signed) == before


def test_a_register_without_its_intercommunality_is_an_error(signed: Path) -> None:
    (signed / "epci" / f"{SLUG}.yaml").rename(signed / "epci" / "cc-maine-saosnois-renomme.yaml")
    result = cli(signed, "check")
    assert result.exit_code == 1
    assert (
        f"registre/{SLUG}.yaml:1:1: intercommunalite : registre sans intercommunalité : 2 actes signés de "
        f"« {SLUG} », mais epci/{SLUG}.yaml n’existe plus"
    ) in result.output
    assert cli(signed, "build", "--format", "docx").exit_code == 1  # never a silent loss


def test_the_dashboard_and_the_review_show_the_closed_period(signed: Path) -> None:
    assert cli(signed, "renouveler", *NEW).exit_code == 0
    result = cli(signed, "build", "--format", "docx", SLUG)
    assert result.exit_code == 0, result.output
    page = (signed / "build" / "index.html").read_text(encoding="utf-8")
    assert "<h2>Période close 2024-2026</h2>" in page
    assert f'href="../registre/{SLUG}/convention-{SLUG}.pdf"' in page
    assert f'href="../registre/{SLUG}/avenant-01-{SLUG}.pdf"' in page
    assert "(période 2027-2029)" in page
    text = (signed / "build" / "suivi.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {row["Période"] for row in rows} == {"2027-2029", "2024-2026"}
    closed = [row for row in rows if row["Période"] == "2024-2026"]
    assert [row["Identifiant"] for row in closed] == [SLUG]
    assert closed[0]["Statut"].replace("\u00a0", " ") == "période close le 30 novembre 2026"

    review = cli(signed, "review", "--base", "main")
    assert review.exit_code == 0, review.output
    flat = review.output.replace("\u00a0", " ")
    assert "Renouvellement : nouvelles conventions 2026-12-01 → 2029-11-30 pour 15 intercommunalités" in flat
    assert f"- `{SLUG}`, 2024-2026 : la convention signée le 2 mai 2024" in flat
    assert f"- `{SLUG}`, 2024-2026 : l’avenant n° 1 signé le 1er février 2025" in flat
    assert "un avenant sera à signer" not in flat


def test_a_fresh_clone_finds_the_closed_period_whole(signed: Path, tmp_path: Path) -> None:
    assert cli(signed, "renouveler", *NEW).exit_code == 0
    commit(signed, "renouvellement 2027-2029")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(signed), str(clone)], check=True, timeout=60)
    assert snapshot(clone) == snapshot(signed)
    assert cli(clone, "build", "--format", "docx").exit_code == 0
    assert snapshot(clone) == snapshot(signed)  # a build never touches what registre/ keeps


def test_check_warns_of_a_closed_period_s_year_in_a_template(signed: Path) -> None:
    assert cli(signed, "renouveler", *NEW).exit_code == 0
    template = signed / "templates" / "convention.docx"
    with zipfile.ZipFile(template) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(template, "w") as target:
        for info, data in entries:
            if info.filename == "word/document.xml":
                data = data.replace(b"CONVENTION DE PARTENARIAT</w:t>", b"CONVENTION DE PARTENARIAT 2025</w:t>", 1)
            target.writestr(info, data)
    result = cli(signed, "check")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("Attention")]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("Attention : templates/convention.docx (corps, paragraphe ")
    assert "« 2025 » appartient à une période close — « CONVENTION DE PARTENARIAT 2025 »" in warnings[0]


@pytest.mark.libreoffice
def test_the_new_period_s_convention_is_signed_and_amended_from_avenant_1(signed: Path) -> None:
    before = {k: v for k, v in snapshot(signed).items() if k.startswith("registre/") and not k.endswith(".yaml")}
    assert cli(signed, "renouveler", *NEW).exit_code == 0
    set_departement(
        signed, deliberation="2026-12-03", convention_etat="2026-12-02", convention_etat_coordinateur="2026-12-02"
    )
    edit_epci(signed, deliberation="2026-12-04")
    signing = cli(signed, "sign", SLUG, "--date", "2026-12-05")
    assert signing.exit_code == 0, signing.output
    registre = load_register(signed, SLUG)
    [convention] = registre.actes
    assert convention.date_signature == dt.date(2026, 12, 5)
    assert convention.pdf_archive == f"registre/{SLUG}/2027-2029/convention-{SLUG}.pdf"
    assert [a.numero for a in registre.periodes_closes[0].actes] == [0, 1]
    text = subprocess.run(
        ["pdftotext", "-l", "1", str(signed / convention.pdf_archive), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "\n2027/2029\n" in text and "2024/2026" not in text and "3 décembre 2026" in text.replace("\u00a0", " ")
    edit_epci(signed, referent__courriel="b.prototype@exemple.fr", deliberation_avenant="2026-12-06")
    set_departement_deliberation(signed, "2026-12-06")
    amended = cli(signed, "amend", "--format", "docx", SLUG)
    assert amended.exit_code == 0, amended.output
    assert f"{SLUG} : avenant n° 1 à rédiger — modifie : annexe." in amended.output
    avenant = (signed / "build" / SLUG / f"avenant-01-{SLUG}.docx").read_bytes()
    from convgen.documents.docxtext import docx_text

    assert "signée le 5 décembre 2026" in docx_text(avenant).replace("\u00a0", " ")
    after = snapshot(signed)
    for path, data in before.items():  # the closed period's files, byte for byte
        assert after[path] == data, path
