"""Where convgen replaces or calls private code of a third-party library: one module per library, nothing else.

A private symbol (a name starting with ``_``) can change in any release without notice, so every override of one
follows the same rule:

- it lives here, in the module named after its library (``click.py``, ``docxtpl.py``, ``pyhanko.py``), and the
  rest of convgen imports it from there (a private function merely called is reached through this module too);
- at the override, a comment or docstring names the private symbol, the library version it was written against,
  why the public API does not suffice, and what to check on an upgrade;
- the library is pinned to that exact version in ``pyproject.toml`` (``==``);
- the module records, in ``UPSTREAM``, each upstream symbol the override depends on (the one it replaces, and the
  code that calls it) with its signature and the SHA-256 of its source; ``tests/overrides/`` fails, in French and
  naming what to re-read, as soon as the installed version, a signature or a source differs, and runs each
  override for real.

On an upgrade: read the new source of each symbol of ``UPSTREAM``, adapt the override, then record the new
pin, ``WRITTEN_AGAINST`` and the values the installed library gives (same for ``docxtpl``)::

    python -c "from convgen.overrides import current, pyhanko; print(*map(current, pyhanko.UPSTREAM), sep='\\n')"

This package imports no other part of convgen, and no library at import time: each module imports its own.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Upstream:
    """One symbol of a library that an override depends on, as it was in the version the override was written for."""

    symbol: str  # ``module:Class.attribute``, e.g. ``pyhanko.stamp.base:BaseStamp.render``
    signature: str  # ``str(inspect.signature(…))``
    sha256: str  # of ``inspect.getsource(…)``, encoded in UTF-8
    recheck: str  # in French: what to re-read in convgen when this symbol changes


def resolve(symbol: str) -> Any:
    """Return the object named ``module:Class.attribute``, or raise AttributeError/ImportError if it is gone."""
    module_name, _, path = symbol.partition(":")
    found: Any = importlib.import_module(module_name)
    for name in path.split("."):
        found = inspect.getattr_static(found, name)
    return found


def source_sha256(obj: Any) -> str:
    """Return the SHA-256, in hexadecimal, of the source of ``obj`` as ``inspect.getsource`` gives it."""
    return hashlib.sha256(inspect.getsource(obj).encode("utf-8")).hexdigest()


def current(upstream: Upstream) -> Upstream:
    """Return ``upstream`` with the signature and source hash of the installed library."""
    obj = resolve(upstream.symbol)
    return replace(upstream, signature=str(inspect.signature(obj)), sha256=source_sha256(obj))
