"""Streams whose data ends with CR: found in a saved file, re-encoded before saving (crafted PDFs, no LibreOffice)."""

from __future__ import annotations

import zlib
from pathlib import Path

import page
import pikepdf

from convgen.pdf.streams import settle_streams, streams_ending_in_cr


def content_ending_in_cr() -> bytes:
    """Return a page content whose Flate encoding ends with CR (the low byte of its Adler-32 checksum)."""
    letters = bytes(range(ord("a"), ord("z") + 1))
    for first in letters:  # three letters in a comment: their sum takes every value modulo 256
        for second in letters:
            for third in letters:
                content = b"BT /F1 12 Tf 72 720 Td (x) Tj ET %% %c%c%c\n" % (first, second, third)
                if zlib.compress(content)[-1:] == b"\r":
                    return content
    raise AssertionError("no such content")


def crafted_pdf(path: Path, data: bytes, *, compress: bool) -> Path:
    """Write a one-page PDF whose page content is ``data``, Flate-encoded by hand or left unfiltered."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pdf.make_stream(b"")
    if compress:
        stream.write(zlib.compress(data), filter=pikepdf.Name.FlateDecode)
    else:
        stream.write(data)
    pdf.pages[0].obj.Contents = stream
    pdf.save(path, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return path


def test_a_stream_ending_in_cr_is_detected(tmp_path: Path) -> None:
    content = content_ending_in_cr()
    flate = crafted_pdf(tmp_path / "flate.pdf", content, compress=True)
    plain = crafted_pdf(tmp_path / "plain.pdf", b"0 0 m 10 10 l S\r", compress=False)
    clean = crafted_pdf(tmp_path / "clean.pdf", b"0 0 m 10 10 l S\n", compress=False)
    for path in (flate, plain):
        with pikepdf.open(path) as pdf:
            contents = pdf.pages[0].obj.Contents.objgen
        assert streams_ending_in_cr(path) == [contents]
        rules = {failure.rule_id for failure in page.validate_pdf(path, profile="2b").failures}
        assert "PDFA2B-STREAM-LENGTH-001" in rules  # the validator sees it too
    assert streams_ending_in_cr(clean) == []


def test_settling_re_encodes_streams_ending_in_cr_without_changing_their_data(tmp_path: Path) -> None:
    content = content_ending_in_cr()
    for name, compress in (("flate.pdf", True), ("plain.pdf", False)):
        source = crafted_pdf(tmp_path / name, content, compress=compress)
        settled = tmp_path / f"settled-{name}"
        with pikepdf.open(source) as pdf:
            assert settle_streams(pdf) == 1
            pdf.save(settled, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        assert streams_ending_in_cr(settled) == []
        with pikepdf.open(settled) as pdf:
            stream = pdf.pages[0].obj.Contents
            assert stream.read_bytes(decode_level=pikepdf.StreamDecodeLevel.specialized) == content
            assert list(stream.Filter) == [pikepdf.Name.RunLengthDecode, pikepdf.Name.FlateDecode]
        rules = {failure.rule_id for failure in page.validate_pdf(settled, profile="2b").failures}
        assert "PDFA2B-STREAM-LENGTH-001" not in rules
