"""How the user types convgen here, for the commands that messages tell them to run.

A message that says « relancez convgen sign » must work when retyped as it is written, in the shell the user is
in. After ``make conventions``, convgen is ``.venv/bin/convgen`` (what the README and the Makefile type) and
``convgen`` alone is not on the PATH unless the environment is activated: the messages name the program as it
was run, relative to the current folder when it lies inside it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

__all__ = ["program", "typed"]

NAME = "convgen"


def program(argv0: str | None = None, cwd: Path | None = None) -> str:
    """Return how to type convgen: ``convgen`` when that is the program run, else the path of the script run."""
    ran = Path(sys.argv[0] if argv0 is None else argv0)
    if ran.name != NAME:  # ``python -m convgen``, or a test runner: the documented name
        return NAME
    here = (cwd or Path.cwd()).absolute()
    resolved = ran if ran.is_absolute() else here / ran
    found = shutil.which(NAME)
    if found is not None and Path(found).resolve() == resolved.resolve():
        return NAME
    try:
        relative = resolved.relative_to(here)
    except ValueError:
        return str(resolved)
    return str(relative) if relative.parent != Path(".") else f"./{relative}"


def typed(arguments: str) -> str:
    """Return the command line that runs convgen with ``arguments``: « .venv/bin/convgen sign SLUG --archiver »."""
    return f"{program()} {arguments}"
