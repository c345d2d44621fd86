"""A generic webhook: POST the incident event as JSON. 2xx delivered; 429 and 5xx retried; other 4xx not."""

from __future__ import annotations

from typing import Any

import httpx

from alerts.receivers.base import Outcome


def classify_response(status: int, body: str) -> Outcome:
    if 200 <= status < 300:
        return Outcome.ok()
    detail = f"HTTP {status}: {body[:200]}"
    if status == 429 or status >= 500 or status == 408:
        return Outcome.retry(detail)
    return Outcome.reject(detail)


class WebhookReceiver:
    def __init__(self, name: str, severities: frozenset[str], url: str, headers: dict[str, str],
                 timeout_s: float, transport: httpx.BaseTransport | None = None) -> None:
        self.name = name
        self.severities = severities
        self._url = url
        self._client = httpx.Client(headers=headers, timeout=timeout_s, transport=transport)

    def send(self, event: dict[str, Any]) -> Outcome:
        try:
            response = self._client.post(self._url, json=event)
        except httpx.TransportError as error:  # timeouts and refused connections: try again later
            return Outcome.retry(f"{type(error).__name__}")
        return classify_response(response.status_code, response.text)

    def close(self) -> None:
        self._client.close()
