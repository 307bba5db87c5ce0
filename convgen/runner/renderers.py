"""Rendering processes: every DOCX is rendered and checked in a child process, with a time limit.

Rendering is pure Python (docxtpl, python-docx, lxml): in the main process it would hold the interpreter lock
that the conversions' bookkeeping needs, and a rendering that never ends could not be stopped. So each call
goes to a child process and is waited for with a bound; a child that hangs or dies is killed with all its
siblings, the pool is replaced, and the document is retried once before it is reported as failed.

The first pool is forked before any thread starts (a fork is only safe in a process with one thread, and
forked children inherit the imported modules: they start in milliseconds). A pool made later, when threads
run, uses ``spawn``. Every child watches its parent and exits when the parent dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from convgen.documents.checks import check_rendered
from convgen.errors import RenderError

T = TypeVar("T")

RENDER_TIMEOUT = 120.0  # seconds for one document; a normal one takes about 0.1 s
START_TIMEOUT = 60.0  # seconds for new rendering processes to start (a spawned one imports convgen first)
PARENT_POLL = 0.2  # seconds between two checks, in a child, that its parent is alive
_rendered = 0


def render_checked(
    render: Callable[[], bytes], draft: bool, context: Mapping[str, Any] | None, title: str | None = None
) -> tuple[bytes, list[str]]:
    """Return a job's DOCX and the problems ``check_rendered`` finds in it (run in a rendering process)."""
    global _rendered
    docx = render()
    problems = check_rendered(docx, allow_fill_in=draft, context=context, title=title)
    _rendered += 1
    if _rendered % 10 == 0:
        # python-docx leaves reference cycles holding large lxml trees, whose memory the collector does not
        # see: without this, 1,255 documents keep about 800 MB.
        gc.collect()
    return docx, problems


def _watch_parent(parent: int) -> None:
    """Exit as soon as the process that started this one is gone (its death orphans us)."""
    while True:
        time.sleep(PARENT_POLL)
        if os.getppid() != parent:
            os._exit(70)


def _child_setup(parent: int) -> None:
    """Leave Ctrl-C to the parent, and die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="convgen-parent").start()


class Renderers:
    """A replaceable pool of rendering processes; ``call`` is safe from any thread."""

    def __init__(self, workers: int, *, timeout: float = RENDER_TIMEOUT) -> None:
        self.workers = max(1, workers)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._closed = False
        self._pool: ProcessPoolExecutor | None = self._new_pool()
        self.replaced = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        """Return a started pool: forked while this process has one thread, else spawned."""
        fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
        return _started(self.workers, "fork" if fork else "spawn")

    def call(self, label: str, function: Callable[..., T], *args: Any) -> T:
        """Return ``function(*args)`` computed in a rendering process, with one retry in a process of its own.

        When a process hangs or dies, its whole pool is killed and replaced, so the documents it was rendering
        fail too: each then retries alone, in a fresh process, which also tells which document was at fault.
        """
        try:
            pickle.dumps((function, args))
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            raise RenderError(f"{label} : le rendu ne peut pas être confié à un processus ({error})") from None
        problems: list[str] = []
        for shared in (True, False):
            pool = self._current() if shared else self._solo(_modules(function, *args))
            try:
                try:
                    future: Future[T] = pool.submit(function, *args)
                except (BrokenProcessPool, RuntimeError):  # the pool was shut down or broken by another document
                    problems.append("le processus de rendu s’est arrêté")
                    continue
                try:
                    return future.result(timeout=self.timeout)
                except FutureTimeout:
                    problems.append(f"rendu interrompu après {self.timeout:g} s")
                except BrokenProcessPool:
                    problems.append("le processus de rendu s’est arrêté")
            finally:
                if shared:
                    if problems:
                        self._replace(pool)
                else:
                    _kill(pool)
            if self._closed:
                break
        raise RenderError(f"{label} : le rendu a échoué deux fois ({' ; puis '.join(problems)})")

    def _solo(self, modules: tuple[str, ...]) -> ProcessPoolExecutor:
        """Return a new one-process pool, started with ``spawn`` (threads are running by now).

        Its process imports ``modules`` before the rendering's time limit starts.
        """
        if self._closed:
            raise RenderError("construction interrompue")
        return _started(1, "spawn", modules)

    def _current(self) -> ProcessPoolExecutor:
        """Return the live pool."""
        with self._lock:
            if self._closed:
                raise RenderError("construction interrompue")
            if self._pool is None:
                self._pool = self._new_pool()
            return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> bool:
        """Kill ``broken`` if it is still the live pool; tell whether this call did it."""
        with self._lock:
            if self._pool is not broken:
                return False
            self._pool = None
            self.replaced += 1
        _kill(broken)
        return True

    def close(self) -> None:
        """Stop every rendering process now (pending renderings are abandoned)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            _kill(pool)


def _modules(*callables: Any) -> tuple[str, ...]:
    """Return the modules of the functions (and of the functions inside ``functools.partial``) among ``callables``."""
    found = {__name__}
    for item in callables:
        function = item.func if isinstance(item, functools.partial) else item
        if callable(function) and isinstance(getattr(function, "__module__", None), str):
            found.add(function.__module__)
    return tuple(sorted(found))


def _ready(modules: tuple[str, ...]) -> None:
    """Import ``modules`` and stay busy a moment, so that every process of a pool gets started."""
    for module in modules:
        importlib.import_module(module)
    time.sleep(0.05)


def _started(workers: int, method: str, modules: tuple[str, ...] = (__name__,)) -> ProcessPoolExecutor:
    """Return a pool whose processes have all started (so the time limit of a rendering never counts a start)."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_child_setup,
        initargs=(os.getpid(),),
    )
    # With fork, every process starts at the first submission; with spawn, one per submission while none is idle.
    warm = [pool.submit(_ready, modules) for _ in range(workers)]
    try:
        for future in warm:
            future.result(timeout=START_TIMEOUT)
    except (BrokenProcessPool, FutureTimeout):
        _kill(pool)
        raise RenderError("les processus de rendu n’ont pas démarré") from None
    return pool


def _kill(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's processes and release it without waiting for its pending work."""
    processes = dict(getattr(pool, "_processes", None) or {})  # the pool offers no public way to kill
    for process in processes.values():
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes.values():
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)
