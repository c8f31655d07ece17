"""Today in Beijing time (reports and the early warning count local days and weeks)."""

from __future__ import annotations

import datetime as dt

from bot.analytics.dialect import LOCAL_OFFSET_S


def local_today() -> dt.date:
    """Today's date in Beijing."""
    return dt.datetime.now(dt.timezone(dt.timedelta(seconds=LOCAL_OFFSET_S))).date()
