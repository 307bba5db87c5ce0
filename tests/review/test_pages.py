"""Tests of the annex page images: pixel comparison alone, then one end-to-end run with LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from convgen.review.pages import GUTTER, HEADER, RED, changed_boxes, side_by_side

# LibreOffice runs here: the module's first test also pays for its builds (limit per test, in seconds).
pytestmark = pytest.mark.timeout(240)

PROJECT = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"


def page_with(*boxes: tuple[int, int, int, int]) -> Image.Image:
    """Return a white 200×300 page with black rectangles at ``boxes``."""
    image = Image.new("RGB", (200, 300), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for box in boxes:
        draw.rectangle(box, fill=(0, 0, 0))
    return image


def test_identical_pages_have_no_changed_region() -> None:
    page = page_with((10, 10, 50, 20))
    assert changed_boxes(page, page.copy()) == []


def test_changed_regions_are_framed_separately() -> None:
    before = page_with((10, 10, 50, 20), (10, 200, 80, 210))
    after = page_with((10, 10, 60, 20), (10, 200, 80, 210), (30, 250, 40, 260))
    assert changed_boxes(before, after) == [(48, 7, 63, 23), (27, 247, 43, 263)]


def test_side_by_side_draws_red_frames_and_blank_missing_page() -> None:
    before = page_with((10, 10, 50, 20))
    after = page_with((10, 10, 90, 20))
    image = side_by_side(before, after)
    assert image.size == (2 * 200 + 3 * GUTTER, 300 + HEADER + GUTTER)
    assert image.getpixel((GUTTER + 48, HEADER + 15)) == RED
    assert image.getpixel((2 * GUTTER + 200 + 48, HEADER + 15)) == RED
    only_after = side_by_side(None, after)
    assert only_after.getpixel((GUTTER + 100, HEADER + 150)) == (255, 255, 255)


@pytest.mark.libreoffice
def test_review_pages_show_the_annex_before_and_after(tmp_path: Path) -> None:
    from convgen.review.summary import review

    root = tmp_path / "depot"
    root.mkdir()
    shutil.copy2(PROJECT / "departement.yaml", root / "departement.yaml")
    shutil.copytree(PROJECT / "epci", root / "epci")
    shutil.copytree(PROJECT / "templates", root / "templates")
    identity = ["-c", "user.name=Service juridique", "-c", "user.email=juridique@exemple.fr"]
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        [*identity, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "Données"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    path = root / "epci" / f"{SLUG}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("Imprimante multifonction du siège communautaire", "Ordinateur portable prêté pour les ateliers"),
        encoding="utf-8",
    )
    pages = tmp_path / "pages"
    markdown, code = review(root, "main", pages=pages)
    first = pages / f"{SLUG}-annexe-page-1.png"
    assert code == 0
    assert sorted(p.name for p in pages.iterdir())[0] == first.name
    assert f"`{first.as_posix()}`" in markdown
    with Image.open(first) as image:
        assert image.width > image.height  # two pages side by side
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert any(colour == RED for _, colour in colours)
