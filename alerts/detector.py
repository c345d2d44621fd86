"""The pure core of the detect stage for one partition: event-time clock, rules, incident book."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts import deaf, influencer, pile_on, shift, spike, threat
from alerts.baseline import HourCounts, HourOfWeek
from alerts.incidents import Clear, Firing, IncidentBook, Published
from alerts.observation import Observation
from alerts.rules_config import RulesConfig
from ingest.dedup import SeenIds


@dataclass
class BrandState:
    spike: spike.SpikeState = field(default_factory=spike.SpikeState)
    threads: dict[str, influencer.Thread] = field(default_factory=dict)
    hour: HourCounts = field(default_factory=HourCounts)
    piles: dict[str, pile_on.PileThread] = field(default_factory=dict)
    threat: threat.ThreatState = field(default_factory=threat.ThreatState)
    shift: shift.ShiftState = field(default_factory=shift.ShiftState)


class Detector:
    """Windows and timers run on event time: the watermark is the newest created_at seen minus the
    allowed lateness, so replaying last week's crisis decides exactly as it did live."""

    def __init__(self, rules: RulesConfig, lateness: timedelta,
                 published: dict[str, Published] | None = None, seen_capacity: int = 200_000,
                 baseline: HourOfWeek | None = None) -> None:
        self.rules = rules
        self.baseline = baseline or HourOfWeek()  # seeded from detect.baseline_file, learned as it runs
        self.lateness = lateness
        self.book = IncidentBook(published=dict(published or {}), policy=rules.incidents.policy())
        self.brands: dict[str, BrandState] = {}
        self.watermark: datetime | None = None
        self.late = 0
        self.sources: dict[deaf.SourceKey, deaf.Source] = {}  # pipeline_silence: brands and platforms heard
        self._seen = SeenIds(seen_capacity)

    def observe(self, mention: Observation) -> list[dict[str, Any]]:
        """Incident events caused by this mention (and by the watermark it moves)."""
        if not self._seen.first_time(mention.id):
            return []
        if self.watermark is not None and mention.created_at < self.watermark:
            self.late += 1
            return []
        state = self.brands.setdefault(mention.brand, BrandState())
        if not mention.is_brand:
            state.hour.count(self.baseline, mention.brand, mention.created_at, mention.stance == "complaint",
                             mention.sentiment == "negative")
        events: list[dict[str, Any]] = []
        if self.rules.complaint_spike.enabled:
            spike.observe(state.spike, mention, self.rules.complaint_spike)
            decision = spike.evaluate(state.spike, mention.brand, mention.created_at, self.rules.complaint_spike,
                                      self._expected_complaints(mention.brand, mention.created_at))
            events += self._apply([decision] if decision else [], mention.created_at)
        if self.rules.influencer_complaint.enabled:
            influencer.observe(state.threads, mention, self.rules.influencer_complaint)
        events += self._apply(self._observe_more(state, mention), mention.created_at)
        candidate = mention.created_at - self.lateness
        if self.watermark is None or candidate > self.watermark:
            self.watermark = candidate
        return events + self.advance(self.watermark)

    def advance(self, now: datetime) -> list[dict[str, Any]]:
        """Timers and quiet periods of every brand, evaluated at watermark `now`."""
        events: list[dict[str, Any]] = []
        for brand, state in self.brands.items():
            decisions: list[Firing | Clear] = []
            if self.rules.complaint_spike.enabled and state.spike.firing:
                decision = spike.evaluate(state.spike, brand, now, self.rules.complaint_spike,
                                          self._expected_complaints(brand, now))
                decisions += [decision] if isinstance(decision, Clear) else []
            if self.rules.influencer_complaint.enabled:
                decisions += influencer.evaluate(state.threads, brand, now, self.rules.influencer_complaint)
            decisions += self._advance_more(state, brand, now)
            events += self._apply(decisions, now)
        if self.rules.pipeline_silence.enabled:
            events += self._apply(list(deaf.evaluate(self.sources, now, self.rules.pipeline_silence)), now)
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
        return self._apply(list(deaf.evaluate(self.sources, now, config)), now)

    def _observe_more(self, state: BrandState, mention: Observation) -> list[Firing | Clear]:
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
            decision = shift.evaluate(state.shift, mention.brand, now, rules.negative_shift)
            decisions += [decision] if decision is not None else []
        if rules.pipeline_silence.enabled:
            heard = deaf.observe(self.sources, mention, rules.pipeline_silence)
            decisions += [deaf.clear(key, rules.pipeline_silence) for key in heard]
        return decisions

    def _advance_more(self, state: BrandState, brand: str, now: datetime) -> list[Firing | Clear]:
        """Quiet periods of the thread rules and negative_shift, at watermark `now`."""
        rules, decisions = self.rules, []
        if rules.pile_on.enabled:
            decisions += pile_on.evaluate(state.piles, brand, now, rules.pile_on)
        if rules.legal_or_media_threat.enabled:
            decisions += threat.evaluate(state.threat, brand, now, rules.legal_or_media_threat)
        if rules.negative_shift.enabled and state.shift.firing:
            decision = shift.evaluate(state.shift, brand, now, rules.negative_shift)
            decisions += [decision] if isinstance(decision, Clear) else []
        return decisions

    def _expected_complaints(self, brand: str, now: datetime) -> float | None:
        window = timedelta(minutes=self.rules.complaint_spike.window_minutes)
        return self.baseline.expected(brand, "complaints", now, window)

    def _apply(self, decisions: list[Firing | Clear], now: datetime) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for decision in decisions:
            events += self.book.fire(decision, now) if isinstance(decision, Firing) \
                else self.book.clear(decision, now)
        return events
