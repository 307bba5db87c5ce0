"""What a build is made of: the document to produce (:class:`Job`) and what happened to it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from convgen.documents.printed import Printed, printed
from convgen.documents.shape import TemplateContext
from convgen.documents.verdict import Verdict
from convgen.files import sha256_text
from convgen.runner.options import Format

if TYPE_CHECKING:  # pikepdf and PDFium are not imported for a type (a build imports this module early)
    from convgen.pdf.finish import SignatureField


Status = Literal["construit", "inchangé", "échec"]


@dataclass(frozen=True)
class Job:
    """One document to produce: ``build/<slug>/<stem>.docx`` and, when asked, ``.pdf``.

    ``verdict`` says whether the document is final or a PROJET, and why (decided by ``acts/readiness.py``);
    ``context`` is the data rendered (the template context, which prints that verdict): the text its PDF
    must contain (the intercommunality's name) derives from it, and its values are not held against the
    template by the rendering checks. ``render`` and ``extras`` must be picklable (module
    functions with ``functools.partial``): they run in a rendering process.
    """

    slug: str
    stem: str
    label: str
    render: Callable[[], bytes]
    inputs: Mapping[str, str]
    metadata: Mapping[str, str]
    epoch: dt.datetime
    context: TemplateContext
    verdict: Verdict
    signatures: tuple[SignatureField, ...] = ()
    extras: Mapping[str, Callable[[], bytes]] = field(default_factory=dict)
    pinned_pdf: str | None = None  # the sha256 the PDF must keep (a signed act): present with it, it is current

    @property
    def draft(self) -> bool:
        """Return True for a PROJET (no signature field; fill-in blanks allowed)."""
        return not self.verdict.final

    @property
    def title(self) -> str:
        """Return the document's title, as its DOCX and PDF carry it (« PROJET – » first for a draft)."""
        return self.metadata.get("Title", "")

    @property
    def printed(self) -> Printed:
        """Return what the document prints of its parties (names, signatories, how it is signed), typed."""
        return printed(self.context)

    @property
    def expect_text(self) -> str | None:
        """Return the text the PDF must contain: the intercommunality's name, when the document names it."""
        return self.printed.epci_nom

    @property
    def docx_name(self) -> str:
        """Return the name of the DOCX: ``<stem>.docx``."""
        return f"{self.stem}.docx"

    @property
    def pdf_name(self) -> str:
        """Return the name of the PDF: ``<stem>.pdf``."""
        return f"{self.stem}.pdf"

    @property
    def extra_names(self) -> dict[str, str]:
        """Return the DOCX name of each companion document (a comparatif), by its suffix, in order."""
        return {suffix: f"{suffix}.docx" for suffix in sorted(self.extras)}

    @property
    def digest(self) -> str:
        """Return the sha256 that identifies this job's inputs (data, templates, tool version)."""
        return sha256_text(json.dumps(dict(sorted(self.inputs.items())), sort_keys=True))

    def outputs(self, formats: Sequence[Format]) -> list[str]:
        """Return the output file names (relative to ``build/<slug>/``) for the formats asked."""
        names = [self.docx_name, *self.extra_names.values()] if "docx" in formats else []
        if "pdf" in formats:
            names.append(self.pdf_name)
        return names


@dataclass
class Outcome:
    """What happened to one job."""

    job: Job
    status: Status
    seconds: float = 0.0
    error: str = ""
    removed: tuple[str, ...] = ()  # outputs of a format not rebuilt that no longer matched (``<slug>/<name>``)


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
