"""The build folder: its manifest, its lock, its writability, the names allowed in it."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from convgen import __version__
from convgen.errors import LockError, RenderError, SetupError
from convgen.files import STAGE_PREFIX, sha256_file, write_atomic
from convgen.runner.job import Job

MANIFEST = "manifest.json"
LOCK = ".convgen.lock"


class Manifest:
    """``build/manifest.json``: every output with its sha256 and the inputs it came from."""

    def __init__(self, build_dir: Path) -> None:
        self.path = build_dir / MANIFEST
        self.entries: dict[str, dict[str, Any]] = {}
        with contextlib.suppress(FileNotFoundError, ValueError, TypeError, AttributeError):
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("documents"), dict):
                self.entries = loaded["documents"]

    def is_current(self, build_dir: Path, relpath: str, digest: str) -> bool:
        """Return True when ``relpath`` exists with the bytes recorded for the same input digest."""
        entry = self.entries.get(relpath)
        target = build_dir / relpath
        if not entry or entry.get("empreinte_entrees") != digest or not target.is_file():
            return False
        return bool(sha256_file(target) == entry.get("sha256"))

    def record(self, relpath: str, sha: str, job: Job) -> None:
        """Record one output written from ``job``."""
        self.entries[relpath] = {
            "sha256": sha,
            "empreinte_entrees": job.digest,
            "entrees": dict(sorted(job.inputs.items())),
            "projet": job.draft,
        }

    def save(self, build_dir: Path) -> None:
        """Write the manifest atomically, dropping entries whose file is gone."""
        kept = {k: v for k, v in sorted(self.entries.items()) if (build_dir / k).is_file()}
        body = {"outil": f"convgen {__version__}", "documents": kept}
        text = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        write_atomic(self.path, text.encode("utf-8"))


@contextlib.contextmanager
def project_lock(build_dir: Path, *, timeout: float, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the build lock; wait up to ``timeout`` seconds for another run to finish."""
    build_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(build_dir / LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait()
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise LockError(
                f"Une autre construction occupe {build_dir}/ depuis plus de {timeout:.0f} s — "
                "attendez qu’elle se termine, ou relancez avec --attente plus long."
            ) from None
    try:
        yield
    finally:
        lock.release()


def lock_is_free(build_dir: Path) -> bool:
    """Tell whether no other run holds the build lock at this moment (a hint: a run still takes the lock)."""
    if not (build_dir / LOCK).exists():
        return True
    lock = FileLock(str(build_dir / LOCK))
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):
        return False
    lock.release()
    return True


def check_writable(build_dir: Path) -> None:
    """Raise SetupError in French when ``build/`` cannot be written (read-only, full disk)."""
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        probe = build_dir / f"{STAGE_PREFIX}essai"
        probe.write_bytes(b"0" * 4096)
        probe.unlink()
    except OSError as exc:
        reason = "disque plein" if exc.errno == 28 else "écriture refusée"
        raise SetupError(
            f"{build_dir}/ : {reason} ({exc.strerror}) — libérez de la place ou donnez les droits d’écriture, "
            "puis relancez."
        ) from None


SAFE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z]+)?")


def safe_output_dir(build_dir: Path, slug: str, names: Sequence[str]) -> Path:
    """Return ``build/<slug>/`` after checking that no output can land outside ``build/``."""
    target = (build_dir / slug).resolve()
    bad = [n for n in (slug, *names) if not SAFE_NAME.fullmatch(n)]
    if bad or target.parent != build_dir.resolve():
        raise RenderError(f"nom de fichier de sortie refusé : {', '.join(bad) or slug} (hors de build/)")
    return target
