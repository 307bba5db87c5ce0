"""Images of the annex pages before and after a change, side by side, the regions that differ framed in red.

Each annex is converted to PDF by the project's LibreOffice ``Converter``, rasterised by ``pdftoppm``
(poppler) at a low resolution, then compared pixel by pixel with Pillow. Written files are
``<dir>/<slug>-annexe-page-<n>.png``, one per page of the longer version.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from convgen.acts.readiness import TEXT_ONLY
from convgen.data.project import Project
from convgen.documents.context import convention_context
from convgen.documents.french import typography
from convgen.documents.render import render_annexe
from convgen.errors import ConversionError, ConvgenError, SetupError
from convgen.pdf.pool import Converter
from convgen.review.gitdata import select

TEMPLATES_DIR = "templates"
RESOLUTION = 60
THRESHOLD = 40
"""Grey-level difference (0–255) above which a pixel counts as changed (anti-aliasing stays below)."""
BAND_GAP = 6
"""Rows of unchanged pixels that still join two changed rows into one framed region."""
MARGIN = 3
GUTTER = 16
HEADER = 22
RED = (220, 0, 0)
BACKGROUND = (200, 200, 200)
PDFTOPPM_TIMEOUT = 60

Box = tuple[int, int, int, int]


def write_annex_pages(out_dir: Path, annexes: Mapping[str, tuple[bytes, bytes]]) -> dict[str, list[Path]]:
    """Write the before/after images of each slug's annex (DOCX bytes before, after); return the files per slug."""

    if not annexes:
        return {}
    if shutil.which("pdftoppm") is None:
        raise SetupError("pdftoppm est introuvable : installez poppler-utils (sudo apt-get install poppler-utils).")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {}
    with tempfile.TemporaryDirectory(prefix="convgen-pages-") as scratch, Converter(workers=1) as converter:
        work = Path(scratch)
        for slug, (before, after) in annexes.items():
            sides: list[list[Image.Image]] = []
            for name, docx in (("avant", before), ("apres", after)):
                source = work / f"{slug}-{name}.docx"
                source.write_bytes(docx)
                pdf = work / f"{slug}-{name}.pdf"
                converter.convert(source, pdf)
                sides.append(rasterise(pdf, work / f"{slug}-{name}"))
            written[slug] = _write_pages(out_dir, slug, sides[0], sides[1])
    return written


def rasterise(pdf: Path, prefix: Path, resolution: int = RESOLUTION) -> list[Image.Image]:
    """Return the pages of ``pdf`` as RGB images, rendered by ``pdftoppm -png``."""
    try:
        result = subprocess.run(
            ["pdftoppm", "-png", "-r", str(resolution), str(pdf), str(prefix)],
            capture_output=True,
            timeout=PDFTOPPM_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise SetupError("pdftoppm est introuvable : installez poppler-utils.") from None
    except subprocess.TimeoutExpired:
        raise ConversionError(f"{pdf.name} : pdftoppm ne répond pas après {PDFTOPPM_TIMEOUT} s.") from None
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip() or f"code {result.returncode}"
        raise ConversionError(f"{pdf.name} : pdftoppm a échoué ({detail}).")
    pattern = re.compile(re.escape(prefix.name) + r"-(\d+)\.png")
    found = sorted(
        (int(match.group(1)), path)
        for path in prefix.parent.iterdir()
        if (match := pattern.fullmatch(path.name)) is not None
    )
    pages = []
    for _, path in found:
        with Image.open(path) as image:
            pages.append(image.convert("RGB"))
    return pages


def changed_boxes(before: Image.Image, after: Image.Image) -> list[Box]:
    """Return the boxes (left, top, right, bottom) around the regions where two same-size images differ."""
    difference = ImageChops.difference(before.convert("L"), after.convert("L"))
    mask = difference.point(lambda value: 255 if value > THRESHOLD else 0)
    _, rows = mask.getprojection()
    boxes: list[Box] = []
    start: int | None = None
    last = -BAND_GAP - 1
    for y, marked in enumerate([*rows, 0]):
        if marked:
            if start is None or y - last > BAND_GAP:
                if start is not None:
                    boxes.append(_band_box(mask, start, last))
                start = y
            last = y
    if start is not None:
        boxes.append(_band_box(mask, start, last))
    width, height = mask.size
    return [
        (max(0, left - MARGIN), max(0, top - MARGIN), min(width - 1, right + MARGIN), min(height - 1, bottom + MARGIN))
        for left, top, right, bottom in boxes
    ]


def side_by_side(before: Image.Image | None, after: Image.Image | None) -> Image.Image:
    """Return one image: the page before on the left, after on the right, changed regions framed in red."""
    reference = before or after
    if reference is None:
        raise ValueError("aucune page à comparer")
    width = max(page.width for page in (before, after) if page is not None)
    height = max(page.height for page in (before, after) if page is not None)
    left = _on_blank(before, width, height)
    right = _on_blank(after, width, height)
    canvas = Image.new("RGB", (2 * width + 3 * GUTTER, height + HEADER + GUTTER), BACKGROUND)
    canvas.paste(left, (GUTTER, HEADER))
    canvas.paste(right, (2 * GUTTER + width, HEADER))
    draw = ImageDraw.Draw(canvas)
    font = _label_font()
    for x, label, page in ((GUTTER, "Avant", before), (2 * GUTTER + width, "Après", after)):
        draw.text((x, 4), label + ("" if page is not None else " (page absente)"), fill=(0, 0, 0), font=font)
    for x0, y0, x1, y1 in changed_boxes(left, right):
        for offset in (GUTTER, 2 * GUTTER + width):
            draw.rectangle((x0 + offset, y0 + HEADER, x1 + offset, y1 + HEADER), outline=RED, width=2)
    return canvas


def _label_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Return the font of the labels: Liberation Sans when installed (accents), else Pillow's own."""
    try:
        return ImageFont.truetype("LiberationSans-Regular.ttf", 14)
    except OSError:
        return ImageFont.load_default(size=14)


def _band_box(mask: Image.Image, top: int, bottom: int) -> Box:
    """Return the box of the changed pixels between rows ``top`` and ``bottom`` (inclusive)."""
    band = mask.crop((0, top, mask.width, bottom + 1))
    bbox = band.getbbox()
    left, right = (bbox[0], bbox[2] - 1) if bbox else (0, mask.width - 1)
    return left, top, right, bottom


def _on_blank(page: Image.Image | None, width: int, height: int) -> Image.Image:
    """Return the page on a white sheet of the given size (a blank sheet when the page is absent)."""
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    if page is not None:
        sheet.paste(page, (0, 0))
    return sheet


def _write_pages(out_dir: Path, slug: str, before: list[Image.Image], after: list[Image.Image]) -> list[Path]:
    """Write one side-by-side image per page; remove the images of an earlier run; return the files."""
    for stale in out_dir.glob(f"{slug}-annexe-page-*.png"):
        stale.unlink()
    paths: list[Path] = []
    for index in range(max(len(before), len(after))):
        image = side_by_side(
            before[index] if index < len(before) else None, after[index] if index < len(after) else None
        )
        path = out_dir / f"{slug}-annexe-page-{index + 1}.png"
        temporary = path.with_name(f".{path.name}.tmp")
        image.save(temporary, format="PNG", optimize=True)
        os.replace(temporary, path)
        paths.append(path)
    return paths


def annex_pages_section(
    root: Path, out_dir: Path, old_files: Mapping[str, bytes], old: Project, new: Project
) -> list[str]:
    """Render the annex of every changed intercommunality before and after, and list the page images."""

    slugs = [slug for slug in sorted(set(old.epcis) & set(new.epcis)) if old.epcis[slug] != new.epcis[slug]]
    if not slugs:
        return []
    annexes: dict[str, tuple[bytes, bytes]] = {}
    with tempfile.TemporaryDirectory(prefix="convgen-revue-") as scratch:
        old_templates = Path(scratch) / TEMPLATES_DIR
        old_templates.mkdir()
        for path, data in select(old_files, TEMPLATES_DIR).items():
            (old_templates / Path(path).name).write_bytes(data)
        for slug in slugs:
            before_context = convention_context(old.departement, old.programme, old.epcis[slug], verdict=TEXT_ONLY)
            try:
                before = render_annexe(old_templates, before_context)
            except ConvgenError:
                before = render_annexe(root / TEMPLATES_DIR, before_context)
            after_context = convention_context(new.departement, new.programme, new.epcis[slug], verdict=TEXT_ONLY)
            annexes[slug] = (before, render_annexe(root / TEMPLATES_DIR, after_context))
    written = write_annex_pages(out_dir, annexes)
    lines = [
        "### Pages de l’annexe, avant et après",
        "",
        typography("À gauche la base, à droite la version modifiée ; les zones qui changent sont encadrées en rouge."),
        "",
    ]
    for slug, paths in written.items():
        files = ", ".join(f"`{path.as_posix()}`" for path in paths)
        lines.append(f"- `{slug}` : {files}")
    return lines
