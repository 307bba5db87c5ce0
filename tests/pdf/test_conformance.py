"""PDF/A-2b and PDF/UA-1 with an independent validator, and signature fields in their columns.

The validator is ``page-validation`` (``import page``). The 15 conventions are built once per module with the real
LibreOffice, as ``convgen build`` does; an avenant to sign, a draft avenant and a consolidated version are built
once by ``convgen amend`` from a register of signed acts, as ``tests/recipes/test_amend.py`` does.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import page
import pikepdf
import pytest

from convgen.errors import RenderError
from convgen.pdf import finish
from convgen.pdf.finish import SignatureField, finalize_pdf
from convgen.pdf.streams import streams_ending_in_cr
from tests import projects
from tests.amending import (
    OTHER,
    SLUG,
    edit_epci,
    read_epci,
    record,
    referents_by_avenant,
    set_departement_deliberation,
    write_epci,
)
from tests.projects import cli, convgen, drafts

# LibreOffice runs here: the module's first test also pays for its builds (limit per test, in seconds).
pytestmark = pytest.mark.timeout(400)

REPO = Path(__file__).resolve().parents[2]
SLUGS = sorted(p.stem for p in (REPO / "epci").glob("*.yaml"))
DRAFTS = set(drafts())  # no deliberation yet, values to confirm, or a missing figure
FINALS = [slug for slug in SLUGS if slug not in DRAFTS]
PROFILES = ("2b", "ua1")
CM = 72 / 2.54
MARGIN = 2.5 * CM  # the templates' page margins
A4_WIDTH, A4_HEIGHT = 595.28, 841.89
EPOCH = datetime(2024, 4, 11, 12, 0, tzinfo=UTC)
FIELDS = [
    SignatureField("signature_intercommunalite", "Didier FACTICE", "SignatureIntercommunalite"),
    SignatureField("signature_departement", "Dominique LE MÈNER", "SignatureDepartement"),
]


def copy_project(dest: Path) -> Path:
    """Copy the repository's data and templates to ``dest``, signed electronically (the acts carry their fields)."""
    return projects.copy_project(dest, electronic=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the 15 conventions (DOCX and PDF) in a copy of the project; return the project."""
    project = copy_project(tmp_path_factory.mktemp("conformite") / "projet")
    result = convgen(project, "build", "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return project


@pytest.fixture(scope="module")
def amended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sign a convention and its avenant 1 in the register, change the data again, then run ``convgen amend``.

    Builds avenant 2 of SLUG (to sign), the consolidated convention integrating avenant 1, and a draft
    avenant 1 of OTHER (its deliberation is not known yet).
    """
    root = copy_project(tmp_path_factory.mktemp("avenants") / "projet")
    referents_by_avenant(root)
    record(root, SLUG, "2024-04-15")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2025-03-11")
    set_departement_deliberation(root, "2025-03-10")
    record(root, SLUG, "2025-03-20")
    data = read_epci(root)
    data["ressources"]["materiels"].insert(1, "Salle informatique de la médiathèque de Mamers")
    data["deliberation_avenant"] = datetime(2025, 9, 16).date()
    write_epci(root, data)
    set_departement_deliberation(root, "2025-09-15")
    record(root, OTHER, "2024-05-02")
    edit_epci(root, OTHER, referent__courriel="referent.nouveau@exemple.fr")
    result = cli(root, "amend")
    assert result.exit_code == 0, result.output
    return root


def amend_outputs(root: Path) -> dict[str, Path]:
    """Return the PDFs ``convgen amend`` built, by kind."""
    return {
        "avenant": root / "build" / SLUG / f"avenant-02-{SLUG}.pdf",
        "consolidée": root / "build" / SLUG / f"convention-{SLUG}-consolidee.pdf",
        "avenant en projet": root / "build" / OTHER / f"avenant-01-{OTHER}.pdf",
    }


def convention(project: Path, slug: str) -> Path:
    """Return the path of a built convention."""
    return project / "build" / slug / f"convention-{slug}.pdf"


def assert_compliant(path: Path) -> None:
    """Assert that page-validation finds ``path`` PDF/A-2b and PDF/UA-1 compliant, listing the failures if not."""
    problems = []
    for profile in PROFILES:
        report = page.validate_pdf(path, profile=profile)
        if not report.is_compliant:
            problems += [f"{profile} {f.rule_id} : {f.message} ({f.object_id})" for f in report.failures]
    assert not problems, f"{path.name} :\n" + "\n".join(problems)


# --------------------------------------------------------------------------- conformance


@pytest.mark.libreoffice
@pytest.mark.parametrize("slug", SLUGS)
def test_every_convention_is_pdfa_2b_and_pdfua_1(built: Path, slug: str) -> None:
    assert_compliant(convention(built, slug))


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["avenant", "consolidée", "avenant en projet"])
def test_avenants_and_consolidated_version_are_pdfa_2b_and_pdfua_1(amended: Path, kind: str) -> None:
    path = amend_outputs(amended)[kind]
    with pikepdf.open(path) as pdf:
        form = pdf.Root.get("/AcroForm")
        fields = sorted(str(f.T) for f in form.Fields) if form is not None else []
    assert fields == (["signature_departement", "signature_intercommunalite"] if kind == "avenant" else [])
    assert_compliant(path)


@pytest.mark.libreoffice
def test_accessibility_entries(built: Path) -> None:
    for slug in (FINALS[0], sorted(DRAFTS)[0]):
        with pikepdf.open(convention(built, slug)) as pdf:
            assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
            assert str(pdf.Root.Lang) == "fr-FR"
            assert pdf.Root.MarkInfo.Marked is True
            assert pdf.open_metadata().get("pdfuaid:part") == "1"
            role_map = pdf.Root.StructTreeRoot.RoleMap
            assert all(str(role_map[key]) != key for key in role_map)
            for number, each in enumerate(pdf.pages, start=1):
                if "/Annots" in each.obj:
                    assert each.obj.Tabs == pikepdf.Name.S, f"{slug} page {number}"


@pytest.mark.libreoffice
def test_every_widget_is_a_tagged_form_with_a_description(built: Path) -> None:
    with pikepdf.open(convention(built, FINALS[0])) as pdf:
        tree = pdf.Root.StructTreeRoot
        nums = tree.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        assert int(tree.ParentTreeNextKey) > max(parents)
        for field in pdf.Root.AcroForm.Fields:
            element = parents[int(field.StructParent)]
            assert str(element.S) == "/Form"
            assert element.K.Type == pikepdf.Name.OBJR and element.K.Obj.objgen == field.objgen
            assert str(element.Alt) == str(field.TU) and str(field.TU).startswith("Signature : ")
            assert element.P.S == pikepdf.Name.TD  # in the signatory's cell, before the name
            kids = list(element.P.K)
            at = next(i for i, kid in enumerate(kids) if kid.objgen == element.objgen)
            assert at == len(kids) - 2


# --------------------------------------------------------------------------- signature fields


@dataclass(frozen=True)
class Line:
    """A line of text as pdftotext lays it out, in PDF user space (origin bottom left)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def centre(self) -> float:
        """Return the line's horizontal middle."""
        return (self.x0 + self.x1) / 2


def page_lines(path: Path, number: int) -> tuple[list[Line], list[Line]]:
    """Return the lines and the words of one page (1-based), as ``pdftotext -bbox-layout`` finds them."""
    html = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", str(number), "-l", str(number), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))  # type: ignore[union-attr]
    box = r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"'
    lines, words = [], []
    for attributes, body in re.findall(r"<line (.*?)>(.*?)</line>", html, re.S):
        x0, y0, x1, y1 = (float(v) for v in re.search(box, attributes).groups())  # type: ignore[union-attr]
        found = [(w, *map(float, (a, b, c, d))) for a, b, c, d, w in re.findall(box + r">([^<]*)</word>", body)]
        words += [Line(w, a, height - d, c, height - b) for w, a, b, c, d in found]
        lines.append(Line(" ".join(w for w, *_ in found), x0, height - y1, x1, height - y0))
    return lines, words


def cell_bounds(pdf: Any, element: Any) -> tuple[float, float]:
    """Return the left and right of the table cell holding a Form element (Table /BBox split by the TD /Width)."""
    cell = element.P
    row = cell.P
    table = row.P
    while str(table.S) != "/Table":
        table = table.P

    def attribute(item: Any, key: str) -> Any:
        listed = item.A if isinstance(item.A, pikepdf.Array) else [item.A]
        return next(entry[key] for entry in listed if key in entry)

    x0, _, x1, _ = (float(v) for v in attribute(table, "/BBox"))
    cells = [kid for kid in row.K if kid.S == pikepdf.Name.TD]
    widths = [float(attribute(kid, "/Width")) for kid in cells]
    at = next(i for i, kid in enumerate(cells) if kid.objgen == cell.objgen)
    left = x0 + (x1 - x0) * sum(widths[:at]) / sum(widths)
    return left, left + (x1 - x0) * widths[at] / sum(widths)


def check_fields(path: Path) -> dict[str, tuple[tuple[float, ...], tuple[float, float]]]:
    """Check both signature fields of a PDF against the words of their page; return name → (rect, column)."""
    checked = {}
    with pikepdf.open(path) as pdf:
        tree = pdf.Root.StructTreeRoot
        nums = tree.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        fields = {str(field.T): field for field in pdf.Root.AcroForm.Fields}
        assert sorted(fields) == ["signature_departement", "signature_intercommunalite"]
        (number,) = {
            i for i, each in enumerate(pdf.pages, start=1) for f in fields.values() if each.obj.objgen == f.P.objgen
        }
        lines, words = page_lines(path, number)
        for name, field in fields.items():
            rect = x0, y0, x1, y1 = tuple(float(v) for v in field.Rect)
            centre = (x0 + x1) / 2
            label = f"{path.name} {name} {rect}"
            # Within the page's text margins, and about 6.5 × 2.5 cm.
            assert MARGIN <= x0 < x1 <= A4_WIDTH - MARGIN and MARGIN <= y0 < y1 <= A4_HEIGHT - MARGIN, label
            assert 4 * CM <= x1 - x0 <= 6.5 * CM + 0.1 and y1 - y0 == pytest.approx(2.5 * CM, abs=0.1), label
            # Overlapping no word.
            for word in words:
                assert not (word.x0 < x1 and x0 < word.x1 and word.y0 < y1 and y0 < word.y1), f"{label} : {word}"
            # Just below: the printed name, centred like the field; just above: the title's last line, centred too.
            below = [line for line in lines if line.y1 <= y0 and line.x0 < x1 and x0 < line.x1]
            name_line = max(below, key=lambda line: line.y1)
            assert name_line.text == str(field.TU).removeprefix("Signature : "), label
            assert name_line.centre == pytest.approx(centre, abs=2), label
            above = [line for line in lines if line.y0 >= y1 and line.x0 < x1 and x0 < line.x1]
            title = min(above, key=lambda line: line.y0)
            assert title.centre == pytest.approx(centre, abs=2), f"{label} : {title}"
            # In its table cell, centred on it.
            left, right = cell_bounds(pdf, parents[int(field.StructParent)])
            assert left <= x0 and x1 <= right, f"{label} : colonne {left:.2f}–{right:.2f}"
            assert centre == pytest.approx((left + right) / 2, abs=2), f"{label} : colonne {left:.2f}–{right:.2f}"
            checked[name] = (rect, (left, right))
    # Intercommunality on the left, Département on the right; each clear of the other column's words.
    inter, dept = checked["signature_intercommunalite"][0], checked["signature_departement"][0]
    assert inter[2] < dept[0], path.name
    middle = (inter[2] + dept[0]) / 2
    band = [w for w in words if w.y1 > min(inter[1], dept[1]) - 20 and w.y0 < max(inter[3], dept[3]) + 40]
    assert all(w.x0 > inter[2] for w in band if w.x0 > middle), path.name
    assert all(w.x1 < dept[0] for w in band if w.x1 < middle), path.name
    return checked


@pytest.mark.libreoffice
@pytest.mark.parametrize("slug", FINALS)
def test_signature_fields_sit_in_their_columns(built: Path, slug: str) -> None:
    check_fields(convention(built, slug))


@pytest.mark.libreoffice
def test_avenant_signature_fields_sit_in_their_columns(amended: Path) -> None:
    check_fields(amend_outputs(amended)["avenant"])


@pytest.mark.libreoffice
def test_drafts_have_no_signature_field(built: Path) -> None:
    for slug in sorted(DRAFTS):
        with pikepdf.open(convention(built, slug)) as pdf:
            assert "/AcroForm" not in pdf.Root
            assert all(a.get("/Subtype") != "/Widget" for p in pdf.pages for a in p.obj.get("/Annots", []))


# --------------------------------------------------------------------------- reproducible finishing


@pytest.fixture(scope="module")
def raw(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Convert one built DOCX again, to finish it in the tests below."""
    from convgen.pdf.pool import Converter

    target = tmp_path_factory.mktemp("brut") / "convention.brut.pdf"
    with Converter(workers=1, work_dir=tmp_path_factory.mktemp("profil")) as converter:
        converter.convert(built / "build" / FINALS[0] / f"convention-{FINALS[0]}.docx", target)
    return target


@pytest.mark.libreoffice
def test_finishing_twice_gives_the_same_bytes(raw: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "un" / "convention.pdf", tmp_path / "deux" / "convention.pdf"
    for target in (first, second):
        finalize_pdf(raw, target, metadata={"Title": "Convention"}, signature_fields=FIELDS, epoch=EPOCH)
    assert first.read_bytes() == second.read_bytes()
    assert_compliant(first)


@pytest.mark.libreoffice
def test_an_object_stream_ending_in_cr_makes_a_linearized_file(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = streams_ending_in_cr

    def first_layout_fails(path: Path) -> list[tuple[int, int]]:
        with pikepdf.open(path) as pdf:
            linearized = pdf.is_linearized
        return real(path) or ([] if linearized else [(1, 0)])

    monkeypatch.setattr(finish, "streams_ending_in_cr", first_layout_fails)
    outputs = [tmp_path / "un.pdf", tmp_path / "deux.pdf"]
    for target in outputs:
        finalize_pdf(raw, target, metadata={"Title": "Convention"}, signature_fields=FIELDS, epoch=EPOCH)
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    with pikepdf.open(outputs[0]) as pdf:
        assert pdf.is_linearized
    assert_compliant(outputs[0])


@pytest.mark.libreoffice
def test_a_stream_ending_in_cr_in_every_layout_is_refused(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(finish, "streams_ending_in_cr", lambda path: [(7, 0)])
    target = tmp_path / "convention.pdf"
    with pytest.raises(RenderError, match=r"convention\.pdf : le flux 7 0 R du PDF se termine par un retour chariot"):
        finalize_pdf(raw, target, metadata={"Title": "Convention"}, signature_fields=FIELDS, epoch=EPOCH)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.libreoffice
def test_the_watermark_of_a_draft_is_drawn_over_its_figures(built: Path) -> None:
    """Each page of a draft draws its PROJET again after everything else, half transparent (PDF/A-2b checked above)."""
    slug = sorted(DRAFTS)[0]
    with pikepdf.open(convention(built, slug)) as pdf:
        figures = 0
        for page in pdf.pages:
            operators = [str(op) for _, op in pikepdf.parse_content_stream(page)]
            last_text = max(i for i, op in enumerate(operators) if op in ("Tj", "TJ"))
            assert operators[-4:] == ["ET", "Q", "Q", "EMC"]  # the watermark, last
            assert "gs" in operators[last_text - 30 : last_text]  # the raised watermark's opacity
            drawn = [i for i, op in enumerate(operators) if op == "Do"]
            figures += bool(drawn)
            assert all(i < last_text for i in drawn)  # the figures lie under it
            states = page.obj.Resources.ExtGState
            assert [float(s.ca) for s in states.values() if "/ca" in s] == [0.35]
        assert figures >= 2  # the two figures of annex 4
    with pikepdf.open(convention(built, FINALS[0])) as pdf:  # a convention to sign has no watermark
        assert all("/ExtGState" not in page.obj.Resources for page in pdf.pages)
