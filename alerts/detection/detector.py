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
from typing import Any, TypeVar

from alerts.detection.baseline import HourCounts, HourOfWeek
from alerts.detection.incidents import Clear, Firing, IncidentBook, Published
from alerts.detection.observation import Observation
from alerts.rules import complaint_spike as spike
from alerts.rules import influencer_complaint as influencer
from alerts.rules import legal_or_media_threat as threat
from alerts.rules import negative_shift as shift
from alerts.rules import pile_on
from alerts.rules import pipeline_silence as deaf
from alerts.rules_config import RulesConfig
from ingest.dedup import SeenIds
from ingest.mention import Invalid

# Dates a mention may carry: a Kafka timestamp starts in 1970, and below year 9000 every timer and window
# (at most centuries long, whatever the rules file says) stays inside what datetime can hold.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
Decision = Firing | Clear
T = TypeVar("T")


@dataclass
class BrandState:
    spike: spike.SpikeState = field(default_factory=spike.SpikeState)
    threads: dict[str, influencer.Thread] = field(default_factory=dict)
    hour: HourCounts = field(default_factory=HourCounts)
    piles: dict[str, pile_on.PileThread] = field(default_factory=dict)
    threat: threat.ThreatState = field(default_factory=threat.ThreatState)
    shift: shift.ShiftState = field(default_factory=shift.ShiftState)
    platforms: set[str] = field(default_factory=set)  # where the brand was heard: its silence's judge


class Detector:
    """Decisions are a function of the mentions in the order they were read (and of their record
    timestamps), never of the wall clock, so replaying last week's crisis decides exactly as it did live."""

    def __init__(self, rules: RulesConfig, lateness: timedelta,
                 published: dict[str, Published] | None = None, seen_capacity: int = 200_000,
                 baseline: HourOfWeek | None = None) -> None:
        self.rules = rules
        self.baseline = baseline or HourOfWeek()  # seeded from detect.baseline_file, learned as it runs
        self.lateness = lateness  # for a platform without its own event_time.allowed_lateness_minutes
        self.book = IncidentBook(published=dict(published or {}), policy=rules.incidents.policy())
        self.brands: dict[str, BrandState] = {}
        self.clock: datetime | None = None  # the newest created_at admitted
        self.late = 0  # stale mentions, counted and dropped
        self.sources: dict[deaf.SourceKey, deaf.Source] = {}  # pipeline_silence: brands and platforms heard
        self._seen = SeenIds(seen_capacity)
        self._lateness: dict[str, timedelta] = {}  # per platform, from the rules
        self._brand_behind: dict[str, timedelta] = {}  # per brand: its freshest platform's lateness past the live one

    @property
    def watermark(self) -> datetime | None:
        """The watermark of a source with the default lateness (a live stream): brand-wide timers run here."""
        return None if self.clock is None else self.clock - self.lateness

    def lateness_of(self, platform: str) -> timedelta:
        known = self._lateness.get(platform)
        if known is None:
            known = self._lateness[platform] = self.rules.event_time.lateness(platform, self.lateness)
        return known

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

    def observe(self, mention: Observation) -> list[dict[str, Any]]:
        """Incident events caused by this mention (and by the clock it moves)."""
        if self.refusal(mention) is not None or not self._seen.first_time(mention.id):
            return []
        stale = timedelta(hours=self.rules.event_time.stale_hours)
        if self.clock is not None and mention.created_at < self.clock - stale:
            self.late += 1
            return []
        self.clock = clock = max(self.clock or mention.created_at, mention.created_at)
        state = self.brands.setdefault(mention.brand, BrandState())
        if mention.platform not in state.platforms:
            state.platforms.add(mention.platform)
            self._brand_behind[mention.brand] = min(self._behind(("platform", p)) for p in state.platforms)
        if not mention.is_brand:
            state.hour.count(self.baseline, mention.brand, mention.created_at, mention.stance == "complaint",
                             mention.sentiment == "negative")
        decisions = self._observe_spike(state, mention)
        if self.rules.influencer_complaint.enabled:
            influencer.observe(state.threads, mention, self.rules.influencer_complaint)
        decisions += self._observe_more(state, mention)
        events = self._apply(self._noted(decisions, mention), clock)
        return events + self.advance(clock - self.lateness)

    def _observe_spike(self, state: BrandState, mention: Observation) -> list[Decision]:
        """Judged in the mention's own window; a late one cannot end a firing spike's quiet period early
        (that is judged on the clock, in `advance`)."""
        config = self.rules.complaint_spike
        if not config.enabled:
            return []
        spike.observe(state.spike, mention, config)
        if state.spike.firing and self.clock is not None and mention.created_at < self.clock:
            return []
        decision = spike.evaluate(state.spike, mention.brand, mention.created_at, config,
                                  self._expected_complaints(mention.brand, mention.created_at))
        return [decision] if decision else []

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

    def advance(self, now: datetime) -> list[dict[str, Any]]:
        """Timers and quiet periods of every brand at watermark `now`; a thread's at its own source's."""
        events: list[dict[str, Any]] = []
        rules = self.rules
        for brand, state in self.brands.items():
            decisions: list[Decision] = []
            if rules.complaint_spike.enabled and state.spike.firing:
                decision = spike.evaluate(state.spike, brand, now, rules.complaint_spike,
                                          self._expected_complaints(brand, now))
                decisions += [decision] if isinstance(decision, Clear) else []
            decisions += self._advance_more(state, brand, now)
            events += self._apply(decisions, now)
        if rules.pipeline_silence.enabled:
            events += self._apply(list(deaf.evaluate(self.sources, now, rules.pipeline_silence, self._behind)), now)
        return events

    def tick(self, idle_for: timedelta) -> list[dict[str, Any]]:
        """Nothing has arrived for `idle_for` of wall-clock time: judge pipeline_silence at the watermark
        plus that time (Flink's idle sources, for total silence, when event time stands still). The
        watermark itself does not move, so no record is made late and no other timer runs; ticks shorter
        than `idle_tick_minutes` do nothing, which keeps replays (never idle that long) deterministic."""
        config = self.rules.pipeline_silence
        idle_after = timedelta(minutes=config.idle_tick_minutes)
        if not config.enabled or idle_after <= timedelta(0) or idle_for < idle_after or self.watermark is None:
            return []
        now = self.watermark + idle_for
        return self._apply(list(deaf.evaluate(self.sources, now, config, self._behind)), now)

    def _behind(self, key: deaf.SourceKey) -> timedelta:
        """How far behind the live watermark a silence source is judged: a polled platform by its own
        lateness; a brand by its freshest platform's."""
        kind, name = key
        if kind == "brand":
            return self._brand_behind.get(name, timedelta(0))
        return max(timedelta(0), self.lateness_of(name) - self.lateness)

    def _per_source(self, threads: dict[str, T], platform_of: Callable[[T], str], now: datetime,
                    evaluate: Callable[[dict[str, T], datetime], list[Decision]]) -> list[Decision]:
        """Thread rules in the thread's own time: each platform's threads at that platform's watermark."""
        if not threads:
            return []
        groups: dict[str, dict[str, T]] = {}
        for key, thread in threads.items():
            groups.setdefault(platform_of(thread), {})[key] = thread
        if len(groups) <= 1:  # the usual case: no copies, the rule forgets in `threads` itself
            return [decision for platform in groups
                    for decision in evaluate(threads, now + self.lateness - self.lateness_of(platform))]
        decisions: list[Decision] = []
        for platform, subset in groups.items():
            kept = set(subset)
            decisions += evaluate(subset, now + self.lateness - self.lateness_of(platform))
            for forgotten in kept - subset.keys():
                del threads[forgotten]
        return decisions

    def _observe_more(self, state: BrandState, mention: Observation) -> list[Decision]:
        """pile_on, legal_or_media_threat, negative_shift and pipeline_silence, at the mention's time."""
        rules, now, decisions = self.rules, mention.created_at, []
        if rules.pile_on.enabled:
            pile_on.observe(state.piles, mention, rules.pile_on)
            thread = state.piles.get(mention.root_id)
            decision = pile_on.evaluate_thread(thread, mention.brand, now, rules.pile_on) if thread else None
            decisions += [decision] if decision is not None else []
        if rules.legal_or_media_threat.enabled:
            threat.observe(state.threat, mention, rules.legal_or_media_threat)
            decisions += threat.evaluate(state.threat, mention.brand, now, rules.legal_or_media_threat)
        if rules.negative_shift.enabled:
            shift.observe(state.shift, mention, rules.negative_shift)
            late_while_firing = state.shift.firing and self.clock is not None and now < self.clock
            decision = None if late_while_firing else shift.evaluate(state.shift, mention.brand, now,
                                                                     rules.negative_shift)
            decisions += [decision] if decision is not None else []
        if rules.pipeline_silence.enabled:
            heard = deaf.observe(self.sources, mention, rules.pipeline_silence)
            decisions += [deaf.clear(key, rules.pipeline_silence) for key in heard]
        return decisions

    def _advance_more(self, state: BrandState, brand: str, now: datetime) -> list[Decision]:
        """SLA timers and quiet periods of the thread rules, and negative_shift's, at watermark `now`."""
        rules, decisions = self.rules, []
        if rules.influencer_complaint.enabled:
            decisions += self._per_source(
                state.threads, lambda thread: thread.root.platform, now,
                lambda threads, at: influencer.evaluate(threads, brand, at, rules.influencer_complaint))
        if rules.pile_on.enabled:
            decisions += self._per_source(state.piles, lambda thread: thread.root.platform, now,
                                          lambda threads, at: pile_on.evaluate(threads, brand, at, rules.pile_on))
        if rules.legal_or_media_threat.enabled:
            decisions += self._per_source(
                state.threat.threads, lambda thread: thread.threats[0].platform, now,
                lambda threads, at: threat.evaluate(threat.ThreatState(state.threat.praised, threads), brand, at,
                                                    rules.legal_or_media_threat))
        if rules.negative_shift.enabled and state.shift.firing:
            decision = shift.evaluate(state.shift, brand, now, rules.negative_shift)
            decisions += [decision] if isinstance(decision, Clear) else []
        return decisions

    def _expected_complaints(self, brand: str, now: datetime) -> float | None:
        window = timedelta(minutes=self.rules.complaint_spike.window_minutes)
        return self.baseline.expected(brand, "complaints", now, window)

    def _apply(self, decisions: list[Decision], now: datetime) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for decision in decisions:
            events += self.book.fire(decision, now) if isinstance(decision, Firing) \
                else self.book.clear(decision, now)
        return events


def _duration(delay: timedelta) -> str:
    minutes = delay.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
