"""Run ``python -m convgen`` as the ``convgen`` command."""

from __future__ import annotations

from convgen.cli import main

main()
