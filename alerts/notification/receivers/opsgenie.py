"""Opsgenie Alert API. The alias is the dedup key: a create on an open alias adds to that alert (no
new page), so trigger and update both create; resolve closes by alias. Atlassian ends Opsgenie
support on 5 April 2027: configure it next to another pager, never as the only one."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from alerts.notification.page import Page
from alerts.notification.receivers import http
from alerts.notification.receivers.base import Outcome
from alerts.notification.receivers.rate import RateBudget
from alerts.notification.receivers.text import mention_entry, one_line, page_links, pager_key, printable, shorten

DEFAULT_URL = "https://api.opsgenie.com"
PRIORITY = {"critical": "P1", "error": "P2", "warning": "P3", "info": "P5"}
MESSAGE_CHARS, DESCRIPTION_CHARS, NOTE_CHARS, ALIAS_CHARS = 130, 15_000, 25_000, 512
DETAIL_CHARS, TAG_CHARS = 1_000, 50


def description(page: Page) -> str:
    event = page.event
    lines = [printable(event.summary), *[f"{link['text']}: {link['href']}" for link in page_links(page)], ""]
    lines += [f"- {mention_entry(m)}" for m in event.top_mentions]
    lines += ["", "evidence: " + json.dumps(event.evidence, ensure_ascii=False)]
    return shorten("\n".join(lines), DESCRIPTION_CHARS)


def details(page: Page) -> dict[str, str]:
    """Opsgenie's details are a flat map of strings: nested evidence goes in as JSON text."""
    event = page.event
    flat = {"brand": event.brand or "", "rule": event.rule, "severity": event.severity,
            "event_time": event.event_time.isoformat(), "dedup_key": event.dedup_key, "summary": event.summary}
    for key, value in event.evidence.items():
        flat[f"evidence.{key}"] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    for rank, mention in enumerate(event.top_mentions, start=1):
        flat[f"mention.{rank}"] = mention_entry(mention)
    return {printable(key): shorten(printable(str(value)), DETAIL_CHARS) for key, value in flat.items()}


def create_body(page: Page) -> dict[str, Any]:
    event = page.event
    tags = ["luisterpost", event.brand or "", event.rule, event.severity]
    return {"message": shorten(printable(one_line(event.summary)), MESSAGE_CHARS),
            "alias": pager_key(event.dedup_key, ALIAS_CHARS), "description": description(page),
            "priority": PRIORITY.get(event.severity, "P3"), "details": details(page), "source": "luisterpost",
            "entity": event.brand or "", "tags": [tag[:TAG_CHARS] for tag in tags if tag]}


def close_path(page: Page) -> str:
    alias = pager_key(page.event.dedup_key, ALIAS_CHARS)
    return f"/v2/alerts/{quote(alias, safe='')}/close"  # our keys hold "/" and ":": encode them all


class OpsgenieReceiver:
    def __init__(self, name: str, severities: frozenset[str], api_key: str, timeout_s: float,
                 url: str = DEFAULT_URL, budget: RateBudget | None = None,
                 transport: httpx.BaseTransport | None = None, clock: http.Clock = http.utc_now) -> None:
        self.name, self.severities, self.budget = name, severities, budget
        self._api_key, self._clock, self._base = api_key, clock, url.rstrip("/")
        self._secrets = (api_key, url) if url != DEFAULT_URL else (api_key,)
        self._client = http.client(timeout_s, {"Authorization": f"GenieKey {api_key}"}, transport)

    def send(self, page: Page) -> Outcome:
        if page.event.action == "resolve":
            note = {"source": "luisterpost", "note": shorten(printable(page.event.summary), NOTE_CHARS)}
            return http.post(self._client, self._base + close_path(page), note, self._clock, self._secrets,
                             params={"identifierType": "alias"})
        return http.post(self._client, self._base + "/v2/alerts", create_body(page), self._clock,
                         self._secrets)

    def close(self) -> None:
        self._client.close()
