"""Complaints against defenders over time, as numbers the template draws as an SVG (no script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from luisterpost.review.view import MentionView

WIDTH, HEIGHT, BUCKETS = 600, 120, 24


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    complaint_height: float
    defense_height: float
    start: datetime
    complaints: int
    defenders: int


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT


def chart(mentions: Sequence[MentionView], buckets: int = BUCKETS) -> Chart | None:
    """Per time bucket: complaints (left half of a slot) and defense replies (right half)."""
    if not mentions:
        return None
    first, last = min(m.created_at for m in mentions), max(m.created_at for m in mentions)
    step = max((last - first) / buckets, timedelta(minutes=1))
    counts = [[0, 0] for _ in range(buckets)]
    for mention in mentions:
        slot = min(buckets - 1, int((mention.created_at - first) / step))
        if mention.stance == "complaint":
            counts[slot][0] += 1
        elif mention.stance == "defense":
            counts[slot][1] += 1
    peak = max(1, max(max(pair) for pair in counts))
    slot_width = WIDTH / buckets
    bars = tuple(Bar(x=round(i * slot_width, 1), width=round(slot_width / 2 - 1, 1),
                     complaint_height=round(HEIGHT * c / peak, 1), defense_height=round(HEIGHT * d / peak, 1),
                     start=first + i * step, complaints=c, defenders=d)
                 for i, (c, d) in enumerate(counts))
    return Chart(bars, peak)
