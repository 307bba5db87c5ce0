"""Offline validation of an archived electronic act, and its ETSI TS 119 102-2 validation report.

Nothing is fetched: the chain of each signature is validated at its time from the validation data the archived
file holds (its DSS), with pyHanko's AdES long-term validation (ETSI EN 319 102-1 § 5.6.3), the document
time-stamps serving as proof of existence. Trust anchors: the certificates given with ``--confiance``, and those
embedded in the file whose SHA-256 the register records (``racines``, written at registration from the
anchors given then, and reviewed in git like the rest of the register).
"""

from __future__ import annotations

import asyncio
import io
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.generated.etsi import ts_11910202
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate, AdESStatus
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.report.tools import NAMESPACES
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig

from convgen.acts.evidence import fingerprint
from convgen.acts.register import PdfSigne
from convgen.acts.signature import inspect_signed, quiet_pyhanko
from convgen.errors import SignatureError
from convgen.files import STAGE_PREFIX, sha256_bytes
from convgen.overrides.pyhanko import signature_report, validation_object

UNVERIFIABLE_BB = "niveau B-B : non vérifiable sans données de révocation"
_VALIDATION_TIME = re.compile(r"<(\w+:)?(ValidationTime|POETime)>[^<]*</(\w+:)?(ValidationTime|POETime)>")


@dataclass(frozen=True)
class Outcome:
    """What the validation of one archived act found."""

    ok: bool  # False: the act fails (altered, chain not valid…)
    status: str  # « vérifié », « altéré : … », « niveau B-B : non vérifiable… »
    report: str | None  # the ETSI TS 119 102-2 report (XML), when the chain was validated


def _policy(anchors: Sequence[asn1_x509.Certificate]) -> PdfSignatureValidationSpec:
    """Return an offline AdES policy: revocation data required, only local knowledge, only ``anchors`` trusted."""
    rule = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=list(anchors)),
        revinfo_policy=CertRevTrustPolicy(
            RevocationCheckingPolicy(ee_certificate_rule=rule, intermediate_ca_cert_rule=rule)
        ),
    )
    gathering = RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(cert_validation_policy=policy, revinfo_gathering_policy=gathering)
    )


def _pinned_anchors(reader: PdfFileReader, pinned: Sequence[str]) -> list[asn1_x509.Certificate]:
    """Return the certificates of the file's DSS whose SHA-256 the register pins as trust anchors."""
    dss = reader.root.get("/DSS")
    if dss is None or not pinned:
        return []
    certs = dss.get_object().get("/Certs")
    found = []
    for ref in certs.get_object() if certs is not None else ():
        cert = asn1_x509.Certificate.load(ref.get_object().data)
        if fingerprint(cert) in pinned:
            found.append(cert)
    return found


def _check_received(data: bytes, signe: PdfSigne, pdf_sha256: str) -> bytes:
    """Return the bytes received; SignatureError when they, or the act they sign, are not those registered."""
    received = data[: signe.recu_taille] if signe.recu_taille else data
    if sha256_bytes(received) != (signe.recu_sha256 or signe.sha256):
        raise SignatureError("les premiers octets ne sont plus le fichier reçu des signataires")
    with tempfile.TemporaryDirectory(prefix=STAGE_PREFIX) as work:
        copy = Path(work) / "recu.pdf"
        copy.write_bytes(received)
        fields = [s.champ for s in signe.signatures]
        try:
            inspect_signed(copy, expected_sha256=pdf_sha256, fields=fields)
        except SignatureError as exc:
            raise SignatureError(str(exc).removeprefix(f"{copy} : ")) from None
    return received


def validate_archived(
    data: bytes, signe: PdfSigne, pdf_sha256: str, anchors: Sequence[asn1_x509.Certificate]
) -> Outcome:
    """Validate the archived bytes of an electronic act against what the register says of them."""
    with quiet_pyhanko():
        try:
            _check_received(data, signe, pdf_sha256)
        except SignatureError as exc:
            return Outcome(False, f"altéré : {exc}", None)
        if (signe.niveau or "B-B") == "B-B":
            return Outcome(True, UNVERIFIABLE_BB, None)
        reader = PdfFileReader(io.BytesIO(data))
        trusted = [*anchors, *_pinned_anchors(reader, signe.racines)]
        if not trusted:
            return Outcome(False, "aucune racine de confiance : donnez --confiance AUTORITE.pem", None)
        spec = _policy(trusted)
        embedded = list(reader.embedded_regular_signatures)
        try:
            results = [asyncio.run(ades_lta_validation(sig, spec)) for sig in embedded]
        except Exception as exc:  # a malformed DSS or time-stamp
            return Outcome(False, f"altéré : données de validation illisibles ({exc})", None)
    problems = []
    for sig, result in zip(embedded, results, strict=True):
        status = result.api_status
        chain_ok = status is not None and status.intact and status.valid and status.trusted
        # The signatories' tools sign at B-B, with no signature time-stamp: pyHanko's AdES process then answers
        # INDETERMINATE/SIG_CONSTRAINTS_FAILURE even when the chain validates from the embedded data; only that
        # answer is accepted, and only with an intact, valid, trusted signature.
        untimed = result.ades_subindic == AdESIndeterminate.SIG_CONSTRAINTS_FAILURE and chain_ok
        if result.ades_subindic.status != AdESStatus.PASSED and not untimed:
            problems.append(f"signature « {sig.field_name} » : {result.ades_subindic.standard_name}")
    last = results[-1].api_status
    level = getattr(last, "modification_level", None)
    if level is None or level > ModificationLevel.LTA_UPDATES:
        problems.append("le fichier a été modifié après les signatures au-delà de l’ajout de preuves")
    if signe.niveau == "B-LTA" and not list(reader.embedded_timestamp_signatures):
        problems.append("l’horodatage du document a disparu")
    report = _report(embedded, results)
    if problems:
        return Outcome(False, "altéré : " + " ; ".join(problems), report)
    return Outcome(True, "vérifié", report)


def _report(embedded: Sequence[object], results: Sequence[object]) -> str:
    """Return one ETSI TS 119 102-2 report covering every signature of the act."""
    objects: dict[str, Any] = {}
    for result in results:
        for vo in result.validation_objects:  # type: ignore[attr-defined]
            packaged = validation_object(vo)
            objects.setdefault(packaged.id, packaged)
    report = ts_11910202.ValidationReport(
        signature_validation_report=tuple(
            signature_report(sig, result)  # type: ignore[arg-type]
            for sig, result in zip(embedded, results, strict=True)
        ),
        signature_validation_objects=ts_11910202.ValidationObjectListType(tuple(objects[k] for k in sorted(objects))),
    )
    text: str = XmlSerializer(config=SerializerConfig(indent="  ")).render(report, ns_map=NAMESPACES)
    return text


def same_conclusions(old: str, new: str) -> bool:
    """Return True when two reports differ at most by their validation times (validation, best signature time) (the report is then left as it is)."""
    return _VALIDATION_TIME.sub("", old) == _VALIDATION_TIME.sub("", new)
