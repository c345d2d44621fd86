"""A generic webhook: POST the incident event as JSON. 2xx delivered; 429 and 5xx retried; other 4xx not."""

from __future__ import annotations

import httpx

from alerts.notification.page import Page
from alerts.notification.receivers import http
from alerts.notification.receivers.base import Outcome
from alerts.notification.receivers.rate import RateBudget


class WebhookReceiver:
    def __init__(self, name: str, severities: frozenset[str], url: str, headers: dict[str, str],
                 timeout_s: float, transport: httpx.BaseTransport | None = None,
                 budget: RateBudget | None = None, clock: http.Clock = http.utc_now) -> None:
        self.name = name
        self.severities = severities
        self.budget = budget
        self._url, self._clock = url, clock
        self._secrets = (url, *headers.values())
        self._client = http.client(timeout_s, headers, transport)

    def send(self, page: Page) -> Outcome:
        return http.post(self._client, self._url, page.to_json(), self._clock, self._secrets)

    def close(self) -> None:
        self._client.close()
