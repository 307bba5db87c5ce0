"""The one date every document of a build is stamped with (reproducible bytes)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence

DEFAULT_DATE = dt.date(2024, 1, 1)


def source_epoch(dates: Sequence[dt.date]) -> dt.datetime:
    """Return the date stamped in documents: ``SOURCE_DATE_EPOCH`` if set, else the latest date of the data."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw.isdigit():
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
    latest = max(dates) if dates else DEFAULT_DATE
    return dt.datetime(latest.year, latest.month, latest.day, 12, 0, tzinfo=dt.UTC)


def as_utc(epoch: dt.datetime | None) -> dt.datetime:
    """Return ``epoch`` in UTC (a naive one is taken as UTC); without it, the date of :func:`source_epoch`."""
    if epoch is None:
        return source_epoch(())
    return epoch.astimezone(dt.UTC) if epoch.tzinfo else epoch.replace(tzinfo=dt.UTC)
