"""The pure core of the detect stage for one partition: event-time clock, rules, incident book."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts import influencer, spike
from alerts.incidents import Clear, Firing, IncidentBook, Published
from alerts.observation import Observation
from alerts.rules_config import RulesConfig
from ingest.dedup import SeenIds


@dataclass
class BrandState:
    spike: spike.SpikeState = field(default_factory=spike.SpikeState)
    threads: dict[str, influencer.Thread] = field(default_factory=dict)


class Detector:
    """Windows and timers run on event time: the watermark is the newest created_at seen minus the
    allowed lateness, so replaying last week's crisis decides exactly as it did live."""

    def __init__(self, rules: RulesConfig, lateness: timedelta,
                 published: dict[str, Published] | None = None, seen_capacity: int = 200_000) -> None:
        self.rules = rules
        self.lateness = lateness
        self.book = IncidentBook(published=dict(published or {}))
        self.brands: dict[str, BrandState] = {}
        self.watermark: datetime | None = None
        self.late = 0
        self._seen = SeenIds(seen_capacity)

    def observe(self, mention: Observation) -> list[dict[str, Any]]:
        """Incident events caused by this mention (and by the watermark it moves)."""
        if not self._seen.first_time(mention.id):
            return []
        if self.watermark is not None and mention.created_at < self.watermark:
            self.late += 1
            return []
        state = self.brands.setdefault(mention.brand, BrandState())
        events: list[dict[str, Any]] = []
        if self.rules.complaint_spike.enabled:
            spike.observe(state.spike, mention, self.rules.complaint_spike)
            decision = spike.evaluate(state.spike, mention.brand, mention.created_at, self.rules.complaint_spike)
            events += self._apply([decision] if decision else [], mention.created_at)
        if self.rules.influencer_complaint.enabled:
            influencer.observe(state.threads, mention, self.rules.influencer_complaint)
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
                decision = spike.evaluate(state.spike, brand, now, self.rules.complaint_spike)
                decisions += [decision] if isinstance(decision, Clear) else []
            if self.rules.influencer_complaint.enabled:
                decisions += influencer.evaluate(state.threads, brand, now, self.rules.influencer_complaint)
            events += self._apply(decisions, now)
        return events

    def _apply(self, decisions: list[Firing | Clear], now: datetime) -> list[dict[str, Any]]:
        events = []
        for decision in decisions:
            event = self.book.fire(decision, now) if isinstance(decision, Firing) \
                else self.book.clear(decision, now)
            if event is not None:
                events.append(event)
        return events
