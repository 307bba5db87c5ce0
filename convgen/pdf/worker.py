"""One LibreOffice worker: a LibreOffice process group and its UNO bridge, started, asked, stopped, killed."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convgen.errors import SetupError
from convgen.heap import padded_environment
from convgen.pdf.uno_worker import group_members, office_sockets

WORKER_SCRIPT = Path(__file__).with_name("uno_worker.py")
UNO_PYTHON = "/usr/bin/python3"
INSTALL_HINT = "installez-le : apt-get install libreoffice-writer-nogui python3-uno"
MINIMUM_VERSION = (7, 0)
IMPORT_FILTERS = {".docx": "MS Word 2007 XML", ".odt": "writer8", ".doc": "MS Word 97"}


class WorkerFailure(Exception):
    """Raised when a worker dies, hangs or cannot start; the document deserves a retry."""


class DocumentRefused(Exception):
    """Raised when a healthy worker cannot open the document; retrying would not help."""


class Worker:
    """One LibreOffice process group plus its UNO bridge process group."""

    def __init__(self, converter: Settings, number: int) -> None:
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
        self._launched_at = 0.0
        self.sockets: list[str] = []

    @property
    def started(self) -> bool:
        """Tell whether the worker has processes (launched, perhaps not yet ready)."""
        return self.process is not None

    @property
    def ready(self) -> bool:
        """Tell whether LibreOffice has answered since the last launch."""
        return self.process is not None and bool(self.version)

    def process_groups(self) -> list[int]:
        """Return the process groups this worker currently owns."""
        groups = [self.office_pgid] if self.office_pgid else []
        return groups + ([self.process.pid] if self.process is not None else [])

    def launch(self) -> None:
        """Start the bridge (which starts LibreOffice) without waiting for it; ``start`` then waits."""
        self._launched_at = time.monotonic()
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
                    # LibreOffice's lu*.tmp folders go in TMPDIR; glibc's padding: ``convgen/heap.py``
                    env=padded_environment({**os.environ, "TMPDIR": str(scratch)}),
                )
            except OSError as error:
                self.kill()
                raise SetupError(
                    f"{self.settings.uno_python} : impossible de lancer Python ({error.strerror}) — {INSTALL_HINT}"
                ) from None
        self._buffer = b""
        with _LAUNCHED_LOCK:
            _LAUNCHED[id(self)] = self._pipe_descriptors()

    def start(self) -> None:
        """Start LibreOffice and its bridge (unless ``launch`` did), and wait until LibreOffice answers."""
        if self.process is None:
            self.launch()
        deadline = self._launched_at + self.settings.start_timeout + 5
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
                    raise WorkerFailure(f"LibreOffice n’a pas démarré ({message['message']})")
        except WorkerFailure as failure:
            detail = self._log_tail()
            self.kill()
            raise WorkerFailure(f"{failure}{detail}") from None
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
        self.start_seconds = time.monotonic() - self._launched_at

    def convert(self, source: Path, output: Path, timeout: float) -> dict[str, Any]:
        """Convert one document; raise WorkerFailure or DocumentRefused."""
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
            raise WorkerFailure("le processus LibreOffice s’est arrêté") from None
        reply = self._read(time.monotonic() + timeout, timeout)
        if reply.get("id") != request["id"]:
            raise WorkerFailure("réponse inattendue du processus LibreOffice")
        if not reply.get("ok"):
            if reply.get("kind") == "load":
                raise DocumentRefused(str(reply.get("message", "")))
            raise WorkerFailure(f"LibreOffice a échoué ({reply.get('message', '')})")
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
                raise WorkerFailure(f"délai de {limit:g} s dépassé, LibreOffice a été arrêté")
            try:
                ready, _, _ = select.select([descriptor], [], [], remaining)
                chunk = os.read(descriptor, 65536) if ready else None
            except (OSError, ValueError):
                chunk = b""
            if chunk == b"":
                raise WorkerFailure("le processus LibreOffice s’est arrêté")
            if chunk:
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            message: dict[str, Any] = json.loads(line)
        except ValueError:
            raise WorkerFailure(f"réponse illisible du processus LibreOffice : {line[:200]!r}") from None
        return message

    def _pipe_descriptors(self) -> tuple[int, ...]:
        """Return the descriptors of this process's ends of the bridge's pipes."""
        if self.process is None:
            return ()
        return tuple(stream.fileno() for stream in (self.process.stdin, self.process.stdout) if stream is not None)

    def _learn_office(self) -> None:
        """Read the bridge's « spawned » message when no one has yet, so that its LibreOffice can be killed.

        A worker launched but never waited for (a build stopped by invalid data) has that message unread in
        its pipe; killing only the bridge would leave LibreOffice running. The bridge sends it at once after
        starting LibreOffice: the wait is bounded and short. Only when no other thread is reading the pipe.
        """
        if self.office_pgid or self.process is None or self.process.stdout is None:
            return
        if not self.lock.acquire(blocking=False):
            return  # the thread reading the pipe (a start under way) kills LibreOffice itself when it fails
        try:
            deadline = time.monotonic() + 3
            while not self.office_pgid and self.process is not None and time.monotonic() < deadline:
                try:
                    message = self._read(deadline)
                except WorkerFailure:
                    return
                if message.get("event") == "spawned":
                    self.office_pgid = int(message["pgid"])
                elif message.get("event") in ("ready", "fatal"):
                    return
        finally:
            self.lock.release()

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
        self._learn_office()
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
            with _LAUNCHED_LOCK:  # before the descriptors are closed and their numbers reused
                _LAUNCHED.pop(id(self), None)
            process = self.process
            if process is not None:
                for stream in (process.stdin, process.stdout):
                    if stream is not None:
                        with suppress(OSError):
                            stream.close()
            self.process = None
            self.office_pgid = 0
            self.version = ""
            self._buffer = b""
            if self.directory is not None:
                shutil.rmtree(self.directory, ignore_errors=True)
                self.directory = None
            for socket in self.sockets:  # a killed LibreOffice leaves its pipe sockets behind
                with suppress(OSError):
                    os.unlink(socket)
            self.sockets = []


# The pipes to every live bridge, by worker. A process forked from this one (a rendering process) gets a copy
# of each descriptor; it must not keep them: a bridge sees the end of its input only when every copy of the
# writing end is closed. In the child they are pointed at /dev/null, so their numbers stay taken and a file
# object that later closes one closes nothing else.
_LAUNCHED: dict[int, tuple[int, ...]] = {}
_LAUNCHED_LOCK = threading.Lock()


def _release_pipes_in_child() -> None:
    """In a forked child: let go of the parent's bridge pipes (see ``_LAUNCHED``)."""
    descriptors = [fd for fds in _LAUNCHED.values() for fd in fds]
    if not descriptors:
        return
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for descriptor in descriptors:
            with suppress(OSError):
                os.dup2(null, descriptor)
    finally:
        os.close(null)


os.register_at_fork(after_in_child=_release_pipes_in_child)


@dataclass(frozen=True)
class Settings:
    """What every worker of one Converter shares."""

    soffice: str
    uno_python: str
    start_timeout: float
    work_dir: Path | None


def _version_tuple(version: str) -> tuple[int, ...]:
    """Return ``(7, 4, 7, 2)`` for ``"7.4.7.2"``."""
    return tuple(int(part) for part in re.findall(r"\d+", version)[:4]) or (0,)


def kill_workers(workers: list[Worker]) -> None:
    """Kill every worker's processes (used by close() and by the garbage collector)."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.kill()
