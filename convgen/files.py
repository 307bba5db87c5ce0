"""Files everything else relies on: sha256 digests and the one atomic writer."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

STAGE_PREFIX = ".en-cours-"  # temporary files and folders; leftovers of a killed run are removed at the next


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    """Return the hex sha256 of ``text`` encoded in UTF-8."""
    return sha256_bytes(text.encode("utf-8"))


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary file beside ``path``; when the block ends well it replaces ``path`` at once, else it goes.

    The one way convgen writes a file: whoever writes it (this process, LibreOffice, pikepdf), ``path`` is
    either the old file or the whole new one, never a part; a run killed meanwhile leaves a ``.en-cours-`` file
    that the next build removes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=STAGE_PREFIX, suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (``replacing``), flushed to the disk before it takes the place of the old file."""
    with replacing(path) as tmp, tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


@functools.cache
def tool_identity() -> str:
    """Return « convgen 0.1.0 (3f2a…) »: the version and a digest of convgen's own code.

    Part of every document's inputs, so that a new version of the tool rebuilds what it would write otherwise.
    """
    from convgen import __version__

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return f"convgen {__version__} ({digest.hexdigest()[:16]})"
