"""Prints each page for a person at a terminal: the demo's pager."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from alerts.receivers.base import Outcome
from alerts.receivers.rate import RateBudget
from alerts.receivers.text import page_links

MARKS = {"trigger": "PAGE", "update": "UPDATE", "resolve": "RESOLVED"}


def render(event: dict[str, Any]) -> str:
    head = (f"[{MARKS.get(event['action'], event['action'])}] {event['severity'].upper()} "
            f"{event['rule']} {event['dedup_key']} @ {event['event_time']}")
    lines = [head, f"  {event['summary']}"]
    lines += [f"  {link['text']}: {link['href']}" for link in page_links(event)]
    for mention in event.get("top_mentions", [])[:3]:
        lines.append(f"  - {mention.get('author')} ({mention.get('followers', 0):,}) "
                     f"{mention.get('stance')}/{mention.get('sentiment')}: {mention.get('excerpt', '')[:120]}")
        if mention.get("url"):
            lines.append(f"    {mention['url']}")
    lines.append("  evidence: " + json.dumps(event.get("evidence", {}), ensure_ascii=False))
    return "\n".join(lines)


class ConsoleReceiver:
    def __init__(self, name: str, severities: frozenset[str], stream: TextIO | None = None) -> None:
        self.name = name
        self.severities = severities
        self.budget: RateBudget | None = None
        self._stream = stream

    def send(self, event: dict[str, Any]) -> Outcome:
        stream = self._stream or sys.stdout
        print(render(event), file=stream, flush=True)
        return Outcome.ok()

    def close(self) -> None:
        return None
