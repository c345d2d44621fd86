"""A classified mention as the rules see it; built from a `mentions.classified` record, never raising."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from classify.classified import ClassifiedMention
from ingest.mention import Invalid


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


def from_classified(mention: ClassifiedMention, seen_at: datetime | None = None) -> Observation:
    return Observation(
        id=mention.id, brand=mention.brand, created_at=mention.created_at, stance=mention.stance,
        sentiment=mention.sentiment, signals=mention.signals, root_id=mention.root_id,
        parent_id=mention.parent_id, followers=mention.followers, is_brand=mention.is_brand_account,
        author=mention.author, url=mention.url, text=mention.text, platform=mention.platform, seen_at=seen_at)


def observe(value: bytes | None, timestamp_ms: int | None = None) -> Observation | Invalid:
    """Never raises: a record that is not a classified mention comes back as an Invalid."""
    mention = ClassifiedMention.parse(value)
    if isinstance(mention, Invalid):
        return mention
    return from_classified(mention, seen_time(timestamp_ms))
