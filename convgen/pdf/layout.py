"""Read where a page draws its text: one box per text-showing operator, with its marked-content id (MCID)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pikepdf

__all__ = ["Box", "page_boxes"]

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_FORM_DEPTH = 8


@dataclass(frozen=True)
class Box:
    """A rectangle drawn on a page (text, or an image when ``text`` is False), in user space (points)."""

    x0: float
    y0: float
    x1: float
    y1: float
    mcid: int | None
    text: bool = True
    artifact: bool = False

    def overlaps(self, rect: tuple[float, float, float, float], margin: float = 0.0) -> bool:
        """Tell whether this box meets ``rect`` (x0, y0, x1, y1) grown by ``margin`` on every side."""
        x0, y0, x1, y1 = rect
        return self.x0 < x1 + margin and x0 - margin < self.x1 and self.y0 < y1 + margin and y0 - margin < self.y1


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """Return the matrix product ``m × n`` (PDF row-vector convention)."""
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _matrix(values: list[Any]) -> Matrix:
    """Return six PDF numbers as a matrix."""
    a, b, c, d, e, f = (float(value) for value in values)
    return (a, b, c, d, e, f)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    """Return the point (x, y) transformed by ``m``."""
    return x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]


def _numbers(values: Any) -> list[float]:
    """Return a PDF array (or nothing) as floats."""
    if not isinstance(values, pikepdf.Array):
        return []
    numbers: list[float] = []
    for value in values:
        try:
            numbers.append(float(value))
        except (TypeError, ValueError):
            continue
    return numbers


@dataclass(frozen=True)
class _Font:
    """What the layout needs of a font: glyph advances (text space units per code), code size, vertical extent."""

    widths: dict[int, float]
    default: float
    two_bytes: bool
    ascent: float
    descent: float

    def advance(self, code: int) -> float:
        """Return the advance of one code, in text space units for a font size of 1."""
        return self.widths.get(code, self.default)


def _font(font: Any) -> _Font:
    """Read a font dictionary's widths and its ascent and descent (as fractions of the font size)."""
    subtype = str(font.get("/Subtype", ""))
    descriptor: Any = font.get("/FontDescriptor")
    widths: dict[int, float] = {}
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        cid_font: Any = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else font
        descriptor = cid_font.get("/FontDescriptor")
        table: Any = cid_font.get("/W", pikepdf.Array())
        items = list(table) if isinstance(table, pikepdf.Array) else []
        index = 0
        while index + 1 < len(items):
            first, following = items[index], items[index + 1]
            if isinstance(following, pikepdf.Array):
                for offset, width in enumerate(_numbers(following)):
                    widths[int(first) + offset] = width / 1000
                index += 2
            elif index + 2 < len(items):
                for code in range(int(first), int(following) + 1):
                    widths[code] = float(items[index + 2]) / 1000
                index += 3
            else:
                break
        default = float(cid_font.get("/DW", 1000)) / 1000
        two_bytes = True
    else:
        scale = 0.001
        if subtype == "/Type3":
            matrix = _numbers(font.get("/FontMatrix"))
            scale = matrix[0] if matrix else 0.001
        first_char = int(font.get("/FirstChar", 0))
        for offset, width in enumerate(_numbers(font.get("/Widths"))):
            widths[first_char + offset] = width * scale
        missing = descriptor.get("/MissingWidth", 0) if isinstance(descriptor, pikepdf.Dictionary) else 0
        default = float(missing) * scale if widths else 0.5
        two_bytes = False
    ascent, descent = 0.0, 0.0
    if isinstance(descriptor, pikepdf.Dictionary):
        ascent = float(descriptor.get("/Ascent", 0)) / 1000
        descent = float(descriptor.get("/Descent", 0)) / 1000
        bbox = _numbers(descriptor.get("/FontBBox"))
        if len(bbox) == 4:  # LibreOffice writes Ascent and Descent 0: the font's box bounds every glyph
            ascent = max(ascent, bbox[3] / 1000)
            descent = min(descent, bbox[1] / 1000)
    return _Font(widths, default, two_bytes, ascent if ascent > 0 else 0.9, descent if descent < 0 else -0.25)


@dataclass
class _State:
    """The graphics and text state that positions text."""

    ctm: Matrix = IDENTITY
    font: _Font | None = None
    size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    scale: float = 1.0
    leading: float = 0.0
    rise: float = 0.0

    def copy(self) -> _State:
        """Return a copy (for ``q``)."""
        return _State(**vars(self))


class _Reader:
    """Walk content streams, keeping the text position, and collect the boxes."""

    def __init__(self) -> None:
        self.boxes: list[Box] = []
        self.fonts: dict[tuple[int, int], _Font] = {}
        self.marks: list[tuple[int | None, bool]] = []

    def font(self, resources: Any, name: Any) -> _Font | None:
        """Return the font ``name`` of ``resources``, read once."""
        fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        font = fonts.get(name) if isinstance(fonts, pikepdf.Dictionary) else None
        if not isinstance(font, pikepdf.Dictionary):
            return None
        key = font.objgen if font.is_indirect else (0, id(font))
        if key not in self.fonts:
            self.fonts[key] = _font(font)
        return self.fonts[key]

    def mark(self) -> tuple[int | None, bool]:
        """Return the innermost MCID and whether the current content is an artifact."""
        mcid = next((mcid for mcid, _ in reversed(self.marks) if mcid is not None), None)
        return mcid, any(artifact for _, artifact in self.marks)

    def add(self, corners: list[tuple[float, float]], text: bool) -> None:
        """Record the box around ``corners`` with the current marked-content id."""
        xs, ys = [x for x, _ in corners], [y for _, y in corners]
        mcid, artifact = self.mark()
        self.boxes.append(Box(min(xs), min(ys), max(xs), max(ys), mcid, text, artifact))

    def run(self, stream: Any, resources: Any, state: _State, depth: int) -> None:
        """Interpret one content stream (a page's, or a form XObject's)."""
        stack: list[_State] = []
        line: Matrix = IDENTITY
        text: Matrix = IDENTITY
        for instruction in pikepdf.parse_content_stream(stream):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                self.add([_apply(state.ctm, x, y) for x in (0, 1) for y in (0, 1)], text=False)
                continue
            operator, operands = str(instruction.operator), list(instruction.operands)
            if operator == "q":
                stack.append(state.copy())
            elif operator == "Q" and stack:
                state = stack.pop()
            elif operator == "cm" and len(operands) == 6:
                state.ctm = _multiply(_matrix(operands), state.ctm)
            elif operator in ("BMC", "BDC"):
                properties: Any = operands[1] if len(operands) > 1 else None
                if isinstance(properties, pikepdf.Name):
                    named = resources.get("/Properties") if isinstance(resources, pikepdf.Dictionary) else None
                    properties = named.get(properties) if isinstance(named, pikepdf.Dictionary) else None
                mcid = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) else None
                tag = str(operands[0]) if operands else ""
                self.marks.append((int(mcid) if mcid is not None else None, tag == "/Artifact"))
            elif operator == "EMC" and self.marks:
                self.marks.pop()
            elif operator == "BT":
                line = text = IDENTITY
            elif operator == "Tf" and len(operands) == 2:
                state.font, state.size = self.font(resources, operands[0]), float(operands[1])
            elif operator in ("Tc", "Tw", "Tz", "TL", "Ts") and operands:
                value = float(operands[0])
                if operator == "Tc":
                    state.char_spacing = value
                elif operator == "Tw":
                    state.word_spacing = value
                elif operator == "Tz":
                    state.scale = value / 100
                elif operator == "TL":
                    state.leading = value
                else:
                    state.rise = value
            elif operator in ("Td", "TD") and len(operands) == 2:
                tx, ty = float(operands[0]), float(operands[1])
                if operator == "TD":
                    state.leading = -ty
                line = text = _multiply((1, 0, 0, 1, tx, ty), line)
            elif operator == "Tm" and len(operands) == 6:
                line = text = _matrix(operands)
            elif operator in ("T*", "'", '"'):
                if operator == '"' and len(operands) == 3:
                    state.word_spacing, state.char_spacing = float(operands[0]), float(operands[1])
                line = text = _multiply((1, 0, 0, 1, 0, -state.leading), line)
                if operator != "T*" and operands:
                    text = self.show(state, text, [operands[-1]])
            elif operator in ("Tj", "TJ") and operands:
                items = list(operands[0]) if operator == "TJ" else [operands[0]]
                text = self.show(state, text, items)
            elif operator == "Do" and operands and depth < MAX_FORM_DEPTH:
                self.draw(resources, operands[0], state, depth)

    def show(self, state: _State, text: Matrix, items: list[Any]) -> Matrix:
        """Record the box of one text-showing operator; return the text matrix after it."""
        font = state.font
        if font is None:
            return text
        advance = 0.0
        for item in items:
            if isinstance(item, pikepdf.String):
                data = bytes(item)
                step = 2 if font.two_bytes else 1
                for index in range(0, len(data) - step + 1, step):
                    code = int.from_bytes(data[index : index + step], "big")
                    width = font.advance(code) * state.size + state.char_spacing
                    if step == 1 and code == 32:
                        width += state.word_spacing
                    advance += width * state.scale
            else:
                advance -= float(item) / 1000 * state.size * state.scale
        start = _multiply(text, state.ctm)
        bottom, top = font.descent * state.size + state.rise, font.ascent * state.size + state.rise
        self.add([_apply(start, x, y) for x in (0.0, advance) for y in (bottom, top)], text=True)
        return _multiply((1, 0, 0, 1, advance, 0), text)

    def draw(self, resources: Any, name: Any, state: _State, depth: int) -> None:
        """Follow a ``Do``: read a form XObject's content, or record an image's box."""
        objects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        xobject = objects.get(name) if isinstance(objects, pikepdf.Dictionary) else None
        if not isinstance(xobject, pikepdf.Stream):
            return
        subtype = str(xobject.get("/Subtype", ""))
        if subtype == "/Image":
            self.add([_apply(state.ctm, x, y) for x in (0, 1) for y in (0, 1)], text=False)
        elif subtype == "/Form":
            inner = state.copy()
            matrix = _numbers(xobject.get("/Matrix"))
            if len(matrix) == 6:
                inner.ctm = _multiply(_matrix(matrix), state.ctm)
            self.run(xobject, xobject.get("/Resources", resources), inner, depth + 1)


def _resources(page: Any) -> Any:
    """Return a page's resources, inherited from the page tree when the page has none."""
    node, seen = page, 0
    while isinstance(node, pikepdf.Dictionary) and seen < 64:
        if "/Resources" in node:
            return node.Resources
        node, seen = node.get("/Parent"), seen + 1
    return pikepdf.Dictionary()


def page_boxes(page: pikepdf.Page) -> list[Box]:
    """Return the boxes of the text (and images) a page draws, in drawing order."""
    reader = _Reader()
    reader.run(page, _resources(page.obj), _State(), 0)
    return reader.boxes
