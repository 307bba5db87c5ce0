"""LibreOffice started first thing: a build launches its first worker before it imports and reads the rest.

Starting LibreOffice costs about a second of processor; reading the data and importing the rendering
libraries cost about as much in the main process. Launched here, LibreOffice starts on the other core
meanwhile. Nothing here waits: the runner waits for the worker when it first converts, and closes it.
"""

from __future__ import annotations

from pathlib import Path

from convgen.errors import SetupError
from convgen.pdf.pool import Converter
from convgen.runner.folder import lock_is_free
from convgen.runner.options import BuildOptions


def early_converter(root: Path, options: BuildOptions) -> Converter | None:
    """Return a converter whose first LibreOffice is starting, or None when a build should not start one now.

    None when no PDF is asked, when LibreOffice is missing (the build then reports it at its usual place,
    after the data errors) or when another build holds the lock (this one would only wait beside it).
    """
    if "pdf" not in options.formats or not lock_is_free(root / "build"):
        return None
    try:
        converter = Converter(workers=options.workers)
    except SetupError:
        return None
    try:
        converter.launch(1)
    except SetupError:
        converter.close()
        return None
    except BaseException:
        converter.close()
        raise
    return converter
