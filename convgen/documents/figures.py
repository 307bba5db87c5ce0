"""The figures of annex 4 in the rendered DOCX: pictures sized to their box, with their alternative text."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from convgen.errors import RenderError

FIGURE_BOX_EMU = (5_760_000, 3_960_000)


def inline_figures(tpl: Any, templates_dir: Path, figures: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Return the figures of the context with ``image`` made a picture for each figure present."""
    result: dict[str, Any] = {}
    for name, figure in figures.items():
        if figure.get("present"):
            path = templates_dir / str(figure["image"])
            image = _figure_class()(tpl, path, str(figure["texte_alternatif"]), Path(str(figure["fichier"])).name)
            result[name] = {**figure, "image": image}
        else:
            result[name] = dict(figure)
    return result


def figure_size(path: Path) -> tuple[int, int]:
    """Return the printed width and height of a figure in EMU: as large as ``FIGURE_BOX_EMU`` allows."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            pixels_wide, pixels_high = image.size
    except OSError as exc:
        raise RenderError(f"figure illisible : {path.name} ({exc})") from exc
    scale = min(FIGURE_BOX_EMU[0] / pixels_wide, FIGURE_BOX_EMU[1] / pixels_high)
    return round(pixels_wide * scale), round(pixels_high * scale)


@functools.cache
def _figure_class() -> type[Any]:
    """Return docxtpl's InlineImage with an alternative text (``descr`` of ``wp:docPr``) and a name."""
    from docx.shared import Emu
    from docxtpl import InlineImage

    class Figure(InlineImage):  # type: ignore[misc]
        def __init__(self, tpl: Any, path: Path, description: str, label: str) -> None:
            width, height = figure_size(path)
            super().__init__(tpl, str(path), width=Emu(width), height=Emu(height))
            self.description, self.label = description, label

        def _insert_image(self) -> str:
            inline = self.tpl.current_rendering_part.new_pic_inline(self.image_descriptor, self.width, self.height)
            for element in (inline.docPr, *inline.xpath(".//pic:cNvPr")):
                element.set("name", self.label)
                element.set("descr", self.description)
            return f'</w:t></w:r><w:r><w:drawing>{inline.xml}</w:drawing></w:r><w:r><w:t xml:space="preserve">'

    return Figure
