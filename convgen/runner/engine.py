"""Run a build: decide which documents are stale, render and convert them in parallel, write atomically.

The plan (which documents, from which inputs) is made by the callers (``recipes/build.py``: the conventions, the
avenants) as a list of :class:`Job`; how to build is their :class:`~convgen.runner.options.BuildOptions`. This
module knows nothing of the legal text.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from convgen.documents.delivery import finish_docx
from convgen.errors import ConvgenError, RenderError
from convgen.files import STAGE_PREFIX, sha256_file
from convgen.pdf.finish import finalize_pdf
from convgen.pdf.pool import Converter
from convgen.runner.folder import Manifest, check_writable, safe_output_dir
from convgen.runner.job import Job, Outcome, Progress, Report
from convgen.runner.options import FORMATS, BuildOptions
from convgen.runner.renderers import RENDER_TIMEOUT, Renderers, render_checked


class Runner:
    """Execute jobs: render, convert, post-process and move outputs into place; never leave partial files."""

    def __init__(
        self,
        build_dir: Path,
        options: BuildOptions | None = None,
        *,
        progress: Progress | None = None,
        render_timeout: float = RENDER_TIMEOUT,
    ) -> None:
        options = options or BuildOptions()
        self.build_dir = build_dir
        self.render_timeout = render_timeout
        self.formats = options.formats
        self.jobs = options.workers
        self.renderer_processes = options.renderer_processes
        self.progress = progress
        self.converter_factory = options.converter_factory
        self._stop = threading.Event()
        self._renderers: Renderers | None = None
        self._kept_renderers = options.renderers  # the caller's, kept warm (``convgen watch``); not closed here

    def run(self, jobs: Sequence[Job], *, force: bool = False) -> Report:
        """Build every stale job; return the report. Other runs are kept out by the caller's lock."""
        started = time.perf_counter()
        check_writable(self.build_dir)
        self._clean_stale_stages()
        manifest = Manifest(self.build_dir)
        report = Report()
        todo: list[Job] = []
        for job in jobs:
            rels = [f"{job.slug}/{name}" for name in job.outputs(self.formats)]
            if not force and (
                self._pinned_current(job) or all(manifest.is_current(self.build_dir, rel, job.digest) for rel in rels)
            ):
                report.outcomes.append(Outcome(job, "inchangé"))
            else:
                todo.append(job)
        done = 0
        for outcome in report.outcomes:
            done += 1
            self._tell(outcome, done, len(jobs))
        if todo:
            stage = Path(tempfile.mkdtemp(dir=self.build_dir, prefix=STAGE_PREFIX))
            try:
                report.peak_rss_mb = self._run_stale(todo, stage, manifest, report, done, len(jobs))
            finally:
                shutil.rmtree(stage, ignore_errors=True)
                manifest.save(self.build_dir)
        order = {id(job): index for index, job in enumerate(jobs)}
        report.outcomes.sort(key=lambda o: order[id(o.job)])
        report.seconds = time.perf_counter() - started
        return report

    def _pinned_current(self, job: Job) -> bool:
        """Tell whether a signed act's outputs are there with the signed PDF's exact bytes (never rebuilt then)."""
        if job.pinned_pdf is None:
            return False
        folder = self.build_dir / job.slug
        if not all((folder / name).is_file() for name in job.outputs(self.formats)):
            return False
        pdf = folder / job.pdf_name
        return "pdf" not in self.formats or (pdf.is_file() and sha256_file(pdf) == job.pinned_pdf)

    def _tell(self, outcome: Outcome, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(outcome, done, total)

    def _clean_stale_stages(self) -> None:
        """Remove temporary folders and files left by a run that was killed without cleaning up."""
        for leftover in self.build_dir.rglob(f"{STAGE_PREFIX}*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()

    def _run_stale(
        self, todo: list[Job], stage: Path, manifest: Manifest, report: Report, done: int, total: int
    ) -> float:
        want_pdf = "pdf" in self.formats
        converter: Any = None
        # Forked before any thread starts: see renderers.py.
        self._renderers = self._kept_renderers or Renderers(
            min(self.renderer_processes, len(todo)), timeout=self.render_timeout
        )
        if want_pdf:
            workers = min(self.jobs, len(todo))
            converter = (self.converter_factory or _default_converter)(workers)
            if hasattr(converter, "start"):  # LibreOffice starts (≈ 1 s) while the first documents render
                threading.Thread(target=_warm_up, args=(converter, workers), daemon=True).start()
        lock = threading.Lock()
        try:
            # One document more than LibreOffice converts at once: it renders while they convert, so that no
            # LibreOffice waits for a rendering (its own thread waits for a free LibreOffice, a bounded wait).
            threads = self.jobs + 1 if want_pdf and len(todo) > self.jobs else self.jobs
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="convgen") as pool:
                futures: dict[Future[Outcome], Job] = {
                    pool.submit(self._one, job, stage, converter, manifest, lock): job for job in todo
                }
                pending = set(futures)
                try:
                    while pending:
                        finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                        for future in finished:
                            outcome = future.result()
                            report.outcomes.append(outcome)
                            done += 1
                            self._tell(outcome, done, total)
                            if done % 10 == 0:
                                # python-docx leaves reference cycles holding large lxml trees, whose memory the
                                # collector does not see: without this, 1,255 documents keep about 800 MB.
                                gc.collect()
                except BaseException:
                    # Stop now: running renderings and conversions fail at once, the threads end, nothing waits.
                    self._stop.set()
                    for future in pending:
                        future.cancel()
                    self._renderers.close()
                    if converter is not None:
                        converter.close()
                    raise
        finally:
            if converter is not None:
                converter.close()
            if self._renderers is not self._kept_renderers:
                self._renderers.close()
        peak = 0.0
        if converter is not None and hasattr(converter, "stats"):
            with contextlib.suppress(Exception):
                peak = float(converter.stats().peak_rss_kb) / 1024
        return peak

    def _one(self, job: Job, stage: Path, converter: Any, manifest: Manifest, lock: threading.Lock) -> Outcome:
        started = time.perf_counter()
        try:
            target_dir = safe_output_dir(self.build_dir, job.slug, [job.stem, *job.outputs(self.formats)])
            files = self._produce(job, stage, converter)
            if self._stop.is_set():
                return Outcome(job, "échec", error="interrompu")
            target_dir.mkdir(parents=True, exist_ok=True)
            for name, staged in files:
                sha = sha256_file(staged)
                os.replace(staged, target_dir / name)
                with lock:
                    manifest.record(f"{job.slug}/{name}", sha, job)
            removed = self._remove_stale_formats(job, target_dir, manifest, lock)
            return Outcome(job, "construit", time.perf_counter() - started, removed=removed)
        except ConvgenError as exc:
            return Outcome(job, "échec", time.perf_counter() - started, str(exc))
        except Exception as exc:  # a failing document must not stop the others
            detail = f"{type(exc).__name__} : {exc}"
            return Outcome(job, "échec", time.perf_counter() - started, f"erreur inattendue ({detail})")

    def _remove_stale_formats(
        self, job: Job, target_dir: Path, manifest: Manifest, lock: threading.Lock
    ) -> tuple[str, ...]:
        """Remove this job's outputs of the formats not built now that came from other inputs (never stale beside new)."""
        others = set(job.outputs(FORMATS)) - set(job.outputs(self.formats))
        removed = []
        for name in sorted(others):
            rel = f"{job.slug}/{name}"
            with lock:
                current = manifest.is_current(self.build_dir, rel, job.digest)
            if (target_dir / name).exists() and not current:
                (target_dir / name).unlink()
                removed.append(rel)
        return tuple(removed)

    def _render(self, job: Job) -> tuple[bytes, list[str]]:
        """Render and check one job's DOCX in a rendering process (bounded in time, retried once)."""
        assert self._renderers is not None
        return self._renderers.call(
            f"{job.slug} ({job.label})", render_checked, job.render, job.draft, job.context, job.title
        )

    def _produce(self, job: Job, stage: Path, converter: Any) -> list[tuple[str, Path]]:
        """Render and convert one job into ``stage``; return (final name, staged file) pairs."""
        work = stage / job.stem
        work.mkdir()
        docx, problems = self._render(job)
        if problems:
            raise RenderError(f"{job.slug} ({job.label}) : " + " ; ".join(problems))
        docx_path = work / job.docx_name
        docx_path.write_bytes(docx)
        files: list[tuple[str, Path]] = []
        if "docx" in self.formats:
            files.append((job.docx_name, docx_path))
            for suffix, name in job.extra_names.items():
                extra = work / name
                assert self._renderers is not None
                extra.write_bytes(self._renderers.call(f"{job.slug} ({suffix})", job.extras[suffix]))
                files.append((name, extra))
        contents = None
        if "pdf" in self.formats:
            raw = work / f"{job.stem}.brut.pdf"  # LibreOffice's own output, in the stage only
            contents = converter.convert(docx_path, raw, expect_text=job.expect_text).contents
            if self._stop.is_set():
                return files
            final = work / job.pdf_name
            fields = None if job.draft else list(job.signatures)
            finalize_pdf(raw, final, metadata=job.metadata, signature_fields=fields, epoch=job.epoch)
            files.append((final.name, final))
        if "docx" in self.formats:
            # The DOCX says what its PDF says: the job's properties, the table of contents LibreOffice laid out;
            # a draft's figures let its watermark show through.
            assert self._renderers is not None
            label = f"{job.slug} ({job.label})"
            finished = self._renderers.call(label, finish_docx, docx, dict(job.metadata), contents, job.draft)
            docx_path.write_bytes(finished)
        return files


def _warm_up(converter: Any, workers: int) -> None:
    """Start ``workers`` of the converter's workers now; a failure resurfaces, per document, at conversion time."""
    with contextlib.suppress(Exception):
        converter.start(workers)


def _default_converter(workers: int) -> Any:

    return Converter(workers=workers)
