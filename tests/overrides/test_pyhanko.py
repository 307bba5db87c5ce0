"""pyHanko's private code that convgen overrides (``convgen/overrides/pyhanko.py``) is still the one it was written for.

What the overrides bring to a real signed act is also tested, with LibreOffice, in ``tests/acts/test_signature.py``:
``test_one_signature_keeps_the_file_pdfa_2b`` and ``test_a_signed_file_stays_pdf_ua_1`` (the act's metadata kept
by :class:`RevisionWriter`), ``test_the_stamp_is_visible_and_uses_no_font`` (the :class:`SealStamp`). The
behavioural tests here need no LibreOffice.
"""

from __future__ import annotations

import io

import pikepdf
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from convgen.acts import signature
from convgen.overrides import Upstream
from convgen.overrides import pyhanko as overrides
from convgen.overrides.pyhanko import INK, RevisionWriter, SealStamp, SealStampStyle
from tests.overrides.upstream import check_overridden, check_upstream, check_version


def test_the_installed_pyhanko_is_the_pinned_version() -> None:
    check_version(overrides)


@pytest.mark.parametrize("upstream", overrides.UPSTREAM, ids=lambda upstream: upstream.symbol)
def test_the_upstream_code_is_the_one_the_overrides_were_written_for(upstream: Upstream) -> None:
    check_upstream(overrides, upstream)


@pytest.mark.parametrize(
    ("subclass", "name"),
    [(RevisionWriter, "_update_meta"), (RevisionWriter, "_populate_trailer"), (SealStamp, "_render_inner_content")],
)
def test_each_override_is_recorded(subclass: type, name: str) -> None:
    check_overridden(overrides, subclass, name)


def test_signature_uses_the_overrides() -> None:
    assert signature.RevisionWriter is RevisionWriter
    assert signature.SealStampStyle is SealStampStyle


def _pdf_with_metadata() -> bytes:
    """Return a one-page PDF with an XMP packet and an /Info dictionary, as convgen's acts have."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = "Convention de partenariat"
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
    pdf.docinfo["/Title"] = "Convention de partenariat"
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _metadata(data: bytes) -> tuple[tuple[int, int], bytes, dict[str, str]]:
    """Return the object number of the XMP stream, its bytes and the /Info entries of the PDF ``data``."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        xmp = pdf.Root.Metadata
        return xmp.objgen, xmp.read_bytes(), {key: str(value) for key, value in pdf.docinfo.items()}


def _saved(writer_class: type[IncrementalPdfFileWriter], data: bytes) -> bytes:
    """Return ``data`` saved by ``writer_class``, which appends an incremental update."""
    out = io.BytesIO()
    writer_class(io.BytesIO(data)).write(out)
    saved = out.getvalue()
    assert saved.startswith(data)
    return saved


def test_the_revision_writer_leaves_the_xmp_and_info_of_the_document() -> None:
    data = _pdf_with_metadata()
    original = _metadata(data)
    # Without the override, pyHanko rewrites both: the override still has something to prevent.
    plain = _metadata(_saved(IncrementalPdfFileWriter, data))
    assert plain[1] != original[1] and plain[2] != original[2], (
        "pyHanko ne réécrit plus les métadonnées d'un document qu'il enregistre : RevisionWriter n'est "
        "peut-être plus utile (convgen/overrides/pyhanko.py)"
    )
    kept = _saved(RevisionWriter, data)
    assert _metadata(kept) == original  # the same stream, unchanged, and the same /Info
    update = kept[len(data) :]
    assert b"/Type /Metadata" not in update and b"/Producer" not in update


def test_seal_stamp_draws_its_vector_inside_the_frame_and_no_text() -> None:
    style = SealStampStyle(border_width=1, border_color=INK)
    stamp = style.create_stamp(PdfFileWriter(), BoxConstraints(width=200, height=60), {})
    assert isinstance(stamp, SealStamp)
    drawing = stamp.render()
    inner = stamp._render_inner_content()
    # pyHanko's render(): the hook's operators, then the frame in the ink, all in one q … Q
    assert drawing == b" ".join([b"q", *inner, b"0.12 0.23 0.45 RG", b"1 w 0 0 200 60 re S", b"Q"])
    assert inner[0].startswith(b"q 0.12 0.23 0.45 RG") and inner[-1] == b"Q"
    assert drawing.count(b" c ") >= 7  # the circle (4 curves) and the pen stroke (3)
    assert b"BT" not in drawing and b"Tf" not in drawing and b"Do" not in drawing
    assert stamp.resources.as_pdf_object() == {}  # no font, no image, no graphics state


def _pdf_with_xref_stream() -> bytes:
    """Return a one-page PDF whose cross-reference section is a stream, as the acts built by convgen are."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _with_stream(writer_class: type[IncrementalPdfFileWriter], data: bytes, content: bytes) -> tuple[bytes, int]:
    """Return ``data`` with one revision adding a stream of ``content``, and the stream's object number."""
    writer = writer_class(io.BytesIO(data))
    ref = writer.add_object(generic.StreamObject(stream_data=content))
    out = io.BytesIO()
    writer.write(out)
    saved = out.getvalue()
    assert saved.startswith(data)
    return saved, ref.idnum


def _ends_in_cr(revision: bytes) -> bool:
    """Tell whether a stream of a revision written by pyHanko (``stream LF data LF endstream``) ends with CR."""
    return b"\r\nendstream" in revision


def test_a_new_stream_ending_in_cr_is_written_with_a_hexadecimal_filter() -> None:
    data = _pdf_with_xref_stream()
    der = b"0\x82\x01\x0a certificate ending in CR\r"  # a DER object of the DSS may end so
    plain, _ = _with_stream(IncrementalPdfFileWriter, data, der)
    assert _ends_in_cr(plain[len(data) :])  # without the writer, the stream ends with CR
    kept, number = _with_stream(RevisionWriter, data, der)
    assert not _ends_in_cr(kept[len(data) :])
    stream = PdfFileReader(io.BytesIO(kept)).get_object(generic.Reference(number, 0))
    assert stream["/Filter"] == "/ASCIIHexDecode" and stream.data == der  # what the DSS reader gets back
    with pikepdf.open(io.BytesIO(kept)) as pdf:
        assert pdf.get_object((number, 0)).read_bytes() == der


class _MetadataOnly(IncrementalPdfFileWriter):
    """pyHanko's writer with the metadata override alone: the revision RevisionWriter starts from."""

    def _update_meta(self) -> None:
        """Leave /Metadata and /Info untouched."""


def test_the_cross_reference_stream_of_a_revision_is_uncompressed_and_ends_with_zeros() -> None:
    data = _pdf_with_xref_stream()
    # The first size of a new stream for which pyHanko's compressed cross-reference stream ends with CR (1 in 256).
    size = next(n for n in range(1, 4096) if _ends_in_cr(_with_stream(_MetadataOnly, data, b"x" * n)[0][len(data) :]))
    kept, number = _with_stream(RevisionWriter, data, b"x" * size)
    revision = kept[len(data) :]
    assert not _ends_in_cr(revision)
    xref = revision[revision.rindex(b"/Type /XRef") :]
    assert b"/Filter" not in xref[: xref.index(b"stream")]
    assert xref[: xref.index(b"\nendstream")].endswith(b"\x00\x00")  # the generation of its own entry
    with pikepdf.open(io.BytesIO(kept)) as pdf:
        assert pdf.get_object((number, 0)).read_bytes() == b"x" * size
        assert pdf.Root.Type == "/Catalog"
    assert PdfFileReader(io.BytesIO(kept)).get_object(generic.Reference(number, 0)).data == b"x" * size


def test_a_revision_written_in_place_has_no_stream_ending_in_cr() -> None:
    data = _pdf_with_xref_stream()
    der = b"0\x82\x01\x0a another DER object ending in CR\r"
    stream = io.BytesIO(data)
    writer = RevisionWriter(stream)
    ref = writer.add_object(generic.StreamObject(stream_data=der))
    writer.write_in_place()
    saved = stream.getvalue()
    assert saved.startswith(data) and not _ends_in_cr(saved[len(data) :])
    assert PdfFileReader(io.BytesIO(saved)).get_object(generic.Reference(ref.idnum, 0)).data == der
