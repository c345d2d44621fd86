"""Sending to an intake: what the demo uses, and an example for anyone writing a sender."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable

import httpx

from luisterpost.intake.auth import SIGNATURE, TIMESTAMP, signature

log = logging.getLogger(__name__)

BATCH = "application/x-ndjson"


def jsonl(mentions: Iterable[dict[str, object]]) -> bytes:
    return b"".join(json.dumps(mention, ensure_ascii=False).encode("utf-8") + b"\n" for mention in mentions)


def signed_headers(secret: str, body: bytes, now: float | None = None, content_type: str = BATCH) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {"Content-Type": content_type, TIMESTAMP: timestamp,
            SIGNATURE: signature(secret.encode("utf-8"), timestamp, body)}


def post_signed(http: httpx.Client, url: str, secret: str, body: bytes, content_type: str = BATCH) -> httpx.Response:
    """Signed at the moment of sending, as the tolerance window requires."""
    return http.post(url, content=body, headers=signed_headers(secret, body, content_type=content_type))


def deliver(http: httpx.Client, url: str, secret: str, body: bytes, stopping: threading.Event) -> bool:
    """Until accepted: a 429 or 503 is retried after its Retry-After, as a well-behaved sender does.
    False when stopped first, or when the intake refused the body itself (a 4xx other than 429)."""
    while not stopping.is_set():
        try:
            response = post_signed(http, url, secret, body)
        except httpx.TransportError:
            stopping.wait(1.0)
            continue
        if response.status_code == 202:
            return True
        if response.status_code not in (429, 503):
            log.error("intake refused a batch: %s %s", response.status_code, response.text[:200])
            return False
        wait = response.headers.get("Retry-After", "1")
        stopping.wait(float(wait) if wait.isdigit() else 1.0)
    return False
