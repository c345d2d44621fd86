"""pipeline_silence: no mentions for a brand, or from a platform, for far longer than usual.

The listening post has gone deaf. Each source (a brand, a platform) learns its usual gap: the time-
weighted `quantile` of its gaps between mentions over the trailing `history_hours`, that is the gap
length that 95% of the listening time was spent in gaps no longer than. Weighting by time is what lets a
brand that is quiet every night keep its night gaps in "usual": by count they are a handful among
hundreds of daytime gaps, by time they are a third of the day. It fires when the gap since its last
mention reaches max(min_silence, factor x usual gap), and resolves when a mention arrives. The gap that
fired is learned only up to the limit it broke: a real outage must not teach that hours of silence are
usual, and a false alarm on a long night must not drop the night from the history either (which would
make the next night page too).

A new source (a new deployment, a brand added last week) is watched too, with a cautious bound: it is
judged once heard for `warmup.min_history_hours` with mentions at `min_mentions`' rate, and until its
history is whole its limit is stretched by history_hours / hours heard (twice as long after one day of
two, eight times after six hours). Until it has been heard for `warmup.first_day_hours` (first to last
mention) it has not shown its night yet, so the limit is also at least
`warmup.first_day_min_silence_hours`; a night lull keeps the last mention, and so the hours heard, where
they were until morning. A rare brand (below `min_mentions`' rate) still never pages.

Only gaps of at least `min_silence / factor` are kept one by one (shorter ones can never lift the
threshold above `min_silence`); shorter gaps are summed per hour, so memory per source is bounded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.rules.base import Context, Decision, Rule
from alerts.rules_config import PipelineSilenceConfig

RULE = "pipeline_silence"
SourceKey = tuple[str, str]  # ("brand", "coolblue") or ("platform", "x")


@dataclass
class Source:
    first_seen: datetime
    last_seen: datetime
    counts: dict[int, int] = field(default_factory=dict)  # mentions per hour
    short_gaps: dict[int, float] = field(default_factory=dict)  # seconds in gaps below the floor, per hour
    long_gaps: deque[tuple[datetime, float]] = field(default_factory=deque)  # (end, seconds), oldest first
    firing: bool = False
    limit_s: float = 0.0  # max(min_silence, factor x usual gap): changes only when a gap is learned
    pruned_below: int = 0  # the hour the per-hour tables were last pruned to


def keys(mention: Observation, config: PipelineSilenceConfig) -> list[SourceKey]:
    return ([("brand", mention.brand)] if config.brands else []) + \
        ([("platform", mention.platform)] if config.platforms else [])


def _hour(moment: datetime) -> int:
    return int(moment.timestamp() // 3600)


def floor_seconds(config: PipelineSilenceConfig) -> float:
    return config.min_silence_minutes * 60 / config.factor


def _learn(source: Source, gap: float, at: datetime, config: PipelineSilenceConfig) -> None:
    if gap >= floor_seconds(config):
        source.long_gaps.append((at, gap))
    else:
        source.short_gaps[_hour(at)] = source.short_gaps.get(_hour(at), 0.0) + gap


def _prune(source: Source, config: PipelineSilenceConfig) -> None:
    horizon = source.last_seen - timedelta(hours=config.history_hours)
    while source.long_gaps and source.long_gaps[0][0] <= horizon:
        source.long_gaps.popleft()
    if _hour(horizon) > source.pruned_below:  # the hourly tables change once an hour, not per mention
        source.pruned_below = _hour(horizon)
        for table in (source.counts, source.short_gaps):
            for hour in [hour for hour in table if hour < source.pruned_below]:
                del table[hour]


def observe(sources: dict[SourceKey, Source], mention: Observation, config: PipelineSilenceConfig) -> list[SourceKey]:
    """Learn the gap each of the mention's sources just closed; the sources that were firing (now heard)."""
    heard: list[SourceKey] = []
    for key in keys(mention, config):
        source = sources.get(key)
        at = mention.created_at
        if source is None:
            sources[key] = Source(at, at, {_hour(at): 1}, limit_s=limit(Source(at, at), config))
            continue
        source.counts[_hour(at)] = source.counts.get(_hour(at), 0) + 1
        source.first_seen = min(source.first_seen, at)  # a late mention lengthens the history it shows
        if at <= source.last_seen:
            continue  # out of order: counted, but it closes no gap
        gap = (at - source.last_seen).total_seconds()
        if source.firing:
            source.firing = False
            heard.append(key)
            gap = min(gap, source.limit_s)  # an outage is learned only up to the limit it broke
        _learn(source, gap, at, config)
        source.last_seen = at
        _prune(source, config)
        source.limit_s = limit(source, config)  # here, not per evaluation: evaluate runs for every source
    return heard


def usual_gap(source: Source, config: PipelineSilenceConfig) -> float:
    """Seconds: the gap length below which `quantile` of the listening time lies (time-weighted)."""
    short = sum(source.short_gaps.values())
    total = short + sum(gap for _, gap in source.long_gaps)
    covered = short
    if total <= 0 or covered >= config.quantile * total:
        return floor_seconds(config)
    for gap in sorted(gap for _, gap in source.long_gaps):
        covered += gap
        if covered >= config.quantile * total:
            return gap
    return max(gap for _, gap in source.long_gaps)


def _heard_hours(source: Source) -> float:
    return (source.last_seen - source.first_seen).total_seconds() / 3600


def limit(source: Source, config: PipelineSilenceConfig) -> float:
    """Seconds of silence that fire: factor x usual gap, never under min_silence; stretched while the
    history is short (see the module's docstring)."""
    full = max(config.min_silence_minutes * 60, config.factor * usual_gap(source, config))
    heard = max(_heard_hours(source), config.warmup.min_history_hours)
    if heard >= config.history_hours:
        return full
    cautious = full * config.history_hours / heard
    first_day = heard < config.warmup.first_day_hours
    return max(cautious, config.warmup.first_day_min_silence_hours * 3600) if first_day else cautious


def judged(source: Source, config: PipelineSilenceConfig) -> bool:
    """Heard long enough, with mentions at `min_mentions`' rate, to know what usual means."""
    heard = _heard_hours(source)
    needed = config.min_mentions * min(1.0, heard / config.history_hours)
    return heard >= config.warmup.min_history_hours and sum(source.counts.values()) >= needed


def dedup_key(key: SourceKey) -> str:
    kind, name = key
    return f"{name}/{RULE}" if kind == "brand" else f"platform:{name}/{RULE}"


def evaluate(sources: dict[SourceKey, Source], now: datetime, config: PipelineSilenceConfig,
             behind: Callable[[SourceKey], timedelta] | None = None) -> list[Firing]:
    """At event time `now`: every source silent for at least its limit, firing or newly so. A source
    `behind(key)` behind the live clock (a polled platform) is judged that much earlier."""
    firings: list[Firing] = []
    for key, source in sources.items():
        silent = (now - (behind(key) if behind else timedelta(0)) - source.last_seen).total_seconds()
        if source.firing or (silent >= source.limit_s and judged(source, config)):
            source.firing = True
            firings.append(_firing(key, source, silent, config))
    return firings


def clear(key: SourceKey, config: PipelineSilenceConfig) -> Clear:
    return Clear(dedup_key(key), f"{key[0]} {key[1]}: mentions arrive again")


def _firing(key: SourceKey, source: Source, silent: float, config: PipelineSilenceConfig) -> Firing:
    kind, name = key
    usual, threshold = usual_gap(source, config), source.limit_s
    summary = (f"{'' if kind == 'brand' else 'platform '}{name}: no mentions for {silent / 60:.0f} min "
               f"(usual gap {usual / 60:.0f} min, threshold {threshold / 60:.0f} min): is the listening post deaf?")
    evidence = {"source": kind, "name": name, "last_mention_at": source.last_seen.isoformat(),
                "minutes_silent": round(silent / 60, 1), "usual_gap_minutes": round(usual / 60, 1),
                "threshold_minutes": round(threshold / 60, 1), "quantile": config.quantile,
                "factor": config.factor, "mentions_in_history": sum(source.counts.values()),
                "history_hours": config.history_hours, "hours_heard": round(_heard_hours(source), 1)}
    return Firing(dedup_key(key), RULE, config.severity, name if kind == "brand" else "", summary,
                  0, evidence, [])


class PipelineSilence(Rule[dict[SourceKey, Source]]):
    """One state for the partition: its sources are brands and platforms. Judged at the watermark, a source
    as far behind it as it delivers late; and on idle ticks, for total silence while event time stands
    still (Flink's idle sources). Ticks shorter than `idle_tick_minutes` do nothing, which keeps replays
    (never idle that long) deterministic."""

    name = RULE
    per_brand = False

    def __init__(self, config: PipelineSilenceConfig) -> None:
        self.config = config

    def new_state(self) -> dict[SourceKey, Source]:
        return {}

    def observe(self, state: dict[SourceKey, Source], mention: Observation, context: Context) -> list[Decision]:
        return [clear(key, self.config) for key in observe(state, mention, self.config)]

    def advance(self, state: dict[SourceKey, Source], brand: str, now: datetime,
                context: Context) -> list[Decision]:
        return list(evaluate(state, now, self.config, lambda key: _behind(key, context)))

    def idle(self, state: dict[SourceKey, Source], brand: str, now: datetime, idle_for: timedelta,
             context: Context) -> list[Decision]:
        idle_after = timedelta(minutes=self.config.idle_tick_minutes)
        if idle_after <= timedelta(0) or idle_for < idle_after:
            return []
        return self.advance(state, brand, now, context)


def _behind(key: SourceKey, context: Context) -> timedelta:
    kind, name = key
    return context.time.brand_behind(name) if kind == "brand" else context.time.platform_behind(name)
