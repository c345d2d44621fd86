"""complaint_spike: a brand's complaints in a short window far above its own baseline.

The baseline is the larger of two expectations: the trailing windows (a brand whose level rose this
week), and the hour-of-week rate (Monday 09:00 is busier than the night before it). A spike must also
raise the complaints' share of all mentions: on a busy but normal Black Friday everything grows
together, and nobody needs waking for that."""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.detection.windows import bucket, sliding
from alerts.rules.base import Context, Decision, Rule
from alerts.rules_config import ComplaintSpikeConfig

RULE = "complaint_spike"


@dataclass
class SpikeState:
    """One brand's complaints: the sliding window, and per-window counts for the baseline."""

    recent: deque[Observation] = field(default_factory=deque)
    buckets: dict[int, int] = field(default_factory=dict)
    volume: deque[datetime] = field(default_factory=deque)  # every mention's time, for the window's share
    volume_buckets: dict[int, int] = field(default_factory=dict)
    below_since: datetime | None = None
    firing: bool = False


def threshold(state: SpikeState, now: datetime, config: ComplaintSpikeConfig,
              expected: float | None = None) -> tuple[float, float, float]:
    """(threshold, baseline mean, baseline stdev) per window: trailing windows, or the hour-of-week
    expectation where that is higher (then its Poisson spread)."""
    window = timedelta(minutes=config.window_minutes)
    current = bucket(now, window)
    history = [state.buckets.get(index, 0) for index in range(current - _count(config), current)]
    mean, stdev = statistics.fmean(history), statistics.pstdev(history)
    if expected is not None and expected > mean:
        mean, stdev = expected, max(stdev, math.sqrt(expected))
    return max(config.min_count, config.factor * mean, mean + config.k * stdev), mean, stdev


def _count(config: ComplaintSpikeConfig) -> int:
    return max(1, int(config.baseline_hours * 60 / config.window_minutes))


def baseline_share(state: SpikeState, now: datetime, config: ComplaintSpikeConfig) -> float | None:
    """Complaints per mention over the trailing baseline; None before there is any volume."""
    current = bucket(now, timedelta(minutes=config.window_minutes))
    indices = range(current - _count(config), current)
    volume = sum(state.volume_buckets.get(index, 0) for index in indices)
    return sum(state.buckets.get(index, 0) for index in indices) / volume if volume else None


def _prune(buckets: dict[int, int], index: int, config: ComplaintSpikeConfig) -> None:
    for old in [key for key in buckets if key < index - _count(config) - 2]:
        del buckets[old]


def observe(state: SpikeState, mention: Observation, config: ComplaintSpikeConfig) -> None:
    if mention.is_brand:
        return
    window = timedelta(minutes=config.window_minutes)
    index = bucket(mention.created_at, window)
    state.volume.append(mention.created_at)
    state.volume_buckets[index] = state.volume_buckets.get(index, 0) + 1
    _prune(state.volume_buckets, index, config)
    if mention.stance != "complaint":
        return
    state.recent.append(mention)
    state.buckets[index] = state.buckets.get(index, 0) + 1
    _prune(state.buckets, index, config)


def evaluate(state: SpikeState, brand: str, now: datetime, config: ComplaintSpikeConfig,
             expected: float | None = None) -> Firing | Clear | None:
    """Fire while the window count is at or above the threshold and the complaints' share has risen;
    clear after a quiet period below it. `expected`: the hour-of-week complaints for this window."""
    window = timedelta(minutes=config.window_minutes)
    in_window = sliding(state.recent, now, window)
    while state.volume and state.volume[0] <= now - 2 * window:
        state.volume.popleft()
    limit, mean, stdev = threshold(state, now, config, expected)
    count = len(in_window)
    volume = sum(1 for moment in state.volume if now - window < moment <= now)
    share, usual_share = count / max(1, volume), baseline_share(state, now, config)
    share_risen = usual_share is None or share >= config.min_share_ratio * usual_share
    dedup_key = f"{brand}/{RULE}"
    if count >= limit and share_risen:
        state.below_since, state.firing = None, True
        top = sorted(in_window, key=lambda m: m.followers, reverse=True)[:5]
        summary = (f"{brand}: {count} complaints in {config.window_minutes:g} min, "
                   f"baseline {mean:.1f} per window (threshold {limit:.1f}); "
                   f"{share:.0%} of {volume} mentions are complaints")
        evidence = {"complaints": count, "mentions": volume, "window_minutes": config.window_minutes,
                    "baseline_mean": round(mean, 2), "baseline_stdev": round(stdev, 2),
                    "threshold": round(limit, 2), "baseline_hours": config.baseline_hours,
                    "hour_of_week_expected": None if expected is None else round(expected, 2),
                    "complaint_share": round(share, 3),
                    "baseline_share": None if usual_share is None else round(usual_share, 3)}
        return Firing(dedup_key, RULE, config.severity, brand, summary, count, evidence,
                      [m.top_mention() for m in top])
    if not state.firing:
        return None
    state.below_since = state.below_since or now
    if now - state.below_since >= timedelta(minutes=config.quiet_minutes):
        state.firing, state.below_since = False, None
        return Clear(dedup_key, f"below threshold for {config.quiet_minutes:g} min")
    return None


class ComplaintSpike(Rule[SpikeState]):
    """Per brand. Judged in the mention's own window; a late one cannot end a firing spike's quiet period
    early (that is judged on the clock, in `advance`)."""

    name = RULE

    def __init__(self, config: ComplaintSpikeConfig) -> None:
        self.config = config

    def new_state(self) -> SpikeState:
        return SpikeState()

    def observe(self, state: SpikeState, mention: Observation, context: Context) -> list[Decision]:
        observe(state, mention, self.config)
        clock, now = context.time.clock, mention.created_at
        if state.firing and clock is not None and now < clock:
            return []
        decision = evaluate(state, mention.brand, now, self.config, self._expected(context, mention.brand, now))
        return [decision] if decision else []

    def advance(self, state: SpikeState, brand: str, now: datetime, context: Context) -> list[Decision]:
        if not state.firing:
            return []
        decision = evaluate(state, brand, now, self.config, self._expected(context, brand, now))
        return [decision] if isinstance(decision, Clear) else []

    def _expected(self, context: Context, brand: str, now: datetime) -> float | None:
        """The hour-of-week complaints for the window ending `now`."""
        return context.baseline.expected(brand, "complaints", now, timedelta(minutes=self.config.window_minutes))
