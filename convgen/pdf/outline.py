"""The table of contents of a converted document, read from its PDF's outline (bookmarks).

LibreOffice exports one bookmark per heading (``ExportBookmarks``), titled as the heading and pointing to the
page where it starts, nested by outline level: what the updated table of contents prints, the table's own
entries being those same headings at levels 1 to 3 (``TOC \\o "1-3"`` in the templates) with their page number.
Reading it here costs a few milliseconds with pikepdf; asking LibreOffice paragraph by paragraph over UNO cost
about 85 ms per document, on the converter's busy cores.

pikepdf (qpdf) is used on a ``Pdf`` of this call only: distinct ``Pdf`` objects may live in distinct threads.
"""

from __future__ import annotations

from typing import Any

import pikepdf

from convgen.pdf.pool import ContentsEntry

__all__ = ["TOC_LEVELS", "document_contents"]

TOC_LEVELS = 3
"""The outline levels a table of contents lists: the templates' field is ``TOC \\o "1-3" \\h \\z \\u``."""


def document_contents(document: pikepdf.Pdf) -> tuple[ContentsEntry, ...] | None:
    """Return the entries of the table of contents an open PDF prints, or None when its outline cannot be read."""
    try:
        pages = {page.obj.objgen: number for number, page in enumerate(document.pages, start=1)}
        named = _named_destinations(document)
        entries: list[ContentsEntry] = []
        # Read only: ``open_outline()`` would write the outline back into the document (a saved PDF would change).
        _walk(pikepdf.Outline(document).root, 1, pages, named, entries)
    except (pikepdf.PdfError, OSError, ValueError, KeyError, TypeError):
        return None
    return tuple(entries) or None


def _walk(
    items: list[Any], level: int, pages: dict[tuple[int, int], int], named: dict[str, Any], out: list[ContentsEntry]
) -> None:
    """Append the entries of ``items`` and their children, in reading order, down to ``TOC_LEVELS``."""
    for item in items:
        if level <= TOC_LEVELS and item.title.strip():
            page = _page(item, pages, named)
            out.append(ContentsEntry(level, item.title, "" if page is None else str(page)))
        _walk(item.children, level + 1, pages, named, out)


def _page(item: Any, pages: dict[tuple[int, int], int], named: dict[str, Any]) -> int | None:
    """Return the number of the page a bookmark points to (explicit or named destination, or GoTo action)."""
    destination = item.destination
    if destination is None and item.action is not None:
        destination = item.action.get("/D")
    if isinstance(destination, (pikepdf.String, pikepdf.Name, str)):
        destination = named.get(str(destination))
    if isinstance(destination, pikepdf.Dictionary):
        destination = destination.get("/D")
    if isinstance(destination, pikepdf.Array) and len(destination) > 0:
        target = destination[0]
        if isinstance(target, pikepdf.Dictionary):
            return pages.get(target.objgen)
    return None


def _named_destinations(document: pikepdf.Pdf) -> dict[str, Any]:
    """Return the document's named destinations (the name tree ``/Dests``, or the old ``/Dests`` dictionary)."""
    found: dict[str, Any] = {}
    names = document.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/Dests" in names:
        found.update({str(k): v for k, v in pikepdf.NameTree(names.Dests).items()})
    old = document.Root.get("/Dests")
    if isinstance(old, pikepdf.Dictionary):
        found.update({str(k).lstrip("/"): v for k, v in old.items()})
    return found
