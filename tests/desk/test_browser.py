"""End to end: ``convgen build`` of the 15 conventions and a paper signature, then the dashboard in headless Chromium.

The page is opened from the file system, as a user double-clicking ``build/index.html`` would; the test reads the
DOM Chromium built, checks every row, status and link, and keeps a screenshot (its path is printed).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.processes import marked, marked_env, new_tag
from tests.projects import convgen, copy_project

pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(300)]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NB = "\u00a0"
BROWSER_TIMEOUT = 90


class Dom(HTMLParser):
    """Collect the rows of the table (id, class, header cell, status text), every href and src."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.links: list[str] = []
        self.lang = ""
        self.headers: list[str] = []
        self._row: str | None = None
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note rows, cells, links and images."""
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        if tag == "tr" and "id" in values:
            self._row = values["id"]
            self.rows[self._row] = {"class": values.get("class", ""), "nom": "", "statut": ""}
        if tag == "th" and values.get("scope") == "col":
            self._cell = "col"
            self.headers.append("")
        if tag == "th" and values.get("scope") == "row":
            self._cell = "nom"
        if tag == "span" and values.get("class") in ("etat", "statut"):
            self._cell = "statut"
        for key in ("href", "src"):
            if key in values:
                self.links.append(values[key])

    def handle_endtag(self, tag: str) -> None:
        """Leave the cell or row."""
        if tag in ("th", "td", "span"):
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        """Keep the text of the cells we look at."""
        if self._cell == "col":
            self.headers[-1] += data
        elif self._cell and self._row:
            row = self.rows[self._row]
            row[self._cell] = (row[self._cell] + " " + data).strip() if self._cell == "statut" else data


def chromium(profile: Path, *args: str, tag: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a private profile and no network service; bounded in time."""
    return subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
        check=False,
        env=marked_env(tag),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the 15 conventions, then sign one on paper; return the project."""
    root = copy_project(tmp_path_factory.mktemp("tableau") / "projet")
    result = convgen(root, "build", "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    signed = convgen(root, "sign", "cc-maine-saosnois", "--date", "2024-04-15")
    assert signed.returncode == 0, signed.stdout + signed.stderr
    return root


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium absent : scripts/setup.sh system l’installe")
def test_the_dashboard_in_a_real_browser(built: Path, tmp_path: Path) -> None:
    index = built / "build" / "index.html"
    tag = new_tag()
    dom = chromium(tmp_path / "profil", "--dump-dom", index.as_uri(), tag=tag)
    assert dom.returncode == 0, dom.stderr
    page = Dom()
    page.feed(dom.stdout)
    assert page.lang == "fr"
    assert page.headers == ["Intercommunalité", "Statut", "Signataires", "Actes", "Documents", "Aperçu"]
    assert len(page.rows) == 15
    signed = page.rows["cc-maine-saosnois"]
    assert (signed["class"], signed["nom"], signed["statut"]) == (
        "signee",
        "Communauté de communes Maine Saosnois",
        "Signée signée le 15 avril 2024",
    )
    assert page.rows["cc-sud-sarthe"]["statut"] == "Projet PROJET — délibération de l’intercommunalité à renseigner"
    # Today the programme 2024–2026 has ended: a final convention not signed is not « à signer ».
    assert page.rows["cc-du-pays-flechois"]["statut"].replace("\u00a0", " ") == (
        "Période terminée période terminée le 30 novembre 2026 — non signée ; il faut une nouvelle convention"
    )
    assert not any("Prête à signer" in row["statut"] for row in page.rows.values())
    assert sorted(r["class"] for r in page.rows.values()).count("projet") == 5
    # Sorted by the short name without its kind and article: « CC Le Gesnois Bilurien » under G, before H.
    assert list(page.rows)[:3] == [
        "cc-de-la-champagne-conlinoise-et-du-pays-de-sille",
        "cc-le-gesnois-bilurien",
        "cc-haute-sarthe-alpes-mancelles",
    ]
    assert list(page.rows)[-2:] == ["cc-du-val-de-sarthe", "cc-des-vallees-de-la-braye-et-de-l-anille"]
    assert page.links, "aucun lien"
    for link in page.links:
        assert "://" not in link and not link.startswith("/"), link
        assert (index.parent / link).is_file(), link
    images = [link for link in page.links if link.endswith(".png")]
    assert len(images) == 15

    shot = tmp_path / "tableau-de-bord.png"
    taken = chromium(tmp_path / "profil", f"--screenshot={shot}", "--window-size=1400,2000", index.as_uri(), tag=tag)
    assert taken.returncode == 0, taken.stderr
    assert shot.read_bytes().startswith(b"\x89PNG")
    kept = built / "build" / "tableau-de-bord.png"
    shutil.copy2(shot, kept)
    print(f"\nCapture du tableau de bord : {kept}")
    assert marked(tag) == [], "processus Chromium restés en vie"

    with (built / "build" / "suivi.csv").open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle, delimiter=";"))
    assert len(table) == 16
    by_slug = {line[1]: line for line in table[1:]}
    assert by_slug["cc-maine-saosnois"][2] == "signée le 15 avril 2024"
    assert by_slug["cc-maine-saosnois"][4] == "convention signée le 15 avril 2024"
    assert by_slug["cc-maine-saosnois"][6] == "cc-maine-saosnois/convention-cc-maine-saosnois.pdf"


def test_a_no_op_build_keeps_the_dashboard_and_its_thumbnails(built: Path) -> None:
    build = built / "build"
    thumbnails = sorted(build.glob("*/apercu-*.png"))
    before = {p: p.stat().st_mtime_ns for p in [*thumbnails, build / "index.html", build / "suivi.csv"]}
    result = convgen(built, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert {p: p.stat().st_mtime_ns for p in before} == before
