"""Reading and writing the XML parts of a DOCX: one safe parser per thread, one way to serialize a part.

lxml's documentation says a parser must not be shared between threads; :func:`parser` gives each thread its
own (the rendering processes, the live preview's threads and the tests all read DOCX parts).
"""

from __future__ import annotations

import threading

from lxml import etree  # type: ignore[import-untyped]

__all__ = ["W", "parser", "part_bytes", "w"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_local = threading.local()


def parser() -> etree.XMLParser:
    """Return this thread's parser: no entity resolved, no network, blank text kept."""
    own: etree.XMLParser | None = getattr(_local, "parser", None)
    if own is None:
        own = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    return own


def part_bytes(root: etree._Element) -> bytes:
    """Return ``root`` serialized as a standalone UTF-8 part."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def w(tag: str) -> str:
    """Return the Clark name of a WordprocessingML tag: ``w("p")`` → ``{…/main}p``."""
    return f"{{{W}}}{tag}"
