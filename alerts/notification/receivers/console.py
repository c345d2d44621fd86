"""Prints each page for a person at a terminal: the demo's pager."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from alerts.notification.page import Page
from alerts.notification.receivers.base import Outcome
from alerts.notification.receivers.rate import RateBudget
from alerts.notification.receivers.text import page_links, printable

MARKS = {"trigger": "PAGE", "update": "UPDATE", "resolve": "RESOLVED"}


def _field(value: object) -> str:
    """An untrusted field on one line of the terminal: ESC, newlines and bidi controls as escapes."""
    return printable(str(value))


def render(page: Page) -> str:
    """The page for a terminal. Every field is escaped: a handle or id holding a newline and
    "[RESOLVED] ... all clear", or an ANSI sequence that clears the screen, stays visible text."""
    event = page.event
    mark = MARKS.get(event.action, _field(event.action))
    head = (f"[{mark}] {_field(event.severity.upper())} {_field(event.rule)} "
            f"{_field(event.dedup_key)} @ {_field(event.event_time.isoformat())}")
    lines = [head, f"  {_field(event.summary)}"]
    lines += [f"  {link['text']}: {link['href']}" for link in page_links(page)]  # already printable
    for mention in event.top_mentions[:3]:
        lines.append(f"  - {_field(mention.get('author'))} ({_followers(mention.get('followers'))}) "
                     f"{_field(mention.get('stance'))}/{_field(mention.get('sentiment'))}: "
                     f"{_field(str(mention.get('excerpt', ''))[:120])}")
        if mention.get("url"):
            lines.append(f"    {_field(mention['url'])}")
    lines.append("  evidence: " + _field(json.dumps(event.evidence, ensure_ascii=False)))
    return "\n".join(lines)


def _followers(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "0" if value is None else _field(value)


class ConsoleReceiver:
    def __init__(self, name: str, severities: frozenset[str], stream: TextIO | None = None) -> None:
        self.name = name
        self.severities = severities
        self.budget: RateBudget | None = None
        self._stream = stream

    def send(self, page: Page) -> Outcome:
        stream = self._stream or sys.stdout
        print(render(page), file=stream, flush=True)
        return Outcome.ok()

    def close(self) -> None:
        return None
