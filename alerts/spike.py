"""complaint_spike: a brand's complaints in a short window far above its own recent baseline."""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.incidents import Clear, Firing
from alerts.observation import Observation
from alerts.rules_config import ComplaintSpikeConfig

RULE = "complaint_spike"


@dataclass
class SpikeState:
    """One brand's complaints: the sliding window, and per-window counts for the baseline."""

    recent: deque[Observation] = field(default_factory=deque)
    buckets: dict[int, int] = field(default_factory=dict)
    below_since: datetime | None = None
    firing: bool = False


def _bucket(moment: datetime, window: timedelta) -> int:
    return int(moment.timestamp() // window.total_seconds())


def threshold(state: SpikeState, now: datetime, config: ComplaintSpikeConfig) -> tuple[float, float, float]:
    """(threshold, baseline mean, baseline stdev) per window over the trailing baseline period."""
    window = timedelta(minutes=config.window_minutes)
    current = _bucket(now, window)
    count = max(1, int(config.baseline_hours * 60 / config.window_minutes))
    history = [state.buckets.get(index, 0) for index in range(current - count, current)]
    mean, stdev = statistics.fmean(history), statistics.pstdev(history)
    return max(config.min_count, config.factor * mean, mean + config.k * stdev), mean, stdev


def observe(state: SpikeState, mention: Observation, config: ComplaintSpikeConfig) -> None:
    if mention.stance != "complaint" or mention.is_brand:
        return
    window = timedelta(minutes=config.window_minutes)
    state.recent.append(mention)
    index = _bucket(mention.created_at, window)
    state.buckets[index] = state.buckets.get(index, 0) + 1
    horizon = index - int(config.baseline_hours * 60 / config.window_minutes) - 2
    for old in [key for key in state.buckets if key < horizon]:
        del state.buckets[old]


def evaluate(state: SpikeState, brand: str, now: datetime,
             config: ComplaintSpikeConfig) -> Firing | Clear | None:
    """Fire while the window count is at or above the threshold; clear after a quiet period below it."""
    window = timedelta(minutes=config.window_minutes)
    while state.recent and state.recent[0].created_at <= now - 2 * window:
        state.recent.popleft()  # bounded memory; counting below does not rely on arrival order
    in_window = [m for m in state.recent if now - window < m.created_at <= now]
    limit, mean, stdev = threshold(state, now, config)
    count = len(in_window)
    dedup_key = f"{brand}/{RULE}"
    if count >= limit:
        state.below_since, state.firing = None, True
        top = sorted(in_window, key=lambda m: m.followers, reverse=True)[:5]
        summary = (f"{brand}: {count} complaints in {config.window_minutes:g} min, "
                   f"baseline {mean:.1f} per window (threshold {limit:.1f})")
        evidence = {"complaints": count, "window_minutes": config.window_minutes,
                    "baseline_mean": round(mean, 2), "baseline_stdev": round(stdev, 2),
                    "threshold": round(limit, 2), "baseline_hours": config.baseline_hours}
        return Firing(dedup_key, RULE, config.severity, brand, summary, count, evidence,
                      [m.top_mention() for m in top])
    if not state.firing:
        return None
    state.below_since = state.below_since or now
    if now - state.below_since >= timedelta(minutes=config.quiet_minutes):
        state.firing, state.below_since = False, None
        return Clear(dedup_key, f"below threshold for {config.quiet_minutes:g} min")
    return None
