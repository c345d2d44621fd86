"""Hour-of-week baselines: how many mentions, complaints and negative mentions a brand usually gets
in this hour of this weekday (Monday 09:00 is not Sunday 04:00). Seeded from history with
`luisterpost baseline`, and learned on as the stream runs, so a new deployment does not start blind
and an old one follows a brand that grows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

HOURS_PER_WEEK = 168
MEASURES = ("mentions", "complaints", "negative")
FORMAT = "luisterpost-baseline/1"


def hour_of_week(moment: datetime, zone: ZoneInfo) -> int:
    """0 is Monday 00:00-01:00 local time: people complain by their own clock."""
    local = moment.astimezone(zone)
    return local.weekday() * 24 + local.hour


@dataclass
class HourOfWeek:
    """Per brand and measure, 168 mean counts per hour (None: no history for that hour yet)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))
    rates: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)
    learning_weight: float = 0.25  # each new week moves the slot a quarter: about a month of memory

    def rate(self, brand: str, measure: str, moment: datetime) -> float | None:
        slots = self.rates.get(brand, {}).get(measure)
        return None if slots is None else slots[hour_of_week(moment, self.zone)]

    def expected(self, brand: str, measure: str, end: datetime, window: timedelta) -> float | None:
        """Expected count in the window ending at `end`, summed hour by hour; None without history."""
        total, moment, left = 0.0, end, window
        while left > timedelta(0):
            rate = self.rate(brand, measure, moment - timedelta(microseconds=1))
            if rate is None:
                return None
            into_hour = moment - moment.replace(minute=0, second=0, microsecond=0) or timedelta(hours=1)
            step = min(left, into_hour)
            total += rate * step / timedelta(hours=1)
            moment, left = moment - step, left - step
        return total

    def learn(self, brand: str, hour_start: datetime, counts: dict[str, int]) -> None:
        """Fold one completed hour into its slot (exponentially weighted; the first week sets it)."""
        slot = hour_of_week(hour_start, self.zone)
        for measure in MEASURES:
            slots = self.rates.setdefault(brand, {}).setdefault(measure, [None] * HOURS_PER_WEEK)
            old, new = slots[slot], float(counts.get(measure, 0))
            slots[slot] = new if old is None else old + self.learning_weight * (new - old)

    def to_json(self, weeks: float) -> str:
        return json.dumps({"format": FORMAT, "timezone": str(self.zone), "weeks": round(weeks, 2),
                           "brands": self.rates}, ensure_ascii=False, indent=1)


def load_baseline(path: Path) -> HourOfWeek:
    """Raises ValueError with what is wrong; the caller names the config key."""
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a baseline written by `luisterpost baseline` (format {FORMAT})")
    rates = document.get("brands", {})
    for brand, measures in rates.items():
        for measure, slots in measures.items():
            if measure not in MEASURES or len(slots) != HOURS_PER_WEEK:
                raise ValueError(f"{path}: brands.{brand}.{measure} must be one of {MEASURES} with 168 values")
    return HourOfWeek(ZoneInfo(document.get("timezone", "Europe/Amsterdam")), rates)


def from_history(rows: list[tuple[str, datetime, bool, bool]], zone: ZoneInfo) -> tuple[HourOfWeek, float]:
    """(brand, created_at, is_complaint, is_negative) rows -> mean counts per hour of the week, and the
    weeks of history. Every hour of the covered span counts, the silent ones as zero."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["brand", "created_at", "complaints", "negative"])
    # Floor in UTC: Dutch offsets are whole hours, and a local floor trips over the autumn DST hour.
    frame["hour"] = pd.to_datetime(frame["created_at"], utc=True).dt.floor("h")
    counts = frame.groupby(["brand", "hour"]).agg(mentions=("brand", "size"), complaints=("complaints", "sum"),
                                                  negative=("negative", "sum"))
    hours = pd.date_range(frame["hour"].min(), frame["hour"].max(), freq="h")
    every_hour = pd.MultiIndex.from_product([sorted(frame["brand"].unique()), hours], names=["brand", "hour"])
    full = counts.reindex(every_hour, fill_value=0).reset_index()
    local = full["hour"].dt.tz_convert(zone)
    full["slot"] = local.dt.day_of_week * 24 + local.dt.hour
    means = full.groupby(["brand", "slot"])[list(MEASURES)].mean()
    table = HourOfWeek(zone)
    for brand in means.index.get_level_values("brand").unique():
        per_slot = means.loc[brand].reindex(range(HOURS_PER_WEEK))
        table.rates[str(brand)] = {measure: [None if pd.isna(v) else round(float(v), 4) for v in per_slot[measure]]
                                   for measure in MEASURES}
    return table, len(hours) / HOURS_PER_WEEK


@dataclass
class HourCounts:
    """One brand's counts in the hour now running; folded into the table when the next hour starts."""

    start: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    partial: bool = True  # the first hour seen is only partly seen: it is not learned

    def count(self, table: HourOfWeek, brand: str, moment: datetime, complaint: bool, negative: bool) -> None:
        hour = moment.replace(minute=0, second=0, microsecond=0)
        if self.start is None:
            self.start = hour
        elif hour > self.start:
            if not self.partial:
                table.learn(brand, self.start, self.counts)
            silent = self.start + timedelta(hours=1)
            while silent < hour and silent - self.start <= timedelta(hours=HOURS_PER_WEEK):
                table.learn(brand, silent, {})  # an hour without mentions is a zero, not a gap
                silent += timedelta(hours=1)
            self.start, self.counts, self.partial = hour, {}, False
        for measure, hit in (("mentions", True), ("complaints", complaint), ("negative", negative)):
            self.counts[measure] = self.counts.get(measure, 0) + hit
