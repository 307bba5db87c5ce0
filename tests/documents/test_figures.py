"""The two figures of annex 4: inputs named in the data, pictures with an alternative text, a draft without them."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from convgen.data.load import load_sources
from convgen.data.model import Programme
from convgen.documents.checks import check_rendered
from convgen.documents.context import figure_state
from convgen.documents.docxtext import docx_text
from convgen.documents.figures import FIGURE_BOX_EMU
from convgen.documents.render import render_convention
from convgen.errors import DataError
from tests.documents.test_render import TEMPLATES, header_text, make_context
from tests.projects import cli, copy_project, judged_context, without_sample_mark

WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
ROOT = TEMPLATES.parent
ALT_NUAGE = "Nuage des mots les plus souvent cités par les collectivités ayant répondu à la concertation."


def templates_without(tmp_path: Path, *figures: str) -> Path:
    """Return a copy of the templates folder without the given figure files."""
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES, target)
    for name in figures:
        (target / "figures" / name).unlink()
    return target


def pictures(docx: bytes) -> list[etree._Element]:
    """Return the ``wp:docPr`` of every picture of the body."""
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml"))
    return list(root.iter(f"{WP}docPr"))


def test_the_figures_are_named_in_the_data_and_checked() -> None:
    programme = Programme.model_validate(
        {
            "debut": "2023-12-01",
            "fin": "2026-11-30",
            "convention_etat": "2024-02-23",
            "convention_etat_coordinateur": "2024-02-23",
        }
    )
    assert programme.figures.nuage.fichier == "templates/figures/nuage-de-mots.png"
    state = figure_state(programme.figures.carte, TEMPLATES)
    data = (TEMPLATES / "figures" / "carte-offres.png").read_bytes()
    assert state["present"] is True
    assert state["exemple"] is True  # the shipped figures are samples
    assert state["empreinte"] == hashlib.sha256(data).hexdigest()
    assert state["image"] == "figures/carte-offres.png"
    unchecked = figure_state(programme.figures.carte, None)
    assert (unchecked["present"], unchecked["empreinte"]) == (True, "")


def test_the_convention_shows_both_figures_with_their_alternative_text() -> None:
    context = make_context("madame")
    data = render_convention(TEMPLATES, context)
    found = pictures(data)
    assert [p.get("descr") for p in found] == [ALT_NUAGE, context["figures"]["carte"]["texte_alternatif"]]
    assert [p.get("name") for p in found] == ["nuage-de-mots.png", "carte-offres.png"]
    for picture in found:
        extent = picture.getparent().find(f"{WP}extent")
        width, height = int(extent.get("cx")), int(extent.get("cy"))
        assert width <= FIGURE_BOX_EMU[0] and height <= FIGURE_BOX_EMU[1]
        assert FIGURE_BOX_EMU[0] in (width,) or FIGURE_BOX_EMU[1] in (height,)  # as large as the box allows
    nuage = found[0].getparent().find(f"{WP}extent")
    assert int(nuage.get("cx")) == 2 * int(nuage.get("cy"))  # 1600 × 800 pixels: proportions kept
    text = docx_text(data)
    assert "Figure manquante" not in text
    assert check_rendered(data, allow_fill_in=False, context=context) == []
    media = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/media/")]
    assert len(media) >= 2


def test_the_map_caption_is_the_source_s_and_precedes_the_map() -> None:
    text = docx_text(render_convention(TEMPLATES, make_context("madame"))).replace("\u2060", "").replace("\u200b", "")
    assert (
        "Carte des 228\u00a0offres d’accès à un accompagnement numérique en Sarthe\n"
        "(source\u00a0: https://www.sarthe.fr/numerique-usages-services)\n"
        "Un intérêt fort" in text
    )


def judged(templates: Path, **epci_changes: Any) -> dict[str, Any]:
    """Return the context of the sample convention with its figures checked in ``templates`` (as a build does)."""
    from convgen.data.model import Departement, Epci
    from tests.documents.test_render import sample_data

    departement, programme, epci = sample_data("madame")
    return judged_context(
        Departement.model_validate(departement),
        Programme.model_validate(programme),
        Epci.model_validate({**epci, **epci_changes}),
        templates_dir=templates,
    )


def test_a_missing_figure_makes_a_draft_that_says_which(tmp_path: Path) -> None:
    templates = final_templates(tmp_path, without=("carte-offres.png",))
    context = judged(templates)
    assert context["projet"] is True
    assert context["raisons_projet"] == ["figure introuvable\u00a0: templates/figures/carte-offres.png"]
    data = render_convention(templates, context)
    text = docx_text(data)
    assert "[Figure manquante\u00a0: templates/figures/carte-offres.png]" in text
    assert "PROJET" in header_text(data)
    assert [p.get("descr") for p in pictures(data)] == [ALT_NUAGE]
    assert check_rendered(data, allow_fill_in=False, context=context) == []


def test_every_missing_figure_is_a_reason(tmp_path: Path) -> None:
    context = judged(final_templates(tmp_path, without=("nuage-de-mots.png", "carte-offres.png")))
    assert context["projet"] is True
    assert context["raisons_projet"] == [
        "figure introuvable\u00a0: templates/figures/nuage-de-mots.png",
        "figure introuvable\u00a0: templates/figures/carte-offres.png",
    ]


def test_an_unreadable_figure_is_a_draft_too(tmp_path: Path) -> None:
    templates = final_templates(tmp_path)
    (templates / "figures" / "nuage-de-mots.png").write_bytes(b"pas une image")
    checked = judged(templates)
    assert checked["projet"] is True
    assert checked["raisons_projet"] == [
        "figure illisible (image PNG ou JPEG attendue)\u00a0: templates/figures/nuage-de-mots.png"
    ]


def test_a_sample_figure_is_a_reason_named_per_file(tmp_path: Path) -> None:
    shipped = judged(TEMPLATES)
    assert shipped["projet"] is True
    assert shipped["raisons_projet"] == [
        "figure d’exemple\u00a0: templates/figures/nuage-de-mots.png",
        "figure d’exemple\u00a0: templates/figures/carte-offres.png",
    ]
    templates = final_templates(tmp_path)
    assert judged(templates)["projet"] is False  # the same pictures without the sample mark: final again
    (templates / "figures" / "carte-offres.png").write_bytes((TEMPLATES / "figures" / "carte-offres.png").read_bytes())
    assert judged(templates)["raisons_projet"] == ["figure d’exemple\u00a0: templates/figures/carte-offres.png"]


def final_templates(tmp_path: Path, without: tuple[str, ...] = ()) -> Path:
    """Return a copy of the templates whose figures are final (no sample mark), less the files ``without``."""
    target = templates_without(tmp_path, *without)
    for figure in (target / "figures").glob("*.png"):
        figure.write_bytes(without_sample_mark(figure.read_bytes()))
    return target


def make_programme(**changes: Any) -> Programme:
    """Return the programme of the sample data with some keys replaced."""
    from tests.documents.test_render import sample_data

    return Programme.model_validate({**sample_data("madame")[1], **changes})


@pytest.mark.parametrize(
    "fichier", ["../secret.png", "templates/figures/carte.gif", "figures/carte.png", "templates/figures/a b.png"]
)
def test_a_figure_outside_the_figures_folder_is_refused_with_its_line(fichier: str) -> None:
    departement = (ROOT / "departement.yaml").read_text(encoding="utf-8")
    changed = departement.replace("fichier: templates/figures/carte-offres.png", f'fichier: "{fichier}"')
    assert changed != departement
    epci = (ROOT / "epci" / "cc-maine-saosnois.yaml").read_bytes()
    with pytest.raises(DataError) as caught:
        load_sources({"departement.yaml": changed.encode(), "epci/cc-maine-saosnois.yaml": epci})
    (problem,) = caught.value.problems
    line = next(n for n, text in enumerate(changed.splitlines(), start=1) if fichier in text)
    assert (problem.path, problem.line) == ("departement.yaml", line)
    assert "fichier de figure" in problem.message


def test_convgen_check_warns_of_a_missing_figure_and_of_values_to_confirm(tmp_path: Path) -> None:
    copy_project(tmp_path, templates=False)  # templates_without copies the shipped templates (sample figures)
    templates_without(tmp_path, "carte-offres.png")
    result = cli(tmp_path, "check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "En projet (15) — ces documents ne sont pas à signer :" in lines
    assert (
        "  - cc-des-vallees-de-la-braye-et-de-l-anille (convention) : valeur à confirmer : siège ; "
        "figure d’exemple : templates/figures/nuage-de-mots.png ; "
        "figure introuvable : templates/figures/carte-offres.png"
    ) in lines
    assert not [line for line in lines if line.startswith("Attention")]
