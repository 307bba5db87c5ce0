"""Every kind of document is set as the convention is: French non-breaking spaces, names on one line.

Real LibreOffice: the shipped conventions, and three avenants a jurist reads before signing (an annex
replaced for an intercommunality whose president's title runs to three lines, Article 7 extended after an
avenant n° 1, a change of name after avenants n° 1 and 2), with their comparatifs and consolidated versions.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from convgen.acts.register import load_register, new_act, write_register
from convgen.data.load import load_project
from convgen.documents.docxtext import docx_text
from convgen.documents.french import MONTHS, spacing
from tests.projects import cli, copy_project

pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(400)]

LONG_TITLE = "cc-des-vallees-de-la-braye-et-de-l-anille"  # « Le Président de la Communauté de communes des Vallées… »
EXTENDED = "cc-maine-saosnois"
RENAMED = "cc-du-pays-flechois"
NEW_NAME = "Communauté de communes du Pays Fléchois et de la Vallée du Loir"
INVISIBLE = str.maketrans("", "", "\u2060\u200b")


def _edit(root: Path, slug: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / "epci" / f"{slug}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _signed(root: Path, slug: str, avenants: int) -> None:
    """Record the convention of ``slug`` as signed, then ``avenants`` avenants, with the shipped data."""
    departement = root / "departement.yaml"
    text = departement.read_text(encoding="utf-8")
    departement.write_text(
        text.replace("  # deliberation_avenant: AAAA-MM-JJ", "  deliberation_avenant: 2025-06-10"), encoding="utf-8"
    )
    project = load_project(root)
    registre = load_register(root, slug)
    registre = registre.with_act(
        new_act(slug, 0, dt.date(2024, 4, 15), "ab" * 32, project.epcis[slug], project.programme)
    )
    for numero in range(1, avenants + 1):
        signed = dt.date(2024, 9 + numero, 1)
        registre = registre.with_act(new_act(slug, numero, signed, "cd" * 32, project.epcis[slug], project.programme))
    write_register(root, registre)


def _run(root: Path, *args: str) -> None:
    result = cli(root, *args)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the conventions and the three avenants; return each output's build folder by kind."""
    roots = {}
    root = roots["ressources"] = copy_project(tmp_path_factory.mktemp("ressources"))
    _signed(root, LONG_TITLE, 0)
    _edit(
        root,
        LONG_TITLE,
        lambda d: (
            d["ressources"]["materiels"].append("Trois ordinateurs portables pour les ateliers du 30 novembre"),
            d.update(deliberation_avenant="2025-06-12"),
        ),
    )
    _run(root, "build")
    _run(root, "amend")
    root = roots["duree"] = copy_project(tmp_path_factory.mktemp("duree"))
    _signed(root, EXTENDED, 1)
    departement = root / "departement.yaml"
    departement.write_text(
        departement.read_text(encoding="utf-8").replace("fin: 2026-11-30", "fin: 2027-11-30"), encoding="utf-8"
    )
    _edit(root, EXTENDED, lambda d: d.update(deliberation_avenant="2025-06-12"))
    _run(root, "amend")
    root = roots["nom"] = copy_project(tmp_path_factory.mktemp("nom"))
    _signed(root, RENAMED, 2)
    _edit(
        root,
        RENAMED,
        lambda d: d.update(
            nom=NEW_NAME,
            deliberation_avenant="2025-06-12",
            arrete_prefectoral={"date": "2025-01-15", "reference": "DCPPAT 2025-0012"},
        ),
    )
    _run(root, "amend")
    return {kind: root / "build" for kind, root in roots.items()}


def _files(outputs: dict[str, Path], suffix: str) -> dict[str, Path]:
    """Return every output of the given suffix, named by its file name."""
    found = {p.name: p for build in outputs.values() for p in sorted(build.glob(f"*/*{suffix}"))}
    kinds = {re.sub(r"-cc-.*", "", name) for name in found}
    assert {"convention", "avenant-01", "avenant-02", "avenant-03"} <= kinds, sorted(found)
    assert any(n.endswith(f"-comparatif{suffix}") for n in found) or suffix == ".pdf"
    assert any(n.endswith(f"-consolidee{suffix}") for n in found)
    return found


def test_every_document_has_the_non_breaking_spaces_of_the_convention(outputs: dict[str, Path]) -> None:
    documents = _files(outputs, ".docx")
    assert len(documents) >= 15 + 3 + 3 + 2
    for name, path in documents.items():
        for line in docx_text(path).translate(INVISIBLE).splitlines():
            assert spacing(line) == line, f"{name} : « {line} »"
    avenant = docx_text(outputs["nom"] / RENAMED / f"avenant-03-{RENAMED}.docx")
    for expected in (
        "ENTRE\u00a0:",
        "AVENANT N°\u00a03",
        "Vu l’avenant n°\u00a01 à cette convention, signé le 1er\u00a0octobre\u00a02024,",
        "les mentions de la «\u00a0Communauté de communes du Pays Fléchois\u00a0» s’entendent",
        "IL A ÉTÉ CONVENU CE QUI SUIT\u00a0:",
        "article L.\u00a05211-20",
    ):
        assert expected in avenant
    extension = docx_text(outputs["duree"] / EXTENDED / f"avenant-02-{EXTENDED}.docx")
    assert "du 1er\u00a0décembre\u00a02023 au 30\u00a0novembre\u00a02027." in extension
    comparatif = docx_text(outputs["nom"] / RENAMED / f"avenant-03-{RENAMED}-comparatif.docx")
    assert "avenant n°\u00a03" in comparatif


def _pdf_lines(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def test_no_line_ends_on_an_opening_guillemet_or_a_day(outputs: dict[str, Path]) -> None:
    day = re.compile(r"(?:^|\s)(?:1er|\d{1,2})$")
    months = tuple(MONTHS)
    pdfs = _files(outputs, ".pdf")
    for name, pdf in pdfs.items():
        lines = _pdf_lines(pdf)
        for line, following in itertools.pairwise(lines):
            assert not line.endswith("«"), f"{name} : « {line} »"
            assert not (day.search(line) and following.startswith(months)), f"{name} : « {line} » / « {following} »"
            assert not (re.search(rf"\b(?:{'|'.join(MONTHS)})$", line) and re.match(r"\d{4}\b", following)), name


def _words(pdf: Path) -> Iterator[tuple[int, float, float, float, float, str]]:
    """Yield each word of the PDF: page, left, right, top and bottom of its box, text."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True))
    for number, page in enumerate(root.iter("{*}page"), start=1):
        for word in page.iter("{*}word"):
            left, right, top, bottom = (float(word.get(k)) for k in ("xMin", "xMax", "yMin", "yMax"))
            yield number, left, right, top, bottom, word.text or ""


def test_the_signatories_names_stand_on_one_line_whatever_their_titles(outputs: dict[str, Path]) -> None:
    for pdf in (
        outputs["ressources"] / LONG_TITLE / f"avenant-01-{LONG_TITLE}.pdf",
        outputs["ressources"] / LONG_TITLE / f"convention-{LONG_TITLE}.pdf",
        outputs["nom"] / RENAMED / f"avenant-03-{RENAMED}.pdf",
    ):
        words = list(_words(pdf))
        texts = [w[5] for w in words]
        assert "l’Anille" in texts or "Loir" in texts  # the long title, on its third line
        departement = [w for w in words if w[5] == "MÈNER"][-1]  # the signature block: no comma after the name
        epci = [w for w in words if w[5] in ("ÉCHANTILLON", "DÉMO") and w[0] == departement[0]]
        assert len(epci) == 1, pdf.name
        assert abs(epci[0][4] - departement[4]) < 0.5, (pdf.name, epci, departement)


def test_the_widest_gap_between_two_words_is_three_spaces(outputs: dict[str, Path]) -> None:
    pdfs = [p for n, p in _files(outputs, ".pdf").items() if n.startswith(("convention-", "avenant-"))]
    loose = [gap for pdf in pdfs for gap in loose_lines(pdf)]
    assert loose == []


def loose_lines(pdf: Path, widest: float = 3.0) -> list[str]:
    """Return the justified lines of ``pdf`` whose gaps between words are wider than ``widest`` spaces.

    A line is the words of one page on one baseline; it is justified when its gaps are even (a table row's
    are not). A space is 0.278 em of Liberation Sans, the em read from the height of the words' boxes
    (1.149 em).
    """
    rows: dict[tuple[int, float], list[tuple[float, float, float, str]]] = collections.defaultdict(list)
    for page, left, right, top, bottom, text in _words(pdf):
        rows[(page, round(bottom, 1))].append((left, right, bottom - top, text))
    found = []
    for (page, _), words in sorted(rows.items()):
        words.sort()
        gaps = [b[0] - a[1] for a, b in itertools.pairwise(words)]
        if len(gaps) < 2:
            continue
        space = 0.278 * words[0][2] / 1.149
        if min(gaps) > widest * space and max(gaps) - min(gaps) < 0.5:
            line = " ".join(w[3] for w in words)
            found.append(f"{pdf.name}, page {page} : « {line} » ({min(gaps) / space:.1f} espaces)")
    return found
