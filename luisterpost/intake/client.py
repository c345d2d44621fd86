"""Sending to an intake: what the demo uses, and an example for anyone writing a sender."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

import httpx

from luisterpost.intake.auth import SIGNATURE, TIMESTAMP, signature

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
