"""Pictures of PDF pages, drawn by PDFium in this process (the dashboard's thumbnails)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from convgen.pdf.finish import PDFIUM_LOCK


def first_page_image(path: Path, dpi: float) -> Any:
    """Return page 1 of the PDF at ``path`` drawn at ``dpi`` as an RGB Pillow image.

    PDFium draws a page in about 10 ms where a ``pdftoppm`` process costs about 80: the thumbnails of a whole
    programme then take a fraction of a second. PDFium is not thread-safe: the call holds :data:`PDFIUM_LOCK`
    and closes every PDFium object before releasing it (see ``finish._contains_text``). Raises ``OSError``
    when PDFium cannot read the file.
    """
    import pypdfium2

    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(str(path))
        except pypdfium2.PdfiumError as error:
            raise OSError(f"{path.name} : PDF illisible ({error})") from None
        try:
            page = document[0]
            try:
                bitmap = page.render(scale=dpi / 72)
                try:
                    return bitmap.to_pil().convert("RGB")  # a copy: the bitmap's memory is PDFium's
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
