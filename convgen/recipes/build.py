"""The recipes that build documents: the conventions (``convgen build``) and the avenants (``convgen amend``).

Each validates everything first (``checking.py``), plans the jobs (``acts/``), then runs the stale ones under the
project's lock with the options made once by the command line (:class:`~convgen.runner.options.BuildOptions`);
the dashboard is drawn afterwards from the run's own state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from convgen.acts.state import ProjectActs
from convgen.desk.dashboard import CSV_NAME as DASHBOARD_CSV
from convgen.desk.dashboard import INDEX as DASHBOARD_INDEX
from convgen.desk.dashboard import thumbnail_as_built, write_dashboard
from convgen.recipes.amend import plan_amendments, record_approvals
from convgen.recipes.checking import check_project
from convgen.recipes.console import noop_lines, progress_printer, summarize
from convgen.recipes.stamp import forget_stamp, input_key, write_stamp
from convgen.runner.engine import Runner
from convgen.runner.folder import MANIFEST, check_writable, project_lock
from convgen.runner.job import Job, Outcome, Report
from convgen.runner.options import BuildOptions
from convgen.today import today_in_france

__all__ = ["WAITING", "build_avenants", "build_conventions", "locked_runner", "run_jobs"]

WAITING = "Une autre construction est en cours dans ce projet : attente de sa fin…"


@contextlib.contextmanager
def locked_runner(acts: ProjectActs, options: BuildOptions) -> Iterator[Runner]:
    """Yield a runner of ``build/`` printing progress, once ``build/`` is known writable and its lock is held.

    The dashboard is drawn afterwards from ``acts``: the run's own jobs, verdicts and registers.
    """
    build_dir = acts.root / "build"
    printer, thumbnail = progress_printer(options.echo), thumbnail_as_built(acts)

    def progress(outcome: Outcome, done: int, total: int) -> None:
        printer(outcome, done, total)
        if "pdf" in options.formats:
            thumbnail(outcome)  # while the other documents convert (``desk/dashboard.py``)

    runner = Runner(build_dir, options, progress=progress)
    check_writable(build_dir)
    with project_lock(build_dir, timeout=options.wait, on_wait=lambda: options.echo(WAITING)):
        yield runner
        write_dashboard(acts)  # build/index.html and build/suivi.csv, after every build, avenant or signature


def run_jobs(
    acts: ProjectActs, plan: Sequence[Job], options: BuildOptions, *, after: Callable[[Report], None] | None = None
) -> Report:
    """Build the stale jobs of ``plan`` under the project's lock, printing progress and a summary.

    ``after`` runs with the report while the lock is still held (to record what the build decided).
    """
    with locked_runner(acts, options) as runner:
        report = runner.run(plan, force=options.force)
        if after is not None:
            after(report)
    summarize(report, options.echo)
    sys.stdout.flush()
    return report


def build_conventions(
    root: Path, slugs: Sequence[str] = (), options: BuildOptions | None = None, *, converter: Any = None
) -> Report:
    """Validate everything, then build the conventions that are stale; return the report.

    ``converter``, when given, is the one the build uses (already starting: ``early.py``); the runner closes it
    when it converts, the caller in any case.
    A successful build leaves the no-op stamp (``stamp.py``) that lets the next identical build skip everything.
    """
    options = options or BuildOptions()
    if converter is not None:
        options = dataclasses.replace(options, converter_factory=lambda _workers: converter)
    key = input_key(root, slugs, options.formats)  # before anything is read: an edit during the build changes it
    forget_stamp(root)
    acts = ProjectActs(check_project(root, cached=True), root)
    plan = acts.conventions(slugs)
    report = run_jobs(acts, plan, options)
    if not report.failed and input_key(root, slugs, options.formats) == key:
        outputs = [MANIFEST, DASHBOARD_INDEX, DASHBOARD_CSV]
        outputs += [f"{job.slug}/{name}" for job in plan for name in job.outputs(options.formats)]
        write_stamp(root, key, outputs, noop_lines(plan))
    return report


def build_avenants(
    root: Path, slugs: Sequence[str] = (), options: BuildOptions | None = None, *, today: dt.date | None = None
) -> Report:
    """Validate everything, then draft the avenants and annex updates the changes require; return the report."""
    options = options or BuildOptions()
    echo = options.echo
    acts = ProjectActs(check_project(root, cached=True), root, today or today_in_france())
    plan = plan_amendments(acts, slugs)
    for note in plan.notes:
        echo(note)
    if not plan.avenants and not plan.updates:
        echo(
            "Aucun avenant à rédiger : aucune modification à faire par avenant ni par mise à jour de l’annexe 3 "
            "depuis les derniers actes signés."
            if plan.signed
            else "Aucun avenant à rédiger : aucun acte n’est encore enregistré comme signé (dossier registre/)."
        )
    if not plan.jobs:
        return Report()
    return run_jobs(acts, plan.jobs, options, after=partial(record_approvals, root, plan, echo))
