"""Incidents follow the pagers' life cycle: trigger once, update while it grows, resolve when quiet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts.incident_event import ACTIONS, Action, IncidentEvent


@dataclass(frozen=True)
class Firing:
    """A rule's finding that its condition holds now, with the numbers that show it."""

    dedup_key: str
    rule: str
    severity: str
    brand: str
    summary: str
    size: int  # what "grows" means for this rule: complaints in the window, replies in the thread
    evidence: dict[str, Any]
    top_mentions: list[dict[str, Any]]


@dataclass(frozen=True)
class Clear:
    dedup_key: str
    reason: str


@dataclass
class _Open:
    firing: Firing
    last_size: int
    last_sent: datetime


@dataclass(frozen=True)
class Policy:
    """How the book turns findings into pager events: `IncidentsConfig.policy()` builds it from the `incidents`
    section of the rules file, whose models hold the defaults (one source: no defaults here)."""

    growth_step: int  # an update only when the incident grew by this much: no stream of updates
    repeat: timedelta  # Alertmanager's repeat_interval: remind while unresolved
    inhibitor: str  # a brand-wide incident of this rule mutes ...
    inhibited: frozenset[str]  # ... these rules' incidents of the same brand


@dataclass(frozen=True)
class Published:
    """The last event per dedup_key already on the `incidents` topic (its compacted state)."""

    action: Action
    event_time: datetime

    def covers(self, action: Action, event_time: datetime) -> bool:
        """True when an event at (event_time, action) was already published: a rebuild replays it."""
        return (event_time, ACTIONS.index(action)) <= (self.event_time, ACTIONS.index(self.action))


def incident_event(action: Action, firing: Firing, event_time: datetime, **extra: Any) -> IncidentEvent:
    return IncidentEvent(firing.dedup_key, action, firing.rule, firing.severity, firing.brand, event_time,
                         firing.summary[:1024], {**firing.evidence, **extra}, firing.top_mentions)


@dataclass
class IncidentBook:
    """Open incidents of one detect partition. `published` suppresses what a rebuild re-derives.

    Inhibition works like Alertmanager's: while a brand's `complaint_spike` is open, that brand's
    thread incidents do not page (new ones are held, open ones get no updates); when the spike
    resolves, the held ones that still hold are triggered then."""

    policy: Policy
    published: dict[str, Published] = field(default_factory=dict)
    _open: dict[str, _Open] = field(default_factory=dict)
    _held: dict[str, Firing] = field(default_factory=dict)

    def is_open(self, dedup_key: str) -> bool:
        return dedup_key in self._open

    def is_held(self, dedup_key: str) -> bool:
        return dedup_key in self._held

    def open_firings(self) -> list[Firing]:
        """What is open now, for the open-incidents gauge."""
        return [open_.firing for open_ in self._open.values()]

    def fire(self, firing: Firing, now: datetime) -> list[IncidentEvent]:
        current = self._open.get(firing.dedup_key)
        muted_by = self._inhibitor_of(firing)
        if current is None and muted_by:
            self._held[firing.dedup_key] = firing
            return []
        if current is None:
            self._open[firing.dedup_key] = _Open(firing, firing.size, now)
            return self._emit("trigger", firing, now)
        current.firing = firing
        if muted_by:
            return []
        if firing.size >= current.last_size + self.policy.growth_step:
            current.last_size, current.last_sent = firing.size, now
            return self._emit("update", firing, now, update_reason="grew")
        if now - current.last_sent >= self.policy.repeat:
            current.last_sent = now
            return self._emit("update", firing, now, update_reason="repeat")
        return []

    def clear(self, clear: Clear, now: datetime) -> list[IncidentEvent]:
        self._held.pop(clear.dedup_key, None)
        current = self._open.pop(clear.dedup_key, None)
        if current is None:
            return []
        events = self._emit("resolve", current.firing, now, resolved_because=clear.reason)
        if current.firing.rule == self.policy.inhibitor:
            events += self._release(current.firing.brand, now)
        return events

    def _release(self, brand: str, now: datetime) -> list[IncidentEvent]:
        """The spike is over: what it held back still holds, so it pages now."""
        events: list[IncidentEvent] = []
        for key, firing in list(self._held.items()):
            if firing.brand == brand:
                del self._held[key]
                events += self.fire(firing, now)
        return events

    def _inhibitor_of(self, firing: Firing) -> str | None:
        if firing.rule not in self.policy.inhibited:
            return None
        key = f"{firing.brand}/{self.policy.inhibitor}"
        return key if key in self._open else None

    def _muted(self, brand: str) -> list[str]:
        return sorted([key for key in self._held if self._held[key].brand == brand]
                      + [key for key, open_ in self._open.items()
                         if open_.firing.brand == brand and open_.firing.rule in self.policy.inhibited])

    def _emit(self, action: Action, firing: Firing, now: datetime, **extra: Any) -> list[IncidentEvent]:
        known = self.published.get(firing.dedup_key)
        if known is not None and known.covers(action, now):
            return []
        if firing.rule == self.policy.inhibitor and action != "resolve":
            extra["inhibits"] = self._muted(firing.brand)
        return [incident_event(action, firing, now, **extra)]
