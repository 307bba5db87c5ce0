"""``convgen sign`` closes the loop: the signed PDF comes back, is checked against the act built, and is archived.

Real LibreOffice builds the act, real pyHanko signs and verifies it, with a throw-away PKI made by the tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from convgen.acts.signature import sign_field
from convgen.today import FRANCE
from tests.acts.test_signature import DEPT_FIELD, EPCI_FIELD, PASSWORD, PRESIDENT, PRESIDENTE, Pki, make_pki
from tests.projects import cli, copy_project, set_programme_end

pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(240)]

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Return the test PKI."""
    return make_pki(tmp_path_factory.mktemp("pki"))


def electronic_project(folder: Path) -> Path:
    """Copy the project into ``folder``, signed electronically, the programme running until 2027.

    The signatures are made now, and the shipped convention ends on 30 November 2026: a signature after that
    end is refused (tested in tests/recipes/test_amend.py).
    """
    root = copy_project(folder, electronic=True)
    set_programme_end(root, "2027-11-30")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a project whose convention's PDF is built (electronic mode)."""
    root = electronic_project(tmp_path_factory.mktemp("signature-electronique"))
    result = cli(root, "build", SLUG, "--format", "pdf")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def root(built: Path, tmp_path: Path) -> Path:
    """Return a private copy of the built project."""
    return Path(shutil.copytree(built, tmp_path / "projet"))


def act_pdf(root: Path) -> Path:
    """Return the convention's PDF in build/."""
    return root / "build" / SLUG / f"convention-{SLUG}.pdf"


def signed_by(root: Path, pki: Pki, *who: str, tmp: Path) -> Path:
    """Return the act signed in the fields ``who`` (in that order), as a signatory's tool would."""
    source = act_pdf(root)
    for number, field in enumerate(who):
        target = tmp / f"signe-{number}.pdf"
        p12 = pki.epci if field == EPCI_FIELD else pki.dept
        sign_field(source, target, p12=p12, password=PASSWORD, field=field)
        source = target
    return source


def register(root: Path) -> dict[str, object]:
    """Return the register of SLUG as plain data."""
    data = yaml.safe_load((root / "registre" / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_both_signatures_make_the_act_signed_with_its_signers(root: Path, pki: Pki, tmp_path: Path) -> None:
    signed = signed_by(root, pki, EPCI_FIELD, DEPT_FIELD, tmp=tmp_path)
    result = cli(root, "sign", SLUG, "--pdf", str(signed), "--confiance", str(pki.root))
    assert result.exit_code == 0, result.output
    assert f"Signature enregistrée : la convention de {SLUG}, signée le " in result.output
    acte = register(root)["actes"][0]  # type: ignore[index]
    assert acte["pdf_sha256"] == hashlib.sha256(act_pdf(root).read_bytes()).hexdigest()  # the act built
    archived = root / acte["pdf_signe"]["fichier"]
    assert acte["pdf_signe"]["fichier"] == f"registre/{SLUG}/convention-{SLUG}-signe.pdf"
    assert archived.read_bytes() == signed.read_bytes()
    assert acte["pdf_signe"]["sha256"] == hashlib.sha256(signed.read_bytes()).hexdigest()
    signatures = acte["pdf_signe"]["signatures"]
    assert [(s["champ"], s["signataire"], s["chaine_de_confiance"]) for s in signatures] == [
        (EPCI_FIELD, PRESIDENTE, "vérifiée"),
        (DEPT_FIELD, PRESIDENT, "vérifiée"),
    ]
    last = dt.datetime.fromisoformat(signatures[-1]["horodatage"])
    assert acte["date_signature"] == last.astimezone(FRANCE).date()  # the day, in France, of the last signature


def test_one_signature_is_recorded_as_incomplete(root: Path, pki: Pki, tmp_path: Path) -> None:
    one = signed_by(root, pki, DEPT_FIELD, tmp=tmp_path)
    result = cli(root, "sign", SLUG, "--pdf", str(one))
    assert result.exit_code == 0, result.output
    assert (
        f"Signature incomplète : la convention de {SLUG} n’est pas encore signée — à signer encore : {EPCI_FIELD}"
        in result.output
    )
    data = register(root)
    assert data["actes"] == []
    partial = data["signature_en_cours"]
    assert partial["manquantes"] == [EPCI_FIELD]  # type: ignore[index]
    assert partial["pdf_signe"]["signatures"][0]["signataire"] == PRESIDENT  # type: ignore[index]
    assert partial["pdf_signe"]["signatures"][0]["chaine_de_confiance"] == "non vérifiée"  # type: ignore[index]
    # The other party signs the archived file with convgen itself: the act is then signed.
    result = cli(
        root,
        "sign",
        SLUG,
        "--certificat",
        str(pki.epci),
        "--champ",
        EPCI_FIELD,
        env={"CONVGEN_P12_PASSWORD": PASSWORD.decode()},
    )
    assert result.exit_code == 0, result.output
    data = register(root)
    assert "signature_en_cours" not in data
    assert [s["champ"] for s in data["actes"][0]["pdf_signe"]["signatures"]] == [DEPT_FIELD, EPCI_FIELD]  # type: ignore[index]
    assert PASSWORD.decode() not in result.output


@pytest.mark.parametrize("damage", ["octet", "autre-acte"])
def test_a_wrong_or_tampered_file_is_refused_and_nothing_is_written(
    root: Path, pki: Pki, tmp_path: Path, damage: str
) -> None:
    signed = signed_by(root, pki, EPCI_FIELD, DEPT_FIELD, tmp=tmp_path)
    data = bytearray(signed.read_bytes())
    if damage == "octet":
        offset = data.index(b"/Type /Page") if b"/Type /Page" in data else len(data) // 3
        data[offset + 1] ^= 0x01
    else:
        # The same data, another act: the intercommunality's name changed after the PDF was sent for signature.
        epci = root / "epci" / f"{SLUG}.yaml"
        epci.write_text(
            epci.read_text(encoding="utf-8").replace("communication:\n", "communication:\n    - Affiche\n", 1), "utf-8"
        )
    tampered = tmp_path / "recu.pdf"
    tampered.write_bytes(bytes(data))
    result = cli(root, "sign", SLUG, "--pdf", str(tampered))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    if damage == "autre-acte":
        assert "ce PDF n’est pas l’acte produit par convgen" in result.output
    assert not (root / "registre").exists()


def test_a_date_is_refused_in_electronic_mode_and_required_on_paper(root: Path) -> None:
    result = cli(root, "sign", SLUG, "--date", "2024-04-15")
    assert result.exit_code == 1
    assert "se signe électroniquement — donnez le PDF signé" in result.output
    assert not (root / "registre").exists()
