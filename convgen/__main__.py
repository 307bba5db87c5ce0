"""Run ``python -m convgen`` as the ``convgen`` command."""

from __future__ import annotations

from convgen.cli import main

if __name__ == "__main__":  # a spawned rendering process imports this module without running the command
    main()
