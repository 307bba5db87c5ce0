"""The text of a DOCX as blocks (paragraphs, tables of rows of cells), for comparing the signed and proposed texts."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from convgen.documents.render import normalize_docx

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def wtag(tag: str) -> str:
    """Return the Clark name of a WordprocessingML tag."""
    return f"{{{_W}}}{tag}"


# --------------------------------------------------------------------------------------------------------
# Comparatif: Word tracked changes from the signed text to the new one
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A paragraph of a document body, with the properties to copy when it is written again."""

    text: str
    properties: Any = None  # w:pPr to copy, or None
    run_properties: Any = None  # w:rPr of the first run, or None


@dataclass(frozen=True)
class Cell:
    """A table cell: its element (for w:tcPr) and its paragraphs."""

    element: Any
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        """Return the cell's paragraphs joined by line breaks."""
        return "\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class Row:
    """A table row: its element (for w:trPr) and its cells."""

    element: Any
    cells: tuple[Cell, ...]

    @property
    def text(self) -> str:
        """Return the row's cells joined by « | »."""
        return " | ".join(cell.text for cell in self.cells)


@dataclass(frozen=True)
class Table:
    """A table of a document body, kept as a table in the comparatif."""

    element: Any
    rows: tuple[Row, ...]

    @property
    def text(self) -> str:
        """Return the table's rows, one a line."""
        return "\n".join(row.text for row in self.rows)


Item = Block | Table


def docx_blocks(data: bytes) -> list[Block]:
    """Return every paragraph of a DOCX body in reading order, table cells included."""
    return [block for item in docx_items(data) for block in _flatten(item)]


def docx_items(data: bytes) -> list[Item]:
    """Return the paragraphs and tables of a DOCX body in reading order."""
    import docx

    body = docx.Document(io.BytesIO(data)).element.body
    return list(_items(body))


def footer_blocks(data: bytes) -> list[Block]:
    """Return the paragraphs of a DOCX's footers (each footer once), fields as their last result."""
    import docx

    document = docx.Document(io.BytesIO(data))
    footers = {id(s.footer.part): s.footer for s in document.sections}.values()
    return [_block(p) for footer in footers for p in footer.part.element.iter(wtag("p"))]


def _flatten(item: Item) -> Iterator[Block]:
    """Yield the paragraphs of an item."""
    if isinstance(item, Block):
        yield item
        return
    for row in item.rows:
        for cell in row.cells:
            yield from cell.blocks


def _block(paragraph: Any) -> Block:
    """Return the block of a w:p element."""
    return Block(_paragraph_text(paragraph), paragraph.find(wtag("pPr")), _first_run_properties(paragraph))


def _items(element: Any) -> Iterator[Item]:
    """Yield the items below ``element``."""
    for child in element:
        if child.tag == wtag("p"):
            yield _block(child)
        elif child.tag == wtag("tbl"):
            rows = []
            for row in child.findall(wtag("tr")):
                cells = [
                    Cell(cell, tuple(block for block in _items(cell) if isinstance(block, Block)))
                    for cell in row.findall(wtag("tc"))
                ]
                rows.append(Row(row, tuple(cells)))
            yield Table(child, tuple(rows))
        elif child.tag == wtag("sdt"):
            content = child.find(wtag("sdtContent"))
            if content is not None:
                yield from _items(content)


def _paragraph_text(paragraph: Any) -> str:
    """Return the visible text of a paragraph (deleted text excluded, tabs and breaks as spaces)."""
    parts: list[str] = []
    for node in paragraph.iter(wtag("t"), wtag("tab"), wtag("br"), wtag("noBreakHyphen")):
        if any(ancestor.tag == wtag("del") for ancestor in node.iterancestors()):
            continue
        if node.tag == wtag("noBreakHyphen"):
            parts.append("\u2011")  # Word's non-breaking hyphen, kept as the character
        else:
            parts.append(node.text or "" if node.tag == wtag("t") else " ")
    return "".join(parts)


def _first_run_properties(paragraph: Any) -> Any:
    """Return the w:rPr of the first run of a paragraph, or None."""
    run = next(paragraph.iter(wtag("r")), None)
    return None if run is None else run.find(wtag("rPr"))


def save_docx(document: Any, epoch: dt.datetime | None = None) -> bytes:
    """Return a python-docx document as deterministic DOCX bytes."""

    raw = io.BytesIO()
    document.save(raw)
    return normalize_docx(raw.getvalue(), epoch=epoch)
