"""PagerDuty Events API v2. One incident per dedup_key: our trigger and update both go as "trigger"
(PagerDuty adds a trigger on an open key to the same incident, no new page); resolve closes it."""

from __future__ import annotations

from typing import Any

import httpx

from alerts.notification.page import Page
from alerts.notification.receivers import http
from alerts.notification.receivers.base import Outcome
from alerts.notification.receivers.rate import RateBudget
from alerts.notification.receivers.text import event_links, one_line, pager_key, printable, printable_tree, shorten

DEFAULT_URL = "https://events.pagerduty.com"
RATE_PER_MINUTE = 120  # per routing key, PagerDuty's documented figure
SUMMARY_CHARS, KEY_CHARS = 1024, 255


def links(page: Page) -> list[dict[str, str]]:
    """PagerDuty shows links[].href as a link to click: only http(s) URLs go there."""
    return [{"href": href, "text": text} for href, text in event_links(page)]


def enqueue_body(page: Page, routing_key: str) -> dict[str, Any]:
    event = page.event
    dedup_key = pager_key(event.dedup_key, KEY_CHARS)
    if event.action == "resolve":
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key}
    details = {"summary": event.summary, "action": event.action, "dedup_key": event.dedup_key,
               "evidence": event.evidence, "top_mentions": event.top_mentions}
    payload = {"summary": shorten(printable(one_line(event.summary)), SUMMARY_CHARS), "source": "luisterpost",
               "severity": event.severity, "timestamp": event.event_time.isoformat(), "component": event.rule,
               "group": event.brand or "", "class": event.rule, "custom_details": printable_tree(details)}
    return {"routing_key": routing_key, "event_action": "trigger", "dedup_key": dedup_key,
            "payload": payload, "links": links(page), "client": "Luisterpost"}


class PagerDutyReceiver:
    def __init__(self, name: str, severities: frozenset[str], routing_key: str, timeout_s: float,
                 url: str = DEFAULT_URL, budget: RateBudget | None = None,
                 transport: httpx.BaseTransport | None = None, clock: http.Clock = http.utc_now) -> None:
        self.name, self.severities, self.budget = name, severities, budget
        self._routing_key, self._clock = routing_key, clock
        self._url = url.rstrip("/") + "/v2/enqueue"
        self._secrets = (routing_key, url) if url != DEFAULT_URL else (routing_key,)  # a proxy's may hold a token
        self._client = http.client(timeout_s, transport=transport)

    def send(self, page: Page) -> Outcome:
        body = enqueue_body(page, self._routing_key)
        return http.post(self._client, self._url, body, self._clock, self._secrets)

    def close(self) -> None:
        self._client.close()
