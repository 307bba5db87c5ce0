"""The dashboard on a phone (390 × 844) in headless Chromium: nothing cut, no sideways scrolling.

The page is the one ``convgen`` writes, from rows as long as the real ones get (no LibreOffice needed). Headless
Chromium keeps a window at least 500 pixels wide, so the page is shown in a 390 × 844 frame, as a phone's
viewport: a script appended to a copy measures the layout there and sends the figures to the framing page, which
writes them into the DOM that ``--dump-dom`` prints. The screenshot is kept and its path printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image

from convgen.desk.dashboard import dashboard_html, thumbnail_name
from convgen.desk.status import Link, Row, sort_key
from tests.desk.test_browser import CHROMIUM, chromium
from tests.processes import new_tag

WIDTH, HEIGHT = 390, 844
MEASURE = """
<script>
addEventListener("load", () => {
  const width = innerWidth;
  const out = [];
  for (const element of document.querySelectorAll("caption, h1, p, th, td, li, img, a, span")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const hidden = element.closest("thead") !== null;
    if (!hidden && (box.left < -0.5 || box.right > width + 0.5)) {
      out.push({tag: element.tagName, text: element.textContent.slice(0, 60), left: box.left, right: box.right});
    }
  }
  const caption = document.querySelector("caption").getBoundingClientRect();
  const result = {
    innerWidth: width,
    scrollWidth: document.scrollingElement.scrollWidth,
    outside: out,
    captionRight: caption.right,
    labels: [...document.querySelectorAll("tbody tr:first-child td")].map(
      (td) => getComputedStyle(td, "::before").content),
  };
  parent.postMessage(JSON.stringify(result), "*");
});
</script>
"""
FRAME = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><style>body{{margin:0}}</style></head><body>
<iframe src="index.html" title="Tableau de bord" style="width:{WIDTH}px;height:{HEIGHT}px;border:0;display:block"></iframe>
<script>
addEventListener("message", (event) => {{
  const pre = document.createElement("pre");
  pre.id = "mesures";
  pre.textContent = event.data;
  document.body.append(pre);
}});
</script></body></html>
"""

LONG = "Communauté de communes de la Champagne Conlinoise et du Pays de Sillé"


def rows() -> list[Row]:
    """Return rows as long as the shipped data makes them: long names, two signatories, four documents."""
    slug = "cc-de-la-champagne-conlinoise-et-du-pays-de-sille"
    documents = tuple(
        Link(label, f"{slug}/{name}", kind)
        for label, name, kind in (
            ("Convention (DOCX)", f"convention-{slug}.docx", "acte"),
            ("Convention (PDF)", f"convention-{slug}.pdf", "acte"),
            ("Avenant n° 1 (PDF)", f"avenant-01-{slug}.pdf", "acte"),
            ("Comparatif de l’avenant n° 1 (DOCX)", f"avenant-01-{slug}-comparatif.docx", "comparatif"),
        )
    )
    first = Row(
        slug,
        LONG,
        "avenant-projet",
        "PROJET d’avenant n° 1 — délibération de la Commission permanente autorisant l’avenant à renseigner",
        ("Madame Anne-Sophie BEAUREGARD-DE-LA-MOTTE (l’intercommunalité)", "Madame Véronique RIVRON (le Département)"),
        ("convention signée le 15 avril 2024",),
        documents,
        f"{slug}/convention-{slug}.pdf",
    )
    second = Row("cc-sud-sarthe", "Communauté de communes Sud Sarthe", "projet", "PROJET", (), (), (), None)
    return [first, second]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium absent : scripts/setup.sh system l’installe")
def test_the_dashboard_fits_a_phone(tmp_path: Path) -> None:
    shown = rows()
    thumbnail = tmp_path / thumbnail_name(shown[0].apercu_pdf or "")
    thumbnail.parent.mkdir(parents=True)
    Image.new("RGB", (248, 351), "white").save(thumbnail)  # the size of a 30 dpi first page
    page = dashboard_html(shown, {shown[0].apercu_pdf or ""})
    index = tmp_path / "index.html"
    index.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    frame = tmp_path / "telephone.html"
    frame.write_text(FRAME, encoding="utf-8")
    tag = new_tag()
    window = f"--window-size=500,{HEIGHT}"
    dom = chromium(tmp_path / "profil", window, "--virtual-time-budget=5000", "--dump-dom", frame.as_uri(), tag=tag)
    assert dom.returncode == 0, dom.stderr
    found = re.search(r'<pre id="mesures">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stdout[-2000:]
    measures = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert measures["innerWidth"] == WIDTH
    assert measures["scrollWidth"] <= measures["innerWidth"], measures
    assert measures["outside"] == []
    assert measures["captionRight"] <= WIDTH
    assert measures["labels"] == ['"Statut"', '"Signataires"', '"Actes"', '"Documents"', '"Aperçu"']

    shot = tmp_path / "telephone.png"
    taken = chromium(tmp_path / "profil", f"--screenshot={shot}", window, frame.as_uri(), tag=tag)
    assert taken.returncode == 0 and shot.read_bytes().startswith(b"\x89PNG"), taken.stderr


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("CC Orée de Bercé - Belinois", "oree de berce - belinois"),
        ("CC de l’Orée de Bercé-Belinois", "oree de berce-belinois"),
        ("l'Orée de Bercé-Belinois", "oree de berce-belinois"),
        ("CC Le Gesnois Bilurien", "gesnois bilurien"),
        ("CC de la Champagne Conlinoise", "champagne conlinoise"),
        ("CC des Vallées de la Braye", "vallees de la braye"),
        ("CC du Pays Fléchois", "pays flechois"),
        ("Les Alpes Mancelles", "alpes mancelles"),
        ("CC LBN Communauté", "lbn communaute"),
        ("CC Loir-Lucé-Bercé", "loir-luce-berce"),
        ("Lavardin", "lavardin"),
    ],
)
def test_sort_key_drops_the_kind_and_the_article(name: str, key: str) -> None:
    assert sort_key(name) == key
