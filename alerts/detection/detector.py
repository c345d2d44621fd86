"""The pure core of the detect stage for one partition: event-time clocks, rules, incident book.

Event time with mixed delays (docs/event-time.md). The partition's clock is the newest `created_at`
admitted. Each source (platform) has its own watermark, the clock minus that source's allowed lateness:
thread timers and silence are judged there, so a thread on a polled platform waits for the poll that may
still bring the brand's answer. A late mention is not dropped: it counts in every window and thread still
in memory, windows are judged at its own time, and a rule it makes true pages now (the clock), saying when
it was posted and when it was seen. Only a mention older than the clock minus `stale_hours` is counted
(`late`) and dropped. A mention dated ahead of when it was seen, or outside any plausible year, is refused
(`refusal`): it never moves a clock, and no timer can overflow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.detection.baseline import HourCounts, HourOfWeek
from alerts.detection.incidents import Firing, IncidentBook, Published
from alerts.detection.observation import Observation
from alerts.detection.watermark import Watermarks
from alerts.incident_event import IncidentEvent
from alerts.rules import build_rules
from alerts.rules.base import Context, Decision, Rule
from alerts.rules_config import RulesConfig
from ingest.dedup import SeenIds
from ingest.mention import Invalid

# Dates a mention may carry: a Kafka timestamp starts in 1970, and below year 9000 every timer and window
# (at most centuries long, whatever the rules file says) stays inside what datetime can hold.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass
class BrandState:
    hour: HourCounts = field(default_factory=HourCounts)
    states: dict[str, Any] = field(default_factory=dict)  # each per-brand rule's state, by rule name


class Detector:
    """Decisions are a function of the mentions in the order they were read (and of their record
    timestamps), never of the wall clock, so replaying last week's crisis decides exactly as it did live."""

    def __init__(self, rules: RulesConfig, lateness: timedelta,
                 published: dict[str, Published] | None = None, seen_capacity: int = 200_000,
                 baseline: HourOfWeek | None = None, judges: list[Rule[Any]] | None = None) -> None:
        self.rules = rules
        self.baseline = baseline or HourOfWeek()  # seeded from detect.baseline_file, learned as it runs
        self.time = Watermarks(rules.event_time, lateness)
        self.judges = build_rules(rules) if judges is None else judges  # judged in this order
        self.book = IncidentBook(published=dict(published or {}), policy=rules.incidents.policy())
        self.brands: dict[str, BrandState] = {}
        self.partition: dict[str, Any] = {rule.name: rule.new_state() for rule in self.judges if not rule.per_brand}
        self.late = 0  # stale mentions, counted and dropped
        self._context = Context(self.time, self.baseline)
        self._seen = SeenIds(seen_capacity)

    @property
    def clock(self) -> datetime | None:
        """The newest created_at admitted."""
        return self.time.clock

    @property
    def watermark(self) -> datetime | None:
        """The watermark of a source with the default lateness (a live stream): brand-wide timers run here."""
        return self.time.watermark

    def lateness_of(self, platform: str) -> timedelta:
        return self.time.lateness_of(platform)

    def refusal(self, mention: Observation) -> Invalid | None:
        """Why this mention must not be used (the stage sends it to the DLQ), or None."""
        moment = mention.created_at
        skew = timedelta(minutes=self.rules.event_time.max_future_minutes)
        if mention.seen_at is not None and moment - mention.seen_at > skew:
            ahead = (moment - mention.seen_at).total_seconds() / 60
            return Invalid(f"created_at {moment.isoformat()} is {ahead:.0f} min after the record was written "
                           f"({mention.seen_at.isoformat()}); more than event_time.max_future_minutes "
                           f"({self.rules.event_time.max_future_minutes:g}) ahead", "future_dated")
        if not EARLIEST <= moment < LATEST:
            return Invalid(f"created_at {moment.isoformat()} is outside the years 1970-8999", "date_out_of_range")
        return None

    def observe(self, mention: Observation) -> list[IncidentEvent]:
        """Incident events caused by this mention (and by the clock it moves)."""
        if self.refusal(mention) is not None or not self._seen.first_time(mention.id):
            return []
        stale = timedelta(hours=self.rules.event_time.stale_hours)
        if self.clock is not None and mention.created_at < self.clock - stale:
            self.late += 1
            return []
        clock = self.time.admit(mention)
        state = self.brands.get(mention.brand) or self._new_brand(mention.brand)
        if not mention.is_brand:
            state.hour.count(self.baseline, mention.brand, mention.created_at, mention.stance == "complaint",
                             mention.sentiment == "negative")
        decisions = [decision for rule in self.judges
                     for decision in rule.observe(self._state(rule, state), mention, self._context)]
        events = self._apply(self._noted(decisions, mention), clock)
        return events + self.advance(clock - self.time.lateness)

    def _new_brand(self, brand: str) -> BrandState:
        state = self.brands[brand] = BrandState(states={rule.name: rule.new_state()
                                                        for rule in self.judges if rule.per_brand})
        return state

    def _state(self, rule: Rule[Any], brand: BrandState) -> Any:
        return brand.states[rule.name] if rule.per_brand else self.partition[rule.name]

    def _noted(self, decisions: list[Decision], mention: Observation) -> list[Decision]:
        """A finding made by a mention that arrived late says both times: "posted 22:45, seen 23:05"."""
        seen = self._seen_at(mention)
        delay = seen - mention.created_at
        if delay < timedelta(minutes=self.rules.event_time.late_note_minutes):
            return decisions
        zone = self.baseline.zone
        posted_local, seen_local = mention.created_at.astimezone(zone), seen.astimezone(zone)
        seen_text = seen_local.strftime("%H:%M" if seen_local.date() == posted_local.date() else "%Y-%m-%d %H:%M")
        note = f"[posted {posted_local:%Y-%m-%d %H:%M}, seen {seen_text}, {_duration(delay)} late]"
        late = {"posted_at": mention.created_at.isoformat(), "seen_at": seen.isoformat(),
                "delay_minutes": round(delay.total_seconds() / 60, 1), "platform": mention.platform,
                "mention_id": mention.id}
        return [dataclasses.replace(d, summary=f"{note} {d.summary}", evidence={**d.evidence, "late_data": late})
                if isinstance(d, Firing) else d for d in decisions]

    def _seen_at(self, mention: Observation) -> datetime:
        """The record's timestamp, unless it is further ahead of the clock than its source may lag: then
        the records are a replay (written today, posted long ago), and the clock is when they were seen in
        event time, so a replayed page reads the same whenever it is replayed."""
        clock = max(self.clock or mention.created_at, mention.created_at)
        seen = mention.seen_at
        if seen is None or seen < mention.created_at or seen > clock + self.lateness_of(mention.platform):
            return clock
        return seen

    def advance(self, now: datetime) -> list[IncidentEvent]:
        """Timers and quiet periods of every brand at watermark `now` (a thread's at its own source's)."""
        return self._judge(now, lambda rule, state, brand: rule.advance(state, brand, now, self._context))

    def tick(self, idle_for: timedelta) -> list[IncidentEvent]:
        """Nothing has arrived for `idle_for` of wall-clock time: the rules judge at the watermark plus that
        time (pipeline_silence does, for total silence, when event time stands still: Flink's idle
        sources). The watermark itself does not move, so no record is made late and no timer runs."""
        if self.watermark is None:
            return []
        now = self.watermark + idle_for
        return self._judge(now, lambda rule, state, brand: rule.idle(state, brand, now, idle_for, self._context))

    def _judge(self, now: datetime, judge: Callable[[Rule[Any], Any, str], list[Decision]]) -> list[IncidentEvent]:
        """Every brand's rules (a brand's decisions booked together), then the partition-wide rules."""
        events: list[IncidentEvent] = []
        for brand, state in self.brands.items():
            events += self._apply([decision for rule in self.judges if rule.per_brand
                                   for decision in judge(rule, state.states[rule.name], brand)], now)
        for rule in self.judges:
            if not rule.per_brand:
                events += self._apply(judge(rule, self.partition[rule.name], ""), now)
        return events

    def _apply(self, decisions: list[Decision], now: datetime) -> list[IncidentEvent]:
        events: list[IncidentEvent] = []
        for decision in decisions:
            events += self.book.fire(decision, now) if isinstance(decision, Firing) \
                else self.book.clear(decision, now)
        return events


def _duration(delay: timedelta) -> str:
    minutes = delay.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
