"""PDF pages drawn by PDFium for the tests that look at pixels (one document open at a time, closed after)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2
from PIL import Image


def drawn_pages(pdf: Path, dpi: float = 72) -> Iterator[tuple[Any, Image.Image]]:
    """Yield each page of ``pdf`` (PDFium's page, valid until the next one) and its drawing in RGB at ``dpi``."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=dpi / 72)
            try:
                yield page, bitmap.to_pil().convert("RGB")
            finally:
                bitmap.close()
                page.close()
    finally:
        document.close()
