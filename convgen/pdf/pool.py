"""Turn DOCX into checked PDF/A-2b with warm LibreOffice workers (finishing for signature: ``finish.py``)."""

from __future__ import annotations

import json
import os
import queue
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from convgen.errors import ConversionError, SetupError
from convgen.pdf.finish import _BrokenOutput, check_pdf
from convgen.pdf.uno_worker import group_members, office_sockets

__all__ = ["ContentsEntry", "ConversionResult", "Converter", "ConverterStats"]

WORKER_SCRIPT = Path(__file__).with_name("uno_worker.py")
UNO_PYTHON = "/usr/bin/python3"
INSTALL_HINT = "installez-le : apt-get install libreoffice-writer-nogui python3-uno"
MINIMUM_VERSION = (7, 0)
IMPORT_FILTERS = {".docx": "MS Word 2007 XML", ".odt": "writer8", ".doc": "MS Word 97"}


# --------------------------------------------------------------------------- results


class ContentsEntry(NamedTuple):
    """One line of a table of contents as LibreOffice laid it out: level (1, 2, …), text, page number."""

    level: int
    text: str
    page: str


@dataclass(frozen=True)
class ConversionResult:
    """What one successful conversion produced.

    ``contents`` is the document's table of contents as the PDF prints it, or None when it has none.
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


def _contents(value: object) -> tuple[ContentsEntry, ...] | None:
    """Return the table of contents of a worker's reply, or None when it has none or it is malformed."""
    if not isinstance(value, list):
        return None
    entries = []
    for item in value:
        if not isinstance(item, dict):
            return None
        level, text, page = item.get("level"), item.get("text"), item.get("page")
        if not isinstance(level, int) or not isinstance(text, str) or not isinstance(page, str):
            return None
        entries.append(ContentsEntry(level, text, page))
    return tuple(entries)


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
                # start() is itself bounded (start_timeout); this bound only guards against a bug.
                thread.join(timeout=self._settings.start_timeout + 15)
        finally:
            for worker in taken:
                self._idle.put(worker)
        setup = [error for error in errors if isinstance(error, SetupError)]
        if setup:
            raise setup[0]
        if errors and len(errors) == len(threads):
            raise ConversionError(f"aucun processus LibreOffice n'a démarré ({errors[0]})")

    def convert(self, docx: Path, pdf: Path, *, expect_text: str | None = None) -> ConversionResult:
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
                    pages = check_pdf(temporary, expect_text=expect_text, name=source.name)
                except _BrokenOutput as broken:
                    problems.append(str(broken))
                    continue
                os.replace(temporary, target)
                self._count("conversions")
                contents = _contents(reply.get("contents"))
                return ConversionResult(source, target, pages, time.monotonic() - began, attempt, rss, contents)
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
        """Take an idle worker, waiting for one if all are busy (each is busy for a bounded time)."""
        deadline = time.monotonic() + self._settings.start_timeout + 2 * self.timeout + 15
        while time.monotonic() < deadline:
            if self._closed:
                raise ConversionError("le convertisseur est fermé")
            try:
                return self._idle.get(timeout=0.2)
            except queue.Empty:
                continue
        raise ConversionError("aucun processus LibreOffice n'est devenu disponible à temps")

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
