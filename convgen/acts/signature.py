"""Electronic signatures of an act: sign one of its empty fields, check a signed file against the act built.

A signature is a PAdES baseline (B-B) signature appended to the PDF as an incremental update, so the bytes
convgen built stay, untouched, at the start of the signed file. :func:`inspect_signed` checks exactly that: the
first revision is the act whose SHA-256 is known, every signature verifies, and nothing after signing goes beyond
signing and form filling.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields
from pyhanko.sign import signers
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    FormUpdatingRule,
    ModificationLevel,
    StandardDiffPolicy,
)
from pyhanko.sign.diff_analysis.constants import ACROFORM_EXEMPT_STRICT_COMPARISON
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko_certvalidator import ValidationContext

from convgen.errors import SignatureError
from convgen.files import write_atomic
from convgen.overrides.pyhanko import INK, SealStampStyle
from convgen.overrides.pyhanko import RevisionWriter as RevisionWriter  # re-exported for acts/evidence.py
from convgen.today import FRANCE

PARIS = FRANCE
TRAILER = re.compile(rb"startxref[\0\t\n\f\r ]+(\d{1,15})[\0\t\n\f\r ]+%%EOF(?:\r\n|\n|\r)?\Z")
WEAK_ALGORITHM = {AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE, AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE}

# pyHanko's default policy, except that the first signature of an unsigned act may set /SigFlags in /AcroForm
# (pyHanko's default assumes the base revision already carries a signature, whose revision set it).
DEFAULT_FORM_RULE = DEFAULT_DIFF_POLICY.form_rule
SINCE_ACT_POLICY = StandardDiffPolicy(
    global_rules=DEFAULT_DIFF_POLICY.global_rules,
    form_rule=FormUpdatingRule(
        field_rules=DEFAULT_FORM_RULE.field_rules if DEFAULT_FORM_RULE is not None else [],
        ignored_acroform_keys=ACROFORM_EXEMPT_STRICT_COMPARISON | {"/SigFlags"},
    ),
)


@dataclass(frozen=True)
class SignatureInfo:
    """One signature found in a signed act."""

    field: str  # the signature field's name
    signer: str  # subject of the signer's certificate, RFC 4514 (``CN=…,O=…,C=FR``)
    # Time the signer claims (not a timestamp): the CMS signingTime attribute, else the signature dictionary's /M,
    # which PAdES uses instead and which the signature covers; None if neither is there.
    signing_time: datetime | None
    trusted: bool | None  # chain up to one of the trust anchors; None when no anchor was given


@dataclass(frozen=True)
class SignedAct:
    """What a signed file holds, once checked against the act convgen built."""

    sha256: str  # of the signed file as a whole
    signatures: tuple[SignatureInfo, ...]  # oldest first
    missing: tuple[str, ...]  # expected fields not signed yet, in the order given
    complete: bool  # every expected field is signed
    last_signing_date: date | None  # date, in Paris, of the latest signing time; None if no signature has one


@contextlib.contextmanager
def quiet_pyhanko() -> Iterator[None]:
    """Silence pyHanko's log records for the duration: they name certificate holders, i.e. personal data."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _load_signer(p12: Path, password: bytes) -> signers.SimpleSigner:
    """Return a signer from a PKCS#12 file, or raise a French error that names the file."""
    try:
        data = p12.read_bytes()
    except OSError as exc:
        raise SignatureError(
            f"{p12} : certificat illisible ({exc.strerror or exc}) — vérifiez le chemin du fichier .p12."
        ) from None
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise SignatureError(
            f"{p12} : mot de passe incorrect ou fichier PKCS#12 illisible — vérifiez le mot de passe du "
            "certificat et que le fichier est bien un certificat de signature (.p12 ou .pfx)."
        ) from None
    if key is None or cert is None:
        raise SignatureError(
            f"{p12} : le fichier PKCS#12 ne contient pas de clé privée et de certificat — "
            "exportez le certificat de signature avec sa clé privée."
        )
    now = datetime.now(UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SignatureError(
            f"{p12} : le certificat n’est pas valide aujourd’hui (valable du "
            f"{cert.not_valid_before_utc:%d/%m/%Y} au {cert.not_valid_after_utc:%d/%m/%Y}) — "
            "utilisez un certificat en cours de validité."
        )
    try:
        signer: signers.SimpleSigner = signers.SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=password)
    except ValueError:
        raise SignatureError(
            f"{p12} : ce type de clé n’est pas pris en charge — utilisez un certificat RSA ou ECDSA."
        ) from None
    return signer


def _read_pdf(path: Path, hint: str) -> tuple[bytes, PdfFileReader]:
    """Return the bytes of a PDF and a reader over them, or raise a French error ending with ``hint``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SignatureError(f"{path} : fichier illisible ({exc.strerror or exc}) — vérifiez le chemin.") from None
    if not data.startswith(b"%PDF-"):
        raise SignatureError(f"{path} : ce fichier n’est pas un PDF — {hint}")
    try:
        reader = PdfFileReader(io.BytesIO(data))
        _ = reader.root, reader.xrefs.total_revisions
    except Exception:  # a malformed file can make the parser fail in any way
        raise SignatureError(f"{path} : PDF illisible ou endommagé — {hint}") from None
    return data, reader


def sign_field(
    source: Path,
    target: Path,
    *,
    p12: Path,
    password: bytes,
    field: str,
    reason: str | None = None,
    location: str | None = None,
) -> None:
    """Sign the empty signature field ``field`` of ``source`` (PAdES B-B, incremental update) into ``target``."""
    signer = _load_signer(p12, password)
    data, reader = _read_pdf(source, "donnez le PDF de l’acte construit par convgen.")
    with quiet_pyhanko():
        _sign(source, target, data, reader, signer, field, reason, location)


def _sign(
    source: Path,
    target: Path,
    data: bytes,
    reader: PdfFileReader,
    signer: signers.SimpleSigner,
    field: str,
    reason: str | None,
    location: str | None,
) -> None:
    """Sign ``field`` of the PDF ``data`` read from ``source`` and write the result to ``target``."""
    try:
        present = list(sig_fields.enumerate_sig_fields(reader))
    except Exception:  # a malformed form
        raise SignatureError(f"{source} : formulaire du PDF illisible — le fichier est endommagé.") from None
    found = [value for name, value, _ in present if name == field]
    if not found:
        names = sorted(name for name, _, _ in present)
        known = ", ".join(f"« {name} »" for name in names) if names else "aucun"
        raise SignatureError(
            f"{source} : pas de champ de signature « {field} » (champs présents : {known}) — "
            "choisissez l’un des champs de l’acte."
        )
    if found[0] is not None:
        raise SignatureError(
            f"{source} : le champ « {field} » est déjà signé — signez l’autre champ, ou repartez du PDF "
            "qui ne porte pas encore cette signature."
        )
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=sig_fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    out = io.BytesIO()
    try:
        writer = RevisionWriter(io.BytesIO(data))
        pdf_signer = signers.PdfSigner(
            meta, signer=signer, stamp_style=SealStampStyle(border_width=1, border_color=INK)
        )
        pdf_signer.sign_pdf(writer, existing_fields_only=True, output=out)
    except SignatureError:
        raise
    except Exception as exc:  # pyHanko reports signing failures with several exception types
        raise SignatureError(
            f"{source} : la signature du champ « {field} » a échoué (détail technique : {exc}) — rien n’a été écrit."
        ) from None
    write_atomic(target, out.getvalue())


def _signer_name(cert: asn1_x509.Certificate) -> str:
    """Return the subject of ``cert`` as an RFC 4514 string (``CN=…,O=…``)."""
    return x509.load_der_x509_certificate(cert.dump()).subject.rfc4514_string()


def load_anchors(trust: Sequence[Path]) -> list[asn1_x509.Certificate]:
    """Return the certificates of the trust anchor files (PEM or DER)."""
    anchors: list[asn1_x509.Certificate] = []
    for path in trust:
        try:
            found = list(load_certs_from_pemder_data(path.read_bytes()))
        except OSError as exc:
            raise SignatureError(
                f"{path} : certificat racine illisible ({exc.strerror or exc}) — vérifiez le chemin."
            ) from None
        except Exception:  # asn1crypto raises several types on malformed data
            raise SignatureError(
                f"{path} : ce fichier n’est pas un certificat PEM ou DER — donnez le certificat de l’autorité "
                "de certification."
            ) from None
        if not found:
            raise SignatureError(
                f"{path} : aucun certificat dans ce fichier — donnez le certificat racine en PEM ou DER."
            )
        anchors.extend(found)
    return anchors


def _eof_candidates(data: bytes, start: int, stop: int) -> Iterator[int]:
    """Yield, in order, every offset in ``data[start:stop]`` just after a ``%%EOF`` marker and its end of line."""
    at = data.find(b"%%EOF", start, stop)
    while at != -1:
        end = at + 5
        yield end
        for eol in (b"\r\n", b"\n", b"\r"):
            if data.startswith(eol, end):
                yield end + len(eol)
                break
        at = data.find(b"%%EOF", end, stop)


def _act_length(data: bytes, reader: PdfFileReader, act_revision: int, expected_sha256: str) -> int | None:
    """Return the length of the prefix of ``data`` that is the act, or None if no prefix is the expected act.

    The prefix must end after the cross-reference section of ``act_revision`` (the revision just before the first
    signature) and before that of the next revision, hash to ``expected_sha256``, and its own ``startxref`` must
    name the cross-reference section of ``act_revision``: so the act is exactly the revisions the signatures extend.
    """
    xrefs = reader.xrefs
    start = xrefs.get_xref_container_info(act_revision).end_location
    stop = xrefs.get_xref_container_info(act_revision + 1).start_location
    digest = hashlib.sha256()
    done = 0
    for end in _eof_candidates(data, start, stop):
        digest.update(data[done:end])
        done = end
        if digest.copy().hexdigest() != expected_sha256.lower():
            continue
        trailer = TRAILER.search(data, max(0, end - 64), end)
        if trailer is not None and int(trailer[1]) == xrefs.get_startxref_for_revision(act_revision):
            return end
    return None


def _validation_context(anchors: Sequence[asn1_x509.Certificate]) -> ValidationContext:
    """Return an offline validation context: no fetching, revocation soft-fail, only ``anchors`` trusted."""
    return ValidationContext(trust_roots=list(anchors), allow_fetching=False, revocation_mode="soft-fail")


def inspect_signed(path: Path, *, expected_sha256: str, fields: Sequence[str], trust: Sequence[Path] = ()) -> SignedAct:
    """Check that ``path`` is the act whose SHA-256 is ``expected_sha256``, validly signed in ``fields``."""
    anchors = load_anchors(trust)
    data, reader = _read_pdf(path, "donnez le PDF signé de l’acte, tel que les signataires l’ont renvoyé.")
    with quiet_pyhanko():
        embedded = _embedded_signatures(path, reader)
        statuses = [_verify(path, emb, anchors) for emb in embedded]
        _check_updates(path, embedded, statuses)
        _check_act(path, data, reader, embedded[0].signed_revision - 1, expected_sha256)
        infos = [
            SignatureInfo(
                field=emb.field_name,
                signer=_signer_name(emb.signer_cert),
                signing_time=emb.self_reported_timestamp,
                trusted=status.trusted if trust else None,
            )
            for emb, status in zip(embedded, statuses, strict=True)
        ]
    expected = list(dict.fromkeys(fields))
    unexpected = [info.field for info in infos if info.field not in expected]
    if unexpected:
        names = ", ".join(f"« {name} »" for name in unexpected)
        wanted = ", ".join(f"« {name} »" for name in expected) or "aucun"
        raise SignatureError(
            f"{path} : signature dans un champ inattendu ({names}) ; les champs de signature attendus sont "
            f"{wanted} — faites signer l’acte dans ses propres champs."
        )
    signed = {info.field for info in infos}
    missing = tuple(name for name in expected if name not in signed)
    times = [info.signing_time for info in infos if info.signing_time is not None]
    return SignedAct(
        sha256=hashlib.sha256(data).hexdigest(),
        signatures=tuple(infos),
        missing=missing,
        complete=not missing,
        last_signing_date=max(times).astimezone(PARIS).date() if times else None,
    )


def _embedded_signatures(path: Path, reader: PdfFileReader) -> list[EmbeddedPdfSignature]:
    """Return the signatures of the filled signature fields, oldest revision first; refuse a file with none."""
    embedded: list[EmbeddedPdfSignature] = []
    try:
        filled = [(name, field) for name, value, field in sig_fields.enumerate_sig_fields(reader) if value is not None]
    except Exception:  # a malformed form
        raise SignatureError(f"{path} : formulaire du PDF illisible — le fichier est endommagé.") from None
    for name, field in filled:
        try:
            emb = EmbeddedPdfSignature(reader, field, name)
        except Exception:  # a malformed signature dictionary or CMS structure
            raise SignatureError(_tampered(path, name)) from None
        if emb.sig_object_type != "/Sig":
            raise SignatureError(
                f"{path} : le champ « {name} » porte un horodatage de document, pas une signature — "
                "seules les signatures PAdES sont prises en charge."
            )
        embedded.append(emb)
    if not embedded:
        raise SignatureError(f"{path} : ce PDF ne porte aucune signature — donnez le fichier signé.")
    return sorted(embedded, key=lambda emb: emb.signed_revision)


def _tampered(path: Path, field: str) -> str:
    """Return the message for a signature that does not verify."""
    return (
        f"{path} : la signature du champ « {field} » n’est pas valide (contenu signé modifié ou signature altérée) "
        "— le fichier a été modifié ou endommagé depuis la signature ; demandez à nouveau le fichier signé."
    )


def _verify(path: Path, emb: EmbeddedPdfSignature, anchors: Sequence[asn1_x509.Certificate]) -> PdfSignatureStatus:
    """Validate one signature (digest, signature value, chain against ``anchors``); refuse one that does not verify."""
    name = emb.field_name
    try:
        status = validate_pdf_signature(emb, signer_validation_context=_validation_context(anchors))
    except Exception:  # pyHanko raises on structural defects of the signature
        raise SignatureError(_tampered(path, name)) from None
    if not (status.intact and status.valid):
        raise SignatureError(_tampered(path, name))
    if status.trust_problem_indic in WEAK_ALGORITHM and status.validation_path is None:
        raise SignatureError(
            f"{path} : la signature du champ « {name} » utilise un algorithme cryptographique trop faible "
            "(SHA-1, MD5…) — faites signer à nouveau avec un outil à jour."
        )
    return status


def _check_updates(
    path: Path, embedded: Sequence[EmbeddedPdfSignature], statuses: Sequence[PdfSignatureStatus]
) -> None:
    """Refuse anything after the last signature, and anything beyond signing after each of the others."""
    if statuses[-1].coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise SignatureError(
            f"{path} : le document a été modifié après la dernière signature (champ « {embedded[-1].field_name} ») "
            "— seul le fichier tel que signé peut être enregistré ; demandez-le à nouveau."
        )
    for emb, status in zip(embedded, statuses, strict=True):
        coverage, level = status.coverage, status.modification_level
        if (
            coverage is None
            or coverage < SignatureCoverageLevel.ENTIRE_REVISION
            or level is None
            or level > ModificationLevel.FORM_FILLING
            or not status.docmdp_ok
        ):
            raise SignatureError(
                f"{path} : le document a été modifié après la signature du champ « {emb.field_name} », au-delà de "
                "l’ajout d’autres signatures — demandez à nouveau le fichier signé."
            )


def _check_act(path: Path, data: bytes, reader: PdfFileReader, act_revision: int, expected_sha256: str) -> None:
    """Check that the revisions before the first signature are the act, and that only signing happened since."""
    if act_revision < 0 or _act_length(data, reader, act_revision, expected_sha256) is None:
        raise SignatureError(
            f"{path} : ce PDF n’est pas l’acte produit par convgen (ce qui a été signé n’est pas le PDF construit "
            "pour cet acte) — faites signer le PDF construit par convgen, sans l’ouvrir pour le réenregistrer."
        )
    try:
        review = SINCE_ACT_POLICY.review_file(reader, act_revision)
    except Exception:  # a malformed revision
        review = None
    if not isinstance(review, DiffResult) or review.modification_level > ModificationLevel.FORM_FILLING:
        raise SignatureError(
            f"{path} : depuis l’acte produit par convgen, le document a subi d’autres modifications que l’ajout "
            "des signatures — faites signer le PDF construit par convgen, sans le modifier."
        )
