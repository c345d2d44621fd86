"""A classified mention as the rules see it; built from a `mentions.classified` record, never raising."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ingest.mention import Invalid, parse_time


@dataclass(frozen=True)
class Observation:
    id: str
    brand: str
    created_at: datetime
    stance: str
    sentiment: str
    signals: tuple[str, ...]
    root_id: str
    parent_id: str | None
    followers: int
    is_brand: bool
    author: str
    url: str | None
    text: str
    platform: str = "other"  # the source, for pipeline_silence; defaulted so tests may leave it out
    seen_at: datetime | None = None  # when the pipeline observed it (the Kafka record timestamp), if known

    def top_mention(self) -> dict[str, Any]:
        """What a page shows of this mention: enough to judge it without opening a browser."""
        return {"id": self.id, "url": self.url, "author": self.author, "followers": self.followers,
                "stance": self.stance, "sentiment": self.sentiment, "signals": list(self.signals),
                "created_at": self.created_at.isoformat(), "excerpt": self.text[:280]}


def seen_time(timestamp_ms: int | None) -> datetime | None:
    """A Kafka record timestamp (ms since the epoch; -1 or absent when the producer set none)."""
    if timestamp_ms is None or not isinstance(timestamp_ms, int) or timestamp_ms <= 0:
        return None
    try:
        return datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _observe(record: dict[str, Any], seen_at: datetime | None) -> Observation | Invalid:
    moment = parse_time(record["created_at"])
    if isinstance(moment, Invalid):
        return moment
    author = record.get("author") or {}
    classification = record["classification"]
    thread = record.get("thread") or {}
    return Observation(
        id=str(record["id"]), brand=str(record["brand"]), created_at=moment,
        stance=str(classification["stance"]), sentiment=str(classification["sentiment"]),
        signals=tuple(classification.get("signals", ())),
        root_id=str(thread.get("root_id") or record["id"]), parent_id=thread.get("parent_id"),
        followers=int(author.get("followers") or 0), is_brand=bool(author.get("is_brand")),
        author=str(author.get("handle") or author.get("name") or author.get("id") or "?"),
        url=record.get("url"), text=str(record["text"]), platform=str(record.get("platform") or "other"),
        seen_at=seen_at)


def observe(value: bytes | None, timestamp_ms: int | None = None) -> Observation | Invalid:
    try:
        record = json.loads(value or b"")
        return _observe(record, seen_time(timestamp_ms))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return Invalid(f"not a classified mention: {type(error).__name__}: {str(error)[:120]}", "not_classified")
