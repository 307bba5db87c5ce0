"""The progress and summary lines of a run: each status agreed with its document, counts in French."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from convgen.documents.verdict import Verdict
from convgen.recipes.console import agreed, progress_printer, summarize
from convgen.runner.job import Job, Outcome, Report, Status


def job(label: str, *, draft: bool = False, slug: str = "cc-a") -> Job:
    """Return a job of ``label`` that is never rendered."""
    context: dict[str, Any] = {"projet": draft}
    verdict = Verdict(("valeur à confirmer : siège",) if draft else ())
    return Job(slug, "stem", label, bytes, {}, {}, dt.datetime(2024, 1, 1, tzinfo=dt.UTC), context, verdict)


@pytest.mark.parametrize(
    ("label", "status", "expected"),
    [
        ("convention", "construit", "convention construite"),
        ("convention", "inchangé", "convention inchangée"),
        ("convention", "échec", "convention en échec"),
        ("convention signée", "inchangé", "convention signée inchangée"),
        ("convention consolidée", "inchangé", "convention consolidée inchangée"),
        ("convention consolidée", "construit", "convention consolidée construite"),
        ("avenant n° 1", "construit", "avenant n° 1 construit"),
        ("avenant n° 2", "inchangé", "avenant n° 2 inchangé"),
        ("avenant n° 2", "échec", "avenant n° 2 en échec"),
    ],
)
def test_status_agrees_with_the_document(label: str, status: str, expected: str) -> None:
    assert agreed(label, status) == expected


def test_progress_line_of_a_draft_avenant() -> None:
    lines: list[str] = []
    progress_printer(lines.append)(Outcome(job("avenant n° 1", draft=True), "construit", 0.42), 3, 15)
    assert lines == ["[ 3/15] ✓ cc-a : avenant n° 1 construit (0,42 s) — PROJET"]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["construit"] * 15, "15 documents construits, 0 inchangé, 0 en échec."),
        (["construit"] + ["inchangé"] * 14, "1 document construit, 14 inchangés, 0 en échec."),
        (["inchangé"], "0 document construit, 1 inchangé, 0 en échec."),
        (["construit", "construit", "échec", "échec"], "2 documents construits, 0 inchangé, 2 en échec."),
    ],
)
def test_summary_counts_in_french(statuses: list[Status], expected: str) -> None:
    report = Report([Outcome(job("convention", slug=f"cc-{i}"), status) for i, status in enumerate(statuses)], 1.25)
    lines: list[str] = []
    summarize(report, lines.append)
    assert lines[0] == f"Terminé en 1,2 s : {expected}"
