"""Turn DOCX into checked PDF/A-2b with warm LibreOffice workers (finishing for signature: ``finish.py``)."""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, NamedTuple

from convgen.errors import BrokenOutputError, ConversionError, SetupError
from convgen.files import replacing
from convgen.pdf.worker import (
    IMPORT_FILTERS,
    INSTALL_HINT,
    UNO_PYTHON,
    DocumentRefused,
    Settings,
    Worker,
    WorkerFailure,
    kill_workers,
)

__all__ = ["ContentsEntry", "ConversionResult", "Converter", "ConverterStats", "settle_output"]


if TYPE_CHECKING:
    from convgen.pdf.pictures import Picture


class ContentsEntry(NamedTuple):
    """One line of a table of contents as LibreOffice laid it out: level (1, 2, …), text, page number."""

    level: int
    text: str
    page: str


@dataclass(frozen=True)
class ConversionResult:
    """What one successful conversion produced.

    ``contents`` is the document's table of contents as the PDF prints it (read from its outline,
    ``pdf/outline.py``), or None when it has none.
    """

    source: Path
    pdf: Path
    pages: int
    seconds: float
    attempts: int
    worker_rss_kb: int
    contents: tuple[ContentsEntry, ...] | None = None


@dataclass(frozen=True)
class ConverterStats:
    """Counters of a Converter, for benchmarks and logs."""

    conversions: int
    failures: int
    retries: int
    starts: int
    recycled: int
    peak_rss_kb: int
    start_seconds: float


# --------------------------------------------------------------------------- the pool


class Converter:
    """A pool of warm LibreOffice workers converting DOCX to checked PDF/A-2b; use it as a context manager."""

    def __init__(
        self,
        workers: int = 1,
        timeout: float = 60.0,
        recycle_after: int = 150,
        *,
        start_timeout: float = 30.0,
        soffice: str | None = None,
        uno_python: str = UNO_PYTHON,
        work_dir: Path | None = None,
    ) -> None:
        found = shutil.which(soffice or "soffice")
        if found is None:
            raise SetupError(f"LibreOffice (soffice) est introuvable — {INSTALL_HINT}")
        if not os.access(uno_python, os.X_OK):
            raise SetupError(f"{uno_python} est introuvable (il porte le module uno) — {INSTALL_HINT}")
        count = max(1, workers)  # how many a build wants is decided once, by ``runner/options.worker_count``
        self.timeout = timeout
        self.recycle_after = max(1, recycle_after)
        self._settings = Settings(found, uno_python, start_timeout, work_dir)
        self._workers = [Worker(self._settings, number) for number in range(count)]
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        for worker in reversed(self._workers):
            self._idle.put(worker)
        self._lock = threading.Lock()
        self._closed = False
        self._counts = {"conversions": 0, "failures": 0, "retries": 0, "starts": 0, "recycled": 0}
        self._peak_rss_kb = 0
        self._start_seconds = 0.0
        self._finalizer = weakref.finalize(self, kill_workers, self._workers)

    def __enter__(self) -> Converter:
        """Return the converter itself."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Close the pool, whatever happened."""
        self.close()

    def launch(self, count: int = 1) -> None:
        """Start the processes of the first ``count`` workers now, without waiting for them (``start`` waits).

        Called from the thread that will later fork the rendering processes: no thread is started here.
        """
        for worker in self._workers[:count]:
            with worker.lock:
                if not worker.started and not self._closed:
                    worker.launch()

    def start(self, count: int | None = None) -> None:
        """Start ``count`` workers (all by default) now, in parallel (otherwise each starts on first use)."""
        taken: list[Worker] = []
        while count is None or len(taken) < count:
            try:
                taken.append(self._idle.get_nowait())
            except queue.Empty:
                break
        errors: list[BaseException] = []
        pending = [worker for worker in taken if not worker.ready]
        for worker in taken:
            if worker.ready:
                self._idle.put(worker)

        def start_one(worker: Worker) -> None:
            try:
                self._ensure_started(worker)
            except BaseException as error:
                errors.append(error)
            finally:
                self._idle.put(worker)  # at once: a conversion does not wait for the other workers to start

        threads = [threading.Thread(target=start_one, args=(worker,)) for worker in pending]
        running: list[threading.Thread] = []
        try:
            for thread in threads:
                thread.start()
                running.append(thread)
        finally:
            for worker, thread in zip(pending, threads, strict=True):
                if thread not in running:
                    self._idle.put(worker)
        for thread in running:
            # start() is itself bounded (start_timeout); this bound only guards against a bug.
            thread.join(timeout=self._settings.start_timeout + 15)
        setup = [error for error in errors if isinstance(error, SetupError)]
        if setup:
            raise setup[0]
        if errors and len(errors) == len(threads):
            raise ConversionError(f"aucun processus LibreOffice n’a démarré ({errors[0]})")

    def convert(self, docx: Path, pdf: Path, *, expect_text: str | None = None) -> ConversionResult:
        """Convert ``docx`` to a checked PDF/A-2b at ``pdf`` (atomic; one retry on a fresh worker)."""
        # Imported here: pikepdf and PDFium take a third of a second to import, and a build imports this
        # module first thing, to start LibreOffice while it reads the data.
        from convgen.pdf.pictures import StandInLeft, prepare_pictures

        began = time.monotonic()
        source = Path(docx).resolve()
        target = Path(pdf).resolve()
        if source.suffix.lower() not in IMPORT_FILTERS:
            raise ConversionError(f"{source} : format non pris en charge (attendu : .docx)")
        if not source.is_file():
            raise ConversionError(f"{source} : document introuvable")
        problems: list[str] = []
        # target is the whole checked PDF, or untouched; LibreOffice reads a copy whose pictures are stand-ins
        with replacing(target) as temporary, prepare_pictures(source, temporary.parent) as (entry, pictures):
            for attempt in (1, 2):
                if attempt == 2:
                    self._count("retries")
                worker = self._acquire()
                try:
                    with worker.lock:
                        try:
                            self._ensure_started(worker)
                            reply = worker.convert(entry, temporary, self.timeout)
                        except WorkerFailure as failure:
                            worker.kill()
                            problems.append(str(failure))
                            continue
                        except DocumentRefused as refusal:
                            self._count("failures")
                            raise ConversionError(
                                f"{source.name} : LibreOffice ne peut pas ouvrir ce document ({refusal}) ; "
                                "vérifiez qu’il s’agit d’un .docx valide"
                            ) from None
                        rss = int(reply.get("rss_kb", 0))
                        with self._lock:
                            self._peak_rss_kb = max(self._peak_rss_kb, rss)
                        if worker.conversions >= self.recycle_after:
                            worker.stop()
                            self._count("recycled")
                finally:
                    self._release(worker)
                try:
                    pages, contents = settle_output(temporary, pictures, expect_text=expect_text, name=source.name)
                except StandInLeft as left:
                    problems.append(str(left))
                    entry, pictures = source, {}  # the retry converts the document itself, pictures and all
                    continue
                except BrokenOutputError as broken:
                    problems.append(str(broken))
                    continue
                self._count("conversions")
                return ConversionResult(source, target, pages, time.monotonic() - began, attempt, rss, contents)
            self._count("failures")
            raise ConversionError(
                f"{source.name} : la conversion en PDF a échoué deux fois ({' ; puis '.join(problems)})"
            )

    def stats(self) -> ConverterStats:
        """Return the counters, the peak LibreOffice memory and the total start-up time."""
        with self._lock:
            return ConverterStats(
                conversions=self._counts["conversions"],
                failures=self._counts["failures"],
                retries=self._counts["retries"],
                starts=self._counts["starts"],
                recycled=self._counts["recycled"],
                peak_rss_kb=self._peak_rss_kb,
                start_seconds=self._start_seconds,
            )

    def process_groups(self) -> list[int]:
        """Return the process groups of the live workers (LibreOffice and bridge)."""
        return [group for worker in self._workers for group in worker.process_groups()]

    def close(self) -> None:
        """Kill every LibreOffice process this converter started and remove their profiles."""
        with self._lock:
            self._closed = True
        self._finalizer()

    def _count(self, name: str) -> None:
        """Increment one counter."""
        with self._lock:
            self._counts[name] += 1

    def _acquire(self) -> Worker:
        """Take an idle worker, waiting for one if all are busy (each is busy for a bounded time)."""
        deadline = time.monotonic() + self._settings.start_timeout + 2 * self.timeout + 15
        while time.monotonic() < deadline:
            if self._closed:
                raise ConversionError("le convertisseur est fermé")
            try:
                return self._idle.get(timeout=0.2)
            except queue.Empty:
                continue
        raise ConversionError("aucun processus LibreOffice n’est devenu disponible à temps")

    def _release(self, worker: Worker) -> None:
        """Give a worker back to the pool, or kill it if the pool was closed meanwhile."""
        if self._closed:
            worker.kill()
        self._idle.put(worker)

    def _ensure_started(self, worker: Worker) -> None:
        """Start a worker if it has no live processes."""
        with worker.lock:
            alive = worker.process is not None and worker.process.poll() is None
            if worker.ready and alive:
                return
            if worker.started and not alive:
                worker.kill()
            if self._closed:
                raise ConversionError("le convertisseur est fermé")
            worker.start()
            with self._lock:
                self._counts["starts"] += 1
                self._start_seconds += worker.start_seconds
                self._peak_rss_kb = max(self._peak_rss_kb, worker.rss_kb)
            if self._closed:
                worker.kill()
                raise ConversionError("le convertisseur est fermé")


def settle_output(
    path: Path, pictures: dict[int, Picture], *, expect_text: str | None, name: str
) -> tuple[int, tuple[ContentsEntry, ...] | None]:
    """Put the pictures back into LibreOffice's PDF at ``path`` and check it, opened once; return its page count
    and the table of contents it prints (None when its outline cannot be read).

    Raises ``BrokenOutputError`` when the PDF is missing or unreadable (a fresh worker may do better),
    ``StandInLeft`` when a stand-in is left in it, ``RenderError`` when it is not what the document should be.
    """
    import pikepdf  # a third of a second to import, with PDFium: not before a build converts (``early.py``)

    from convgen.pdf.finish import check_header, check_pages, check_text
    from convgen.pdf.outline import document_contents
    from convgen.pdf.pictures import put_back_pictures, save_in_place

    check_header(path, name)
    try:
        document = pikepdf.open(path)
    except (pikepdf.PdfError, OSError, ValueError) as error:
        raise BrokenOutputError(f"{name} : le PDF produit est illisible ({error})") from None
    with document:
        restored = put_back_pictures(document, pictures, name=name)
        pages = check_pages(document, name)
        contents = document_contents(document)  # the table of contents the PDF prints
        if restored:
            save_in_place(document, path)
    check_text(path, name, expect_text)
    return pages, contents
