"""Pictures put in the PDF as they are: LibreOffice lays out a one-pixel stand-in, the PDF gets the PNG's own data.

LibreOffice decodes every picture of a document and compresses it anew at each export: for the annex's two
figures, about 100 ms of processor per convention, for bytes that only copy the PNG. A PNG without
transparency, colour profile, gamma or interlacing can go into a PDF unchanged: its compressed data is a
Flate stream with the PNG predictors (ISO 32000-1, 7.4.4.4), its palette an Indexed colour space. So the
document LibreOffice converts has, in place of each such picture, a one-pixel PNG of a colour of its own;
the picture that colour points to replaces it in the PDF (same object, same place, same tags and
alternative text). The layout is the same: a Word picture's printed size is set by the document, not by
its pixels. Pictures of any other kind are left to LibreOffice.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from convgen.files import STAGE_PREFIX, replacing

MEDIA = "word/media/"
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_REFUSED_CHUNKS = {b"tRNS", b"iCCP", b"gAMA", b"cHRM", b"sBIT", b"sRGB"}  # LibreOffice would change the pixels
_COLOURS = {0: 1, 2: 3, 3: 1}  # PNG colour type (grey, RGB, palette) → components per pixel
_BASE = (0x5A, 0xA5)  # the stand-ins' green and blue; their red is the picture's number


@dataclass(frozen=True)
class Picture:
    """A PNG's parts as the PDF takes them."""

    width: int
    height: int
    bits: int
    colour_type: int
    palette: bytes
    data: bytes  # the concatenated IDAT chunks: a zlib stream of filtered rows


def parse_png(data: bytes) -> Picture | None:
    """Return the parts of a PNG the PDF can take unchanged, or None (another format or kind of PNG)."""
    if not data.startswith(_SIGNATURE):
        return None
    position, header, palette, chunks = len(_SIGNATURE), b"", b"", []
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind in _REFUSED_CHUNKS:
            return None
        if kind == b"IHDR":
            header = body
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break
    if len(header) != 13 or not chunks:
        return None
    width, height, bits, colour_type, compression, filtering, interlace = struct.unpack(">IIBBBBB", header)
    if colour_type not in _COLOURS or compression or filtering or interlace or width < 1 or height < 1:
        return None
    if bits not in ((1, 2, 4, 8) if colour_type != 2 else (8,)):
        return None
    if colour_type == 3 and (not palette or len(palette) % 3 or len(palette) // 3 > 2**bits):
        return None
    return Picture(width, height, bits, colour_type, palette, b"".join(chunks))


def _stand_in(number: int) -> bytes:
    """Return a one-pixel RGB PNG whose colour names picture ``number``."""
    pixel = bytes((number, *_BASE))
    raw = zlib.compress(b"\x00" + pixel)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return _SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@contextlib.contextmanager
def prepare_pictures(docx: Path, folder: Path) -> Iterator[tuple[Path, dict[int, Picture]]]:
    """Yield the DOCX LibreOffice should read and the pictures to put back into its PDF (by number).

    That DOCX is a copy in ``folder`` with each PNG the PDF can take replaced by its stand-in, removed
    afterwards; or ``docx`` itself when it has none, or cannot be read (LibreOffice then says why).
    """
    try:
        with zipfile.ZipFile(docx) as source:
            infos = source.infolist()
            contents = {info.filename: source.read(info) for info in infos}
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        yield docx, {}
        return
    pictures: dict[int, Picture] = {}
    for info in infos:
        if len(pictures) == 255:
            break
        if info.filename.startswith(MEDIA) and info.filename.lower().endswith(".png"):
            picture = parse_png(contents[info.filename])
            if picture is not None:
                number = len(pictures) + 1
                pictures[number] = picture
                contents[info.filename] = _stand_in(number)
    if not pictures:
        yield docx, {}
        return
    # A scratch file, not an output: named like the stages a killed run leaves, which the next build removes.
    descriptor, name = tempfile.mkstemp(dir=folder, prefix=STAGE_PREFIX, suffix=".docx")
    copy = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as target:
            for info in infos:  # stored: LibreOffice reads it at once, then it is removed
                target.writestr(info, contents[info.filename], compress_type=zipfile.ZIP_STORED)
        yield copy, pictures
    finally:
        copy.unlink(missing_ok=True)


class StandInLeft(Exception):
    """Raised when the PDF holds a one-pixel image that is not a known stand-in: convert the original instead."""


def _number_of(image: pikepdf.Stream) -> int | None:
    """Return the picture number a stand-in image shows, or None when ``image`` is not a stand-in."""
    if image.get("/Width") != 1 or image.get("/Height") != 1 or image.get("/ColorSpace") != pikepdf.Name.DeviceRGB:
        return None
    if image.get("/BitsPerComponent") != 8 or "/SMask" in image or "/Mask" in image:
        return None
    try:
        pixel = image.read_bytes()
    except pikepdf.PdfError:
        return None
    if len(pixel) != 3 or tuple(pixel[1:]) != _BASE:
        return None
    return pixel[0]


def put_back_pictures(document: pikepdf.Pdf, pictures: dict[int, Picture], *, name: str) -> int:
    """Put each picture back in place of its stand-in in an open PDF (in memory); return how many.

    Raises ``StandInLeft`` when it holds a one-pixel image that is no known stand-in: no PDF ever shows a
    stand-in. A picture whose stand-in is not drawn (its paragraph left out by the template) is simply not put
    back; when none is drawn, the document is left as it is.
    """
    if not pictures:
        return 0
    restored: set[int] = set()
    for image in document.objects:
        if not isinstance(image, pikepdf.Stream) or image.get("/Subtype") != pikepdf.Name.Image:
            continue
        number = _number_of(image)
        picture = pictures.get(number or 0)
        if number is None or picture is None:
            if image.get("/Width") == 1 and image.get("/Height") == 1:
                raise StandInLeft(f"{name} : une image d’un pixel reste dans le PDF")
            continue
        _replace(image, picture)
        restored.add(number)
    return len(restored)


def save_in_place(document: pikepdf.Pdf, pdf: Path) -> None:
    """Write the open ``document``, read from ``pdf``, over it (atomically: the whole new file, or the old one)."""
    buffer = io.BytesIO()
    document.save(buffer)
    with replacing(pdf) as temporary:
        temporary.write_bytes(buffer.getvalue())


def _replace(image: pikepdf.Stream, picture: Picture) -> None:
    """Make ``image`` the picture: its PNG data, predictors, size, colours."""
    colours = _COLOURS[picture.colour_type]
    parameters = pikepdf.Dictionary(Predictor=15, Colors=colours, BitsPerComponent=picture.bits, Columns=picture.width)
    if picture.colour_type == 3:
        space: pikepdf.Object = pikepdf.Array(
            [
                pikepdf.Name.Indexed,
                pikepdf.Name.DeviceRGB,
                len(picture.palette) // 3 - 1,
                pikepdf.String(picture.palette),
            ]
        )
    else:
        space = pikepdf.Name.DeviceGray if colours == 1 else pikepdf.Name.DeviceRGB
    for key in ("/Decode", "/Interpolate", "/DecodeParms", "/Filter", "/Intent"):
        if key in image:
            del image[key]
    image.write(picture.data, filter=pikepdf.Name.FlateDecode, decode_parms=parameters)
    image.Width, image.Height = picture.width, picture.height
    image.BitsPerComponent = picture.bits
    image.ColorSpace = space
