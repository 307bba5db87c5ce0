"""docxtpl's private code that convgen overrides (``convgen/overrides/docxtpl.py``) is still the one it was written for.

The override at work in the real convention: ``test_the_convention_shows_both_figures_with_their_alternative_text``
in ``tests/documents/test_figures.py`` (alternative text, name and size of both figures of annex 4). The test here
renders one picture alone and checks both elements that carry its text.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import jinja2
import pytest
from docxtpl import DocxTemplate
from lxml import etree
from PIL import Image

from convgen.overrides import Upstream
from convgen.overrides import docxtpl as overrides
from convgen.overrides.docxtpl import DescribedImage
from tests.overrides.upstream import check_overridden, check_upstream, check_version

NS = {
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
}


def test_the_installed_docxtpl_is_the_pinned_version() -> None:
    check_version(overrides)


@pytest.mark.parametrize("upstream", overrides.UPSTREAM, ids=lambda upstream: upstream.symbol)
def test_the_upstream_code_is_the_one_the_override_was_written_for(upstream: Upstream) -> None:
    check_upstream(overrides, upstream)


def test_the_override_is_recorded() -> None:
    check_overridden(overrides, DescribedImage, "_insert_image")


def test_the_picture_carries_its_alternative_text_and_name(tmp_path: Path) -> None:
    picture = tmp_path / "carte.png"
    Image.new("RGB", (40, 20), "white").save(picture)
    template = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Avant {{ figure }} après")
    document.save(template)
    template.seek(0)
    tpl = DocxTemplate(template)
    image = DescribedImage(tpl, picture, 720_000, 360_000, description="Carte des offres « numériques »", name="carte")
    # autoescaped, as convgen renders: the picture goes through __html__, its text is escaped by lxml
    tpl.render({"figure": image}, jinja_env=jinja2.Environment(autoescape=True))
    out = io.BytesIO()
    tpl.save(out)
    root = etree.fromstring(zipfile.ZipFile(out).read("word/document.xml"))
    (doc_pr,) = root.xpath("//wp:inline/wp:docPr", namespaces=NS)
    (c_nv_pr,) = root.xpath("//pic:cNvPr", namespaces=NS)
    for element in (doc_pr, c_nv_pr):
        assert (element.get("descr"), element.get("name")) == ("Carte des offres « numériques »", "carte")
    (extent,) = root.xpath("//wp:inline/wp:extent", namespaces=NS)
    assert (extent.get("cx"), extent.get("cy")) == ("720000", "360000")
    assert "".join(root.xpath("//w:t/text()", namespaces=NS)) == "Avant  après"  # the text around it is kept
    (run,) = root.xpath("//w:r[w:drawing]", namespaces=NS)
    assert run.xpath("w:t", namespaces=NS) == []  # the picture has a run of its own
