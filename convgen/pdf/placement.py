"""Place a signature field in its column of the signature table, between the signatory's title and name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pikepdf

from convgen.pdf.accessibility import element_for_mcid, standard_type
from convgen.pdf.layout import Box

__all__ = ["Column", "Placement", "PlacementError", "align_rows", "find_column", "find_name_line", "place_field"]

CM = 72 / 2.54
SIGNATURE_WIDTH = 6.5 * CM
SIGNATURE_HEIGHT = 2.5 * CM
MIN_WIDTH = 4.0 * CM  # below this a column is too narrow to sign in
CELL_PADDING = 0.2 * CM  # kept free on each side of the field, inside the column
GAP = 2.0  # points kept free between the field and the text above and below it
MAX_DEPTH = 16


@dataclass(frozen=True)
class Column:
    """A column of the signature table: its left and right edges and, when tagged, its cell element."""

    left: float
    right: float
    cell: Any = None
    top: float | None = None

    @property
    def centre(self) -> float:
        """Return the column's middle."""
        return (self.left + self.right) / 2


@dataclass(frozen=True)
class Placement:
    """Where a field goes: its rectangle, the blank it may move in, and where to tag it in the structure tree.

    ``floor`` and ``ceiling`` bound the blank between the name line and the text above (gaps included);
    ``parent`` is the element to insert the field's ``Form`` element in, before ``before``.
    """

    rect: tuple[float, float, float, float]
    floor: float
    ceiling: float
    parent: Any
    before: Any


class PlacementError(ValueError):
    """Raised when a field cannot be placed; the message (French) names what is in the way."""


def find_name_line(boxes: list[Box], x: float, y: float) -> list[Box]:
    """Return the boxes of the line drawn at (x, y) (a point just inside the name's first letters), or []."""
    hits = [
        box for box in boxes if box.text and not box.artifact and box.x0 - 2 <= x <= box.x1 and box.y0 <= y <= box.y1
    ]
    if not hits:
        return []
    first = min(hits, key=lambda box: (abs(box.x0 - x), -box.y1))
    line = [first]
    for box in boxes:
        if box is first or not box.text or box.artifact:
            continue
        shared = min(box.y1, first.y1) - max(box.y0, first.y0)
        if shared > 0.5 * (first.y1 - first.y0) and (
            (first.mcid is not None and box.mcid == first.mcid)
            or (first.mcid is None and min(abs(box.x0 - first.x1), abs(first.x0 - box.x1)) < 1.0)
        ):
            line.append(box)
    return line


def _attribute(element: Any, key: str) -> Any:
    """Return a layout attribute of a structure element (its /A is one dictionary or an array of them)."""
    attributes = element.get("/A")
    listed = list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]
    for item in listed:
        if isinstance(item, pikepdf.Dictionary) and key in item:
            return item[key]
    return None


def _ancestor(element: Any, kinds: set[str], role_map: Any) -> Any:
    """Return the nearest ancestor (or the element itself) of one of ``kinds``, or None."""
    for _ in range(MAX_DEPTH):
        if not isinstance(element, pikepdf.Dictionary) or element.get("/Type") == "/StructTreeRoot":
            return None
        if standard_type(element, role_map) in kinds:
            return element
        element = element.get("/P")
    return None


def _table_column(pdf: pikepdf.Pdf, page_index: int, mcid: int) -> Column | None:
    """Return the column of the table cell holding marked content ``mcid``, from the structure tree's layout."""
    tree = pdf.Root.get("/StructTreeRoot")
    role_map = tree.get("/RoleMap") if isinstance(tree, pikepdf.Dictionary) else None
    element = element_for_mcid(pdf, page_index, mcid)
    cell = _ancestor(element, {"TD", "TH"}, role_map)
    row = cell.get("/P") if cell is not None else None
    table = _ancestor(row, {"Table"}, role_map)
    bbox = _attribute(table, "/BBox") if table is not None else None
    if cell is None or row is None or not isinstance(bbox, pikepdf.Array) or len(bbox) != 4:
        return None
    cells = [kid for kid in row.get("/K", pikepdf.Array()) if isinstance(kid, pikepdf.Dictionary)]
    cells = [kid for kid in cells if standard_type(kid, role_map) in ("TD", "TH")]
    widths = [_attribute(kid, "/Width") for kid in cells]
    if not cells or any(width is None or float(width) <= 0 for width in widths):
        return None
    index = next((i for i, kid in enumerate(cells) if kid.objgen == cell.objgen), None)
    if index is None:
        return None
    x0, x1 = sorted((float(bbox[0]), float(bbox[2])))
    total = sum(float(width) for width in widths)
    left = x0 + (x1 - x0) * sum(float(width) for width in widths[:index]) / total
    right = left + (x1 - x0) * float(widths[index]) / total
    return Column(left, right, cell, max(float(bbox[1]), float(bbox[3])))


def _text_column(boxes: list[Box], line: list[Box]) -> Column:
    """Return a column centred on the name line, as wide as the page's text and the neighbouring texts allow."""
    x0, x1 = min(box.x0 for box in line), max(box.x1 for box in line)
    y0, y1 = min(box.y0 for box in line), max(box.y1 for box in line)
    texts = [box for box in boxes if box.text and not box.artifact]
    left_limit = min(box.x0 for box in texts)
    right_limit = max(box.x1 for box in texts)
    for box in texts:
        if box in line or not (box.y0 < y1 and y0 < box.y1):
            continue
        if box.x1 <= x0:
            left_limit = max(left_limit, (box.x1 + x0) / 2)
        elif box.x0 >= x1:
            right_limit = min(right_limit, (x1 + box.x0) / 2)
    centre = (x0 + x1) / 2
    half = min(centre - left_limit, right_limit - centre)
    return Column(centre - half, centre + half)


def find_column(pdf: pikepdf.Pdf, page_index: int, boxes: list[Box], line: list[Box]) -> Column:
    """Return the column holding the name line: its table cell when the PDF is tagged, else from the texts."""
    mcid = line[0].mcid
    if mcid is not None:
        column = _table_column(pdf, page_index, mcid)
        x0, x1 = min(box.x0 for box in line), max(box.x1 for box in line)
        if column is not None and column.left - 1 <= x0 and x1 <= column.right + 1:
            return column
    return _text_column(boxes, line)


def _insertion(pdf: pikepdf.Pdf, page_index: int, line: list[Box], column: Column) -> tuple[Any, Any]:
    """Return the element to tag the field in and the one it goes before: the name's paragraph in its cell."""
    mcid = line[0].mcid
    element = element_for_mcid(pdf, page_index, mcid) if mcid is not None else None
    if element is None:
        return None, None
    if column.cell is None:
        parent = element.get("/P")
        return (parent, element) if isinstance(parent, pikepdf.Dictionary) else (None, None)
    for _ in range(MAX_DEPTH):
        parent = element.get("/P")
        if not isinstance(parent, pikepdf.Dictionary):
            break
        if parent.objgen == column.cell.objgen:
            return parent, element
        element = parent
    return column.cell, None


def place_field(pdf: pikepdf.Pdf, page_index: int, boxes: list[Box], line: list[Box]) -> Placement:
    """Return the field's rectangle: centred in its column, in the blank between the title and the name line."""
    column = find_column(pdf, page_index, boxes, line)
    available = column.right - column.left - 2 * CELL_PADDING
    if available < MIN_WIDTH:
        raise PlacementError(
            f"la colonne de signature ne mesure que {available / CM:.1f} cm utiles (au moins {MIN_WIDTH / CM:.0f} cm)"
        )
    width = min(SIGNATURE_WIDTH, available)
    left, right = column.centre - width / 2, column.centre + width / 2
    name_top = max(box.y1 for box in line)
    above = [box.y0 for box in boxes if box.y0 >= name_top - 0.5 and box.x0 < column.right and column.left < box.x1]
    if above:
        ceiling = min(above)
    elif column.top is not None:
        ceiling = column.top
    else:
        ceiling = name_top + SIGNATURE_HEIGHT + 2 * GAP
    blank = ceiling - name_top - 2 * GAP
    if blank < SIGNATURE_HEIGHT - 0.01:
        raise PlacementError(
            f"pas assez de place pour la signature au-dessus du nom : {max(blank, 0) / CM:.1f} cm de blanc "
            f"au lieu de {(SIGNATURE_HEIGHT + 2 * GAP) / CM:.1f} cm"
        )
    floor, ceiling = name_top + GAP, ceiling - GAP
    bottom = (floor + ceiling - SIGNATURE_HEIGHT) / 2
    rect = (round(left, 2), round(bottom, 2), round(right, 2), round(bottom + SIGNATURE_HEIGHT, 2))
    for box in boxes:
        if box not in line and box.overlaps(rect, margin=0.5):
            raise PlacementError(
                f"du texte occupe la place de la signature (vers x = {box.x0:.0f} pt, y = {box.y0:.0f} pt)"
            )
    parent, before = _insertion(pdf, page_index, line, column)
    return Placement(rect, floor, ceiling, parent, before)


def align_rows(placements: list[tuple[int, Placement]]) -> list[Placement]:
    """Put the fields whose names share a line (same page, same floor) at one height, inside every one's blank."""
    aligned: list[Placement] = []
    for page, placement in placements:
        row = [other for at, other in placements if at == page and abs(other.floor - placement.floor) < 1.0]
        floor, ceiling = max(other.floor for other in row), min(other.ceiling for other in row)
        if ceiling - floor < SIGNATURE_HEIGHT - 0.01:
            aligned.append(placement)  # the blanks do not share enough height: each keeps its own
            continue
        bottom = round((floor + ceiling - SIGNATURE_HEIGHT) / 2, 2)
        x0, _, x1, _ = placement.rect
        rect = (x0, bottom, x1, round(bottom + SIGNATURE_HEIGHT, 2))
        aligned.append(Placement(rect, placement.floor, placement.ceiling, placement.parent, placement.before))
    return aligned
