"""The PROJET watermark of a draft drawn over the page too, half transparent: a figure no longer hides it.

LibreOffice draws what the header anchors (the watermark, ``word/media/filigrane-projet.emf``) before the body,
whatever its wrap: an opaque figure covers it. The watermark is the artifact whose text is set at 45° in large
type; its drawing is repeated at the end of the page, as an artifact (PDF/UA), through a graphics state of
constant opacity (transparency is allowed in PDF/A-2). What lies under it stays readable and extractable.
"""

from __future__ import annotations

import math
from typing import Any

import pikepdf

from convgen.documents.faded import WATERMARK_OPACITY as OPACITY

_GSTATE = pikepdf.Name("/GSconvgenFiligrane")
_LARGE = 40.0  # points: the watermark's letters are 113 pt, the body's 11
_PREFIXES = (2_048, 8_192, 65_536, 1 << 62)  # bytes of a page's content read before its watermark is looked for


def raise_watermark(pdf: pikepdf.Pdf) -> int:
    """Draw the watermark of each page over it again, half transparent; return how many pages have one.

    The page's own content is left as LibreOffice wrote it (neither re-serialized nor compressed again): the
    drawing goes in a stream of its own appended to the page's ``/Contents``, one stream shared by every page
    whose drawing is the same bytes (the header's watermark: usually all of them).
    """
    raised = 0
    shared: dict[bytes, pikepdf.Stream] = {}
    for page in pdf.pages:
        drawing = _first_watermark(pdf, page)
        if drawing is None:
            continue
        resources = page.obj.get("/Resources")
        if resources is None:
            continue
        states = resources.get("/ExtGState")
        if states is None:
            states = resources.ExtGState = pikepdf.Dictionary()
        states[_GSTATE] = pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, ca=OPACITY, CA=OPACITY)
        over: list[Any] = [
            pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact], pikepdf.Operator("BMC")),
            pikepdf.ContentStreamInstruction([], pikepdf.Operator("q")),
            pikepdf.ContentStreamInstruction([_GSTATE], pikepdf.Operator("gs")),
            *drawing,
            pikepdf.ContentStreamInstruction([], pikepdf.Operator("Q")),
            pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")),
        ]
        data = pikepdf.unparse_content_stream(over)
        stream = shared.get(data)
        if stream is None:
            stream = shared[data] = pdf.make_stream(data)
        contents = page.obj.get("/Contents")
        before = list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
        page.obj.Contents = pikepdf.Array([*before, stream])
        raised += 1
    return raised


def _first_watermark(pdf: pikepdf.Pdf, page: pikepdf.Page) -> list[Any] | None:
    """Return the watermark's drawing on ``page``, reading its content only as far as needed.

    LibreOffice draws the header first: the watermark lies in the first kilobytes. The content is read from its
    start in growing prefixes cut at a line end (LibreOffice writes one operator per line), the whole last.
    """
    data = _content_bytes(page)
    for size in _PREFIXES:
        cut = data.rfind(b"\n", 0, size) + 1 if size < len(data) else len(data)
        if cut <= 0:
            continue
        drawing = _watermark(pikepdf.parse_content_stream(pikepdf.Stream(pdf, data[:cut])))
        if drawing is not None or cut == len(data):
            return drawing
    return _watermark(pikepdf.parse_content_stream(page))


def _content_bytes(page: pikepdf.Page) -> bytes:
    """Return the page's content, its streams decoded and joined as a reader joins them."""
    contents = page.obj.get("/Contents")
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
    return b"\n".join(stream.read_bytes() for stream in streams if isinstance(stream, pikepdf.Stream))


def _watermark(instructions: list[Any]) -> list[Any] | None:
    """Return the instructions that draw the watermark (its ``q … Q``, clip included), or None.

    The watermark is the text of an artifact set at 45° in large type: its innermost ``q … Q`` and the clip
    just before it are copied; they depend on no state left by what precedes them but the page's own.
    """
    artifact = False
    opened: list[int] = []
    for index, (operands, operator) in enumerate(instructions):
        name = str(operator)
        if name in ("BMC", "BDC"):
            artifact = bool(operands) and operands[0] == pikepdf.Name.Artifact
        elif name == "EMC":
            artifact = False
        elif name == "q":
            opened.append(index)
        elif name == "Q" and opened:
            opened.pop()
        elif artifact and name == "Tm" and _rotated(operands) and opened:
            start = opened[-1]
            end = next((i for i in range(index, len(instructions)) if str(instructions[i][1]) == "Q"), None)
            if end is None:
                return None  # not closed in what was read: a longer prefix will hold it
            if not _large(instructions[start:end]):
                continue
            clip = start
            while clip > 0 and str(instructions[clip - 1][1]) in ("re", "W", "W*", "n"):
                clip -= 1
            return list(instructions[clip : end + 1])
    return None


def _rotated(operands: Any) -> bool:
    """Tell whether a text matrix turns the text by 45° (the watermark's)."""
    a, b, c, d = (float(value) for value in list(operands)[:4])
    return math.isclose(a, d, abs_tol=1e-3) and math.isclose(b, -c, abs_tol=1e-3) and math.isclose(a, b, abs_tol=1e-3)


def _large(instructions: list[Any]) -> bool:
    """Tell whether the text of these instructions is set in large type (a ``Tf`` over 40 pt)."""
    return any(
        str(operator) == "Tf" and len(operands) == 2 and float(operands[1]) > _LARGE
        for operands, operator in instructions
    )
