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


@functools.cache
def umask() -> int:
    """Return the process's umask, read once without changing it.

    Linux says it in ``/proc/self/status``; elsewhere it is set and restored at once (the only other way), and
    cached, so that this happens at most once.
    """
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def output_mode() -> int:
    """Return the mode of a file convgen writes: what ``open()`` would give it, ``0o666`` less the umask."""
    return 0o666 & ~umask()


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary file beside ``path``; when the block ends well it replaces ``path`` at once, else it goes.

    The one way convgen writes a file: whoever writes it (this process, LibreOffice, pikepdf), ``path`` is
    either the old file or the whole new one, never a part; a run killed meanwhile leaves a ``.en-cours-`` file
    that the next build removes. The file gets the mode ``open()`` would give it (``0o666`` less the umask), not
    the ``0o600`` of a temporary file: a shared folder or a web server reads ``build/`` as the user chose.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=STAGE_PREFIX, suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, output_mode())
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
