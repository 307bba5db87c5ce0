"""Electronic signatures: sign the act's empty fields, then check signed files against the act built.

The act is the real PDF of one convention, built once with LibreOffice (``-m libreoffice``). The certificates
come from a throw-away test PKI made here with ``cryptography`` (a root, an intermediate, two fictitious signers);
no key material is stored in the repository.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import page
import pikepdf
import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from convgen.acts.signature import SignedAct, inspect_signed, sign_field
from convgen.errors import ConvgenError, SignatureError
from tests.projects import convgen, copy_project

# LibreOffice runs here: the module's first test also pays for its builds (limit per test, in seconds).
pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"
EPCI_FIELD = "signature_intercommunalite"
DEPT_FIELD = "signature_departement"
FIELDS = (EPCI_FIELD, DEPT_FIELD)
PASSWORD = b"mot de passe de test"
PRESIDENTE = "CN=Présidente Exemple,O=CC Maine Saosnois,C=FR"
PRESIDENT = "CN=Président Modèle,O=Département de la Sarthe,C=FR"


# --- a throw-away PKI -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    """Files of the test PKI: trust anchors and the signers' PKCS#12 files."""

    root: Path
    other_root: Path
    epci: Path
    dept: Path
    expired: Path


def _name(common_name: str, organisation: str) -> x509.Name:
    """Return a subject ``C=FR, O=organisation, CN=common_name``."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    days: tuple[int, int] = (-1, 30),
    extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
) -> x509.Certificate:
    """Return a certificate for ``key``, signed by ``issuer_key``, valid from ``days[0]`` to ``days[1]`` from now.

    ``extensions`` adds (extension, critical) pairs: where to find revocation data, extended key usage.
    """
    now = dt.datetime.now(dt.UTC)
    usage = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    usage.update(
        {"key_cert_sign": True, "crl_sign": True} if ca else {"digital_signature": True, "content_commitment": True}
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def _new_key() -> ec.EllipticCurvePrivateKey:
    """Return a fresh P-256 key."""
    return ec.generate_private_key(ec.SECP256R1())


def make_pki(folder: Path) -> Pki:
    """Write a root CA, an intermediate, two signers, an expired signer and an unrelated root into ``folder``."""
    root_key, root_name = _new_key(), _name("Racine de test", "Autorité fictive")
    root = _certificate(root_name, root_key, root_name, root_key, ca=True, days=(-1, 365))
    inter_key, inter_name = _new_key(), _name("Autorité intermédiaire de test", "Autorité fictive")
    inter = _certificate(inter_name, inter_key, root_name, root_key, ca=True, days=(-1, 365))
    other_key, other_name = _new_key(), _name("Racine sans rapport", "Autre autorité fictive")
    other = _certificate(other_name, other_key, other_name, other_key, ca=True, days=(-1, 365))

    def signer(file: str, common_name: str, organisation: str, days: tuple[int, int] = (-1, 30)) -> Path:
        key = _new_key()
        cert = _certificate(_name(common_name, organisation), key, inter_name, inter_key, ca=False, days=days)
        encryption = serialization.BestAvailableEncryption(PASSWORD)
        path = folder / file
        path.write_bytes(pkcs12.serialize_key_and_certificates(b"signataire", key, cert, [inter], encryption))
        return path

    (folder / "racine.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (folder / "autre-racine.der").write_bytes(other.public_bytes(serialization.Encoding.DER))
    return Pki(
        root=folder / "racine.pem",
        other_root=folder / "autre-racine.der",
        epci=signer("presidente.p12", "Présidente Exemple", "CC Maine Saosnois"),
        dept=signer("president.p12", "Président Modèle", "Département de la Sarthe"),
        expired=signer("perime.p12", "Signataire Périmé", "CC Maine Saosnois", days=(-60, -30)),
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Return the test PKI, made once per module."""
    return make_pki(tmp_path_factory.mktemp("pki"))


# --- the act and its signed versions ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built_act(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the convention's PDF once with the real LibreOffice; return it (never modify it)."""
    project = copy_project(tmp_path_factory.mktemp("projet-signature"), electronic=True)
    result = convgen(project, "build", SLUG, "--format", "pdf")
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "build" / SLUG / f"convention-{SLUG}.pdf"


@pytest.fixture
def act(built_act: Path, tmp_path: Path) -> Path:
    """Return a private copy of the built act."""
    return Path(shutil.copy2(built_act, tmp_path / "acte.pdf"))


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Signed:
    """The act and its versions signed once (by the intercommunality) and twice (then by the département)."""

    act: Path
    sha: str
    one: Path
    two: Path
    before: dt.datetime
    after: dt.datetime


@pytest.fixture(scope="module")
def signed(built_act: Path, pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Signed:
    """Sign the act's two fields in turn, as the two signatories would; tests copy these files to alter them."""
    folder = tmp_path_factory.mktemp("signes")
    act = Path(shutil.copy2(built_act, folder / "acte.pdf"))
    one, two = folder / "signe-une-fois.pdf", folder / "signe-deux-fois.pdf"
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    sign_field(act, one, p12=pki.epci, password=PASSWORD, field=EPCI_FIELD, reason="Approbation", location="Mamers")
    sign_field(one, two, p12=pki.dept, password=PASSWORD, field=DEPT_FIELD, location="Le Mans")
    after = dt.datetime.now(dt.UTC)
    return Signed(act=act, sha=sha256(act), one=one, two=two, before=before, after=after)


def inspect(path: Path, signed: Signed, *, trust: tuple[Path, ...] = (), expected: str | None = None) -> SignedAct:
    """Inspect ``path`` against the act of ``signed``."""
    return inspect_signed(path, expected_sha256=expected or signed.sha, fields=FIELDS, trust=trust)


def refused(path: Path, signed: Signed, *, fields_: tuple[str, ...] = FIELDS, expected: str | None = None) -> str:
    """Return the message of the SignatureError that inspecting ``path`` raises."""
    with pytest.raises(SignatureError) as caught:
        inspect_signed(path, expected_sha256=expected or signed.sha, fields=fields_)
    return str(caught.value)


def signer_for(p12: Path) -> signers.SimpleSigner:
    """Return a pyHanko signer for a test PKCS#12 file (to forge files that sign_field refuses to make)."""
    signer: signers.SimpleSigner = signers.SimpleSigner.load_pkcs12_data(p12.read_bytes(), (), PASSWORD)
    return signer


def incremental(source: Path, target: Path, change: str, *, sign_as: Path | None = None, field: str = "") -> Path:
    """Append to ``source`` an incremental update that ``change``s the page (``annotation`` or ``content``).

    With ``sign_as``, the same update also signs ``field``: the change is then inside the signed revision.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(source.read_bytes()))
    if change == "annotation":
        annotation = generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Square"),
                generic.pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in (50, 50, 150, 150)),
                generic.pdf_name("/F"): generic.NumberObject(4),
            }
        )
        page_ref, _ = writer.find_page_for_modification(0)
        writer.register_annotation(page_ref, writer.add_object(annotation))
    else:
        cover = generic.StreamObject(stream_data=b"1 1 1 rg 50 600 400 100 re f")
        writer.add_stream_to_page(0, writer.add_object(cover))
    out = io.BytesIO()
    if sign_as is None:
        writer.write(out)
    else:
        meta = signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES)
        signers.PdfSigner(meta, signer_for(sign_as)).sign_pdf(writer, existing_fields_only=True, output=out)
    target.write_bytes(out.getvalue())
    return target


# --- signing and inspecting -------------------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_both_fields_signed_make_a_complete_act_with_two_signers(signed: Signed, pki: Pki) -> None:
    result = inspect(signed.two, signed, trust=(pki.root,))
    assert result.complete
    assert result.missing == ()
    assert result.sha256 == sha256(signed.two)
    assert [(s.field, s.signer) for s in result.signatures] == [(EPCI_FIELD, PRESIDENTE), (DEPT_FIELD, PRESIDENT)]
    times = [s.signing_time for s in result.signatures]
    for time in times:
        assert time is not None and time.tzinfo is not None
        assert signed.before <= time <= signed.after
    assert times[0] is not None and times[1] is not None and times[0] <= times[1]
    assert result.last_signing_date == times[1].astimezone(ZoneInfo("Europe/Paris")).date()
    assert all(s.trusted is True for s in result.signatures)


@pytest.mark.libreoffice
def test_signatures_are_incremental_updates_of_the_act(signed: Signed) -> None:
    act, one, two = signed.act.read_bytes(), signed.one.read_bytes(), signed.two.read_bytes()
    assert one.startswith(act) and two.startswith(one)


@pytest.mark.libreoffice
def test_trust_is_none_without_anchors_and_false_with_an_unrelated_root(signed: Signed, pki: Pki) -> None:
    assert [s.trusted for s in inspect(signed.two, signed).signatures] == [None, None]
    untrusted = inspect(signed.two, signed, trust=(pki.other_root,))
    assert untrusted.complete
    assert [s.trusted for s in untrusted.signatures] == [False, False]
    both = inspect(signed.two, signed, trust=(pki.other_root, pki.root))
    assert [s.trusted for s in both.signatures] == [True, True]


@pytest.mark.libreoffice
def test_nothing_about_the_signers_is_logged(signed: Signed, pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        inspect(signed.two, signed, trust=(pki.other_root,))  # pyHanko logs the subject of an untrusted chain
        sign_field(signed.act, signed.act.parent / "journal.pdf", p12=pki.epci, password=PASSWORD, field=EPCI_FIELD)
    assert "Exemple" not in caplog.text and "Modèle" not in caplog.text


@pytest.mark.libreoffice
def test_one_field_signed_is_incomplete_and_names_the_missing_field(signed: Signed, pki: Pki) -> None:
    result = inspect(signed.one, signed, trust=(pki.root,))
    assert not result.complete
    assert result.missing == (DEPT_FIELD,)
    assert [(s.field, s.signer, s.trusted) for s in result.signatures] == [(EPCI_FIELD, PRESIDENTE, True)]
    first = result.signatures[0].signing_time
    assert first is not None
    assert result.last_signing_date == first.astimezone(ZoneInfo("Europe/Paris")).date()


@pytest.mark.libreoffice
def test_the_stamp_is_visible_and_uses_no_font(signed: Signed) -> None:
    with pikepdf.open(signed.two) as pdf:
        widgets = {str(f.T): f for f in pdf.Root.AcroForm.Fields}
        for name in FIELDS:
            appearance = widgets[name].AP.N
            drawing = appearance.read_bytes()
            assert b" re S" in drawing and b" c " in drawing  # the frame and the curves
            assert b"Tf" not in drawing and b"BT" not in drawing
            assert "/Font" not in appearance.get("/Resources", pikepdf.Dictionary())


@pytest.mark.libreoffice
def test_one_signature_keeps_the_file_pdfa_2b(signed: Signed) -> None:
    assert page.validate_pdf(str(signed.act), profile="2b").is_compliant
    one = page.validate_pdf(str(signed.one), profile="2b")
    assert one.is_compliant, [(f.rule_id, f.message) for f in one.failures]


@pytest.mark.libreoffice
def test_two_signatures_fail_only_the_validators_byterange_rule(signed: Signed) -> None:
    # page-validation flags the first signature of any two-signature file: its ByteRange cannot cover the
    # later incremental update. That is how incremental signing works, not a defect of the file.
    two = page.validate_pdf(str(signed.two), profile="2b")
    assert {f.rule_id for f in two.failures} <= {"PDFA2B-SIGNATURE-BYTERANGE-001"}


@pytest.mark.libreoffice
@pytest.mark.parametrize("which", ["one", "two"])
def test_a_signed_file_stays_pdf_ua_1(signed: Signed, which: str) -> None:
    report = page.validate_pdf(str(getattr(signed, which)), profile="ua1")
    assert report.is_compliant, [(f.rule_id, f.message) for f in report.failures]


# --- files refused by inspect_signed ------------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_a_byte_changed_in_the_signed_range_is_refused(signed: Signed, tmp_path: Path) -> None:
    data = bytearray(signed.two.read_bytes())
    data[11] ^= 0x01  # the binary comment after the header: the file still parses, the digest no longer matches
    altered = tmp_path / "altere.pdf"
    altered.write_bytes(bytes(data))
    message = refused(altered, signed)
    assert f"la signature du champ « {EPCI_FIELD} » n’est pas valide" in message
    assert "demandez à nouveau le fichier signé" in message


@pytest.mark.libreoffice
def test_a_changed_signature_value_is_refused(signed: Signed, tmp_path: Path) -> None:
    data = bytearray(signed.two.read_bytes())
    start = data.index(b"/Contents <", len(signed.one.read_bytes())) + len(b"/Contents <")
    end = data.index(b">", start)
    der = bytes.fromhex(data[start:end].decode("ascii"))
    length = len(cms.ContentInfo.load(der).dump())  # the DER signature, without the zero padding
    digit = start + 2 * (length - 8)  # a hex digit inside the signature value, the last field of the CMS
    data[digit] = ord("0") if data[digit] != ord("0") else ord("1")
    altered = tmp_path / "signature-alteree.pdf"
    altered.write_bytes(bytes(data))
    message = refused(altered, signed)
    assert f"la signature du champ « {DEPT_FIELD} » n’est pas valide" in message
    assert "signature altérée" in message


@pytest.mark.libreoffice
@pytest.mark.parametrize("change", ["annotation", "content"])
def test_an_update_after_the_last_signature_is_refused(signed: Signed, tmp_path: Path, change: str) -> None:
    modified = incremental(signed.two, tmp_path / "modifie.pdf", change)
    message = refused(modified, signed)
    assert f"modifié après la dernière signature (champ « {DEPT_FIELD} »)" in message


@pytest.mark.libreoffice
def test_bytes_appended_after_the_last_signature_are_refused(signed: Signed, tmp_path: Path) -> None:
    appended = tmp_path / "ajout.pdf"
    appended.write_bytes(signed.one.read_bytes() + b"\n% ajout\n")
    assert "modifié après la dernière signature" in refused(appended, signed)


@pytest.mark.libreoffice
def test_an_annotation_between_the_two_signatures_is_refused(signed: Signed, pki: Pki, tmp_path: Path) -> None:
    annotated = incremental(signed.one, tmp_path / "annote.pdf", "annotation")
    both = tmp_path / "annote-signe.pdf"
    sign_field(annotated, both, p12=pki.dept, password=PASSWORD, field=DEPT_FIELD)
    message = refused(both, signed)
    assert f"modifié après la signature du champ « {EPCI_FIELD} », au-delà de l’ajout d’autres signatures" in message


@pytest.mark.libreoffice
def test_a_change_before_the_first_signature_is_not_the_act(signed: Signed, pki: Pki, tmp_path: Path) -> None:
    changed = incremental(signed.act, tmp_path / "change.pdf", "content")
    then_signed = tmp_path / "change-signe.pdf"
    sign_field(changed, then_signed, p12=pki.epci, password=PASSWORD, field=EPCI_FIELD)
    assert "ce PDF n’est pas l’acte produit par convgen" in refused(then_signed, signed)


@pytest.mark.libreoffice
def test_a_change_signed_with_the_first_signature_is_refused(signed: Signed, pki: Pki, tmp_path: Path) -> None:
    forged = incremental(signed.act, tmp_path / "falsifie.pdf", "content", sign_as=pki.epci, field=EPCI_FIELD)
    message = refused(forged, signed)
    assert "d’autres modifications que l’ajout des signatures" in message


@pytest.mark.libreoffice
def test_a_pdf_built_from_other_data_is_refused(signed: Signed, pki: Pki, tmp_path: Path) -> None:
    other = hashlib.sha256(b"une autre convention").hexdigest()
    assert "ce PDF n’est pas l’acte produit par convgen" in refused(signed.two, signed, expected=other)
    resaved = tmp_path / "reenregistre.pdf"
    with pikepdf.open(signed.act) as pdf:
        pdf.save(resaved)
    resigned = tmp_path / "reenregistre-signe.pdf"
    sign_field(resaved, resigned, p12=pki.epci, password=PASSWORD, field=EPCI_FIELD)
    message = refused(resigned, signed)
    assert "ce PDF n’est pas l’acte produit par convgen" in message
    assert "faites signer le PDF construit par convgen" in message


@pytest.mark.libreoffice
def test_a_signature_in_an_unexpected_field_is_refused(signed: Signed, pki: Pki, tmp_path: Path) -> None:
    message = refused(signed.one, signed, fields_=(DEPT_FIELD,))
    assert f"signature dans un champ inattendu (« {EPCI_FIELD} »)" in message
    assert f"« {DEPT_FIELD} »" in message
    writer = IncrementalPdfFileWriter(io.BytesIO(signed.one.read_bytes()))
    meta = signers.PdfSignatureMetadata(field_name="signature_intruse", subfilter=fields.SigSeedSubFilter.PADES)
    spec = fields.SigFieldSpec("signature_intruse", on_page=0, box=(20, 20, 120, 60))
    out = io.BytesIO()
    signers.PdfSigner(meta, signer_for(pki.dept), new_field_spec=spec).sign_pdf(writer, output=out)
    intruder = tmp_path / "intruse.pdf"
    intruder.write_bytes(out.getvalue())
    assert "signature dans un champ inattendu (« signature_intruse »)" in refused(intruder, signed)


@pytest.mark.libreoffice
def test_a_signature_with_a_weak_digest_is_refused(signed: Signed, pki: Pki, tmp_path: Path) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed.act.read_bytes()))
    meta = signers.PdfSignatureMetadata(
        field_name=EPCI_FIELD, md_algorithm="sha1", subfilter=fields.SigSeedSubFilter.PADES
    )
    out = io.BytesIO()
    signers.PdfSigner(meta, signer_for(pki.epci)).sign_pdf(writer, existing_fields_only=True, output=out)
    weak = tmp_path / "sha1.pdf"
    weak.write_bytes(out.getvalue())
    assert "algorithme cryptographique trop faible" in refused(weak, signed)


@pytest.mark.libreoffice
def test_an_unsigned_act_is_refused(signed: Signed) -> None:
    assert "ce PDF ne porte aucune signature" in refused(signed.act, signed)


@pytest.mark.libreoffice
def test_a_truncated_file_is_refused(signed: Signed, tmp_path: Path) -> None:
    truncated = tmp_path / "tronque.pdf"
    truncated.write_bytes(signed.two.read_bytes()[:-400])
    assert "PDF illisible ou endommagé" in refused(truncated, signed)


def test_a_file_that_is_not_a_pdf_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "acte.pdf"
    text.write_text("Ceci n'est pas un PDF.\n", encoding="utf-8")
    with pytest.raises(SignatureError, match="ce fichier n’est pas un PDF"):
        inspect_signed(text, expected_sha256="0" * 64, fields=FIELDS)
    with pytest.raises(SignatureError, match="fichier illisible"):
        inspect_signed(tmp_path / "absent.pdf", expected_sha256="0" * 64, fields=FIELDS)


def test_a_trust_file_that_is_not_a_certificate_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "racine.pem"
    bogus.write_text("pas un certificat\n", encoding="utf-8")
    with pytest.raises(SignatureError, match="ce fichier n’est pas un certificat PEM ou DER"):
        inspect_signed(tmp_path / "absent.pdf", expected_sha256="0" * 64, fields=FIELDS, trust=(bogus,))
    with pytest.raises(SignatureError, match="certificat racine illisible"):
        inspect_signed(
            tmp_path / "absent.pdf", expected_sha256="0" * 64, fields=FIELDS, trust=(tmp_path / "absent.pem",)
        )


# --- sign_field refusals -------------------------------------------------------------------------------------------


def test_a_wrong_password_writes_nothing(pki: Pki, tmp_path: Path) -> None:
    source, target = tmp_path / "acte.pdf", tmp_path / "signe.pdf"
    source.write_bytes(b"%PDF-1.7\n")
    with pytest.raises(SignatureError) as caught:
        sign_field(source, target, p12=pki.epci, password=b"mauvais", field=EPCI_FIELD)
    message = str(caught.value)
    assert "mot de passe incorrect ou fichier PKCS#12 illisible" in message
    assert "mauvais" not in message and PASSWORD.decode() not in message
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acte.pdf"]


def test_an_unreadable_or_expired_certificate_is_refused(pki: Pki, tmp_path: Path) -> None:
    source, target = tmp_path / "acte.pdf", tmp_path / "signe.pdf"
    source.write_bytes(b"%PDF-1.7\n")
    not_p12 = tmp_path / "faux.p12"
    not_p12.write_bytes(b"pas un certificat")
    with pytest.raises(SignatureError, match="fichier PKCS#12 illisible"):
        sign_field(source, target, p12=not_p12, password=PASSWORD, field=EPCI_FIELD)
    with pytest.raises(SignatureError, match="certificat illisible"):
        sign_field(source, target, p12=tmp_path / "absent.p12", password=PASSWORD, field=EPCI_FIELD)
    with pytest.raises(SignatureError, match="le certificat n’est pas valide aujourd’hui"):
        sign_field(source, target, p12=pki.expired, password=PASSWORD, field=EPCI_FIELD)
    assert not target.exists()


@pytest.mark.libreoffice
def test_an_unknown_field_is_never_created(act: Path, pki: Pki, tmp_path: Path) -> None:
    target = tmp_path / "signe.pdf"
    with pytest.raises(SignatureError) as caught:
        sign_field(act, target, p12=pki.epci, password=PASSWORD, field="signature_maire")
    message = str(caught.value)
    assert "pas de champ de signature « signature_maire »" in message
    assert f"« {DEPT_FIELD} », « {EPCI_FIELD} »" in message
    assert not target.exists()


@pytest.mark.libreoffice
def test_a_field_already_signed_is_refused(signed: Signed, pki: Pki, tmp_path: Path) -> None:
    target = tmp_path / "signe.pdf"
    with pytest.raises(SignatureError) as caught:
        sign_field(signed.one, target, p12=pki.dept, password=PASSWORD, field=EPCI_FIELD)
    assert f"le champ « {EPCI_FIELD} » est déjà signé" in str(caught.value)
    assert not target.exists()


@pytest.mark.libreoffice
def test_signing_in_place_replaces_the_file_atomically(act: Path, pki: Pki, signed: Signed) -> None:
    sign_field(act, act, p12=pki.epci, password=PASSWORD, field=EPCI_FIELD)
    assert sorted(p.name for p in act.parent.iterdir()) == ["acte.pdf"]
    assert inspect(act, signed).missing == (DEPT_FIELD,)


def test_signature_error_is_a_convgen_error_with_exit_code_1() -> None:
    assert issubclass(SignatureError, ConvgenError)
    assert SignatureError("message").exit_code == 1
