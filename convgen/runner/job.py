"""What a build is made of: the document to produce (:class:`Job`) and what happened to it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from convgen.files import sha256_text

Format = Literal["docx", "pdf"]
Status = Literal["construit", "inchangé", "échec"]


@dataclass(frozen=True)
class SignatureSpec:
    """An empty signature field to place above the signatory's name line (bookmark, else text ``anchor``)."""

    name: str
    anchor: str
    bookmark: str | None = None


@dataclass(frozen=True)
class Job:
    """One document to produce: ``build/<slug>/<stem>.docx`` and, when asked, ``.pdf``."""

    slug: str
    stem: str
    label: str
    render: Callable[[], bytes]
    inputs: Mapping[str, str]
    metadata: Mapping[str, str]
    expect_text: str
    draft: bool
    epoch: dt.datetime
    signatures: tuple[SignatureSpec, ...] = ()
    extras: Mapping[str, Callable[[], bytes]] = field(default_factory=dict)
    pdf_name: str | None = None
    context: Mapping[str, Any] | None = None  # the data rendered: its text is not held against the template

    @property
    def digest(self) -> str:
        """Return the sha256 that identifies this job's inputs (data, templates, tool version)."""
        return sha256_text(json.dumps(dict(sorted(self.inputs.items())), sort_keys=True))

    def outputs(self, formats: Sequence[Format]) -> list[str]:
        """Return the output file names (relative to ``build/<slug>/``) for the formats asked."""
        names = [f"{self.stem}.docx"] if "docx" in formats else []
        names += [f"{suffix}.docx" for suffix in sorted(self.extras)] if "docx" in formats else []
        if "pdf" in formats:
            names.append(self.pdf_name or f"{self.stem}.pdf")
        return names


@dataclass
class Outcome:
    """What happened to one job."""

    job: Job
    status: Status
    seconds: float = 0.0
    error: str = ""


@dataclass
class Report:
    """The summary of a run, in the order the jobs were given."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0

    def count(self, status: Status) -> int:
        """Return how many jobs ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def drafts(self) -> list[str]:
        """Return the slugs of the documents built as drafts (PROJET)."""
        return sorted({o.job.slug for o in self.outcomes if o.job.draft and o.status != "échec"})

    @property
    def failed(self) -> list[Outcome]:
        """Return the failed jobs."""
        return [o for o in self.outcomes if o.status == "échec"]


Progress = Callable[[Outcome, int, int], None]
