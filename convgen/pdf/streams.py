"""Keep every stream's data from ending with a carriage return (ISO 19005-2 § 6.1.7.1).

A stream whose last data byte is CR (0x0D), followed by the end-of-line LF that precedes ``endstream``, reads as
data ending with a CRLF end-of-line: a PDF/A validator then finds ``/Length`` one byte too long. The last byte of
a Flate stream is the low byte of the Adler-32 checksum of the decoded data, so compressing again with another
level or strategy changes nothing. Such a stream gets one more filter, RunLengthDecode, whose encoding ends with
its end-of-data byte 128: qpdf leaves it as it is when saving (it decodes only the general-purpose filters), where
it would decode an ASCII85 or ASCIIHex wrapping and compress the data again, back to the same last byte.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pikepdf

__all__ = ["settle_streams", "streams_ending_in_cr"]

CR = b"\r"


def _run_length(data: bytes) -> bytes:
    """Return ``data`` in RunLengthDecode encoding: literal runs of up to 128 bytes, then the end-of-data byte."""
    encoded = bytearray()
    for start in range(0, len(data), 128):
        chunk = data[start : start + 128]
        encoded.append(len(chunk) - 1)
        encoded += chunk
    encoded.append(128)
    return bytes(encoded)


def _wrap_run_length(stream: Any) -> None:
    """Add RunLengthDecode in front of a stream's filters, over its encoded bytes (about 1 % larger)."""
    filters = stream.get("/Filter")
    chain = list(filters) if isinstance(filters, pikepdf.Array) else ([filters] if filters is not None else [])
    parms = stream.get("/DecodeParms")
    encoded = _run_length(stream.read_raw_bytes())
    if parms is None:
        stream.write(encoded, filter=pikepdf.Array([pikepdf.Name.RunLengthDecode, *chain]))
        return
    listed = list(parms) if isinstance(parms, pikepdf.Array) else [parms]
    stream.write(
        encoded,
        filter=pikepdf.Array([pikepdf.Name.RunLengthDecode, *chain]),
        decode_parms=pikepdf.Array([None, *listed]),
    )


def settle_streams(pdf: pikepdf.Pdf) -> int:
    """Compress every unfiltered stream but XMP, then wrap those ending in CR in RunLengthDecode; return how many.

    qpdf may compress a Flate stream again when saving, but its last byte, the Adler-32 one, stays the same.
    """
    fixed = 0
    for item in pdf.objects:
        if not isinstance(item, pikepdf.Stream) or item.get("/Type") in ("/Metadata", "/ObjStm", "/XRef"):
            continue
        if "/Filter" not in item:
            item.write(zlib.compress(item.read_bytes(), 9), filter=pikepdf.Name.FlateDecode)
        if item.read_raw_bytes().endswith(CR):
            _wrap_run_length(item)
            fixed += 1
    return fixed


def streams_ending_in_cr(path: Path) -> list[tuple[int, int]]:
    """Return the objects (number, generation) of the streams of a PDF file whose data ends with CR.

    Object streams and cross-reference streams, which qpdf writes while saving, are read too.
    """
    found: list[tuple[int, int]] = []
    with pikepdf.open(path) as pdf:
        for item in pdf.objects:
            if isinstance(item, pikepdf.Stream) and item.read_raw_bytes().endswith(CR):
                found.append(item.objgen)
    return sorted(found)
