"""Retention on a schedule inside `bot run`: a daemon thread applies the periods every few hours."""

from __future__ import annotations

import logging
import os
import threading

from bot.privacy.retention import Periods, run_retention

logger = logging.getLogger(__name__)

INTERVAL_ENV = "RETENTION_INTERVAL_HOURS"
DEFAULT_INTERVAL_HOURS = 24.0


def interval_s() -> float:
    """Seconds between runs (RETENTION_INTERVAL_HOURS, default 24; 0 turns the schedule off)."""
    return float(os.environ.get(INTERVAL_ENV) or DEFAULT_INTERVAL_HOURS) * 3600


def start_retention_schedule(url: str) -> threading.Event | None:
    """Run retention now and then every interval in a daemon thread; set the returned event to stop it."""
    every = interval_s()
    if every <= 0:
        return None
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                run_retention(url, Periods.from_env())
            except Exception:  # the next run tries again; the assistant keeps serving
                logger.exception("retention run failed")
            stop.wait(every)

    threading.Thread(target=loop, name="retention", daemon=True).start()
    return stop
