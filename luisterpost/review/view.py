"""What the incident page shows, built by reading `incidents`, `mentions.classified` and `labels`.

The topics stay the truth: this is a bounded, in-memory index of them, rebuilt from the start of the
topics whenever the review server starts. Nothing here writes anywhere."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ingest.mention import Invalid, parse_time
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


def _mention(record: dict[str, Any]) -> MentionView | None:
    created = parse_time(str(record.get("created_at")))
    label = _mapping(record, "classification")
    if isinstance(created, Invalid) or not label or not isinstance(record.get("id"), str):
        return None
    author, thread = _mapping(record, "author"), _mapping(record, "thread")
    model, scores = _mapping(label, "model"), _mapping(label, "scores")
    return MentionView(
        id=record["id"], brand=str(record.get("brand") or ""), created_at=created,
        root_id=str(thread.get("root_id") or record["id"]),
        parent_id=str(thread["parent_id"]) if thread.get("parent_id") else None,
        author=str(author.get("handle") or author.get("name") or author.get("id") or "?"),
        followers=int(author.get("followers") or 0), is_brand=bool(author.get("is_brand")),
        url=str(record["url"]) if record.get("url") else None, text=str(record.get("text") or ""),
        stance=str(label.get("stance")), sentiment=str(label.get("sentiment")),
        scores={head: {str(k): float(v) for k, v in values.items()}
                for head, values in scores.items() if isinstance(values, dict)},
        signals=tuple(str(s) for s in label.get("signals") or ()),
        model=f"{model.get('name', '?')} {model.get('version', '?')}",
        flags=tuple(str(f) for f in record.get("flags") or ()))


@dataclass
class IncidentView:
    dedup_key: str
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def latest(self) -> dict[str, Any]:
        return self.events[-1]

    @property
    def first(self) -> dict[str, Any]:
        return next((e for e in self.events if e["action"] == "trigger"), self.events[0])

    @property
    def is_open(self) -> bool:
        return bool(self.latest["action"] != "resolve")

    @property
    def root_id(self) -> str | None:
        """The thread root of a thread rule's key `<brand>/<rule>/<root>`; None for brand-wide rules."""
        parts = self.dedup_key.split("/", 2)
        return parts[2] if len(parts) == 3 and parts[2] else None

    def at(self, event: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(str(event["event_time"]))


def _event(value: bytes | None) -> dict[str, Any] | None:
    try:
        event = json.loads(value or b"")
        if isinstance(event, dict) and all(isinstance(event.get(k), str) for k in ("dedup_key", "action")):
            datetime.fromisoformat(str(event.get("event_time")))
            return event
    except (ValueError, TypeError):
        pass
    return None


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
        event = _event(value)
        with self._lock:
            if event is None:
                self.ignored += 1
                return
            incident = self._incidents.setdefault(event["dedup_key"], IncidentView(event["dedup_key"]))
            if event not in incident.events:  # at-least-once: a redelivered event is the same event
                incident.events = (incident.events + [event])[-EVENTS_KEPT:]

    def add_mention(self, value: bytes | None) -> None:
        try:
            record = json.loads(value or b"")
            mention = _mention(record) if isinstance(record, dict) else None
        except (ValueError, TypeError, AttributeError):
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
        return sorted(listed, key=lambda i: (i.is_open, i.latest["event_time"]), reverse=True)

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
            ids += [str(m.get("id")) for e in incident.events for m in e.get("top_mentions", [])]
            found = {i: self._mentions[i] for i in ids if i in self._mentions}
        return sorted(found.values(), key=lambda m: m.created_at)[:TIMELINE_LIMIT]

    def _window(self, incident: IncidentView) -> list[str]:
        minutes = incident.first.get("evidence", {}).get("window_minutes")
        window = timedelta(minutes=float(minutes)) if isinstance(minutes, int | float) else DEFAULT_WINDOW
        start, end = incident.at(incident.first) - window, incident.at(incident.latest)
        brand = str(incident.latest.get("brand") or "")
        return [i for i in self._by_brand.get(brand, []) if start <= self._mentions[i].created_at <= end]

    def parent_text(self, mention: MentionView) -> str:
        parent = self.mention(mention.parent_id) if mention.parent_id else None
        return parent.text if parent else ""
