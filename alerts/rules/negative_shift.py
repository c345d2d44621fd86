"""negative_shift: the share of a brand's negative mentions in a window jumps against its own baseline.

Counted: mentions about the brand, so neither the brand's own posts nor `defense` replies (an angry
defender is negative in tone but on the brand's side; the pile_on rule owns him). The baseline is the
negative share over the same-sized windows of the trailing `baseline_hours`, in one function
(`baseline`) so an hour-of-week baseline can replace it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.detection.windows import bucket, sliding
from alerts.rules.base import Context, Decision, Rule
from alerts.rules_config import NegativeShiftConfig

RULE = "negative_shift"


@dataclass
class ShiftState:
    recent: deque[Observation] = field(default_factory=deque)
    buckets: dict[int, tuple[int, int]] = field(default_factory=dict)  # window index -> (mentions, negative)
    below_since: datetime | None = None
    firing: bool = False


@dataclass(frozen=True)
class Baseline:
    share: float
    mentions: int


def counted(mention: Observation) -> bool:
    return not mention.is_brand and mention.stance != "defense"


def baseline(buckets: dict[int, tuple[int, int]], now: datetime, config: NegativeShiftConfig) -> Baseline | None:
    """The negative share of the trailing windows that end before the current window starts; None
    until they hold `min_baseline_mentions` (no baseline, no shift)."""
    window = timedelta(minutes=config.window_minutes)
    last = bucket(now - window, window)  # the bucket the sliding window starts in: not baseline
    windows = max(1, int(config.baseline_hours * 60 / config.window_minutes))
    history = [buckets.get(index, (0, 0)) for index in range(last - windows, last)]
    mentions, negative = sum(m for m, _ in history), sum(n for _, n in history)
    return Baseline(negative / mentions, mentions) if mentions >= config.min_baseline_mentions else None


def observe(state: ShiftState, mention: Observation, config: NegativeShiftConfig) -> None:
    if not counted(mention):
        return
    window = timedelta(minutes=config.window_minutes)
    state.recent.append(mention)
    index = bucket(mention.created_at, window)
    mentions, negative = state.buckets.get(index, (0, 0))
    state.buckets[index] = (mentions + 1, negative + (mention.sentiment == "negative"))
    horizon = index - int(config.baseline_hours * 60 / config.window_minutes) - 2
    for old in [key for key in state.buckets if key < horizon]:
        del state.buckets[old]


def fire_share(base: Baseline, config: NegativeShiftConfig) -> float:
    return max(base.share + config.delta, base.share * config.ratio)


def evaluate(state: ShiftState, brand: str, now: datetime, config: NegativeShiftConfig) -> Firing | Clear | None:
    """Fire while the window's share is at or above the fire share (with minimum counts); clear after
    `quiet_minutes` below baseline + `clear_delta` or under `min_mentions`."""
    window = timedelta(minutes=config.window_minutes)
    in_window = sliding(state.recent, now, window)
    negative = [m for m in in_window if m.sentiment == "negative"]
    share = len(negative) / len(in_window) if in_window else 0.0
    base = baseline(state.buckets, now, config)
    enough = len(in_window) >= config.min_mentions
    if base is not None and enough and len(negative) >= config.min_negative and share >= fire_share(base, config):
        state.firing, state.below_since = True, None
        return _firing(brand, in_window, negative, base, config)
    if not state.firing:
        return None
    if base is not None and enough and share >= base.share + config.clear_delta:
        state.below_since = None
        return _firing(brand, in_window, negative, base, config)
    state.below_since = state.below_since or now
    if now - state.below_since >= timedelta(minutes=config.quiet_minutes):
        state.firing, state.below_since = False, None
        return Clear(f"{brand}/{RULE}", f"negative share near its baseline for {config.quiet_minutes:g} min")
    return None


def _firing(brand: str, in_window: list[Observation], negative: list[Observation], base: Baseline,
            config: NegativeShiftConfig) -> Firing:
    share = len(negative) / len(in_window)
    summary = (f"{brand}: {share:.0%} of mentions negative in {config.window_minutes:g} min "
               f"({len(negative)} of {len(in_window)}), baseline {base.share:.0%}")
    evidence = {"mentions": len(in_window), "negative": len(negative), "share": round(share, 3),
                "baseline_share": round(base.share, 3), "baseline_mentions": base.mentions,
                "fire_share": round(fire_share(base, config), 3),
                "clear_share": round(base.share + config.clear_delta, 3),
                "window_minutes": config.window_minutes, "baseline_hours": config.baseline_hours}
    top = sorted(negative, key=lambda m: m.followers, reverse=True)[:5]
    return Firing(f"{brand}/{RULE}", RULE, config.severity, brand, summary, len(negative), evidence,
                  [m.top_mention() for m in top])


class NegativeShift(Rule[ShiftState]):
    """Per brand. Judged in the mention's own window; a late one cannot end a firing shift's quiet period
    early (that is judged on the clock, in `advance`)."""

    name = RULE

    def __init__(self, config: NegativeShiftConfig) -> None:
        self.config = config

    def new_state(self) -> ShiftState:
        return ShiftState()

    def observe(self, state: ShiftState, mention: Observation, context: Context) -> list[Decision]:
        observe(state, mention, self.config)
        clock, now = context.time.clock, mention.created_at
        if state.firing and clock is not None and now < clock:
            return []
        decision = evaluate(state, mention.brand, now, self.config)
        return [decision] if decision is not None else []

    def advance(self, state: ShiftState, brand: str, now: datetime, context: Context) -> list[Decision]:
        if not state.firing:
            return []
        decision = evaluate(state, brand, now, self.config)
        return [decision] if isinstance(decision, Clear) else []
