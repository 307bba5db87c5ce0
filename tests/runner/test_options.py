"""The options of a build (``convgen/runner/options.py``): formats, documents at once, rendering processes."""

from __future__ import annotations

import pytest

from convgen.runner.options import CONVERSIONS_PER_RENDERER, BuildOptions, renderer_count, worker_count


def test_the_formats_keep_the_canonical_order_whatever_the_order_asked() -> None:
    assert BuildOptions(formats=("pdf", "docx")).formats == ("docx", "pdf")
    assert BuildOptions(formats=("pdf",)).formats == ("pdf",)


def test_documents_at_once_are_those_asked_else_one_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert worker_count(None) == 6
    assert worker_count(3) == 3
    assert BuildOptions().workers == 6


@pytest.mark.parametrize(("workers", "expected"), [(1, 1), (2, 1), (4, 1), (5, 2), (8, 2), (9, 3), (64, 16)])
def test_one_rendering_process_per_four_conversions(workers: int, expected: int) -> None:
    assert CONVERSIONS_PER_RENDERER == 4
    assert renderer_count(workers, ("docx", "pdf")) == expected
    assert renderer_count(workers, ("pdf",)) == expected
    assert BuildOptions(jobs=workers).renderer_processes == expected


@pytest.mark.parametrize("workers", [1, 2, 7])
def test_without_pdf_rendering_is_the_whole_work_one_process_per_document_at_once(workers: int) -> None:
    assert renderer_count(workers, ("docx",)) == workers
    assert BuildOptions(formats=("docx",), jobs=workers).renderer_processes == workers
