"""The overrides of pyHanko's private code: the signed revision keeps the act's metadata, the stamp is vector only.

Also the private functions of pyHanko that convgen calls without overriding them (the validation report, see
:func:`signature_report`). Written against pyHanko 0.38.0, pinned to that version in ``pyproject.toml``; see
:mod:`convgen.overrides` for the rule and ``tests/overrides/test_pyhanko.py`` for what is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.pdf_utils.xref import XRefStream
from pyhanko.stamp import BaseStamp, BaseStampStyle

from convgen.overrides import Upstream

if TYPE_CHECKING:
    from pyhanko.generated.etsi import ts_11910202
    from pyhanko.sign.validation.ades import AdESBasicValidationResult
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko_certvalidator.ltv.poe import ValidationObject

DISTRIBUTION: Final = "pyHanko"
WRITTEN_AGAINST: Final = "0.38.0"
INK = (0.12, 0.23, 0.45)  # dark blue of the visible stamp
CR: Final = b"\r"

# The upstream code the overrides below depend on, as it is in WRITTEN_AGAINST: the symbol replaced and its callers,
# with their signature and the SHA-256 of inspect.getsource() (convgen.overrides.current computes both).
UPSTREAM: Final = (
    Upstream(
        symbol="pyhanko.pdf_utils.writer:BasePdfFileWriter._update_meta",
        signature="(self)",
        sha256="dfb235b7343ab001c97ac543e9e14a0a52a5cd002a97b14c5fae4fd8c68a4340",
        recheck=(
            "RevisionWriter._update_meta : vérifiez que la méthode ne fait toujours que mettre à jour /Info et "
            "réécrire le XMP, et qu’aucune autre étape de l’écriture ne s’en charge désormais"
        ),
    ),
    Upstream(
        symbol="pyhanko.pdf_utils.writer:BasePdfFileWriter._prep_dom_for_writing",
        signature="(self)",
        sha256="3e74d1f6b225133b476346702a9a93e07c6f72a835188e95b612b47c15f3bb28",
        recheck=(
            "RevisionWriter._update_meta : vérifiez que l’écriture appelle toujours _update_meta, et elle "
            "seule, pour les métadonnées"
        ),
    ),
    Upstream(
        symbol="pyhanko.pdf_utils.incremental_writer:IncrementalPdfFileWriter._populate_trailer",
        signature="(self, trailer)",
        sha256="bce367fe546dff1e81965f493fdce1ad7ecea5fe0a0737bacd34f2900bd3a265",
        recheck=(
            "RevisionWriter._populate_trailer : vérifiez que la méthode remplit toujours le dictionnaire de fin "
            "(ou le flux de références croisées) reçu, sans le remplacer"
        ),
    ),
    Upstream(
        symbol="pyhanko.pdf_utils.writer:BasePdfFileWriter._write",
        signature="(self, stream, skip_header: bool = False)",
        sha256="b76551747f2b730f1efd48d5a16bee8933f0c15722bd11f4fcac2fd02b03b54f",
        recheck=(
            "RevisionWriter._populate_trailer : vérifiez que _write compresse toujours le XRefStream avant "
            "d’appeler _populate_trailer, et l’écrit après les objets, avec le numéro d’objet le plus grand"
        ),
    ),
    Upstream(
        symbol="pyhanko.pdf_utils.xref:XRefStream.write_to_stream",
        signature="(self, stream, handler=None, container_ref=None)",
        sha256="30b17a630ec8a953106fe72b5464e033565f14f15ac9b0eacfa26ae5f39a2118",
        recheck=(
            "RevisionWriter._populate_trailer : vérifiez que les entrées sont toujours écrites par numéro "
            "d’objet croissant, la génération (2 octets) en dernier"
        ),
    ),
    Upstream(
        symbol="pyhanko.stamp.base:BaseStamp._render_inner_content",
        signature="(self)",
        sha256="fb84483b9b14103f89ad6d5de2811208503080f87d5c4a0df0655deeb2caa9fc",
        recheck="SealStamp._render_inner_content : vérifiez que c’est toujours le point d’extension du dessin",
    ),
    Upstream(
        symbol="pyhanko.stamp.base:BaseStamp.render",
        signature="(self)",
        sha256="dd63bfaa49b2f2f5e7eadc72a0d1dfd6922ebcc9c030eab77e8f4ac59140300b",
        recheck=(
            "SealStamp._render_inner_content : vérifiez que render() attend toujours une liste d’opérateurs "
            "(bytes), les encadre de q … Q et trace le cadre après eux, sans ajouter de police"
        ),
    ),
    Upstream(
        symbol="pyhanko.stamp.base:BaseStamp.__init__",
        signature=(
            "(self, writer: pyhanko.pdf_utils.writer.BasePdfFileWriter, style, "
            "box: pyhanko.pdf_utils.layout.BoxConstraints | None = None)"
        ),
        sha256="ad4b44f8030766a0f0cc88d4aba774ee4c0aa8f4bde9dcf6c1f9c2162e6a6e98",
        recheck="SealStampStyle.create_stamp : vérifiez les arguments passés à SealStamp(writer, style, box)",
    ),
    # Private functions called, not overridden (signature_report, validation_object below).
    Upstream(
        symbol="pyhanko.sign.validation.report.tools:_generate_report",
        signature=(
            "(embedded_sig: pyhanko.sign.validation.pdf_embedded.EmbeddedPdfSignature, "
            "status: pyhanko.sign.validation.ades.AdESBasicValidationResult) -> "
            "pyhanko.generated.etsi.ts_11910202.SignatureValidationReportType"
        ),
        sha256="1575449b3ef0fe20506938d3b3abad74129b8681626681a7a4cff6de0f20b2b7",
        recheck=(
            "signature_report, appelé par _report (convgen/acts/validation.py) : à revérifier — la fonction rend-elle "
            "toujours le rapport ETSI TS 119 102-2 d’une seule signature, sans ses objets de validation, à partir "
            "du résultat d’ades_lta_validation ?"
        ),
    ),
    Upstream(
        symbol="pyhanko.sign.validation.report.tools:_package_validation_object",
        signature="(vo: pyhanko_certvalidator.ltv.poe.ValidationObject)",
        sha256="bbb275de3a842e215e3b08ac75be74073d52ab0fdfc01227b79712745e2aa0db",
        recheck=(
            "validation_object, appelé par _report (convgen/acts/validation.py) : à revérifier — la fonction "
            "rend-elle toujours un ValidationObjectType dont l’attribut id sert à dédoublonner les objets des "
            "signatures ?"
        ),
    ),
    Upstream(
        symbol="pyhanko.sign.validation.report.tools:generate_report",
        signature=(
            "(embedded_sig: pyhanko.sign.validation.pdf_embedded.EmbeddedPdfSignature, "
            "status: pyhanko.sign.validation.ades.AdESBasicValidationResult) -> str"
        ),
        sha256="37815c36bc714faf490245e8159d2718ed37b7a6266addbb5910711ec67d4cfe",
        recheck=(
            "_report (convgen/acts/validation.py) : à revérifier — _report refait ce que fait generate_report "
            "(public, une signature) pour toutes les signatures d’un acte ; reprenez ce qui a changé "
            "(assemblage du ValidationReport, espaces de noms NAMESPACES, mise en forme de XmlSerializer)"
        ),
    ),
)


class RevisionWriter(IncrementalPdfFileWriter):
    """The incremental writer of every revision convgen adds to an act: metadata kept, no stream ending in CR.

    **Metadata.** Overrides the private ``BasePdfFileWriter._update_meta`` of pyHanko 0.38.0, which every write
    calls (through ``_prep_dom_for_writing``). pyHanko rewrites the XMP through its own model there, and that
    rewrite loses what PDF/A and PDF/UA need: the ``pdfuaid`` extension schema comes out with its namespace URI as
    a resource instead of text (``PDFA2B-XMP-EXTENSION-SCHEMA-PREFIX-001``, measured with page-validation). The
    public API has no switch for it: the writer's ``DocumentMetadata`` (``xmp_unmanaged`` included) only chooses
    *what* is written; when the document has /Metadata, ``_update_meta`` always reserialises it and sets the
    modification date and producer. The signed revision keeps the metadata of the act, unchanged, which is also
    what a signature should do.

    **Streams.** pyHanko writes a stream as ``stream LF data LF endstream``; data ending with CR then reads as
    data ending with a CRLF end-of-line, one byte shorter than /Length (``PDFA2B-STREAM-LENGTH-001``, ISO 19005-2
    § 6.1.7.1; see :mod:`convgen.pdf.streams` for the built PDF). Two kinds of stream of a revision could end so,
    by chance (one in 256 each):

    - a DER object of the DSS (certificate, CRL, OCSP response), written raw: ``write`` (and ``write_in_place``)
      gives each new stream ending with CR an ASCIIHexDecode filter, whose encoding ends with ``>`` (public API: ``objects``,
      ``apply_filter``);
    - the revision's cross-reference stream, which pyHanko compresses: the last byte of Flate data is that of the
      Adler-32 of the object offsets. ``_populate_trailer``, which the private ``BasePdfFileWriter._write`` calls
      with the ``XRefStream`` it has just given a FlateDecode filter, takes that filter off again. Uncompressed,
      the stream's last entry is its own (it has the highest object number, ``XRefStream.write_to_stream`` writes
      the entries in order), and ends with its generation, two zero bytes. It costs about ten bytes per object of
      the revision. The public API has no setting for it, and the other ways out are worse: a table of
      cross-references in place of the stream (an update must not go back from streams to tables, PDF
      Association, ``pdf-issues`` #523), or writing the revision twice to try another layout (pyHanko's signature
      placeholders record their offsets at the first write only).

    On an upgrade: re-read ``_update_meta`` and its caller ``_prep_dom_for_writing``, ``_populate_trailer`` and
    its caller ``_write``, and ``XRefStream.write_to_stream`` (``UPSTREAM``); if a public way appeared, use it
    and remove the override. Tests: ``tests/overrides/test_pyhanko.py``,
    the PDF/A-2b and PDF/UA-1 tests of signed files in ``tests/acts/test_signature.py`` and of the archived copy
    in ``tests/recipes/test_verify.py``.
    """

    def _update_meta(self) -> None:
        """Leave /Metadata and /Info untouched."""

    def _populate_trailer(self, trailer: generic.DictionaryObject) -> None:
        """Fill the trailer as pyHanko does; a cross-reference stream is left uncompressed (ends with 00 00)."""
        super()._populate_trailer(trailer)  # type: ignore[no-untyped-call]
        if isinstance(trailer, XRefStream):
            del trailer[pdf_name("/Filter")]

    def write(self, stream: BinaryIO) -> None:
        """Write the document and this revision to ``stream``, no new stream ending with CR."""
        self._settle_streams()
        super().write(stream)  # type: ignore[no-untyped-call]

    def write_in_place(self) -> None:
        """Append this revision to the input stream, no new stream ending with CR (pyHanko's ``in_place``)."""
        self._settle_streams()
        super().write_in_place()  # type: ignore[no-untyped-call]

    def _settle_streams(self) -> None:
        """Give each stream of this revision whose data ends with CR an ASCIIHexDecode filter (ends with ``>``)."""
        for obj in self.objects.values():
            if isinstance(obj, generic.StreamObject) and obj.encoded_data.endswith(CR):
                obj.apply_filter(pdf_name("/ASCIIHexDecode"))


class SealStamp(BaseStamp):
    """Vector appearance of a signed field: a frame, a ticked circle and a pen stroke, with no text.

    Implements the private hook ``BaseStamp._render_inner_content`` of pyHanko 0.38.0, which ``BaseStamp.render``
    calls for the drawing inside the frame. pyHanko's public stamps (``TextStamp``, ``QRStamp``,
    ``StaticStampStyle``) all draw text with a font, or import a PDF page or an image: none draws plain vector
    operators, and a font in the appearance would have to be embedded for the signed file to stay PDF/A-2b.
    Subclassing ``BaseStamp`` with this hook is how pyHanko's own stamps are made.

    On an upgrade: re-read ``_render_inner_content`` and ``render`` (``UPSTREAM``): the hook must still return the
    list of content stream operators that ``render`` wraps in ``q … Q`` before drawing the frame. Tests:
    ``tests/overrides/test_pyhanko.py``, and ``test_the_stamp_is_visible_and_uses_no_font`` in
    ``tests/acts/test_signature.py``.
    """

    def _render_inner_content(self) -> list[bytes]:
        """Return the drawing operators, sized to the field's box."""
        width, height = float(self.box.width), float(self.box.height)
        radius = height * 0.28
        cx, cy = height * 0.5, height * 0.5
        k = radius * 0.5523  # control point offset of a quarter circle as a cubic Bézier
        circle = (
            f"{cx + radius:.2f} {cy:.2f} m "
            f"{cx + radius:.2f} {cy + k:.2f} {cx + k:.2f} {cy + radius:.2f} {cx:.2f} {cy + radius:.2f} c "
            f"{cx - k:.2f} {cy + radius:.2f} {cx - radius:.2f} {cy + k:.2f} {cx - radius:.2f} {cy:.2f} c "
            f"{cx - radius:.2f} {cy - k:.2f} {cx - k:.2f} {cy - radius:.2f} {cx:.2f} {cy - radius:.2f} c "
            f"{cx + k:.2f} {cy - radius:.2f} {cx + radius:.2f} {cy - k:.2f} {cx + radius:.2f} {cy:.2f} c S"
        )
        tick = (
            f"{cx - radius * 0.5:.2f} {cy:.2f} m {cx - radius * 0.1:.2f} {cy - radius * 0.4:.2f} l "
            f"{cx + radius * 0.55:.2f} {cy + radius * 0.45:.2f} l S"
        )
        left, right = height * 1.05, width - height * 0.3
        base = height * 0.3
        span = right - left
        stroke = (
            f"{left:.2f} {base + height * 0.15:.2f} m "
            f"{left + span * 0.15:.2f} {base + height * 0.55:.2f} {left + span * 0.25:.2f} {base - height * 0.05:.2f} "
            f"{left + span * 0.4:.2f} {base + height * 0.25:.2f} c "
            f"{left + span * 0.55:.2f} {base + height * 0.5:.2f} {left + span * 0.65:.2f} {base:.2f} "
            f"{left + span * 0.8:.2f} {base + height * 0.2:.2f} c "
            f"{left + span * 0.9:.2f} {base + height * 0.35:.2f} {right:.2f} {base + height * 0.3:.2f} "
            f"{right:.2f} {base + height * 0.3:.2f} c S"
        )
        baseline = f"{left:.2f} {base - height * 0.08:.2f} m {right:.2f} {base - height * 0.08:.2f} l S"
        return [
            b"q %g %g %g RG 1.2 w 1 J 1 j" % INK,
            circle.encode("ascii"),
            tick.encode("ascii"),
            stroke.encode("ascii"),
            b"0.6 w",
            baseline.encode("ascii"),
            b"Q",
        ]


@dataclass(frozen=True)
class SealStampStyle(BaseStampStyle):
    """Stamp style of :class:`SealStamp`: vector only, so the signed file stays PDF/A-2b (no font at all).

    ``create_stamp`` is public pyHanko API; it is here because it makes the stamp above.
    """

    def create_stamp(
        self, writer: BasePdfFileWriter, box: layout.BoxConstraints, text_params: dict[str, Any]
    ) -> SealStamp:
        """Return the stamp for a field of size ``box``."""
        return SealStamp(writer, self, box)


def signature_report(
    embedded_sig: EmbeddedPdfSignature, status: AdESBasicValidationResult[Any]
) -> ts_11910202.SignatureValidationReportType:
    """Return the ETSI TS 119 102-2 report of one signature, from its AdES validation result.

    Calls the private ``pyhanko.sign.validation.report.tools._generate_report`` of pyHanko 0.38.0. The public
    ``generate_report`` makes a whole XML report for one signature; an act signed twice needs one report covering
    both, with each validation object once, and pyHanko has no public function for it: ``_report`` in
    ``convgen/acts/validation.py`` assembles it the way ``generate_report`` does, from this function and
    :func:`validation_object`. Imported at the call: the module costs a fifth of a second, which signing does not
    need.

    On an upgrade: re-read ``_generate_report``, ``_package_validation_object`` and ``generate_report``
    (``UPSTREAM``); if a public way to report on several signatures appeared, use it. Tests (with LibreOffice):
    ``test_verifier_passes_offline_and_writes_the_report`` in ``tests/recipes/test_verify.py``, an act signed twice.
    """
    from pyhanko.sign.validation.report.tools import _generate_report

    return _generate_report(embedded_sig, status)


def validation_object(vo: ValidationObject) -> Any:
    """Return the report entry (a ``ts_11910202.ValidationObjectType``) of one validation object.

    Calls the private ``pyhanko.sign.validation.report.tools._package_validation_object`` of pyHanko 0.38.0
    (unannotated, hence ``Any``), for the same reason and with the same checks as :func:`signature_report`.
    """
    from pyhanko.sign.validation.report.tools import _package_validation_object

    return _package_validation_object(vo)
