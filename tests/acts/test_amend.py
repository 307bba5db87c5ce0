"""Avenants: from an edited YAML to the amendment draft, the comparatif, signatures and their register.

Most tests draft DOCX only (``--format docx``) and record signed acts directly in the register; one test
lives the whole life through the command line with the real LibreOffice (``-m libreoffice``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import yaml
from click.testing import CliRunner, Result
from lxml import etree

from convgen.acts.avenant import avenant_context
from convgen.acts.blocks import docx_blocks
from convgen.acts.comparatif import Section, render_comparatif, tracked_changes
from convgen.acts.consolidated import consolidated_notice
from convgen.acts.plan import plan_avenant
from convgen.acts.register import empty_register, load_register, new_act, write_register
from convgen.cli import main
from convgen.data.load import load_project
from convgen.documents.context import convention_context
from convgen.documents.docxtext import docx_text
from convgen.documents.french import spacing
from convgen.recipes.amend import plan_amendments

# LibreOffice runs here: the module's first test also pays for its builds (limit per test, in seconds).
pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"
OTHER = "cc-du-pays-flechois"
DRAFT = "cc-sud-sarthe"  # no deliberation in the shipped data: its convention is a draft
SHA = "ab" * 32
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
EPOCH = dt.datetime(2025, 3, 11, 12, 0, tzinfo=dt.UTC)


# ----------------------------------------------------------------------------------------------- helpers
@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Return a copy of the project's data and templates."""
    shutil.copy2(REPO / "departement.yaml", tmp_path / "departement.yaml")
    shutil.copytree(REPO / "epci", tmp_path / "epci")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    return tmp_path


def cli(root: Path, *args: str) -> Result:
    """Run ``convgen -C root …`` in-process."""
    return CliRunner().invoke(main, ["-C", str(root), *args])


def read_epci(root: Path, slug: str = SLUG) -> dict[str, Any]:
    """Return the plain data of ``epci/<slug>.yaml``."""
    data: dict[str, Any] = yaml.safe_load((root / "epci" / f"{slug}.yaml").read_text(encoding="utf-8"))
    return data


def write_epci(root: Path, data: dict[str, Any], slug: str = SLUG) -> None:
    """Write ``epci/<slug>.yaml`` as a legal assistant would."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (root / "epci" / f"{slug}.yaml").write_text(text, encoding="utf-8")


def edit_epci(root: Path, slug: str = SLUG, **changes: Any) -> None:
    """Replace keys (``referent__courriel`` for ``referent.courriel``) in ``epci/<slug>.yaml``."""
    data = read_epci(root, slug)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    write_epci(root, data, slug)


def set_programme_fin(root: Path, fin: str) -> None:
    """Move the end of the programme in departement.yaml, with the State's act that extends its funding."""
    path = root / "departement.yaml"
    text = path.read_text(encoding="utf-8")
    assert "fin: 2026-11-30" in text
    act = "\n  prolongation_etat: {date: 2026-10-15, reference: 2026-CNFS-072}"
    path.write_text(text.replace("fin: 2026-11-30", f"fin: {fin}{act}"), encoding="utf-8")


def set_departement_deliberation(root: Path, date: str) -> None:
    """Set the Commission permanente's deliberation authorising the next avenants (departement.yaml)."""
    path = root / "departement.yaml"
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("  deliberation_avenant:")]
    at = next(i for i, line in enumerate(lines) if line.startswith("  deliberation:"))
    lines.insert(at + 1, f"  deliberation_avenant: {date}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def record(root: Path, slug: str, date: str) -> None:
    """Record the pending act of ``slug`` as signed on ``date`` with the current data (no PDF built)."""
    project = load_project(root)
    registre = load_register(root, slug)
    act = new_act(slug, registre.next_numero, dt.date.fromisoformat(date), SHA, project.epcis[slug], project.programme)
    write_register(root, registre.with_act(act))


def signature_fields(pdf: Path) -> list[str]:
    """Return the names of the PDF's signature fields, sorted."""
    with pikepdf.open(pdf) as opened:
        form = opened.Root.get("/AcroForm")
        fields = form.get("/Fields", []) if form is not None else []
        return sorted(str(f.T) for f in fields if f.get("/FT") == "/Sig")


def text_of(root: Path, name: str, slug: str = SLUG) -> str:
    """Return the text of ``build/<slug>/<name>``."""
    return docx_text(root / "build" / slug / name)


def amend(root: Path, *args: str) -> Result:
    """Run ``convgen amend --format docx``; assert it succeeded."""
    result = cli(root, "amend", "--format", "docx", *args)
    assert result.exit_code == 0, result.output
    return result


# ----------------------------------------------------------------------------------------------- amend
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


def test_a_new_referent_email_drafts_avenant_1_replacing_the_annex(root: Path) -> None:
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
    set_programme_fin(root, "2027-11-30")
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
    plan = plan_amendments(load_project(root), root, [SLUG])
    assert plan.jobs == []
    assert plan.notes == [f"{SLUG} : aucune convention signée (registre/{SLUG}.yaml absent) — rien à amender."]


def test_consolidated_notice() -> None:
    assert consolidated_notice(1) == "Version consolidée intégrant l’avenant n° 1"
    assert consolidated_notice(3) == "Version consolidée intégrant les avenants n° 1 à 3"


# ----------------------------------------------------------------------------------------------- comparatif
def _paragraphs(document: etree._Element) -> list[str]:
    """Return the text of every body paragraph."""
    body = document.find(f"{{{W}}}body")
    assert body is not None
    return ["".join(t.text or "" for t in p.iter(f"{{{W}}}t")) for p in body.iter(f"{{{W}}}p")]


def _document(docx: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def accept_all(docx: bytes) -> list[str]:
    """Return the paragraphs once every tracked change is accepted: deletions dropped, insertions kept."""
    document = _document(docx)
    for paragraph in list(document.iter(f"{{{W}}}p")):
        if paragraph.find(f"{{{W}}}pPr/{{{W}}}rPr/{{{W}}}del") is not None:
            paragraph.getparent().remove(paragraph)
    for deleted in list(document.iter(f"{{{W}}}del")):
        deleted.getparent().remove(deleted)
    for inserted in list(document.iter(f"{{{W}}}ins")):
        parent = inserted.getparent()
        index = parent.index(inserted)
        for child in list(inserted):
            parent.insert(index, child)
            index += 1
        parent.remove(inserted)
    return _paragraphs(document)


def reject_all(docx: bytes) -> list[str]:
    """Return the paragraphs once every tracked change is rejected: insertions dropped, deletions kept."""
    document = _document(docx)
    for paragraph in list(document.iter(f"{{{W}}}p")):
        if paragraph.find(f"{{{W}}}pPr/{{{W}}}rPr/{{{W}}}ins") is not None:
            paragraph.getparent().remove(paragraph)
    for inserted in list(document.iter(f"{{{W}}}ins")):
        inserted.getparent().remove(inserted)
    for deleted_text in list(document.iter(f"{{{W}}}delText")):
        deleted_text.tag = f"{{{W}}}t"
    for deleted in list(document.iter(f"{{{W}}}del")):
        parent = deleted.getparent()
        index = parent.index(deleted)
        for child in list(deleted):
            parent.insert(index, child)
            index += 1
        parent.remove(deleted)
    return _paragraphs(document)


@pytest.fixture
def annex_versions(root: Path) -> tuple[list[str], list[str], bytes]:
    """Return the signed and new annex texts and the comparatif between them."""
    project = load_project(root)
    old = project.epcis[SLUG]
    new = old.model_copy(
        update={
            "referent": old.referent.model_copy(update={"courriel": "a.prototype@exemple.fr"}),
            "ressources": old.ressources.model_copy(
                update={"materiels": ("Salle informatique", *old.ressources.materiels[1:])}
            ),
        }
    )
    old_context = convention_context(project.departement, project.programme, old)
    signed = empty_register(SLUG).with_act(new_act(SLUG, 0, dt.date(2024, 4, 15), SHA, old, project.programme))
    plan = plan_avenant(SLUG, signed, new, project.programme)
    assert plan is not None
    new_context = avenant_context(project.departement, plan)
    from convgen.documents.render import render_annexe

    templates = root / "templates"
    old_text = [b.text for b in docx_blocks(render_annexe(templates, old_context))]
    new_text = [b.text for b in docx_blocks(render_annexe(templates, new_context))]
    return old_text, new_text, render_comparatif(templates, old_context, new_context, EPOCH)


def test_accepting_all_changes_gives_the_new_text(annex_versions: tuple[list[str], list[str], bytes]) -> None:
    old, new, comparatif = annex_versions
    accepted = accept_all(comparatif)
    heading = accepted.index(spacing("Annexe « Ressources mises à disposition et référents désignés »"))
    assert accepted[heading + 1 :] == new
    assert old != new


def test_rejecting_all_changes_gives_the_signed_text(annex_versions: tuple[list[str], list[str], bytes]) -> None:
    old, _new, comparatif = annex_versions
    rejected = reject_all(comparatif)
    heading = rejected.index(spacing("Annexe « Ressources mises à disposition et référents désignés »"))
    assert rejected[heading + 1 :] == old


def test_tracked_changes_are_word_level_with_a_fixed_author_and_date(
    annex_versions: tuple[list[str], list[str], bytes],
) -> None:
    _old, _new, comparatif = annex_versions
    document = _document(comparatif)
    deleted = ["".join(t.text or "" for t in d.iter(f"{{{W}}}delText")) for d in document.iter(f"{{{W}}}del")]
    inserted = ["".join(t.text or "" for t in i.iter(f"{{{W}}}t")) for i in document.iter(f"{{{W}}}ins")]
    assert "antoine.prototype@exemple.fr" in deleted
    assert "a.prototype@exemple.fr" in inserted
    marks = list(document.iter(f"{{{W}}}ins", f"{{{W}}}del"))
    assert {m.get(f"{{{W}}}author") for m in marks} == {"convgen"}
    assert {m.get(f"{{{W}}}date") for m in marks} == {"2025-03-11T12:00:00Z"}
    ids = [m.get(f"{{{W}}}id") for m in marks]
    assert len(ids) == len(set(ids))


def test_whole_paragraphs_inserted_and_deleted(root: Path) -> None:
    from convgen.documents.render import render_annexe

    project = load_project(root)
    context = convention_context(project.departement, project.programme, project.epcis[SLUG])
    base = render_annexe(root / "templates", context)
    old = docx_blocks(base)[:3]
    new = [old[0], *docx_blocks(base)[5:7], old[2]]
    section = Section("Essai", tuple(old), tuple(new))
    docx = tracked_changes(base, ["Intro"], [section], EPOCH)
    assert accept_all(docx) == ["Intro", "Essai", *(b.text for b in new)]
    assert reject_all(docx) == ["Intro", "Essai", *(b.text for b in old)]


def test_comparatif_is_deterministic(annex_versions: tuple[list[str], list[str], bytes], root: Path) -> None:
    _old, _new, comparatif = annex_versions
    assert hashlib.sha256(comparatif).hexdigest() == hashlib.sha256(comparatif).hexdigest()
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    amend(root)
    first = (root / "build" / SLUG / f"avenant-01-{SLUG}-comparatif.docx").read_bytes()
    amend(root, "--force")
    assert (root / "build" / SLUG / f"avenant-01-{SLUG}-comparatif.docx").read_bytes() == first


@pytest.mark.libreoffice
def test_libreoffice_opens_the_comparatif(tmp_path: Path, annex_versions: tuple[list[str], list[str], bytes]) -> None:
    _old, _new, comparatif = annex_versions
    source = tmp_path / "comparatif.docx"
    source.write_bytes(comparatif)
    profile = tmp_path / f"profil-{uuid.uuid4().hex}"
    completed = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "comparatif.pdf"
    assert completed.returncode == 0, completed.stderr
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "a.prototype@exemple.fr" in text


# ----------------------------------------------------------------------------------------------- sign: refusals
def refused(root: Path, *args: str) -> str:
    """Run ``convgen sign``; assert it was refused (exit 1) without writing the register; return the output."""
    before = sorted(p.name for p in (root / "registre").iterdir()) if (root / "registre").exists() else []
    register = root / "registre" / f"{SLUG}.yaml"
    content = register.read_bytes() if register.exists() else None
    result = cli(root, "sign", *args)
    assert result.exit_code == 1, result.output
    after = sorted(p.name for p in (root / "registre").iterdir()) if (root / "registre").exists() else []
    assert after == before
    assert (register.read_bytes() if register.exists() else None) == content
    return result.output


def test_sign_refuses_a_date_in_the_future(root: Path) -> None:
    output = refused(root, SLUG, "--date", "2099-01-01")
    assert f"{SLUG} : date de signature 1er janvier 2099 dans le futur" in output


def test_sign_refuses_a_malformed_date(root: Path) -> None:
    output = refused(root, SLUG, "--date", "15/04/2024")
    assert "date de signature « 15/04/2024 » invalide — format attendu AAAA-MM-JJ" in output


def test_sign_refuses_a_draft_convention(root: Path) -> None:
    output = refused(root, DRAFT, "--date", "2024-04-15")
    assert f"{DRAFT} : la convention est un projet — la délibération autorisant sa signature" in output
    assert f"clé « deliberation » de epci/{DRAFT}.yaml" in output


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
        f"{SLUG} : rien à signer — aucune modification à faire par avenant depuis la convention signée le "
        "15 avril 2024. Modifications sans avenant :\n  - Siège de l’intercommunalité" in output
    )


def test_sign_refuses_a_draft_avenant(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    output = refused(root, SLUG, "--date", "2025-03-20")
    assert f"{SLUG} : l’avenant n° 1 est un projet" in output
    assert (
        "la délibération du conseil communautaire autorisant l’avenant, postérieure à la convention signée le "
        f"15 avril 2024 (clé « deliberation_avenant » de epci/{SLUG}.yaml)" in output
    )


def test_sign_refuses_the_deliberation_of_a_previous_avenant(root: Path) -> None:
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2025-03-11")
    record(root, SLUG, "2025-03-20")
    edit_epci(root, referent__telephone="02 61 91 00 01")
    output = refused(root, SLUG, "--date", "2025-10-01")
    assert (
        "postérieure à l’avenant n° 1 signé le 20 mars 2025 (la date inscrite, 11 mars 2025, est celle d’un avenant déjà signé)"
        in output
    )


def test_sign_refuses_a_date_before_the_previous_act(root: Path) -> None:
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


def test_sign_and_amend_have_french_help() -> None:
    for command in ("sign", "amend"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0
        assert "Utilisation :" in result.output


# ----------------------------------------------------------------------------------------------- the whole life
def registered(root: Path) -> list[dict[str, Any]]:
    """Return the acts of the register as plain data."""
    data = yaml.safe_load((root / "registre" / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    acts: list[dict[str, Any]] = data["actes"]
    return acts


def sha256(path: Path) -> str:
    """Return the sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.libreoffice
def test_the_whole_life_of_a_convention(root: Path) -> None:
    build = root / "build" / SLUG

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
    assert "convention signée inchangé" in result.output
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
    set_programme_fin(root, "2027-11-30")
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
    record(root, SLUG, "2024-05-02")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2024-04-15")
    set_departement_deliberation(root, "2024-06-01")
    output = refused(root, SLUG, "--date", "2024-06-10")
    assert "l’avenant n° 1 est un projet" in output
    assert "postérieure à la convention signée le 2 mai 2024 (la date inscrite, 15 avril 2024, ne l’est pas)" in output


def test_no_avenant_after_the_convention_has_expired(root: Path) -> None:
    """Article 7 ends the convention on 30 November 2026: an avenant signed after it is refused."""
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
    set_programme_fin(root, "2027-11-30")  # the programme is extended; the convention as signed is not
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2026-12-03")
    set_departement_deliberation(root, "2026-11-20")
    output = refused(root, SLUG, "--date", "2026-11-25")
    assert "ne peut pas être autorisé par la délibération du conseil communautaire du 3 décembre 2026" in output
    assert "il faut une nouvelle convention" in output


def test_amend_warns_when_the_end_is_near_or_past(root: Path) -> None:
    from convgen.data.load import load_project
    from convgen.recipes.amend import plan_amendments

    record(root, SLUG, "2024-05-02")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr")
    project = load_project(root)
    near = plan_amendments(project, root, [SLUG], today=dt.date(2026, 11, 1)).notes
    assert (
        f"{SLUG} : attention — la convention expire le 30 novembre 2026 : l’avenant doit être signé avant cette date."
        in near
    )
    past = plan_amendments(project, root, [SLUG], today=dt.date(2026, 12, 1)).notes
    assert any("la convention a expiré le 30 novembre 2026" in note for note in past)
    early = plan_amendments(project, root, [SLUG], today=dt.date(2025, 1, 1)).notes
    assert not any("expir" in note for note in early)


def test_a_deliberation_approves_a_text_and_a_later_change_makes_the_avenant_a_draft_again(root: Path) -> None:
    """Avenant 1 (annex) is final under two deliberations; the programme end moves: the text is no longer the one voted."""
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
    set_programme_fin(root, "2027-11-30")  # now the avenant would also amend Article 7
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
    assert f"{SLUG} : convention signée inchangé" in rebuilt.output
    assert "cc-sud-sarthe : convention construit" in rebuilt.output  # the unsigned one follows its template
    assert pdf.read_bytes() == signed
