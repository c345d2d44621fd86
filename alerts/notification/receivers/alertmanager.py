"""Alertmanager's API v2: one alert per incident, its labels the identity (dedup_key among them), so
Alertmanager's routing, grouping, silences and inhibition apply to our incidents like to any alert.

Alertmanager judges an alert by its wall-clock endsAt. Prometheus resends firing alerts every
minute and lets a missed one lapse after resolve_timeout; we send an incident once and resolve it
explicitly, so a firing alert carries an explicit endsAt a day ahead (each update extends it) and
a resolve sends endsAt = the event time, or now if that is earlier. A replay of 2018 data works
the same: startsAt in 2018 is shown as such; an endsAt in the past resolves."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from alerts.notification.page import Page
from alerts.notification.receivers import http
from alerts.notification.receivers.base import Outcome
from alerts.notification.receivers.rate import RateBudget
from alerts.notification.receivers.text import event_links, mention_entry, one_line, pager_key, printable, shorten

FIRING_FOR = timedelta(hours=24)
KEY_CHARS, SUMMARY_CHARS = 255, 1024


def labels_of(page: Page) -> dict[str, str]:
    """The same for trigger, update and resolve of one incident: they are Alertmanager's identity."""
    event = page.event
    return {"alertname": event.rule, "brand": event.brand or "", "severity": event.severity,
            "dedup_key": pager_key(event.dedup_key, KEY_CHARS), "service": "luisterpost"}


def annotations_of(page: Page) -> dict[str, str]:
    event = page.event
    return {"summary": shorten(printable(one_line(event.summary)), SUMMARY_CHARS),
            "description": printable(event.summary),
            "top_mentions": "\n".join(mention_entry(m) for m in event.top_mentions),
            "links": "\n".join(href for href, _ in event_links(page)),
            "evidence": printable(json.dumps(event.evidence, ensure_ascii=False, sort_keys=True))}


def alert(page: Page, now: datetime) -> dict[str, Any]:
    at = page.event.event_time
    at = at if at.tzinfo else at.replace(tzinfo=UTC)  # parse refuses a naive time; one built in code may be
    urls = [href for href, _ in event_links(page)]  # generatorURL is a link in Alertmanager's UI
    if page.event.action == "resolve":
        ended = min(at, now)
        starts, ends = ended, ended  # Alertmanager keeps the earlier startsAt it already has
    else:
        starts, ends = at, max(now, at) + FIRING_FOR
    body = {"labels": labels_of(page), "annotations": annotations_of(page),
            "startsAt": starts.isoformat(), "endsAt": ends.isoformat()}
    return {**body, "generatorURL": urls[0]} if urls else body


class AlertmanagerReceiver:
    def __init__(self, name: str, severities: frozenset[str], url: str, timeout_s: float,
                 headers: dict[str, str] | None = None, budget: RateBudget | None = None,
                 transport: httpx.BaseTransport | None = None, clock: http.Clock = http.utc_now) -> None:
        self.name, self.severities, self.budget = name, severities, budget
        self._url, self._clock = url.rstrip("/") + "/api/v2/alerts", clock
        self._secrets = (url, *(headers or {}).values())
        self._client = http.client(timeout_s, headers, transport)

    def send(self, page: Page) -> Outcome:
        return http.post(self._client, self._url, [alert(page, self._clock())], self._clock, self._secrets)

    def close(self) -> None:
        self._client.close()
