"""Incidents follow the pagers' life cycle: trigger once, update while it grows, resolve when quiet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ACTIONS = ("trigger", "update", "resolve")


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


@dataclass(frozen=True)
class Published:
    """The last event per dedup_key already on the `incidents` topic (its compacted state)."""

    action: str
    event_time: datetime

    def covers(self, action: str, event_time: datetime) -> bool:
        """True when an event at (event_time, action) was already published: a rebuild replays it."""
        return (event_time, ACTIONS.index(action)) <= (self.event_time, ACTIONS.index(self.action))


def incident_event(action: str, firing: Firing, event_time: datetime, **extra: Any) -> dict[str, Any]:
    return {"dedup_key": firing.dedup_key, "action": action, "rule": firing.rule,
            "severity": firing.severity, "brand": firing.brand, "event_time": event_time.isoformat(),
            "summary": firing.summary[:1024], "evidence": {**firing.evidence, **extra},
            "top_mentions": firing.top_mentions}


@dataclass
class IncidentBook:
    """Open incidents of one detect partition. `published` suppresses what a rebuild re-derives."""

    published: dict[str, Published] = field(default_factory=dict)
    growth_step: int = 5
    _open: dict[str, _Open] = field(default_factory=dict)

    def is_open(self, dedup_key: str) -> bool:
        return dedup_key in self._open

    def fire(self, firing: Firing, now: datetime) -> dict[str, Any] | None:
        current = self._open.get(firing.dedup_key)
        if current is None:
            self._open[firing.dedup_key] = _Open(firing, firing.size)
            return self._emit("trigger", firing, now)
        if firing.size < current.last_size + self.growth_step:
            current.firing = firing
            return None
        current.firing, current.last_size = firing, firing.size
        return self._emit("update", firing, now)

    def clear(self, clear: Clear, now: datetime) -> dict[str, Any] | None:
        current = self._open.pop(clear.dedup_key, None)
        if current is None:
            return None
        return self._emit("resolve", current.firing, now, resolved_because=clear.reason)

    def _emit(self, action: str, firing: Firing, now: datetime, **extra: Any) -> dict[str, Any] | None:
        known = self.published.get(firing.dedup_key)
        if known is not None and known.covers(action, now):
            return None
        return incident_event(action, firing, now, **extra)
