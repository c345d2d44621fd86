"""Records as the pipeline writes them, for the review page's unit tests."""

from __future__ import annotations

import json
from typing import Any

KEY = "coolblue/pile_on/li:1"


def classified(mention_id: str, text: str, stance: str, *, parent: str | None = None, url: str | None = None,
               handle: str = "robb", followers: int = 100, minute: int = 0) -> bytes:
    record: dict[str, Any] = {
        "id": mention_id, "platform": "linkedin", "created_at": f"2018-11-26T23:{minute:02d}:00+01:00",
        "text": text, "url": url, "brand": "coolblue",
        "author": {"id": f"u:{handle}", "handle": handle, "followers": followers},
        "thread": {"root_id": "li:1", "parent_id": parent},
        "classification": {"stance": stance, "sentiment": "negative",
                           "scores": {"stance": {stance: 0.91}, "sentiment": {"negative": 0.88}},
                           "signals": [], "model": {"name": "luisterpost-e5-small", "version": "3.0"}}}
    return json.dumps(record).encode()


def incident(action: str = "trigger", summary: str = "coolblue: 5 fans attack a complainer",
             minute: int = 20) -> bytes:
    return json.dumps({"dedup_key": KEY, "action": action, "rule": "pile_on", "severity": "critical",
                       "brand": "coolblue", "event_time": f"2018-11-26T23:{minute:02d}:00+01:00",
                       "summary": summary, "evidence": {"defenders": 5, "threshold": 6, "window_minutes": 60},
                       "top_mentions": [{"id": "li:1"}]}).encode()
