"""Live preview (``convgen watch``): keep LibreOffice warm, rebuild what a save changed, print how long it took."""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from convgen.errors import ConvgenError, DataError, Interrupted
from convgen.pdf.pool import Converter
from convgen.runner.job import Report
from convgen.runner.options import BuildOptions, Echo
from convgen.runner.renderers import Renderers

DEPARTEMENT = "departement.yaml"
DEBOUNCE_MS = 400  # longest wait to group the writes of one save
STEP_MS = 30  # a save is taken as finished after this much quiet
IDLE_MS = 250  # an empty batch after this much quiet: the first one tells that the watch is in place
READY = "En attente des modifications de epci/, departement.yaml et templates/… (Ctrl-C pour arrêter)"


class KeptConverter:
    """A converter proxy whose ``close`` does nothing: the runner's runs share one warm pool."""

    def __init__(self, converter: Converter) -> None:
        self.converter = converter

    def start(self, count: int | None = None) -> None:
        """Start the pool's workers that are not running yet (``count`` of them at most)."""
        self.converter.start(count)

    def convert(self, docx: Path, pdf: Path, *, expect_text: str | None = None) -> Any:
        """Convert ``docx`` to a checked PDF with the shared pool."""
        return self.converter.convert(docx, pdf, expect_text=expect_text)

    def stats(self) -> Any:
        """Return the shared pool's counters."""
        return self.converter.stats()

    def close(self) -> None:
        """Leave the shared pool running (the watch closes it when it stops)."""


def is_input(root: Path, path: Path) -> bool:
    """Tell whether ``path`` is one of the watched inputs (not an editor's temporary or lock file)."""
    name = path.name
    if name.startswith((".", "~", "#")) or name.endswith(("~", ".tmp", ".swp", ".swx", ".bak")):
        return False
    parent = path.parent
    if parent == root:
        return name == DEPARTEMENT
    if parent == root / "epci":
        return name.endswith(".yaml")
    return parent == root / "templates" and name.endswith(".docx")


def changed_inputs(root: Path, paths: Iterable[str]) -> list[Path]:
    """Return the watched inputs among the changed ``paths``, sorted."""
    return sorted({Path(p) for p in paths if is_input(root, Path(p))})


def slugs_to_rebuild(root: Path, changed: Sequence[Path], selection: Sequence[str]) -> tuple[str, ...]:
    """Return the intercommunalities a change can affect (those of the changed ``epci/`` files, else all)."""
    if not changed or any(path.parent != root / "epci" for path in changed):
        return tuple(selection)
    touched = sorted({path.stem for path in changed if path.exists()})
    if not touched:  # a file removed: the selection as a whole tells what is left
        return tuple(selection)
    return tuple(s for s in touched if not selection or s in selection)


def save_time(changed: Sequence[Path]) -> float:
    """Return the wall-clock time of the latest save among ``changed`` (now if none is left on disk)."""
    stamps = []
    for path in changed:
        try:
            stamps.append(path.stat().st_mtime)
        except OSError:
            continue
    return max(stamps) if stamps else time.time()


def french_seconds(seconds: float) -> str:
    """Return ``seconds`` as French text (« 0,84 s »)."""
    return f"{seconds:.2f} s".replace(".", ",")


def problem_text(error: ConvgenError) -> str:
    """Return the text ``convgen check`` prints for ``error``."""
    if isinstance(error, DataError):
        count = len(error.problems)
        return f"{error}\n{count} erreur{'s' if count > 1 else ''} : rien n’a été écrit."
    return str(error)


class Watch:
    """The state of one ``convgen watch``: the project, the selection, the warm rendering and LibreOffice pools."""

    def __init__(
        self,
        root: Path,
        converter: Converter,
        options: BuildOptions,
        *,
        slugs: Sequence[str] = (),
        echo_error: Echo | None = None,
    ) -> None:
        self.root = root
        self.slugs = tuple(slugs)
        self.kept = KeptConverter(converter)
        self.options = dataclasses.replace(options, converter_factory=lambda _workers: self.kept)
        self.echo = options.echo
        self.echo_error = echo_error or (lambda text: print(text, file=sys.stderr, flush=True))

    def rebuild(self, slugs: Sequence[str]) -> Report | None:
        """Validate everything, then build the stale conventions among ``slugs``; None when the data is invalid."""
        from convgen.acts.state import ProjectActs
        from convgen.recipes.build import run_jobs
        from convgen.recipes.checking import check_project

        try:
            acts = ProjectActs(check_project(self.root, cached=True), self.root)
            return run_jobs(acts, acts.conventions(slugs), self.options)
        except Interrupted:
            raise
        except ConvgenError as error:
            self.echo_error(problem_text(error))
            return None

    def on_change(self, paths: Iterable[str]) -> None:
        """Rebuild after a save of ``paths``; print what was rebuilt and the time from the save to the PDF."""
        changed = changed_inputs(self.root, paths)
        if not changed:
            return
        saved = save_time(changed)
        names = ", ".join(path.relative_to(self.root).as_posix() for path in changed)
        self.echo(f"Modifié : {names}")
        report = self.rebuild(slugs_to_rebuild(self.root, changed, self.slugs))
        if report is None:
            self.echo("Données invalides : rien n’a été reconstruit ; corrigez puis enregistrez à nouveau.")
            return
        built = [f"{o.job.slug} ({o.job.label})" for o in report.outcomes if o.status == "construit"]
        elapsed = french_seconds(max(0.0, time.time() - saved))
        if built:
            self.echo(f"Reconstruit : {', '.join(built)} — {elapsed} depuis l’enregistrement.")
        else:
            self.echo(f"Rien à reconstruire (documents déjà à jour) — {elapsed} depuis l’enregistrement.")
        sys.stdout.flush()


def watched_paths(root: Path) -> list[Path]:
    """Return the folders to watch (not recursively): the project itself (departement.yaml), epci/, templates/."""
    return [path for path in (root, root / "epci", root / "templates") if path.is_dir()]


def changes(root: Path) -> Iterator[set[str]]:
    """Yield the paths changed by each save (grouped, editors' files left out), or an empty set when idle.

    The first batch, often empty, comes once the watch is in place: a save made after it is never missed.
    Ctrl-C ends it (KeyboardInterrupt).
    """
    import watchfiles

    def keep(_change: watchfiles.Change, path: str) -> bool:
        return is_input(root, Path(path))

    with _terminated_as_interrupted():
        yield from _batches(root, watchfiles.watch, keep)


def _batches(
    root: Path, watch_files: Callable[..., Iterator[Any]], keep: Callable[[Any, str], bool]
) -> Iterator[set[str]]:
    """Yield the batches of changed paths of ``watchfiles.watch``."""
    for batch in watch_files(
        *watched_paths(root),
        watch_filter=keep,
        debounce=DEBOUNCE_MS,
        step=STEP_MS,
        recursive=False,
        raise_interrupt=True,
        rust_timeout=IDLE_MS,
        yield_on_timeout=True,
    ):
        yield {path for _change, path in batch}


@contextlib.contextmanager
def _terminated_as_interrupted() -> Iterator[None]:
    """Make SIGTERM end the watch with 143, even while watchfiles waits (it reports any signal as a Ctrl-C)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def on_term(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except KeyboardInterrupt:
        if received:
            raise Interrupted(received[0]) from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def watch(
    root: Path, slugs: Sequence[str] = (), options: BuildOptions | None = None, *, echo_error: Echo | None = None
) -> None:
    """Build once, then rebuild on every save until Ctrl-C; LibreOffice stays warm and is closed at the end."""
    options = options or BuildOptions()
    echo = options.echo
    # Forked now, while this process has one thread; kept warm across rebuilds.
    renderers = Renderers(options.renderer_processes)
    try:
        with Converter(workers=options.workers) as converter:
            session = Watch(
                root, converter, dataclasses.replace(options, renderers=renderers), slugs=slugs, echo_error=echo_error
            )
            if "pdf" in options.formats:
                converter.start()
            ready = False
            for paths in changes(root):
                if not ready:  # the watch is in place: what is saved from now on will be seen
                    session.rebuild(session.slugs)
                    echo(READY)
                    sys.stdout.flush()
                    ready = True
                elif paths:
                    session.on_change(paths)
    finally:
        renderers.close()
