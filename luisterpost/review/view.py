"""What the incident page shows, built by reading `incidents`, `mentions.classified` and `labels`.

The topics stay the truth: this is a bounded, in-memory index of them, rebuilt from the start of the
topics whenever the review server starts. Nothing here writes anywhere."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts.incident_event import IncidentEvent
from classify.classified import ClassifiedMention
from ingest.mention import Invalid
from luisterpost.review.labels import Correction, LabelBook, parse_correction

EVENTS_KEPT = 50  # per incident: trigger, updates, resolve
TIMELINE_LIMIT = 300
DEFAULT_WINDOW = timedelta(minutes=60)


@dataclass(frozen=True)
class MentionView:
    id: str
    brand: str
    created_at: datetime
    root_id: str
    parent_id: str | None
    author: str
    followers: int
    is_brand: bool
    url: str | None
    text: str
    stance: str
    sentiment: str
    scores: dict[str, dict[str, float]]
    signals: tuple[str, ...]
    model: str
    flags: tuple[str, ...] = ()


def _mapping(record: dict[str, Any], key: str) -> dict[str, Any]:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _mention(value: bytes | None) -> MentionView | None:
    """A record of `mentions.classified` as the page shows it; None when it is not one."""
    mention = ClassifiedMention.parse(value)
    if isinstance(mention, Invalid):
        return None
    label = _mapping(mention.record, "classification")
    # `model` and `flags` are not part of the record's contract: read as leniently as before.
    model, scores = _mapping(label, "model"), _mapping(label, "scores")
    return MentionView(
        id=mention.id, brand=mention.brand, created_at=mention.created_at, root_id=mention.root_id,
        parent_id=mention.parent_id or None, author=mention.author, followers=mention.followers,
        is_brand=mention.is_brand_account, url=mention.url or None, text=mention.text,
        stance=mention.stance, sentiment=mention.sentiment,
        scores={head: {str(k): float(v) for k, v in values.items()}
                for head, values in scores.items() if isinstance(values, dict)},
        signals=mention.signals,
        model=f"{model.get('name', '?')} {model.get('version', '?')}",
        flags=tuple(str(f) for f in mention.record.get("flags") or ()))


@dataclass
class IncidentView:
    dedup_key: str
    events: list[IncidentEvent] = field(default_factory=list)

    @property
    def latest(self) -> IncidentEvent:
        return self.events[-1]

    @property
    def first(self) -> IncidentEvent:
        return next((e for e in self.events if e.action == "trigger"), self.events[0])

    @property
    def is_open(self) -> bool:
        return self.latest.action != "resolve"

    @property
    def root_id(self) -> str | None:
        """The thread root of a thread rule's key `<brand>/<rule>/<root>`; None for brand-wide rules."""
        parts = self.dedup_key.split("/", 2)
        return parts[2] if len(parts) == 3 and parts[2] else None

    def at(self, event: IncidentEvent) -> datetime:
        return event.event_time


class ReviewView:
    """Thread-safe: the feed applies records while the web server reads."""

    def __init__(self, max_mentions: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._max = max_mentions
        self._incidents: dict[str, IncidentView] = {}
        self._mentions: OrderedDict[str, MentionView] = OrderedDict()
        self._by_root: dict[str, list[str]] = {}
        self._by_brand: dict[str, list[str]] = {}
        self.labels = LabelBook()
        self.ignored = 0  # unreadable records, counted, never fatal

    def add_incident(self, value: bytes | None) -> None:
        event = IncidentEvent.parse(value)
        with self._lock:
            if isinstance(event, Invalid):
                self.ignored += 1
                return
            incident = self._incidents.setdefault(event.dedup_key, IncidentView(event.dedup_key))
            if event not in incident.events:  # at-least-once: a redelivered event is the same event
                incident.events = (incident.events + [event])[-EVENTS_KEPT:]

    def add_mention(self, value: bytes | None) -> None:
        try:
            mention = _mention(value)
        except (ValueError, TypeError):  # flags that are no list: the one field read as before
            mention = None
        with self._lock:
            if mention is None:
                self.ignored += 1
                return
            self._mentions[mention.id] = mention
            self._by_root.setdefault(mention.root_id, []).append(mention.id)
            self._by_brand.setdefault(mention.brand, []).append(mention.id)
            while len(self._mentions) > self._max:
                self._forget(self._mentions.popitem(last=False)[1])

    def _forget(self, mention: MentionView) -> None:
        for index, key in ((self._by_root, mention.root_id), (self._by_brand, mention.brand)):
            ids = index.get(key, [])
            if mention.id in ids:
                ids.remove(mention.id)
            if not ids:
                index.pop(key, None)

    def add_label(self, value: bytes | None) -> Correction | None:
        correction = parse_correction(value)
        with self._lock:
            if isinstance(correction, Invalid):
                self.ignored += 1
                return None
            self.labels.apply(correction)
            return correction

    def incidents(self) -> list[IncidentView]:
        """Open ones first, then the most recent."""
        with self._lock:
            listed = list(self._incidents.values())
        # By the event time as written (its text), as the page always sorted.
        return sorted(listed, key=lambda i: (i.is_open, i.latest.event_time.isoformat()), reverse=True)

    def incident(self, dedup_key: str) -> IncidentView | None:
        with self._lock:
            return self._incidents.get(dedup_key)

    def mention(self, mention_id: str) -> MentionView | None:
        with self._lock:
            return self._mentions.get(mention_id)

    def timeline(self, incident: IncidentView) -> list[MentionView]:
        """The thread of a thread rule; for a brand-wide rule the brand's mentions in its window."""
        with self._lock:
            if incident.root_id is not None:
                ids = list(self._by_root.get(incident.root_id, []))
            else:
                ids = self._window(incident)
            ids += [str(m.get("id")) for e in incident.events for m in e.top_mentions]
            found = {i: self._mentions[i] for i in ids if i in self._mentions}
        return sorted(found.values(), key=lambda m: m.created_at)[:TIMELINE_LIMIT]

    def _window(self, incident: IncidentView) -> list[str]:
        minutes = incident.first.evidence.get("window_minutes")
        window = timedelta(minutes=float(minutes)) if isinstance(minutes, int | float) else DEFAULT_WINDOW
        start, end = incident.at(incident.first) - window, incident.at(incident.latest)
        brand = incident.latest.brand or ""
        return [i for i in self._by_brand.get(brand, []) if start <= self._mentions[i].created_at <= end]

    def parent_text(self, mention: MentionView) -> str:
        parent = self.mention(mention.parent_id) if mention.parent_id else None
        return parent.text if parent else ""
