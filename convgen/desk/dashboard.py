"""The programme dashboard: ``build/index.html`` (static, self-contained) and ``build/suivi.csv`` (for Calc, Excel).

Both are written after every build, avenant or signature run, from the status of each intercommunality
(``desk/status.py``). Same data, same bytes: no clock time is printed. The first page of each act shown is
rendered once, by PDFium (``pdf/raster.py``), and again only when its PDF changes: the PNG notes the sha256 of its PDF.
A build draws each thumbnail as soon as its PDF is in place (:func:`thumbnail_as_built`), while the other documents
are still converting; the dashboard then finds it current.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, PngImagePlugin

from convgen.acts.state import ProjectActs
from convgen.desk.status import Row, closed_rows, programme_status, row_of
from convgen.files import sha256_file, write_atomic
from convgen.pdf.raster import first_page_image
from convgen.runner.folder import Manifest
from convgen.runner.job import Outcome

INDEX = "index.html"
CSV_NAME = "suivi.csv"
SOURCE_KEY = "convgen:pdf-sha256"  # PNG text chunk: the sha256 of the PDF the thumbnail shows
THUMBNAIL_DPI = 30
STATE_LABELS = {
    "signee": "Signée",
    "prete": "Prête à signer",
    "projet": "Projet",
    "terminee": "Période terminée",
    "close": "Période close",
    "avenant-terminee": "Avenant : période terminée",
    "avenant-projet": "Avenant en projet",
    "avenant-a-signer": "Avenant à signer",
    "incomplete": "Signature incomplète",
    "a-revoir": "À revoir",
}
CSV_HEADERS = (
    "Intercommunalité",
    "Identifiant",
    "Statut",
    "Signataires",
    "Actes",
    "DOCX",
    "PDF",
    "Comparatif",
    "Version consolidée",
    "Période",
)

CSS = """
body{font-family:"Liberation Sans",Arial,sans-serif;color:#1a1a1a;background:#fff;margin:1.5rem;line-height:1.4}
h1{font-size:1.5rem;margin:0 0 .5rem}
p.resume{margin:0 0 1rem}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:bold;padding:.5rem 0}
th,td{border:1px solid #6b6b6b;padding:.4rem .5rem;vertical-align:top;text-align:left}
thead th{background:#e8e8e8}
tbody th{font-weight:bold}
ul{margin:0;padding-left:1.1rem}
a{color:#0b3d91}
a:focus,a:hover{outline:2px solid #0b3d91}
.etat{display:inline-block;font-weight:bold;padding:0 .3rem;border-left:.4rem solid;margin-bottom:.2rem}
.signee .etat{border-color:#1e6b2e;background:#e3f1e6}
.prete .etat,.avenant-a-signer .etat{border-color:#0b3d91;background:#e4ebf7}
.projet .etat,.avenant-projet .etat{border-color:#8a4b00;background:#fbeedd}
.terminee .etat,.avenant-terminee .etat{border-color:#4a4a4a;background:#ececec}
.incomplete .etat,.a-revoir .etat{border-color:#a4161a;background:#fae3e3}
img{border:1px solid #6b6b6b;display:block;width:124px;height:auto}
th,td,caption,p{overflow-wrap:anywhere}
@media (max-width:40rem){
body{margin:.75rem}
table,caption,tbody,tr,th,td{display:block;width:auto}
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
tr{border:1px solid #6b6b6b;margin:0 0 1rem}
th,td{border:0;border-top:1px solid #d0d0d0}
tbody th{border-top:0;background:#f3f3f3}
td::before{content:attr(data-label);display:block;font-weight:bold;font-size:.85rem;color:#3d3d3d}
}
""".strip()
COLUMNS = ("Intercommunalité", "Statut", "Signataires", "Actes", "Documents", "Aperçu")


def thumbnail_name(pdf: str) -> str:
    """Return the thumbnail of ``<slug>/<stem>.pdf``: ``<slug>/apercu-<stem>.png`` (relative to ``build/``)."""
    folder, _, name = pdf.rpartition("/")
    return f"{folder}/apercu-{name.removesuffix('.pdf')}.png"


def thumbnail_source(target: Path) -> str:
    """Return the sha256 of the PDF a thumbnail was rendered from (a PNG text chunk), or "" when unknown."""
    try:
        with Image.open(target) as image:
            return str(image.info.get(SOURCE_KEY, ""))
    except (OSError, ValueError):
        return ""


def render_thumbnail(pdf: Path, target: Path, sha: str) -> bool:
    """Render page 1 of ``pdf`` at 30 dpi into ``target`` (atomically), noting ``sha``; False when it fails."""
    try:
        image = first_page_image(pdf, THUMBNAIL_DPI)
    except (OSError, IndexError):
        return False
    info = PngImagePlugin.PngInfo()
    info.add_text(SOURCE_KEY, sha)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    write_atomic(target, out.getvalue())
    return True


def current_thumbnail(build_dir: Path, pdf: str, sha: str) -> bool:
    """Make sure ``<slug>/<stem>.pdf`` (of sha256 ``sha``) has its thumbnail, rendered only when missing or older."""
    target = build_dir / thumbnail_name(pdf)
    return (target.is_file() and thumbnail_source(target) == sha) or render_thumbnail(build_dir / pdf, target, sha)


def update_thumbnails(build_dir: Path, rows: Sequence[Row]) -> set[str]:
    """Render the missing thumbnails and those whose PDF changed since (its sha256); return the PDFs that have one."""
    manifest = Manifest(build_dir).entries
    shown: set[str] = set()
    for row in rows:
        pdf = row.apercu_pdf
        if pdf is None:
            continue
        sha = str(manifest.get(pdf, {}).get("sha256", "")) or sha256_file(build_dir / pdf)
        if current_thumbnail(build_dir, pdf, sha):
            shown.add(pdf)
    return shown


def thumbnail_as_built(acts: ProjectActs) -> Callable[[Outcome], None]:
    """Return what draws the thumbnail of a built PDF the dashboard shows, as soon as the build has put it in place.

    Drawn during the run, a thumbnail costs the run nothing: LibreOffice is still converting the next documents
    (drawn after it, by :func:`write_dashboard`, the fifteen of a programme added a quarter of a second to its end).
    Which PDF a row shows is the row's own rule (``status.row_of``): a consolidated version gets no thumbnail.
    """
    build_dir = acts.root / "build"

    def draw(outcome: Outcome) -> None:
        if outcome.status != "construit":
            return
        pdf = f"{outcome.job.slug}/{outcome.job.pdf_name}"
        # A thumbnail that cannot be written must not stop the documents: the dashboard, drawn after the run, tries
        # again and says why. Nothing else is held back (an ``Interrupted`` raised here by SIGINT or SIGTERM stops
        # the run as anywhere else).
        with contextlib.suppress(OSError):
            if row_of(acts, outcome.job.slug).apercu_pdf == pdf and (build_dir / pdf).is_file():
                current_thumbnail(build_dir, pdf, sha256_file(build_dir / pdf))

    return draw


def _e(text: str) -> str:
    """Return ``text`` escaped for HTML."""
    return html.escape(text, quote=True)


def _list(items: Sequence[str]) -> str:
    """Return an HTML list of escaped items, or a dash."""
    if not items:
        return "—"
    return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


def html_row(row: Row, thumbnails: set[str]) -> str:
    """Return the ``<tr>`` of one intercommunality."""
    links = "<ul>" + "".join(f'<li><a href="{_e(link.href)}">{_e(link.label)}</a></li>' for link in row.documents)
    links = links + "</ul>" if row.documents else "aucun document produit"
    if row.apercu_pdf is not None and row.apercu_pdf in thumbnails:
        alt = f"Première page de {row.apercu_pdf.rpartition('/')[2]}"
        image = f'<img src="{_e(thumbnail_name(row.apercu_pdf))}" alt="{_e(alt)}">'
    else:
        image = "—"
    return (
        f'<tr class="{row.state}" id="{_e(row.slug)}">'
        f'<th scope="row">{_e(row.nom)}</th>'
        + "".join(
            f'<td data-label="{label}">{cell}</td>'
            for label, cell in zip(
                COLUMNS[1:], (status_cell(row), _list(row.signataires), _list(row.actes), links, image), strict=True
            )
        )
        + "</tr>"
    )


def status_cell(row: Row) -> str:
    """Return the status: a label (coloured, with its text) and the status in full when it says more."""
    label = STATE_LABELS[row.state]
    detail = "" if row.statut.casefold() == label.casefold() else f'<br><span class="statut">{_e(row.statut)}</span>'
    return f'<span class="etat">{_e(label)}</span>{detail}'


def summary(rows: Sequence[Row]) -> str:
    """Return « 15 intercommunalités — signée : 3 ; prête à signer : 10. » (non-zero counts only)."""
    counts = {state: sum(1 for r in rows if r.state == state) for state in STATE_LABELS}
    parts = [f"{STATE_LABELS[state].lower()} : {n}" for state, n in counts.items() if n]
    return f"{len(rows)} intercommunalités — " + " ; ".join(parts) + "."


def closed_tables(closed: Sequence[Row]) -> str:
    """Return one table per closed period: its acts, with links to the signed files kept in ``registre/``."""
    head = "".join(f'<th scope="col">{name}</th>' for name in COLUMNS)
    tables = []
    for periode in sorted({row.periode for row in closed}, reverse=True):
        body = "\n".join(html_row(row, set()) for row in closed if row.periode == periode)
        tables.append(
            f"<h2>Période close {_e(periode)}</h2>\n<table>\n<caption>Actes signés de la période {_e(periode)}, "
            "conservés dans le registre avec leurs fichiers signés</caption>\n"
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
        )
    return "".join(tables)


def dashboard_html(rows: Sequence[Row], thumbnails: set[str], closed: Sequence[Row] = ()) -> str:
    """Return the dashboard as one self-contained HTML page (inline CSS, relative links only).

    The current period first; below it, each closed period with links to its archived signed files.
    """
    head = "".join(f'<th scope="col">{name}</th>' for name in COLUMNS)
    body = "\n".join(html_row(row, thumbnails) for row in rows)
    current = rows[0].periode if rows else ""
    return (
        (
            '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<title>Suivi des conventions « conseiller numérique »</title>\n"
            f"<style>\n{CSS}\n</style>\n</head>\n<body>\n"
            "<h1>Suivi des conventions « conseiller numérique »</h1>\n"
            f'<p class="resume">{_e(summary(rows))}</p>\n'
            "<table>\n<caption>État de la convention de chaque intercommunalité"
            + (f" (période {_e(current)})" if current else "")
            + ", avec ses signataires, ses actes et ses documents</caption>\n"
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
            + closed_tables(closed)
            + "<p>Tableau produit par convgen à partir des données, du registre des actes signés et de "
            '<code>build/manifest.json</code>. Le même tableau : <a href="suivi.csv">suivi.csv</a>.</p>\n'
            "</body>\n</html>\n"
        )
        .replace("« ", "«\u00a0")
        .replace(" »", "\u00a0»")
    )


def dashboard_csv(rows: Sequence[Row]) -> bytes:
    """Return the dashboard as CSV for French spreadsheets: UTF-8 with BOM, « ; », CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADERS)
    for row in rows:
        writer.writerow(
            (
                row.nom,
                row.slug,
                row.statut,
                " | ".join(row.signataires),
                " | ".join(row.actes),
                " | ".join(d.href for d in row.documents if d.kind == "acte" and d.href.endswith(".docx")),
                " | ".join(d.href for d in row.documents if d.kind == "acte" and d.href.endswith(".pdf")),
                " | ".join(d.href for d in row.documents if d.kind == "comparatif"),
                " | ".join(d.href for d in row.documents if d.kind == "consolidee"),
                row.periode,
            )
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def write_if_changed(path: Path, data: bytes) -> None:
    """Write ``data`` atomically unless the file already holds exactly these bytes (a no-op build stays cheap)."""
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return
    write_atomic(path, data)


def write_dashboard(acts: ProjectActs) -> list[Row]:
    """Write ``build/index.html`` and ``build/suivi.csv`` for the whole project, from the run's acts; return the rows."""
    build_dir = acts.root / "build"
    rows = programme_status(acts)
    closed = closed_rows(acts)
    thumbnails = update_thumbnails(build_dir, rows)
    write_if_changed(build_dir / INDEX, dashboard_html(rows, thumbnails, closed).encode("utf-8"))
    write_if_changed(build_dir / CSV_NAME, dashboard_csv([*rows, *closed]))
    return rows
