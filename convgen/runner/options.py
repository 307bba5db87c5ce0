"""The options of a build, made once (by the command line) and read by every layer that builds.

:class:`BuildOptions` holds the formats (always in the canonical order), the number of documents built at once,
``--force``, ``--attente``, where progress is printed, and two seams for tests and the live preview (the
converter's factory, warm rendering processes). :func:`worker_count` is the one formula of how many documents
a run builds at once, :func:`renderer_count` of how many processes render them; :func:`canonical_formats` the
one order of the formats. This module imports only the standard library: the no-op replay
(``recipes/stamp.py``) reads the formats' order without importing a build.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from convgen.runner.renderers import Renderers

__all__ = [
    "CONVERSIONS_PER_RENDERER",
    "FORMATS",
    "BuildOptions",
    "Echo",
    "Format",
    "canonical_formats",
    "renderer_count",
    "worker_count",
]

Format = Literal["docx", "pdf"]

FORMATS: tuple[Format, ...] = ("docx", "pdf")
"""Every format, in the canonical order: the DOCX first (the PDF is converted from it)."""

Echo = Callable[[str], None]

CONVERSIONS_PER_RENDERER = 4
"""How many LibreOffice conversions one rendering process keeps supplied. Measured here: a convention's
rendering, checks and finishing take about 0.1 s of processor, its conversion by LibreOffice about 0.45 s."""


def canonical_formats(asked: Iterable[str]) -> tuple[Format, ...]:
    """Return the formats asked in the canonical order (DOCX, then PDF); every format when none is asked."""
    wanted = set(asked)
    return tuple(f for f in FORMATS if f in wanted) or FORMATS


def worker_count(jobs: int | None) -> int:
    """Return how many documents a run builds at once: ``jobs``, else one per core."""
    return max(1, jobs or os.cpu_count() or 1)


def renderer_count(workers: int, formats: Iterable[str]) -> int:
    """Return how many rendering processes a run of ``workers`` documents at once needs.

    Without PDF, rendering is the whole work: one process per document built at once. With PDF, LibreOffice's
    conversions are the long part: one rendering process for :data:`CONVERSIONS_PER_RENDERER` of them (each
    process more starts, forks and warms its caches for nothing).
    """
    if "pdf" not in formats:
        return max(1, workers)
    return max(1, -(-workers // CONVERSIONS_PER_RENDERER))


@dataclass(frozen=True)
class BuildOptions:
    """How to build: made once, passed down whole (no layer re-declares them)."""

    formats: tuple[Format, ...] = FORMATS
    jobs: int | None = None  # as asked (``--jobs``); ``workers`` is what a run uses
    force: bool = False
    wait: float = 600  # seconds to wait for another build's lock (``--attente``)
    echo: Echo = print
    converter_factory: Callable[[int], Any] | None = field(default=None, compare=False)
    renderers: Renderers | None = field(default=None, compare=False)  # warm rendering processes, kept by the caller

    def __post_init__(self) -> None:
        object.__setattr__(self, "formats", canonical_formats(self.formats))

    @property
    def workers(self) -> int:
        """Return how many documents are built at once."""
        return worker_count(self.jobs)

    @property
    def renderer_processes(self) -> int:
        """Return how many processes render the documents (:func:`renderer_count`)."""
        return renderer_count(self.workers, self.formats)
