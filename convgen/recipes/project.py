"""The recipes behind the commands: validate everything, plan, then build — in that order."""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from convgen.acts.annex_update import template_context
from convgen.acts.readiness import status
from convgen.acts.register import REGISTER_DIR, load_register
from convgen.acts.state import ProjectActs
from convgen.data.load import load_project
from convgen.data.project import Project
from convgen.desk.dashboard import CSV_NAME as DASHBOARD_CSV
from convgen.desk.dashboard import INDEX as DASHBOARD_INDEX
from convgen.desk.dashboard import write_dashboard
from convgen.documents.docxtext import read_parts
from convgen.documents.french import counted
from convgen.documents.lint import lint_templates
from convgen.errors import ConvgenError, DataError, Problem, TemplateError
from convgen.files import tool_identity, write_atomic
from convgen.recipes.stamp import SECONDS, forget_stamp, input_key, write_stamp
from convgen.runner.engine import Runner
from convgen.runner.folder import MANIFEST, check_writable, project_lock
from convgen.runner.job import Format, Job, Outcome, Report
from convgen.runner.renderers import Renderers

Echo = Callable[[str], None]
WAITING = "Une autre construction est en cours dans ce projet : attente de sa fin…"


def lint_key(root: Path) -> str:
    """Return the sha256 of what the template check depends on: the templates and convgen's own code."""
    digest = hashlib.sha256(tool_identity().encode())
    for path in sorted((root / "templates").glob("*.docx")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def check_project(root: Path, *, cached: bool = False) -> Project:
    """Load and validate the data, then lint every template (the avenant's included); raise on any problem.

    With ``cached`` (the builds), a template check already passed for the same templates and code is not
    redone (marker in ``build/.cache/``): a no-op build stays well under half a second. ``convgen check``
    always checks.
    """

    project = load_project(root)
    orphans = orphan_registers(root, project)
    if orphans:
        raise DataError(orphans)
    cache = root / "build" / ".cache"
    marker = cache / f"modeles-{lint_key(root)}.ok" if cached and cache.parent.is_dir() else None
    if marker is not None and marker.is_file():
        return project

    problems = lint_templates(root / "templates", template_context(project))
    if problems:
        raise TemplateError("\n".join(str(p) for p in problems))
    if marker is not None:
        with contextlib.suppress(OSError):  # only a cache: a failure to write it costs a check next time
            for old in marker.parent.glob("modeles-*.ok"):
                old.unlink(missing_ok=True)
            write_atomic(marker, b"")
    return project


_YEAR = re.compile(r"(?<![\d/.-])(?:19|20)\d\d(?![\d])")
_TAG = re.compile(r"\{[{%].*?[%}]\}")


def closed_period_years(acts: ProjectActs) -> list[str]:
    """Return a warning for each year of a closed period a template still writes outside its preamble.

    The preamble tells the programme's history (« Fin novembre 2023… jusque fin 2026 »): the legal service edits it
    for the new period (``templates/README.md``); anywhere else, a year written in a template is a period no data
    gives (« 2024/2026 » on a title page), which every document of the new period would print.
    """
    closed = {p for slug in acts.slugs for p in acts.register(slug).periodes_closes}
    years = {str(year) for p in closed for year in range(p.debut.year, p.fin.year + 1)}
    if not years:
        return []
    warnings = []
    for template in sorted((acts.root / "templates").glob("*.docx")):
        for part in read_parts(template):
            preamble = False
            for number, text in enumerate(part.paragraphs, start=1):
                if text.strip().upper().startswith("PRÉAMBULE"):
                    preamble = True
                elif text.startswith("ARTICLE "):
                    preamble = False
                found = sorted(set(_YEAR.findall(_TAG.sub("", text))) & years)
                if found and not preamble:
                    warnings.append(
                        f"templates/{template.name} ({part.label}, paragraphe {number}) : « {', '.join(found)} » "
                        f"appartient à une période close — « {text.strip()[:80]} » ; la période se tire des données "
                        "(programme.debut, programme.fin) : corrigez le modèle"
                    )
    return warnings


def orphan_registers(root: Path, project: Project) -> list[Problem]:
    """Return a problem for each register holding acts whose intercommunality is no longer in ``epci/``.

    Renaming or removing an ``epci/`` file would otherwise detach its signed acts without a word.
    """
    problems = []
    for path in sorted((root / REGISTER_DIR).glob("*.yaml")):
        slug = path.stem
        if slug in project.epcis:
            continue
        registre = load_register(root, slug)
        acts = len(registre.actes) + sum(len(p.actes) for p in registre.periodes_closes)
        if acts or registre.signature_en_cours is not None:
            problems.append(
                Problem(
                    f"{REGISTER_DIR}/{slug}.yaml",
                    1,
                    1,
                    "intercommunalite",
                    f"registre sans intercommunalité : {counted(acts, 'acte signé', 'actes signés')} de « {slug} », mais epci/{slug}.yaml "
                    "n’existe plus",
                    f"rétablissez epci/{slug}.yaml sous ce nom (le registre suit le nom du fichier) ; une autre "
                    "personne morale se crée sous un nouveau nom, sans toucher à ce registre",
                )
            )
    return problems


def progress_printer(echo: Echo) -> Callable[[Outcome, int, int], None]:
    """Return a progress callback printing one line per document."""

    def show(outcome: Outcome, done: int, total: int) -> None:
        width = len(str(total))
        mark = {"construit": "✓", "inchangé": "=", "échec": "✗"}[outcome.status]
        timing = f" ({outcome.seconds:.2f} s)".replace(".", ",") if outcome.status == "construit" else ""
        draft = " — PROJET" if outcome.job.draft and outcome.status != "échec" else ""
        what = agreed(outcome.job.label, outcome.status)
        echo(f"[{done:>{width}}/{total}] {mark} {outcome.job.slug} : {what}{timing}{draft}")
        if outcome.error:
            echo(f"    {outcome.error}")

    return show


# The documents whose name is feminine: « convention construite », « convention consolidée inchangée ».
FEMININE_NOUNS = frozenset({"convention", "mise"})


def agreed(label: str, status: str) -> str:
    """Return « {label} {status} » with the status agreed with the document: « avenant n° 1 construit »."""
    if status == "échec":
        return f"{label} en échec"
    feminine = label.split(" ", 1)[0].casefold() in FEMININE_NOUNS
    return f"{label} {status}{'e' if feminine else ''}"


def summarize(report: Report, echo: Echo) -> None:
    """Print the summary of a run: built, unchanged, drafts, failed."""
    seconds = f"{report.seconds:.1f}".replace(".", ",")
    built, unchanged = report.count("construit"), report.count("inchangé")
    echo(
        f"Terminé en {seconds} s : {counted(built, 'document construit', 'documents construits')}, "
        f"{counted(unchanged, 'inchangé', 'inchangés')}, {len(report.failed)} en échec."
    )
    if report.peak_rss_mb:
        echo(f"Mémoire maximale d'un processus LibreOffice : {report.peak_rss_mb:.0f} Mo.")
    drafts = [o for o in report.outcomes if o.job.draft and o.status != "échec"]
    if drafts:
        echo(f"En projet ({len(drafts)}) — ces documents ne sont pas à signer :")
        for outcome in drafts:
            echo(f"  - {outcome.job.slug} ({outcome.job.label}) : {outcome.job.verdict.describe()}")
    for outcome in report.outcomes:
        for rel in outcome.removed:
            echo(f"Retiré : build/{rel}, d’un contenu antérieur (ce format n’a pas été reconstruit cette fois).")
    for outcome in report.failed:
        echo(f"Échec : {outcome.job.slug} ({outcome.job.label}) — {outcome.error}")


def readiness_lines(acts: ProjectActs) -> list[str]:
    """Return what ``check`` says of every document to sign: the PROJETs with their reasons, then the others.

    Each document's verdict and status (``acts/readiness.py``) as the build, the dashboard and ``sign`` give them.
    """
    drafts: list[str] = []
    ended: list[str] = []
    ready: list[str] = []
    for slug in acts.slugs:
        try:
            pending = acts.pending(slug)
        except ConvgenError as error:
            drafts.append(f"  - {slug} : à revoir — {error}")
            continue
        if pending is None:
            continue
        job = pending.job
        readiness = status(job.verdict, pending.end, acts.today, feminine=pending.feminine)
        if readiness.state == "projet":
            drafts.append(f"  - {slug} ({job.label}) : {job.verdict.describe()}")
        elif readiness.state == "terminee":
            ended.append(f"  - {slug} ({job.label}) : {readiness.text}")
        else:
            ready.append(f"{slug} ({job.label})")
    lines = []
    if drafts:
        lines += [f"En projet ({len(drafts)}) — ces documents ne sont pas à signer :", *drafts]
    if ended:
        lines += [f"Période terminée ({len(ended)}) — ces documents ne peuvent plus être signés :", *ended]
    if ready:
        lines.append(f"Prêts à signer ({len(ready)}) : {', '.join(ready)}.")
    return lines


def formats_of(formats: Sequence[str]) -> tuple[Format, ...]:
    """Return the formats asked, in canonical order (DOCX, then PDF)."""
    return tuple(f for f in ("docx", "pdf") if f in formats)


@contextlib.contextmanager
def locked_runner(
    acts: ProjectActs,
    *,
    formats: Sequence[str] = ("docx", "pdf"),
    jobs: int | None = None,
    wait: float = 600,
    echo: Echo = print,
    converter_factory: Callable[[int], Any] | None = None,
    renderers: Renderers | None = None,
) -> Iterator[Runner]:
    """Yield a runner of ``build/`` printing progress, once ``build/`` is known writable and its lock is held.

    The dashboard is drawn afterwards from ``acts``: the run's own jobs, verdicts and registers.
    """
    build_dir = acts.root / "build"
    runner = Runner(
        build_dir,
        formats=formats_of(formats),
        jobs=jobs,
        progress=progress_printer(echo),
        converter_factory=converter_factory,
        renderers=renderers,
    )
    check_writable(build_dir)
    with project_lock(build_dir, timeout=wait, on_wait=lambda: echo(WAITING)):
        yield runner
        write_dashboard(acts)  # build/index.html and build/suivi.csv, after every build, avenant or signature


def run_jobs(
    acts: ProjectActs,
    plan: Sequence[Job],
    *,
    formats: Sequence[str] = ("docx", "pdf"),
    jobs: int | None = None,
    force: bool = False,
    wait: float = 600,
    echo: Echo = print,
    converter_factory: Callable[[int], Any] | None = None,
    after: Callable[[Report], None] | None = None,
    renderers: Renderers | None = None,
) -> Report:
    """Build the stale jobs of ``plan`` under the project's lock, printing progress and a summary.

    ``after`` runs with the report while the lock is still held (to record what the build decided).
    """
    with locked_runner(
        acts, formats=formats, jobs=jobs, wait=wait, echo=echo, converter_factory=converter_factory, renderers=renderers
    ) as runner:
        report = runner.run(plan, force=force)
        if after is not None:
            after(report)
    summarize(report, echo)
    sys.stdout.flush()
    return report


def build_conventions(
    root: Path,
    *,
    slugs: Sequence[str] = (),
    formats: Sequence[str] = ("docx", "pdf"),
    jobs: int | None = None,
    force: bool = False,
    wait: float = 600,
    echo: Echo = print,
    converter: Any = None,
) -> Report:
    """Validate everything, then build the conventions that are stale; return the report.

    ``converter``, when given, is the one the build uses (already starting: ``early.py``); the runner closes it
    when it converts, the caller in any case.
    A successful build leaves the no-op stamp (``stamp.py``) that lets the next identical build skip everything.
    """

    key = input_key(root, slugs, formats)  # before anything is read: an edit during the build changes it
    forget_stamp(root)
    acts = ProjectActs(check_project(root, cached=True), root)
    plan = acts.conventions(slugs)
    factory = None if converter is None else (lambda _workers: converter)
    report = run_jobs(
        acts, plan, formats=formats, jobs=jobs, force=force, wait=wait, echo=echo, converter_factory=factory
    )
    if not report.failed and input_key(root, slugs, formats) == key:
        outputs = [MANIFEST, DASHBOARD_INDEX, DASHBOARD_CSV]
        outputs += [f"{job.slug}/{name}" for job in plan for name in job.outputs(formats_of(formats))]
        write_stamp(root, key, outputs, noop_lines(plan))
    return report


def noop_lines(plan: Sequence[Job]) -> list[str]:
    """Return the lines a build of ``plan`` with nothing to do prints (its duration left to fill in)."""
    lines: list[str] = []
    show = progress_printer(lines.append)
    noop = Report()
    for done, job in enumerate(plan, 1):
        noop.outcomes.append(Outcome(job, "inchangé"))
        show(noop.outcomes[-1], done, len(plan))
    summary: list[str] = []
    summarize(noop, summary.append)
    prefix = "Terminé en 0,0 s"
    if not summary or not summary[0].startswith(prefix):
        return []
    summary[0] = f"Terminé en {SECONDS} s" + summary[0][len(prefix) :]
    return lines + summary
