"""Turn DOCX into checked PDF/A-2b with warm LibreOffice workers, then finalise them for signature."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
import unicodedata
import uuid
import weakref
import zlib
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import pikepdf
from pypdf import PdfReader

from convgen import __version__
from convgen.errors import ConversionError, RenderError, SetupError
from convgen.uno_worker import group_members, office_sockets

__all__ = [
    "ConversionResult",
    "Converter",
    "ConverterStats",
    "SignatureField",
    "check_pdf",
    "finalize_pdf",
]

WORKER_SCRIPT = Path(__file__).with_name("uno_worker.py")
UNO_PYTHON = "/usr/bin/python3"
INSTALL_HINT = "installez-le : apt-get install libreoffice-writer-nogui python3-uno"
MINIMUM_VERSION = (7, 0)
IMPORT_FILTERS = {".docx": "MS Word 2007 XML", ".odt": "writer8", ".doc": "MS Word 97"}
A4_POINTS = (595.28, 841.89)
A4_TOLERANCE = 1.0
CM = 72 / 2.54
SIGNATURE_WIDTH = 6.5 * CM
SIGNATURE_HEIGHT = 2.5 * CM
SIGNATURE_GAP = 2.0  # points between the top of the anchor text and the bottom of the field
METADATA_KEYS = ("Title", "Author", "Subject", "Keywords")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ConversionResult:
    """What one successful conversion produced."""

    source: Path
    pdf: Path
    pages: int
    seconds: float
    attempts: int
    worker_rss_kb: int


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


@dataclass(frozen=True)
class SignatureField:
    """An empty signature field placed just above the signatory's name line.

    The line is found by the named destination ``bookmark`` (a Word bookmark of the template, exported by
    LibreOffice) when the PDF has it, else by the last occurrence of the text ``anchor``.
    """

    name: str
    anchor: str
    bookmark: str | None = None


# --------------------------------------------------------------------------- one worker


class _WorkerFailure(Exception):
    """Raised when a worker dies, hangs or cannot start; the document deserves a retry."""


class _DocumentRefused(Exception):
    """Raised when a healthy worker cannot open the document; retrying would not help."""


class _Worker:
    """One LibreOffice process group plus its UNO bridge process group."""

    def __init__(self, converter: _Settings, number: int) -> None:
        self.settings = converter
        self.number = number
        self.lock = threading.RLock()
        self.process: subprocess.Popen[bytes] | None = None
        self.office_pgid = 0
        self.directory: Path | None = None
        self.version = ""
        self.conversions = 0
        self.rss_kb = 0
        self.start_seconds = 0.0
        self._buffer = b""
        self._next_id = 0
        self.sockets: list[str] = []

    @property
    def started(self) -> bool:
        """Tell whether the worker has live processes."""
        return self.process is not None

    def process_groups(self) -> list[int]:
        """Return the process groups this worker currently owns."""
        groups = [self.office_pgid] if self.office_pgid else []
        return groups + ([self.process.pid] if self.process is not None else [])

    def start(self) -> None:
        """Start LibreOffice and its bridge, and wait until LibreOffice answers."""
        began = time.monotonic()
        if self.settings.work_dir is not None:
            self.settings.work_dir.mkdir(parents=True, exist_ok=True)
        self.directory = Path(tempfile.mkdtemp(prefix=f"convgen-lo-{self.number}-", dir=self.settings.work_dir))
        profile = self.directory / "profile"
        scratch = self.directory / "tmp"
        scratch.mkdir()
        pipe = f"convgen-{os.getpid()}-{uuid.uuid4().hex}"
        self.sockets = office_sockets(pipe, profile.as_uri())
        command = [
            self.settings.uno_python,
            "-I",
            str(WORKER_SCRIPT),
            "--soffice",
            self.settings.soffice,
            "--pipe",
            pipe,
            "--profile-url",
            profile.as_uri(),
            "--start-timeout",
            str(self.settings.start_timeout),
        ]
        with open(self.directory / "bridge.log", "wb") as log:
            try:
                self.process = subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    start_new_session=True,
                    cwd=self.directory,
                    env={**os.environ, "TMPDIR": str(scratch)},  # LibreOffice's lu*.tmp folders go there
                )
            except OSError as error:
                self.kill()
                raise SetupError(
                    f"{self.settings.uno_python} : impossible de lancer Python ({error.strerror}) — {INSTALL_HINT}"
                ) from None
        self._buffer = b""
        deadline = began + self.settings.start_timeout + 5
        try:
            while True:
                message = self._read(deadline)
                event = message.get("event")
                if event == "spawned":
                    self.office_pgid = int(message["pgid"])
                elif event == "ready":
                    self.version = str(message["version"])
                    self.rss_kb = int(message.get("rss_kb", 0))
                    break
                elif event == "fatal" and message.get("kind") == "setup":
                    raise SetupError(f"LibreOffice inutilisable : {message['message']} — {INSTALL_HINT}")
                elif event == "fatal":
                    raise _WorkerFailure(f"LibreOffice n'a pas démarré ({message['message']})")
        except _WorkerFailure as failure:
            detail = self._log_tail()
            self.kill()
            raise _WorkerFailure(f"{failure}{detail}") from None
        except BaseException:
            self.kill()
            raise
        if _version_tuple(self.version) < MINIMUM_VERSION:
            found = self.version
            self.kill()
            raise SetupError(
                f"LibreOffice {found} est trop ancien : la version 7.0 au moins est nécessaire — {INSTALL_HINT}"
            )
        self.conversions = 0
        self.start_seconds = time.monotonic() - began

    def convert(self, source: Path, output: Path, timeout: float) -> dict[str, Any]:
        """Convert one document; raise _WorkerFailure or _DocumentRefused."""
        assert self.process is not None and self.process.stdin is not None
        self._next_id += 1
        request = {
            "id": self._next_id,
            "input": str(source),
            "output": str(output),
            "filter": IMPORT_FILTERS[source.suffix.lower()],
        }
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            raise _WorkerFailure("le processus LibreOffice s'est arrêté") from None
        reply = self._read(time.monotonic() + timeout, timeout)
        if reply.get("id") != request["id"]:
            raise _WorkerFailure("réponse inattendue du processus LibreOffice")
        if not reply.get("ok"):
            if reply.get("kind") == "load":
                raise _DocumentRefused(str(reply.get("message", "")))
            raise _WorkerFailure(f"LibreOffice a échoué ({reply.get('message', '')})")
        self.conversions += 1
        self.rss_kb = int(reply.get("rss_kb", 0))
        return reply

    def _read(self, deadline: float, timeout: float | None = None) -> dict[str, Any]:
        """Read one JSON line from the bridge before ``deadline``."""
        assert self.process is not None and self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                limit = timeout if timeout is not None else self.settings.start_timeout
                raise _WorkerFailure(f"délai de {limit:g} s dépassé, LibreOffice a été arrêté")
            try:
                ready, _, _ = select.select([descriptor], [], [], remaining)
                chunk = os.read(descriptor, 65536) if ready else None
            except (OSError, ValueError):
                chunk = b""
            if chunk == b"":
                raise _WorkerFailure("le processus LibreOffice s'est arrêté")
            if chunk:
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            message: dict[str, Any] = json.loads(line)
        except ValueError:
            raise _WorkerFailure(f"réponse illisible du processus LibreOffice : {line[:200]!r}") from None
        return message

    def _log_tail(self) -> str:
        """Return the end of the bridge's error output, for messages."""
        if self.directory is None:
            return ""
        with suppress(OSError):
            text = (self.directory / "bridge.log").read_text(errors="replace").strip()
            if text:
                return f" : {text.splitlines()[-1][:300]}"
        return ""

    def terminate(self) -> None:
        """Kill both process groups and wait for them; safe from any thread, idempotent."""
        process = self.process
        if process is None:
            return
        office = self.office_pgid
        # LibreOffice first, while the bridge (its subreaper) is alive to reap it; then the bridge.
        if office and group_members(office):
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(office, signal.SIGKILL)
            deadline = time.monotonic() + 3
            while process.poll() is None and group_members(office) and time.monotonic() < deadline:
                time.sleep(0.01)
        if process.poll() is None:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)

    def stop(self) -> None:
        """Ask the bridge to shut LibreOffice down, then release everything."""
        process = self.process
        if process is not None and process.poll() is None:
            with suppress(OSError):
                if process.stdin is not None:
                    process.stdin.close()
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.kill()

    def kill(self) -> None:
        """Kill the processes, close the pipes and remove the profile."""
        with self.lock:
            self.terminate()
            process = self.process
            if process is not None:
                for stream in (process.stdin, process.stdout):
                    if stream is not None:
                        with suppress(OSError):
                            stream.close()
            self.process = None
            self.office_pgid = 0
            self._buffer = b""
            if self.directory is not None:
                shutil.rmtree(self.directory, ignore_errors=True)
                self.directory = None
            for socket in self.sockets:  # a killed LibreOffice leaves its pipe sockets behind
                with suppress(OSError):
                    os.unlink(socket)
            self.sockets = []


@dataclass(frozen=True)
class _Settings:
    """What every worker of one Converter shares."""

    soffice: str
    uno_python: str
    start_timeout: float
    work_dir: Path | None


def _version_tuple(version: str) -> tuple[int, ...]:
    """Return ``(7, 4, 7, 2)`` for ``"7.4.7.2"``."""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:4]) or (0,)


def _kill_workers(workers: list[_Worker]) -> None:
    """Kill every worker's processes (used by close() and by the garbage collector)."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.kill()


# --------------------------------------------------------------------------- the pool


class Converter:
    """A pool of warm LibreOffice workers converting DOCX to checked PDF/A-2b; use it as a context manager."""

    def __init__(
        self,
        workers: int | None = None,
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
        count = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.timeout = timeout
        self.recycle_after = max(1, recycle_after)
        self._settings = _Settings(found, uno_python, start_timeout, work_dir)
        self._workers = [_Worker(self._settings, number) for number in range(count)]
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        for worker in reversed(self._workers):
            self._idle.put(worker)
        self._lock = threading.Lock()
        self._closed = False
        self._counts = {"conversions": 0, "failures": 0, "retries": 0, "starts": 0, "recycled": 0}
        self._peak_rss_kb = 0
        self._start_seconds = 0.0
        self._finalizer = weakref.finalize(self, _kill_workers, self._workers)

    def __enter__(self) -> Converter:
        """Return the converter itself."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Close the pool, whatever happened."""
        self.close()

    def start(self) -> None:
        """Start every worker now, in parallel (otherwise each starts on first use)."""
        taken: list[_Worker] = []
        while True:
            try:
                taken.append(self._idle.get_nowait())
            except queue.Empty:
                break
        errors: list[BaseException] = []

        def start_one(worker: _Worker) -> None:
            try:
                self._ensure_started(worker)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=start_one, args=(worker,)) for worker in taken if not worker.started]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            for worker in taken:
                self._idle.put(worker)
        setup = [error for error in errors if isinstance(error, SetupError)]
        if setup:
            raise setup[0]
        if errors and len(errors) == len(threads):
            raise ConversionError(f"aucun processus LibreOffice n'a démarré ({errors[0]})")

    def convert(
        self, docx: Path, pdf: Path, *, expect_text: str | None = None, expect_pages: int | None = None
    ) -> ConversionResult:
        """Convert ``docx`` to a checked PDF/A-2b at ``pdf`` (atomic; one retry on a fresh worker)."""
        began = time.monotonic()
        source = Path(docx).resolve()
        target = Path(pdf).resolve()
        if source.suffix.lower() not in IMPORT_FILTERS:
            raise ConversionError(f"{source} : format non pris en charge (attendu : .docx)")
        if not source.is_file():
            raise ConversionError(f"{source} : document introuvable")
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        problems: list[str] = []
        try:
            for attempt in (1, 2):
                if attempt == 2:
                    self._count("retries")
                worker = self._acquire()
                try:
                    with worker.lock:
                        try:
                            self._ensure_started(worker)
                            reply = worker.convert(source, temporary, self.timeout)
                        except _WorkerFailure as failure:
                            worker.kill()
                            problems.append(str(failure))
                            continue
                        except _DocumentRefused as refusal:
                            self._count("failures")
                            raise ConversionError(
                                f"{source.name} : LibreOffice ne peut pas ouvrir ce document ({refusal}) ; "
                                "vérifiez qu'il s'agit d'un .docx valide"
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
                    pages = check_pdf(temporary, pages=expect_pages, expect_text=expect_text, name=source.name)
                except _BrokenOutput as broken:
                    problems.append(str(broken))
                    continue
                os.replace(temporary, target)
                self._count("conversions")
                return ConversionResult(source, target, pages, time.monotonic() - began, attempt, rss)
            self._count("failures")
            raise ConversionError(
                f"{source.name} : la conversion en PDF a échoué deux fois ({' ; puis '.join(problems)})"
            )
        finally:
            with suppress(OSError):
                temporary.unlink()

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

    def _acquire(self) -> _Worker:
        """Take an idle worker, waiting for one if all are busy."""
        while True:
            if self._closed:
                raise ConversionError("le convertisseur est fermé")
            try:
                return self._idle.get(timeout=0.2)
            except queue.Empty:
                continue

    def _release(self, worker: _Worker) -> None:
        """Give a worker back to the pool, or kill it if the pool was closed meanwhile."""
        if self._closed:
            worker.kill()
        self._idle.put(worker)

    def _ensure_started(self, worker: _Worker) -> None:
        """Start a worker if it has no live processes."""
        with worker.lock:
            if worker.started and worker.process is not None and worker.process.poll() is None:
                return
            if worker.started:
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


# --------------------------------------------------------------------------- checks


class _BrokenOutput(RenderError):
    """Raised when LibreOffice's output is not a readable PDF; a fresh worker may do better."""


def _normalize(text: str) -> str:
    """Return text in NFC with every run of (non-breaking) spaces and line breaks made one space."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _contains_text(path: Path, expected: str) -> bool:
    """Tell whether the PDF's text contains ``expected``, reading pages only until it is found.

    PDFium extracts a page's text in about 2 ms, twenty times faster than pypdf: this check runs on every output.
    """
    import pypdfium2

    wanted = _normalize(expected)
    seen = ""
    document = pypdfium2.PdfDocument(str(path))
    try:
        for page in document:
            text = page.get_textpage().get_text_range()
            # Keep the end of the previous pages: the text may run across a page break.
            seen = _normalize(f"{seen[-len(wanted) :]} {text}")
            if wanted in seen:
                return True
        return False
    finally:
        document.close()


def check_pdf(path: Path, *, pages: int | None = None, expect_text: str | None = None, name: str | None = None) -> int:
    """Check that ``path`` is a readable A4 PDF with the expected pages and text; return its page count."""
    label = name or Path(path).name
    try:
        with open(path, "rb") as handle:
            head = handle.read(5)
    except OSError:
        raise _BrokenOutput(f"{label} : aucun PDF n'a été produit") from None
    if head != b"%PDF-":
        raise _BrokenOutput(f"{label} : le fichier produit n'est pas un PDF")
    try:
        with pikepdf.open(path) as document:
            count = len(document.pages)
            sizes = [
                (float(page.mediabox[2] - page.mediabox[0]), float(page.mediabox[3] - page.mediabox[1]))
                for page in document.pages
            ]
    except (pikepdf.PdfError, OSError, ValueError) as error:
        raise _BrokenOutput(f"{label} : le PDF produit est illisible ({error})") from None
    if count < 1:
        raise _BrokenOutput(f"{label} : le PDF produit n'a aucune page")
    if pages is not None and count != pages:
        raise RenderError(f"{label} : {count} pages au lieu des {pages} attendues")
    for number, (width, height) in enumerate(sizes, start=1):
        short, long = sorted((width, height))
        if abs(short - A4_POINTS[0]) > A4_TOLERANCE or abs(long - A4_POINTS[1]) > A4_TOLERANCE:
            raise RenderError(
                f"{label} : la page {number} mesure {width:.0f} × {height:.0f} pt au lieu du format A4 "
                "(595 × 842 pt) — réglez le format de page du modèle sur A4"
            )
    if expect_text is not None and not _contains_text(path, expect_text):
        raise RenderError(f"{label} : le texte attendu « {expect_text} » est absent du PDF")
    return count


# --------------------------------------------------------------------------- post-processing


@dataclass(frozen=True)
class _Anchor:
    """Where an anchor text was found: page index, left x, baseline y and font height, in points."""

    page: int
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class _Fragment:
    """One piece of text drawn on a page."""

    text: str
    x: float
    y: float
    size: float


def _page_fragments(reader: PdfReader, index: int) -> list[_Fragment]:
    """Return one page's text fragments with their user-space positions."""
    fragments: list[_Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        c = tm[2] * cm[0] + tm[3] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        fragments.append(_Fragment(text, x, y, abs(float(size)) * (c * c + d * d) ** 0.5))

    reader.pages[index].extract_text(visitor_text=visit)
    return fragments


def _lines(fragments: list[_Fragment]) -> list[list[_Fragment]]:
    """Group fragments sharing a baseline, left to right."""
    lines: list[list[_Fragment]] = []
    for fragment in sorted(fragments, key=lambda item: (-round(item.y, 0), item.x)):
        if lines and abs(lines[-1][0].y - fragment.y) < 1.5:
            lines[-1].append(fragment)
        else:
            lines.append([fragment])
    return [sorted(line, key=lambda item: item.x) for line in lines]


def _find_anchor(reader: PdfReader, cache: dict[int, list[_Fragment]], anchor: str) -> _Anchor | None:
    """Return the last occurrence of ``anchor`` in document order (pages are read from the end), or None."""
    wanted = _normalize(anchor)
    for index in reversed(range(len(reader.pages))):
        if index not in cache:
            cache[index] = _page_fragments(reader, index)
        found: _Anchor | None = None
        for line in _lines(cache[index]):
            # One baseline may cross several table columns: try every fragment as the start.
            for start, first in enumerate(line):
                head = _normalize(first.text)
                text = ""
                for fragment in line[start:]:
                    text = _normalize(f"{text} {fragment.text}")
                    offset = text.find(wanted)
                    if 0 <= offset < max(1, len(head)):
                        found = _Anchor(index, first.x + offset * first.size * 0.5, first.y, first.size)
                        break
                    if len(text) > len(wanted) + len(head):
                        break
        if found is not None:
            return found
    return None


def _named_destinations(path: Path) -> dict[str, tuple[int, float, float]]:
    """Return the PDF's named destinations of the /XYZ kind: name → (page index, left, top), in points."""
    found: dict[str, tuple[int, float, float]] = {}
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        dests = pdf.Root.get("/Dests")
        items: list[tuple[str, Any]] = []
        if isinstance(dests, pikepdf.Dictionary):
            items = [(str(key)[1:], value) for key, value in dests.items()]
        for name, value in items:
            if isinstance(value, pikepdf.Dictionary):
                value = value.get("/D")
            if not isinstance(value, pikepdf.Array) or len(value) < 4 or str(value[1]) != "/XYZ":
                continue
            page_ref: Any = value[0]
            index = pages.get(page_ref.objgen)
            if index is not None:
                found[name] = (index, float(value[2]), float(value[3]))
    return found


def _inline_named_destinations(pdf: pikepdf.Pdf) -> None:
    """Replace every named destination by its explicit target, then drop the names.

    LibreOffice names the destinations of its table of contents with random numbers
    (``__RefHeading___Toc544_2711514954``): inlining them keeps the links and makes the bytes reproducible.
    """
    dests = pdf.Root.get("/Dests")
    if not isinstance(dests, pikepdf.Dictionary):
        return
    table: dict[str, Any] = {}
    for key, value in dests.items():
        target = value.get("/D") if isinstance(value, pikepdf.Dictionary) else value
        table[str(key)[1:]] = target

    def resolve(holder: Any, key: str) -> None:
        ref = holder.get(key)
        if isinstance(ref, pikepdf.Name):
            name = str(ref)[1:]
        elif isinstance(ref, pikepdf.String):
            name = str(ref)
        else:
            return
        if name in table and table[name] is not None:
            holder[key] = table[name]

    def visit(item: Any) -> None:
        resolve(item, "/Dest")
        action = item.get("/A")
        if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo":
            resolve(action, "/D")

    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", pikepdf.Array()):
            if isinstance(annotation, pikepdf.Dictionary):
                visit(annotation)
    outlines = pdf.Root.get("/Outlines")
    pending = [outlines.get("/First")] if isinstance(outlines, pikepdf.Dictionary) else []
    seen: set[tuple[int, int]] = set()
    while pending:
        item = pending.pop()
        if not isinstance(item, pikepdf.Dictionary) or item.objgen in seen:
            continue
        seen.add(item.objgen)
        visit(item)
        pending.extend(item.get(key) for key in ("/First", "/Next") if key in item)
    del pdf.Root["/Dests"]


def _rect_above(left: float, top: float) -> list[float]:
    """Return the signature field's rectangle just above a line whose top is at ``top``."""
    bottom = top + SIGNATURE_GAP
    return [round(value, 2) for value in (left, bottom, left + SIGNATURE_WIDTH, bottom + SIGNATURE_HEIGHT)]


def _signature_rect(anchor: _Anchor, fragments: list[_Fragment], field: SignatureField, label: str) -> list[float]:
    """Return the field's rectangle just above the anchor, checking that the space is blank."""
    bottom = anchor.y + anchor.size * 0.9 + SIGNATURE_GAP
    left, right, top = anchor.x, anchor.x + SIGNATURE_WIDTH, bottom + SIGNATURE_HEIGHT
    for fragment in fragments:
        inside_y = bottom < fragment.y + 0.25 * fragment.size and fragment.y < top
        if inside_y and left - 1 <= fragment.x < right:
            raise RenderError(
                f"{label} : pas assez de place pour la signature au-dessus de « {field.anchor} » "
                f"(le texte « {fragment.text.strip()[:40]} » gêne) — prévoyez un blanc d'au moins 2,6 cm"
            )
    return [round(value, 2) for value in (left, bottom, right, top)]


def _pdf_date(moment: datetime) -> str:
    """Return a PDF date string in UTC: ``D:20240223000000Z``."""
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


def _fix_icc_dates(pdf: pikepdf.Pdf, moment: datetime) -> None:
    """Set the creation date inside every embedded ICC profile header (and its MD5 id, if any)."""
    seen: set[tuple[int, int]] = set()
    for intent in pdf.Root.get("/OutputIntents", pikepdf.Array()):
        profile = intent.get("/DestOutputProfile")
        if not isinstance(profile, pikepdf.Stream) or profile.objgen in seen:
            continue
        seen.add(profile.objgen)
        data = bytearray(profile.read_bytes())
        if len(data) < 128:
            continue
        utc = moment.astimezone(UTC)
        data[24:36] = struct.pack(">6H", utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)
        if any(data[84:100]):
            blanked = bytearray(data)
            blanked[44:48] = bytes(4)
            blanked[64:68] = bytes(4)
            blanked[84:100] = bytes(16)
            data[84:100] = hashlib.md5(bytes(blanked)).digest()
        profile.write(zlib.compress(bytes(data), 9), filter=pikepdf.Name.FlateDecode)


def _add_signature_fields(pdf: pikepdf.Pdf, placements: list[tuple[SignatureField, _Anchor, list[float]]]) -> None:
    """Add one empty /Sig field with a printable widget per placement."""
    fields = []
    for field, anchor, rect in placements:
        page = pdf.pages[anchor.page]
        width, height = rect[2] - rect[0], rect[3] - rect[1]
        appearance = pdf.make_stream(
            b"q Q\n",  # draws nothing: an unsigned field has a blank appearance
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form,
            BBox=pikepdf.Array([0, 0, round(width, 2), round(height, 2)]),
        )
        widget = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Widget,
                FT=pikepdf.Name.Sig,
                T=pikepdf.String(field.name),
                TU=pikepdf.String(f"Signature : {field.anchor}"),
                F=4,
                Rect=pikepdf.Array(rect),
                P=page.obj,
                AP=pikepdf.Dictionary(N=appearance),
            )
        )
        if "/Annots" not in page.obj:
            page.obj.Annots = pdf.make_indirect(pikepdf.Array())
        page.obj.Annots.append(widget)
        page.obj.Tabs = pikepdf.Name.S
        fields.append(widget)
    if not fields:
        return
    if "/AcroForm" not in pdf.Root:
        pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array()))
    form = pdf.Root.AcroForm
    if "/Fields" not in form:
        form.Fields = pikepdf.Array()
    for widget in fields:
        form.Fields.append(widget)
    for key in ("/NeedAppearances", "/SigFlags"):
        if key in form:
            del form[key]


def finalize_pdf(
    src: Path,
    dst: Path,
    *,
    metadata: Mapping[str, str],
    signature_fields: Sequence[SignatureField] | None,
    epoch: datetime,
) -> None:
    """Set metadata and /Lang, add signature fields, fix every date; write ``dst`` atomically, byte-reproducibly."""
    source, target = Path(src), Path(dst)
    unknown = sorted(set(metadata) - set(METADATA_KEYS))
    if unknown:
        raise ValueError(f"unknown metadata keys: {unknown}; expected some of {METADATA_KEYS}")
    moment = epoch if epoch.tzinfo is not None else epoch.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    label = target.name
    placements: list[tuple[SignatureField, _Anchor, list[float]]] = []
    if signature_fields:
        reader = PdfReader(source)
        cache: dict[int, list[_Fragment]] = {}
        destinations = _named_destinations(source)
        for field in signature_fields:
            if field.bookmark and field.bookmark in destinations:
                page, left, top = destinations[field.bookmark]
                size = 10.0  # the destination gives the top of the name line: the field starts just above it
                placements.append((field, _Anchor(page, left, top - 0.9 * size, size), _rect_above(left, top)))
                continue
            anchor = _find_anchor(reader, cache, field.anchor)
            if anchor is None:
                raise RenderError(
                    f"{label} : le texte « {field.anchor} » qui situe la signature {field.name} est introuvable "
                    "dans le PDF — vérifiez le nom du signataire dans le bloc de signature"
                )
            rect = _signature_rect(anchor, cache[anchor.page], field, label)
            placements.append((field, anchor, rect))

    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with pikepdf.open(source) as pdf:
            producer = str(pdf.docinfo.get("/Producer", "LibreOffice"))
            if "convgen" not in producer:
                producer = f"{producer} ; convgen {__version__}"
            iso = moment.isoformat()
            with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
                if "Title" in metadata:
                    xmp["dc:title"] = metadata["Title"]
                if "Author" in metadata:
                    xmp["dc:creator"] = [metadata["Author"]]
                if "Subject" in metadata:
                    xmp["dc:description"] = metadata["Subject"]
                if "Keywords" in metadata:
                    xmp["pdf:Keywords"] = metadata["Keywords"]
                xmp["xmp:CreatorTool"] = "convgen"
                xmp["pdf:Producer"] = producer
                xmp["xmp:CreateDate"] = iso
                xmp["xmp:ModifyDate"] = iso
                xmp["xmp:MetadataDate"] = iso
            for key in METADATA_KEYS:
                if key in metadata:
                    pdf.docinfo[f"/{key}"] = pikepdf.String(metadata[key])
            pdf.docinfo["/Creator"] = pikepdf.String("convgen")
            pdf.docinfo["/Producer"] = pikepdf.String(producer)
            pdf.docinfo["/CreationDate"] = pikepdf.String(_pdf_date(moment))
            pdf.docinfo["/ModDate"] = pikepdf.String(_pdf_date(moment))
            pdf.Root.Lang = pikepdf.String("fr-FR")
            for key in ("/DocChecksum", "/ID"):  # both vary from run to run; qpdf derives /ID from content
                if key in pdf.trailer:
                    del pdf.trailer[key]
            _fix_icc_dates(pdf, moment)
            _inline_named_destinations(pdf)
            _add_signature_fields(pdf, placements)
            pdf.save(
                temporary,
                deterministic_id=True,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
                compress_streams=True,
                fix_metadata_version=True,
                linearize=False,
            )
        check_pdf(temporary, name=label)
        os.replace(temporary, target)
    finally:
        with suppress(OSError):
            temporary.unlink()
