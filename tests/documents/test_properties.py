"""Property: any data the model accepts renders into a well-formed DOCX that holds every value exactly."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree
from pydantic import ValidationError

from convgen.data.load import load_project
from convgen.data.model import Epci
from convgen.documents.checks import check_rendered
from convgen.documents.docxtext import docx_text
from convgen.documents.french import typography, upper_name
from convgen.documents.render import render_convention
from tests.projects import judged_context

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
PROJECT = load_project(REPO)
BASE = next(iter(PROJECT.epcis.values())).model_dump(mode="json")

# Letters of many scripts, quotes, XML specials, French punctuation, template-like braces.
ALPHABET = st.sampled_from(list("abcXYZéÉèçÇàœŒßÑñüÜøØåÅłŁčřžЖжΩωأبדש中文") + list("'’\"«»&<>:;?!.,-–()[]{}%#/@+=*"))
WORD = st.text(ALPHABET, min_size=1, max_size=12)
TEXT = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
NAME_WORD = st.text(st.sampled_from(list("abcXYZéÉèçÇàœŒßÑñüÜøØåÅłŁčřžЖжΩωأبדש中文'’-.")), min_size=1, max_size=12)
NAME = st.lists(NAME_WORD, min_size=1, max_size=3).map(" ".join)
LONG = st.lists(WORD, min_size=20, max_size=40).map(" ".join).map(lambda s: s[:480].strip())


def normalize(text: str) -> str:
    """Fold the spaces the document may set differently (non-breaking ones included), drop invisible breaks."""
    text = text.replace("\u200b", "").replace("\u2060", "")
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@st.composite
def epci_data(draw: st.DrawFn) -> dict[str, Any]:
    """Return EPCI data with arbitrary texts in every free-text field."""
    data: dict[str, Any] = {**BASE}
    data["nom"] = draw(TEXT)
    data["siege"] = draw(TEXT)
    data["president"] = {**BASE["president"], "prenom": draw(NAME), "nom": draw(NAME)}
    data["referent"] = {**BASE["referent"], "fonction": draw(TEXT), "nom": draw(NAME)}
    data["ressources"] = {"materiels": [draw(LONG)], "communication": [draw(TEXT)]}
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(epci_data())
def test_any_accepted_data_renders_exactly(data: dict[str, Any]) -> None:
    try:
        epci = Epci.model_validate(data)
    except ValidationError:
        assume(False)
        raise
    context = judged_context(PROJECT.departement, PROJECT.programme, epci)
    docx = render_convention(TEMPLATES, context)
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                etree.fromstring(archive.read(name))  # well-formed, or this raises
    text = normalize(docx_text(docx))
    expected = [
        typography(epci.nom),
        typography(epci.siege),
        typography(epci.president.prenom),
        typography(upper_name(epci.president.nom)),
        typography(epci.referent.fonction),
        typography(upper_name(epci.referent.nom)),
        typography(epci.ressources.materiels[0]),
        typography(epci.ressources.communication[0]),
    ]
    for value in expected:
        assert normalize(value) in text, value
    assert check_rendered(docx, allow_fill_in=False, context=context) == []


@pytest.mark.parametrize("value", ["{{ 7*7 }}", "{% if true %}x{% endif %}", "None", "<w:t>&amp;</w:t>"])
def test_template_like_values_stay_literal(value: str) -> None:
    epci = Epci.model_validate({**BASE, "siege": value})
    context = judged_context(PROJECT.departement, PROJECT.programme, epci)
    docx = render_convention(TEMPLATES, context)
    text = normalize(docx_text(docx))
    assert f"siège : {normalize(typography(value))})" in text
    assert "siège : 49" not in text
    assert check_rendered(docx, allow_fill_in=False, context=context) == []
