"""Observations for the rule tables: minutes after T0, a stance, and only the fields a case is about."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation

T0 = datetime.fromisoformat("2018-11-26T22:45:00+01:00")
SENTIMENT = {"complaint": "negative", "defense": "negative", "praise": "positive", "neutral": "neutral"}


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def mention(minute: float, stance: str = "neutral", *, id: str | None = None, brand: str = "coolblue",
            followers: int = 100, root: str | None = None, is_brand: bool = False, author: str | None = None,
            signals: tuple[str, ...] = (), sentiment: str | None = None, platform: str = "x") -> Observation:
    """A top-level post, or a reply to `root` when given."""
    mention_id = id or f"{brand}-{platform}-{minute:g}-{stance}-{author or ''}-{followers}-{is_brand}"
    return Observation(id=mention_id, brand=brand, created_at=at(minute), stance=stance,
                       sentiment=sentiment or SENTIMENT[stance], signals=signals, root_id=root or mention_id,
                       parent_id=root, followers=followers, is_brand=is_brand,
                       author=author or f"user-{mention_id}", url=None, text=f"tekst {mention_id}",
                       platform=platform)


def in_time(*streams: Iterable[Observation]) -> list[Observation]:
    return sorted((m for stream in streams for m in stream), key=lambda m: m.created_at)


def transitions(decisions: Iterable[Firing | Clear | None]) -> list[str]:
    """"fire" when a key starts firing, "clear" when it clears: what a pager would see as trigger/resolve."""
    firing: set[str] = set()
    seen: list[str] = []
    for decision in decisions:
        if isinstance(decision, Firing) and decision.dedup_key not in firing:
            firing.add(decision.dedup_key)
            seen.append("fire")
        elif isinstance(decision, Clear) and decision.dedup_key in firing:
            firing.discard(decision.dedup_key)
            seen.append("clear")
    return seen


def last_firing(decisions: Iterable[Any]) -> Firing:
    return [d for d in decisions if isinstance(d, Firing)][-1]
