"""The annex's template composed into the templates that print it (``convgen/documents/compose.py``)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import docx
import pytest

from convgen.documents.compose import composed_template
from convgen.documents.docxtext import docx_text
from convgen.documents.render import ANNEXE, ANNEXE_FIELD, CONVENTION, render_annexe, render_convention
from convgen.errors import TemplateError
from tests.documents.test_render import make_context

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
LABELS = ("convention.docx", "annexe.docx")


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_the_annex_s_template_takes_the_place_of_its_paragraph_once() -> None:
    composed = paragraphs(composed_template(TEMPLATES / CONVENTION, TEMPLATES / ANNEXE, ANNEXE_FIELD, LABELS))
    annex = [text for text in paragraphs((TEMPLATES / ANNEXE).read_bytes()) if text]
    assert not any(f"{{{{p {ANNEXE_FIELD} }}}}" in text for text in composed)
    start = composed.index(annex[0])
    assert [text for text in composed[start:] if text][: len(annex)] == annex
    assert composed.count(annex[0]) == 1


def test_the_convention_prints_the_annex_as_the_annex_alone_reads() -> None:
    context = make_context("monsieur")
    convention = docx_text(render_convention(TEMPLATES, context))
    annex = docx_text(render_annexe(TEMPLATES, context)).split("[corps]\n", 1)[1].split("\n[pied de page]")[0]
    assert annex.startswith("ANNEXE 3 – RESSOURCES MISES À DISPOSITION ET RÉFÉRENTS DÉSIGNÉS\n")
    assert convention.count(f"\n{annex}\n") == 1


@pytest.mark.parametrize(("times", "found"), [(0, "0 fois"), (2, "2 fois")])
def test_a_template_without_the_paragraph_or_with_two_is_refused(tmp_path: Path, times: int, found: str) -> None:
    document = docx.Document(str(TEMPLATES / CONVENTION))
    places = [p for p in document.paragraphs if f"{{{{p {ANNEXE_FIELD} }}}}" in p.text]
    assert len(places) == 1
    if times == 0:
        places[0].text = "Annexe jointe."
    else:
        places[0].insert_paragraph_before(f"{{{{p {ANNEXE_FIELD} }}}}")
    template = tmp_path / CONVENTION
    document.save(str(template))
    shutil.copy(TEMPLATES / ANNEXE, tmp_path / ANNEXE)
    with pytest.raises(TemplateError) as caught:
        composed_template(template, tmp_path / ANNEXE, ANNEXE_FIELD, LABELS)
    assert str(caught.value) == (
        f"convention.docx : le paragraphe {{{{p {ANNEXE_FIELD} }}}} doit y être une fois exactement "
        f"(trouvé {found}) pour y mettre annexe.docx"
    )
