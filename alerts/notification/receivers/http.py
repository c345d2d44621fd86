"""What every HTTP receiver shares: a client with a timeout on every call, and the answer read as an
Outcome (2xx delivered; 408, 429 and 5xx retryable, with the pager's Retry-After; other 4xx final)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from alerts.notification.receivers.base import Outcome
from alerts.notification.receivers.text import one_line, printable, redact

# httpx logs every request's full URL at INFO, and a Slack webhook URL is its token.
logging.getLogger("httpx").setLevel(logging.WARNING)

Clock = Callable[[], datetime]
BODY_CHARS = 200  # of an error answer, in an Outcome's error and so in the log


def utc_now() -> datetime:
    return datetime.now(UTC)


def client(timeout_s: float, headers: dict[str, str] | None = None,
           transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(headers=headers or {}, timeout=timeout_s, transport=transport)


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def outcome_for(status: int, body: str, retry_after: str | None, now: datetime,
                secrets: tuple[str, ...] = ()) -> Outcome:
    if 200 <= status < 300:
        return Outcome.ok()
    # Redacted whole before it is cut, so no part of a secret survives at the cut; then one line of
    # printable text, so an echoed body cannot forge log lines or colour a terminal.
    detail = f"HTTP {status}: {printable(one_line(redact(body, secrets)))[:BODY_CHARS]}".rstrip(": ")
    if status in (408, 429) or status >= 500:
        return Outcome.retry(detail, retry_after_s(retry_after, now))
    return Outcome.reject(detail)


def post(http: httpx.Client, url: str, body: Any, clock: Clock, secrets: tuple[str, ...] = (),
         params: dict[str, str] | None = None) -> Outcome:
    try:
        response = http.post(url, json=body, params=params)
    except httpx.TransportError as error:  # timeouts, refused connections: try again later
        return Outcome.retry(type(error).__name__)  # only the type: the message may carry the URL
    return outcome_for(response.status_code, response.text, response.headers.get("Retry-After"), clock(),
                       secrets)
