"""The proof that lasts: register at B-LTA with a local PKI and time-stamp authority, stop them, verify offline.

Real LibreOffice builds the act, real pyHanko signs it, fetches the revocation lists and the time-stamp from
servers on 127.0.0.1 (``tests/acts/authorities.py``), then validates everything once those servers are gone.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import page
import pikepdf
import pytest
import yaml

from convgen.acts.evidence import TIMESTAMP_FIELD
from convgen.acts.signature import sign_field
from tests.acts.authorities import Authorities, authorities
from tests.acts.test_signature import DEPT_FIELD, EPCI_FIELD, PASSWORD
from tests.projects import cli, copy_project, set_programme_end
from tests.recipes.test_sign import act_pdf

pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(300)]

SLUG = "cc-maine-saosnois"


def signed_by_both(root: Path, pki: Authorities, folder: Path) -> Path:
    """Return the convention built in ``root`` signed by the intercommunality, then by the Département."""
    one, two = folder / "un.pdf", folder / "deux.pdf"
    sign_field(act_pdf(root), one, p12=pki.epci, password=PASSWORD, field=EPCI_FIELD)
    sign_field(one, two, p12=pki.dept, password=PASSWORD, field=DEPT_FIELD)
    return two


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Authorities]]:
    """Return a project whose convention is signed by both parties and registered at B-LTA, servers stopped."""
    root = copy_project(tmp_path_factory.mktemp("preuve"), electronic=True)
    set_programme_end(root, "2027-11-30")
    assert cli(root, "build", SLUG, "--format", "pdf").exit_code == 0
    folder = tmp_path_factory.mktemp("autorites")
    with authorities(folder) as pki:
        two = signed_by_both(root, pki, folder)
        result = cli(root, "sign", SLUG, "--pdf", str(two), "--confiance", str(pki.root), "--horodatage", pki.tsa_url)
        assert result.exit_code == 0, result.output
        assert "Preuve à long terme : niveau B-LTA" in result.output
        assert "/intermediaire.crl" in pki.requests and "/horodatage" in pki.requests
    (folder / "recu.pdf").write_bytes(two.read_bytes())
    yield root, pki


@pytest.fixture
def root(registered: tuple[Path, Authorities], tmp_path: Path) -> Path:
    """Return a private copy of the registered project, without build/ (verifier reads registre/ only)."""
    copy = Path(shutil.copytree(registered[0], tmp_path / "projet"))
    shutil.rmtree(copy / "build")
    return copy


def acte(root: Path) -> dict[str, object]:
    data = yaml.safe_load((root / "registre" / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    found: dict[str, object] = data["actes"][0]
    return found


def test_the_register_gives_both_digests_and_the_level(root: Path, registered: tuple[Path, Authorities]) -> None:
    signe = acte(root)["pdf_signe"]
    assert isinstance(signe, dict)
    archived = (root / signe["fichier"]).read_bytes()
    received = (registered[1].root.parent / "recu.pdf").read_bytes()
    assert archived.startswith(received) and len(archived) > len(received)
    assert signe["niveau"] == "B-LTA" and "niveau_motif" not in signe
    assert signe["recu_sha256"] == hashlib.sha256(received).hexdigest()
    assert signe["recu_taille"] == len(received)
    assert signe["sha256"] == hashlib.sha256(archived).hexdigest()
    assert len(signe["racines"]) == 1


def test_the_archived_copy_stays_pdfa_2b(root: Path) -> None:
    path = root / str(acte(root)["pdf_signe"]["fichier"])  # type: ignore[index]
    pdfa = page.validate_pdf(str(path), profile="2b")
    assert {f.rule_id for f in pdfa.failures} <= {"PDFA2B-SIGNATURE-BYTERANGE-001"}


def test_the_archived_copy_stays_pdf_ua_1(root: Path) -> None:
    path = root / str(acte(root)["pdf_signe"]["fichier"])  # type: ignore[index]
    ua = page.validate_pdf(str(path), profile="ua1")
    assert ua.is_compliant, [(f.rule_id, f.message) for f in ua.failures]
    with pikepdf.open(path) as pdf:  # the time-stamp's widget: printed (PDF/A), zero-sized and off the page (PDF/UA)
        widgets = [a for p in pdf.pages for a in p.get("/Annots", []) if a.get("/T") == TIMESTAMP_FIELD]
        assert len(widgets) == 1
        left, bottom, right, top = (float(v) for v in widgets[0].Rect)
        assert left == right and bottom == top and left < 0 and bottom < 0
        assert int(widgets[0].F) & 4 and not int(widgets[0].F) & 2  # Print, not Hidden
        assert "/StructParent" not in widgets[0]  # untagged: the structure tree is the one signed


def test_verifier_passes_offline_and_writes_the_report(root: Path) -> None:
    result = cli(root, "verifier")
    assert result.exit_code == 0, result.output
    assert f"✓ {SLUG}, la convention : vérifié (niveau B-LTA)" in result.output
    report = root / "registre" / SLUG / f"convention-{SLUG}-rapport-validation.xml"
    text = report.read_text(encoding="utf-8")
    assert text.count("SignatureValidationReport>") == 4  # two signatures, open and close tags
    # B-B signatures carry no signature time-stamp: pyHanko's AdES process says so (see acts/validation.py)
    assert "urn:etsi:019102:subindication:SIG_CONSTRAINTS_FAILURE" in text
    assert "urn:etsi:019102:validationprocess:LTA" in text
    before = report.read_bytes()
    assert cli(root, "verifier").exit_code == 0
    assert report.read_bytes() == before  # same conclusions: the report is left as it is


def test_a_flipped_byte_is_named(root: Path) -> None:
    path = root / str(acte(root)["pdf_signe"]["fichier"])  # type: ignore[index]
    data = bytearray(path.read_bytes())
    data[11] ^= 0x01
    path.write_bytes(bytes(data))
    result = cli(root, "verifier")
    assert result.exit_code == 1
    assert f"✗ {SLUG}, la convention : altéré" in result.output
    assert f"Vérification en échec : {SLUG}, la convention." in result.output


def test_a_removed_file_is_named(root: Path) -> None:
    (root / str(acte(root)["pdf_signe"]["fichier"])).unlink()  # type: ignore[index]
    result = cli(root, "verifier", SLUG)
    assert result.exit_code == 1
    assert f"✗ {SLUG}, la convention : fichier manquant : registre/{SLUG}/convention-{SLUG}-signe.pdf" in result.output


def test_an_edited_register_line_is_named(root: Path) -> None:
    path = root / "registre" / f"{SLUG}.yaml"
    signe = acte(root)["pdf_signe"]
    text = path.read_text(encoding="utf-8")
    digest = signe["recu_sha256"]  # type: ignore[index]
    path.write_text(text.replace(digest, "f" * 64), encoding="utf-8")
    result = cli(root, "verifier")
    assert result.exit_code == 1
    assert "les premiers octets ne sont plus le fichier reçu" in result.output


def test_unreachable_revocation_data_records_the_act_at_b_b(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "projet", electronic=True)
    set_programme_end(root, "2027-11-30")
    assert cli(root, "build", SLUG, "--format", "pdf").exit_code == 0
    folder = tmp_path / "autorites"
    folder.mkdir()
    with authorities(folder) as pki:
        two = signed_by_both(root, pki, folder)
    # the servers are stopped: neither the revocation lists nor the time-stamp authority answer
    result = cli(root, "sign", SLUG, "--pdf", str(two), "--confiance", str(pki.root), "--horodatage", pki.tsa_url)
    assert result.exit_code == 0, result.output
    assert "Signature enregistrée : la convention de cc-maine-saosnois" in result.output
    assert "Preuve à long terme : niveau B-B — signatures telles que reçues" in result.output
    assert "données de révocation injoignables" in result.output
    signe = acte(root)["pdf_signe"]
    assert isinstance(signe, dict)
    assert signe["niveau"] == "B-B"
    assert str(signe["niveau_motif"]).startswith("données de révocation injoignables")
    assert (root / signe["fichier"]).read_bytes() == two.read_bytes()  # kept as received
    assert "recu_sha256" not in signe
    verified = cli(root, "verifier")
    assert verified.exit_code == 0, verified.output
    assert f"✓ {SLUG}, la convention : niveau B-B : non vérifiable sans données de révocation" in verified.output
    assert "dont 1 au niveau B-B" in verified.output
