"""What a build prints: one line per document, the summary, what ``check`` says of every document to sign.

The French of these lines is decided here (the agreement of « construit » with the document's gender, counts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from convgen.acts.readiness import status
from convgen.acts.state import ProjectActs
from convgen.documents.french import counted
from convgen.errors import ConvgenError
from convgen.recipes.stamp import SECONDS
from convgen.runner.job import Job, Outcome, Report
from convgen.runner.options import Echo

__all__ = ["agreed", "noop_lines", "progress_printer", "readiness_lines", "summarize"]


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
        echo(f"Mémoire maximale d’un processus LibreOffice : {report.peak_rss_mb:.0f} Mo.")
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
