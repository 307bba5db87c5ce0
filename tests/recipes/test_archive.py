"""``convgen archiver``: SEDA 2.3 packages valid against the vendored XSD, their digests recomputed from the zip.

The electronic act is the one ``tests/recipes/test_verify.py`` registers at B-LTA with a local PKI and
time-stamp authority, then stops; the paper act is signed with ``--date`` and a scan (a plain PDF 1.4).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from lxml import etree  # type: ignore[import-untyped]

from tests.acts.authorities import Authorities
from tests.projects import cli, copy_project
from tests.recipes.test_sign import SLUG
from tests.recipes.test_verify import registered  # noqa: F401 (the module's fixture, built once here too)

pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
SCHEMA = etree.XMLSchema(etree.parse(str(REPO / "schema" / "seda-2.3" / "seda-2.3-main.xsd")))
NS = {"s": "fr:gouv:culture:archivesdefrance:seda:v2.3"}
ARCHIVES = """
archives:
  service_archives:
    identifiant: FRAD072
    nom: Archives départementales de la Sarthe
  service_versant:
    identifiant: EXEMPLE-VERSANT
    nom: Service versant d’exemple
"""


def with_archives(root: Path) -> Path:
    with (root / "departement.yaml").open("a", encoding="utf-8") as handle:
        handle.write(ARCHIVES)
    return root


def read_package(path: Path) -> tuple[etree._Element, dict[str, bytes]]:
    """Return the manifest, validated against the SEDA 2.3 XSD, and the files; check every digest and size."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        files = {name: archive.read(name) for name in names}
    assert names[0] == "manifest.xml"
    manifest = etree.fromstring(files.pop("manifest.xml"))
    SCHEMA.assertValid(manifest)
    objects = manifest.findall(".//s:BinaryDataObject", NS)
    assert sorted(o.findtext("s:Uri", namespaces=NS) for o in objects) == sorted(files)  # each file, once
    for item in objects:
        data = files[item.findtext("s:Uri", namespaces=NS)]
        digest = item.find("s:MessageDigest", NS)
        assert digest.get("algorithm") == "SHA-512"
        assert digest.text == hashlib.sha512(data).hexdigest()
        assert item.findtext("s:Size", namespaces=NS) == str(len(data))
    return manifest, files


def formats(manifest: etree._Element) -> dict[str, tuple[str, str | None]]:
    """Return, by file name, the MIME type and PRONOM identifier the manifest gives."""
    found = {}
    for item in manifest.findall(".//s:BinaryDataObject", NS):
        name = item.findtext("s:FileInfo/s:Filename", namespaces=NS)
        found[name] = (
            item.findtext("s:FormatIdentification/s:MimeType", namespaces=NS),
            item.findtext("s:FormatIdentification/s:FormatId", namespaces=NS),
        )
    return found


@pytest.fixture
def electronic(registered: tuple[Path, Authorities], tmp_path: Path) -> Path:  # noqa: F811
    """Return a copy of the project registered at B-LTA (servers stopped), with its archives services."""
    root = Path(shutil.copytree(registered[0], tmp_path / "projet"))
    shutil.rmtree(root / "build")
    return with_archives(root)


@pytest.fixture(scope="module")
def paper_signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a project whose convention was signed on paper, with the scan of the signed original."""
    root = with_archives(copy_project(tmp_path_factory.mktemp("papier")))
    scan = root.parent / "scan.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(scan, force_version="1.4", deterministic_id=True)
    result = cli(root, "sign", SLUG, "--date", "2024-04-15", "--pdf", str(scan))
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def paper(paper_signed: Path, tmp_path: Path) -> Iterator[Path]:
    yield Path(shutil.copytree(paper_signed, tmp_path / "papier"))


def package_of(root: Path, dest: Path) -> Path:
    [path] = list(dest.glob("*.zip"))
    assert path.name.startswith(f"sarthe-{SLUG}-2024-")
    return path


def test_electronic_act_package(electronic: Path, tmp_path: Path) -> None:
    dest = tmp_path / "versements"
    result = cli(electronic, "archiver", "--vers", str(dest))
    assert result.exit_code == 0, result.output
    assert f"✓ {SLUG}, la convention : vérifié (niveau B-LTA)" in result.output
    path = package_of(electronic, dest)
    assert path.name == f"sarthe-{SLUG}-2024-2027.zip"  # the test programme runs until 30 November 2027
    assert f"Paquet SEDA 2.3 écrit : {path} (1 acte," in result.output
    manifest, files = read_package(path)
    assert formats(manifest) == {
        f"convention-{SLUG}-signe.pdf": ("application/pdf", "fmt/477"),
        f"convention-{SLUG}-rapport-validation.xml": ("application/xml", "fmt/101"),
    }
    assert (
        files[f"Content/convention-{SLUG}-signe.pdf"]
        == (electronic / "registre" / SLUG / f"convention-{SLUG}-signe.pdf").read_bytes()
    )
    act = manifest.find(f".//s:ArchiveUnit[@id='AU-convention-{SLUG}']", NS)
    assert act.findtext("s:Content/s:TransactedDate", namespaces=NS)
    roles = [r.text for r in act.findall("s:Content/s:SigningInformation/s:SigningRole", NS)]
    assert roles == ["SignedDocument", "Signature", "Timestamp"]
    signers = act.findall("s:Content/s:SigningInformation/s:SignatureDescription/s:Signer/s:FullName", NS)
    assert sorted(s.text for s in signers) == ["Président Modèle", "Présidente Exemple"]
    assert act.findtext(".//s:SigningType", namespaces=NS) == "PAdES B-LTA"
    assert act.findtext(".//s:TimestampingInformation/s:TimeStamp", namespaces=NS)
    report = act.find(f"s:ArchiveUnit[@id='AU-convention-{SLUG}-rapport']", NS)
    assert report.findtext(".//s:SignedDocumentReferenceId", namespaces=NS) == f"AU-convention-{SLUG}"
    assert manifest.findtext("s:ArchivalAgency/s:Identifier", namespaces=NS) == "FRAD072"
    assert manifest.findtext("s:TransferringAgency/s:Identifier", namespaces=NS) == "EXEMPLE-VERSANT"
    description = act.findtext("s:Content/s:Description", namespaces=NS)
    assert description.startswith("Signée électroniquement par Présidente Exemple et Président Modèle, le ")
    assert "Preuve\u202f: PAdES B-LTA" in description or "Preuve\u00a0: PAdES B-LTA" in description


def test_same_registers_same_bytes_and_the_date_from_the_data(electronic: Path, tmp_path: Path) -> None:
    one, two, three = tmp_path / "un", tmp_path / "deux", tmp_path / "trois"
    assert cli(electronic, "archiver", "--vers", str(one)).exit_code == 0
    assert cli(electronic, "archiver", "--vers", str(two)).exit_code == 0
    assert package_of(electronic, one).read_bytes() == package_of(electronic, two).read_bytes()
    manifest, _ = read_package(package_of(electronic, one))
    signed_on = manifest.findtext(".//s:TransactedDate", namespaces=NS)
    assert manifest.findtext("s:Date", namespaces=NS) == f"{signed_on}T12:00:00Z"
    with zipfile.ZipFile(package_of(electronic, one)) as archive:
        assert {info.date_time[:3] for info in archive.infolist()} == {tuple(map(int, signed_on.split("-")))}
    assert cli(electronic, "archiver", "--vers", str(three), env={"SOURCE_DATE_EPOCH": "1735732800"}).exit_code == 0
    stamped, _ = read_package(package_of(electronic, three))
    assert stamped.findtext("s:Date", namespaces=NS) == "2025-01-01T12:00:00Z"
    identifier = manifest.findtext("s:MessageIdentifier", namespaces=NS)
    assert identifier == stamped.findtext("s:MessageIdentifier", namespaces=NS)  # derived from the content


def test_refused_when_verifier_fails_nothing_written(electronic: Path, tmp_path: Path) -> None:
    path = electronic / "registre" / SLUG / f"convention-{SLUG}-signe.pdf"
    data = bytearray(path.read_bytes())
    data[-40] ^= 0x01
    path.write_bytes(bytes(data))
    dest = tmp_path / "versements"
    dest.mkdir()
    result = cli(electronic, "archiver", "--vers", str(dest))
    assert result.exit_code == 1
    assert f"✗ {SLUG}, la convention : altéré" in result.output
    assert f"Vérification en échec : {SLUG}, la convention. Aucun paquet n’a été écrit" in result.output
    assert list(dest.iterdir()) == []


def test_missing_archives_key_is_named(paper: Path, tmp_path: Path) -> None:
    text = (paper / "departement.yaml").read_text(encoding="utf-8")
    (paper / "departement.yaml").write_text(text.replace(ARCHIVES, ""), encoding="utf-8")
    dest = tmp_path / "versements"
    result = cli(paper, "archiver", "--vers", str(dest))
    assert result.exit_code == 1
    assert "departement.yaml : clé « archives » absente" in result.output
    assert "service_archives:" in result.output and "service_versant:" in result.output
    assert not dest.exists()


def test_paper_act_package_keeps_the_scan_format(paper: Path, tmp_path: Path) -> None:
    dest = tmp_path / "versements"
    result = cli(paper, "archiver", SLUG, "--vers", str(dest))
    assert result.exit_code == 0, result.output
    path = package_of(paper, dest)
    assert path.name == f"sarthe-{SLUG}-2024-2026.zip"
    manifest, files = read_package(path)
    assert formats(manifest) == {
        f"convention-{SLUG}.pdf": ("application/pdf", "fmt/477"),  # the PDF/A-2b printed
        f"convention-{SLUG}-signe.pdf": ("application/pdf", "fmt/18"),  # the scan, PDF 1.4
    }
    printed = files[f"Content/convention-{SLUG}.pdf"]
    assert printed == (paper / "build" / SLUG / f"convention-{SLUG}.pdf").read_bytes()
    act = manifest.find(f".//s:ArchiveUnit[@id='AU-convention-{SLUG}']", NS)
    assert act.find("s:Content/s:SigningInformation", NS) is None  # no electronic signature
    events = [
        (e.findtext("s:EventType", namespaces=NS), e.findtext("s:EventDateTime", namespaces=NS))
        for e in act.iter(f"{{{NS['s']}}}Event")
    ]
    assert ("Signature", "2024-04-15") in events
    assert ("Délibération", "2024-02-23") in events  # the Département's commission permanente
    versions = [v.text for v in manifest.iter(f"{{{NS['s']}}}DataObjectVersion")]
    assert versions == ["BinaryMaster_1", "BinaryMaster_2"]


def test_an_earlier_package_with_other_bytes_is_never_replaced(paper: Path, tmp_path: Path) -> None:
    dest = tmp_path / "versements"
    dest.mkdir()
    earlier = dest / f"sarthe-{SLUG}-2024-2026.zip"
    earlier.write_bytes(b"PK versement anterieur")
    result = cli(paper, "archiver", "--vers", str(dest))
    assert result.exit_code == 1
    assert "existe déjà avec un autre contenu" in result.output
    assert earlier.read_bytes() == b"PK versement anterieur"
    again = cli(paper, "archiver", "--vers", str(tmp_path / "neuf"))
    assert again.exit_code == 0
    assert cli(paper, "archiver", "--vers", str(tmp_path / "neuf")).exit_code == 0  # same bytes: left as they are


def test_a_register_line_edited_refuses_the_package(paper: Path, tmp_path: Path) -> None:
    path = paper / "registre" / f"{SLUG}.yaml"
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256((paper / "registre" / SLUG / f"convention-{SLUG}.pdf").read_bytes()).hexdigest()
    path.write_text(text.replace(digest, "a" * 64), encoding="utf-8")
    dest = tmp_path / "versements"
    result = cli(paper, "archiver", "--vers", str(dest))
    assert result.exit_code == 1
    assert f"✗ {SLUG}, la convention : altéré" in result.output
    assert not dest.exists() or list(dest.iterdir()) == []


def test_the_package_reads_back_from_bytes_alone(paper: Path, tmp_path: Path) -> None:
    dest = tmp_path / "versements"
    assert cli(paper, "archiver", "--vers", str(dest)).exit_code == 0
    data = package_of(paper, dest).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert all(not name.startswith("/") and ".." not in name for name in archive.namelist())
