"""Event-time windows the rules count in: fixed buckets for baselines, a sliding window for the count now."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from alerts.detection.observation import Observation


def bucket(moment: datetime, window: timedelta) -> int:
    """The index of the fixed, epoch-aligned window that `moment` falls in."""
    return int(moment.timestamp() // window.total_seconds())


def sliding(recent: deque[Observation], now: datetime, window: timedelta) -> list[Observation]:
    """The mentions in the window (now - window, now]. Those two windows old leave the front of `recent`
    (bounded memory); the filter does not rely on arrival order, so a late mention still counts."""
    while recent and recent[0].created_at <= now - 2 * window:
        recent.popleft()
    return [mention for mention in recent if now - window < mention.created_at <= now]
