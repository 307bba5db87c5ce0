"""Long-term evidence added to a signed act when it is registered: PAdES B-LT, then B-LTA.

The file the signatories sent back (PAdES B-B) is kept whole, as the first bytes of the archived copy. Two
incremental updates may follow it:
- **B-LT**: a Document Security Store (DSS) holding the certificates of each signer's chain and their revocation
  data (CRL or OCSP), fetched once, now, from the addresses the certificates give;
- **B-LTA**: an RFC 3161 document time-stamp over the whole file, from the time-stamp authority named by
  ``--horodatage`` or ``programme.horodatage``, then the time-stamp authority's own validation data.

Every wait is bounded (``REQUEST_TIMEOUT`` per request, ``TOTAL_TIMEOUT`` for the whole). When a step fails,
the act keeps the level reached and the reason is returned for the register: nothing is ever refused here.
Both updates keep the act's XMP metadata (PDF/A-2b, PDF/UA-1) as convgen wrote it
(:class:`~convgen.acts.signature.RevisionWriter`), and none of their streams ends with CR (PDF/A-2b).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import TimestampDSSContentSettings
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.validation import EmbeddedPdfSignature
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from convgen.acts.signature import RevisionWriter, quiet_pyhanko

Level = Literal["B-B", "B-LT", "B-LTA"]
REQUEST_TIMEOUT = 10  # seconds, each CRL, OCSP or time-stamp request
TOTAL_TIMEOUT = 60  # seconds, everything fetched for one act
TIMESTAMP_FIELD = "horodatage_archivage"
PROVES: dict[str, str] = {  # what each level proves, in the words of sign's message and of the SEDA manifest
    "B-B": "signatures telles que reçues, sans données de révocation",
    "B-LT": "données de révocation des certificats jointes",
    "B-LTA": "données de révocation jointes et horodatage du document",
}
# The authority's validation data go in the time-stamp's own revision: pyHanko writes a later DSS update with a
# writer of its own, which would rewrite the XMP (PDF/A-2b lost).
_TSA_DSS = TimestampDSSContentSettings(update_before_ts=True, include_vri=False)
# The time-stamp's field is invisible and untagged: PDF/A-2b wants its widget printable (never hidden), PDF/UA-1
# wants an untagged widget hidden or outside the page. pyHanko's answer to both is a widget with the print flag,
# zero-sized and out of the page (tagging it would change the structure tree after the signatures, a modification
# no validator allows).
_TIMESTAMP_WIDGET = fields.InvisSigSettings(set_print_flag=True, set_hidden_flag=False, box_out_of_bounds=True)


@dataclass(frozen=True)
class Evidence:
    """The archived copy of a signed act and what it proves."""

    data: bytes  # begins with the bytes received
    level: Level
    reason: str | None  # why the level is lower than asked, in French; None when it is what was asked
    timestamp: dt.datetime | None  # time of the document time-stamp (B-LTA)


def fingerprint(cert: asn1_x509.Certificate) -> str:
    """Return the SHA-256 of a certificate's DER bytes, in lower-case hexadecimal."""
    return hashlib.sha256(cert.dump()).hexdigest()


def _context(anchors: Sequence[asn1_x509.Certificate], backend: AIOHttpFetcherBackend) -> ValidationContext:
    """Return an online validation context: revocation data required, fetched with a bounded wait."""
    return ValidationContext(
        trust_roots=list(anchors), allow_fetching=True, revocation_mode="hard-fail", fetcher_backend=backend
    )


def _signatures(reader: PdfFileReader) -> list[EmbeddedPdfSignature]:
    """Return the signatures (not the document time-stamps) of a PDF."""
    return [sig for sig in reader.embedded_regular_signatures]


async def _add_dss(data: bytes, context: ValidationContext) -> bytes:
    """Return ``data`` with a DSS update holding each signature's chain and revocation data."""
    reader = PdfFileReader(io.BytesIO(data))
    embedded = _signatures(reader)
    paths = [await collect_validation_info(sig, context) for sig in embedded]
    if not (context.crls or context.ocsps):  # hard-fail accepts certificates that name no revocation service
        raise ValueError("les certificats n’indiquent ni liste de révocation (CRL) ni service OCSP")
    writer = RevisionWriter.from_reader(reader)
    for sig, sig_paths in zip(embedded, paths, strict=True):
        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            sig.pkcs7_content.hex().encode("ascii"),
            paths=sig_paths,
            validation_context=context,
            embed_roots=True,
        )
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


async def _add_timestamp(data: bytes, url: str, context: ValidationContext) -> bytes:
    """Return ``data`` with an RFC 3161 document time-stamp, and the authority's validation data, appended."""
    writer = RevisionWriter(io.BytesIO(data))
    stamper = signers.PdfTimeStamper(
        HTTPTimeStamper(url, timeout=REQUEST_TIMEOUT), field_name=TIMESTAMP_FIELD, invis_settings=_TIMESTAMP_WIDGET
    )
    out = io.BytesIO()
    await stamper.async_timestamp_pdf(writer, "sha256", validation_context=context, output=out, dss_settings=_TSA_DSS)
    return out.getvalue()


def _why(step: str, exc: BaseException) -> str:
    """Return the French reason a step failed, for the register and the message."""
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        detail = f"pas de réponse en {TOTAL_TIMEOUT} s"
    else:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{step} : {detail[:300]}"


def timestamp_time(data: bytes) -> dt.datetime | None:
    """Return the time of the last document time-stamp of a PDF, or None when it has none."""
    reader = PdfFileReader(io.BytesIO(data))
    stamps = [sig for sig in reader.embedded_timestamp_signatures]
    if not stamps:
        return None
    info = stamps[-1].signed_data["encap_content_info"]["content"].parsed
    when: dt.datetime = info["gen_time"].native
    return when


def extend(
    data: bytes, anchors: Sequence[asn1_x509.Certificate], timestamp_url: str | None, *, timeout: float = TOTAL_TIMEOUT
) -> Evidence:
    """Return the archived copy of the signed ``data``: B-LT when the revocation data can be fetched, B-LTA with a
    time-stamp authority; the level reached and the reason otherwise."""
    if not anchors:
        return Evidence(
            data,
            "B-B",
            "aucune autorité de confiance donnée (--confiance) : la chaîne des signataires ne peut pas être "
            "établie, les données de révocation n’ont pas été recherchées",
            None,
        )

    async def run() -> Evidence:
        backend = AIOHttpFetcherBackend(per_request_timeout=REQUEST_TIMEOUT)
        try:
            return await steps(_context(anchors, backend))
        finally:
            await backend.close()  # type: ignore[no-untyped-call]

    async def steps(context: ValidationContext) -> Evidence:
        try:
            with_dss = await asyncio.wait_for(_add_dss(data, context), timeout)
        except Exception as exc:  # network, path building, revocation: the act stays as received
            return Evidence(data, "B-B", _why("données de révocation injoignables", exc), None)
        if timestamp_url is None:
            return Evidence(with_dss, "B-LT", None, None)
        try:
            stamped = await asyncio.wait_for(_add_timestamp(with_dss, timestamp_url, context), timeout)
            when = timestamp_time(stamped)  # read back: a copy that cannot be read is not kept
        except Exception as exc:  # the time-stamp authority did not answer, or its answer is not trusted
            return Evidence(with_dss, "B-LT", _why(f"horodatage refusé ou injoignable ({timestamp_url})", exc), None)
        return Evidence(stamped, "B-LTA", None, when)

    with quiet_pyhanko():
        return asyncio.run(run())
