"""The figures of annex 4 in the rendered DOCX: pictures sized to their box, with their alternative text.

The picture itself is :class:`convgen.overrides.docxtpl.DescribedImage` (an override of docxtpl's private code).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from convgen.errors import RenderError

FIGURE_BOX_EMU = (5_760_000, 3_960_000)


def inline_figures(tpl: Any, templates_dir: Path, figures: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Return the figures of the context with ``image`` made a picture for each figure present."""
    from convgen.overrides.docxtpl import DescribedImage  # docxtpl only when a document is rendered

    result: dict[str, Any] = {}
    for name, figure in figures.items():
        if figure.get("present"):
            path = templates_dir / str(figure["image"])
            width, height = figure_size(path)
            description, label = str(figure["texte_alternatif"]), Path(str(figure["fichier"])).name
            image = DescribedImage(tpl, path, width, height, description=description, name=label)
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
