"""convgen : conventions de partenariat « conseiller numérique » produites à partir de données."""

from __future__ import annotations

__version__ = "0.4.0"  # the same as pyproject.toml (tests/test_cli.py checks it)
