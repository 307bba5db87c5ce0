"""convgen : conventions de partenariat « conseiller numérique » produites à partir de données."""

from __future__ import annotations

__version__ = "0.1.0"
