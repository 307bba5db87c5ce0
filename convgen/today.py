"""Today, for the acts: the date in France, whatever the machine's time zone.

A deliberation dated after today is no deliberation yet, a convention ends on a day, a signature made at 00:30 in
Paris is of that day: every rule that reads « today » reads it here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

__all__ = ["FRANCE", "today_in_france"]

FRANCE = ZoneInfo("Europe/Paris")  # the acts are dated in France: a signature at 00:30 in Paris is of that day


def today_in_france() -> dt.date:
    """Return today's date in France (not the machine's time zone, which may be UTC)."""
    return dt.datetime.now(FRANCE).date()
