"""The acts of a project as one run sees them: each register read once, each document's job made once.

A build, ``amend``, ``sign`` and the dashboard drawn after them share one :class:`ProjectActs`: the dashboard
shows the verdicts and outputs of the very jobs the run built, and a one-slug build reads each register once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from convgen.acts.annex_update import annex_update_job
from convgen.acts.avenant import avenant_job
from convgen.acts.consolidated import consolidated_job
from convgen.acts.convention import convention_jobs, select
from convgen.acts.plan import AvenantPlan, plan_avenant
from convgen.acts.register import ANNEX_UPDATE, ActType, Registre, load_register
from convgen.data.project import Project
from convgen.errors import DataError, Problem
from convgen.runner.job import Job
from convgen.today import today_in_france


@dataclass(frozen=True)
class Pending:
    """The document of an intercommunality waiting for signature: the convention, an avenant or an annex update."""

    kind: ActType
    numero: int
    job: Job
    end: dt.date  # the end of the convention (Article 7): after it, nothing can be signed

    @property
    def update(self) -> bool:
        """Return True for an update of annex 3 (article 4.2)."""
        return self.kind == ANNEX_UPDATE

    @property
    def feminine(self) -> bool:
        """Return True when the document's name is feminine (« la convention », « la mise à jour »)."""
        return self.kind != "avenant"


@dataclass
class ProjectActs:
    """The project's data, its registers and the jobs of its documents, each made once and kept."""

    project: Project
    root: Path
    today: dt.date = field(default_factory=today_in_france)
    _registers: dict[str, Registre] = field(default_factory=dict, repr=False)
    _conventions: dict[str, Job] = field(default_factory=dict, repr=False)
    _plans: dict[str, AvenantPlan | None] = field(default_factory=dict, repr=False)
    _avenants: dict[str, Job | None] = field(default_factory=dict, repr=False)
    _updates: dict[str, Job | None] = field(default_factory=dict, repr=False)
    _consolidated: dict[str, Job | None] = field(default_factory=dict, repr=False)

    @property
    def slugs(self) -> list[str]:
        """Return every intercommunality of the data."""
        return list(self.project.epcis)

    def register(self, slug: str) -> Registre:
        """Return the register of ``slug``, read once (empty when nothing is signed); DataError if invalid."""
        if slug not in self._registers:
            self._registers[slug] = load_register(self.root, slug)
        return self._registers[slug]

    def registers(self, slugs: Sequence[str]) -> dict[str, Registre]:
        """Return the registers of ``slugs``; one DataError lists the problems of all of them."""
        problems: list[Problem] = []
        found: dict[str, Registre] = {}
        for slug in slugs:
            try:
                found[slug] = self.register(slug)
            except DataError as exc:
                problems += exc.problems
        if problems:
            raise DataError(problems)
        return found

    @property
    def closed_end(self) -> dt.date | None:
        """Return the end of the latest closed period of any register (None before a first renewal)."""
        ends = [end for slug in self.slugs if (end := self.register(slug).closed_end) is not None]
        return max(ends, default=None)

    def conventions(self, slugs: Sequence[str] = ()) -> list[Job]:
        """Return the convention jobs of ``slugs`` (every intercommunality when empty), each made once."""
        wanted = list(select(self.project, slugs))
        self.registers(wanted)
        missing = [slug for slug in wanted if slug not in self._conventions]
        if missing:
            jobs = convention_jobs(
                self.project,
                self.root,
                missing,
                today=self.today,
                registers=self.register,
                closed_end=self.closed_end,
            )
            self._conventions.update((job.slug, job) for job in jobs)
        return [self._conventions[slug] for slug in wanted]

    def convention(self, slug: str) -> Job:
        """Return the convention job of ``slug``."""
        return self.conventions([slug])[0]

    def plan(self, slug: str) -> AvenantPlan | None:
        """Return the pending avenant's plan of ``slug`` (None when nothing is signed); AmendError for a SIREN."""
        if slug not in self._plans:
            project = self.project
            self._plans[slug] = plan_avenant(
                slug,
                self.register(slug),
                project.epcis[slug],
                project.programme,
                project.departement.deliberation_avenant,
                today=self.today,
            )
        return self._plans[slug]

    def avenant(self, slug: str) -> Job | None:
        """Return the job of the pending avenant of ``slug``, or None when no change needs one."""
        if slug not in self._avenants:
            plan = self.plan(slug)
            amends = plan is not None and bool(plan.amending) and not plan.by_annex_update
            self._avenants[slug] = avenant_job(self.project, self.root, plan) if plan is not None and amends else None
        return self._avenants[slug]

    def annex_update(self, slug: str) -> Job | None:
        """Return the job of the pending update of annex 3 of ``slug`` (article 4.2), or None."""
        if slug not in self._updates:
            plan = self.plan(slug)
            made = plan is not None and plan.by_annex_update
            self._updates[slug] = annex_update_job(self.project, self.root, plan) if plan is not None and made else None
        return self._updates[slug]

    def pending(self, slug: str) -> Pending | None:
        """Return the document of ``slug`` to sign next, or None when nothing is to sign; AmendError for a SIREN.

        The convention while nothing is signed; then the avenant, or the update of annex 3, the changes require.
        """
        if self.register(slug).convention is None:
            return Pending("convention", 0, self.convention(slug), self.project.programme.fin)
        plan = self.plan(slug)
        assert plan is not None
        avenant = self.avenant(slug)
        if avenant is not None:
            return Pending("avenant", plan.numero, avenant, plan.end)
        update = self.annex_update(slug)
        if update is not None:
            return Pending(ANNEX_UPDATE, plan.update_numero, update, plan.end)
        return None

    def consolidated(self, slug: str) -> Job | None:
        """Return the job of the consolidated version of ``slug``, or None before a first avenant or annex update."""
        if slug not in self._consolidated:
            registre = self.register(slug)
            self._consolidated[slug] = (
                consolidated_job(self.project, self.root, slug, registre) if registre.actes[1:] else None
            )
        return self._consolidated[slug]

    def forget(self, slug: str) -> None:
        """Drop what was derived from the register of ``slug`` (after ``sign`` wrote it)."""
        caches = (self._registers, self._conventions, self._plans, self._avenants, self._updates, self._consolidated)
        for cache in caches:
            cache.pop(slug, None)
