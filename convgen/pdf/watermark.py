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


def raise_watermark(pdf: pikepdf.Pdf) -> int:
    """Draw the watermark of each page over it again, half transparent; return how many pages have one."""
    raised = 0
    for page in pdf.pages:
        instructions = pikepdf.parse_content_stream(page)
        drawing = _watermark(instructions)
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
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream([*instructions, *over]))
        raised += 1
    return raised


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
            end = next(
                (i for i in range(index, len(instructions)) if str(instructions[i][1]) == "Q"), len(instructions) - 1
            )
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
