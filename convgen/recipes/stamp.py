"""The no-op stamp: a ``convgen build`` whose inputs and outputs are those of the last full build does nothing.

After a successful build, ``build/.cache/construction.json`` records the sha256 of every input (data, registers,
templates and figures, convgen's own code and version, the selection and formats asked, ``SOURCE_DATE_EPOCH``),
the identity of every output (size, modification time, inode) and the lines a no-op build prints. When all of
it matches, those lines are printed without reading the data or importing pydantic, docxtpl or LibreOffice's
bridge. Any doubt (a file added, removed or changed, an output touched, an unreadable stamp) takes the normal path.
This module imports only the standard library (and ``runner/options.py``, which does too).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from convgen import __version__
from convgen.runner.options import canonical_formats

Echo = Callable[[str], None]
STAMP = Path("build") / ".cache" / "construction.json"
SECONDS = "{secondes}"
INPUT_DIRS = ("epci", "templates", "registre")


def _files(root: Path) -> Iterable[Path]:
    """Yield every file a build may read, in a fixed order (hidden files included: doubt costs a build)."""
    yield root / "departement.yaml"
    for folder in INPUT_DIRS:
        base = root / folder
        if base.is_dir():
            yield from sorted(p for p in base.rglob("*") if not p.is_dir())


def input_key(root: Path, slugs: Sequence[str], formats: Sequence[str], *, package: Path | None = None) -> str:
    """Return the sha256 of everything a convention build depends on (``package``: convgen's code, for tests)."""
    digest = hashlib.sha256()
    canonical = canonical_formats(formats)
    for part in (__version__, "\0".join(slugs), "\0".join(canonical), os.environ.get("SOURCE_DATE_EPOCH", "-")):
        digest.update(part.encode() + b"\1")
    for path in _files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"absent")
    package = package or Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _identity(path: Path) -> list[int] | None:
    """Return what tells that a file was not replaced or touched: size, modification time, inode."""
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def write_stamp(root: Path, key: str, outputs: Sequence[str], lines: list[str]) -> None:
    """Record the stamp of a successful build: the key of its inputs (taken before it read them), its outputs
    (relative to build/) and the lines a no-op build prints."""
    from convgen.files import write_atomic

    build = root / "build"
    identities = {rel: _identity(build / rel) for rel in outputs}
    if any(value is None for value in identities.values()):
        return
    payload = {"cle": key, "sorties": identities, "lignes": lines}
    with contextlib.suppress(OSError):  # only a cache: without it, the next no-op takes the normal path
        (root / STAMP).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(root / STAMP, json.dumps(payload, ensure_ascii=False).encode())


def forget_stamp(root: Path) -> None:
    """Remove the stamp (a build is starting: until it ends well, nothing is taken as a no-op)."""
    with contextlib.suppress(OSError):
        (root / STAMP).unlink(missing_ok=True)


def replay_noop(root: Path, slugs: Sequence[str], formats: Sequence[str], echo: Echo) -> bool:
    """Print what a no-op build prints and return True, if the stamp proves nothing changed; else return False."""
    started = time.perf_counter()
    build = root / "build"
    try:
        payload = json.loads((root / STAMP).read_bytes())
        outputs, lines, key = payload["sorties"], payload["lignes"], payload["cle"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not isinstance(outputs, dict) or not isinstance(lines, list) or not outputs:
        return False
    if not os.access(build, os.W_OK):  # the normal path reports an unwritable build/
        return False
    if any(_identity(build / rel) != value for rel, value in outputs.items()):
        return False
    if key != input_key(root, slugs, formats):
        return False
    seconds = f"{time.perf_counter() - started:.1f}".replace(".", ",")
    for line in lines:
        echo(str(line).replace(SECONDS, seconds))
    return True
