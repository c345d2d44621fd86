"""Dead letters keep the original bytes as the value, so they can be re-driven as they are; the stage,
the reason and where the record came from travel in headers.

A dead letter must always reach the DLQ, or its stage would retry the same record forever. So one that
would not fit the producer's limit keeps only a prefix of the original, and says so in headers: the
original's length and SHA-256, to match it against the source."""

from __future__ import annotations

import hashlib
from typing import Any

from luisterpost.loop import Output

DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # kafka.max_message_bytes' default
MAX_REASON_BYTES = 1024
# Room for the headers (the reason at most MAX_REASON_BYTES) and the record batch's own framing.
HEADROOM_BYTES = 4096


def dead_letter(topic: str, stage: str, record: Any, reason: str,
                max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> Output:
    original: bytes = record.value or b""
    headers = [("luisterpost.stage", stage.encode()), ("luisterpost.reason", _bounded(reason)),
               ("luisterpost.topic", str(record.topic).encode("utf-8", "replace")),
               ("luisterpost.partition", str(record.partition).encode()),
               ("luisterpost.offset", str(record.offset).encode())]
    room = max(0, max_message_bytes - HEADROOM_BYTES)
    if len(original) <= room:
        return Output(topic=topic, value=original, key=None, headers=headers)
    headers += [("luisterpost.original_bytes", str(len(original)).encode()),
                ("luisterpost.original_sha256", hashlib.sha256(original).hexdigest().encode())]
    return Output(topic=topic, value=original[:room], key=None, headers=headers)


def _bounded(reason: str) -> bytes:
    """UTF-8 whatever the reason holds, cut at a character boundary."""
    encoded = reason.encode("utf-8", "replace")
    return encoded[:MAX_REASON_BYTES].decode("utf-8", "ignore").encode("utf-8")


def describe(headers: list[tuple[str, bytes]]) -> dict[str, str]:
    """The DLQ headers as a plain dict, for tests and for people reading the topic."""
    return {key.removeprefix("luisterpost."): value.decode("utf-8", "replace")
            for key, value in headers if key.startswith("luisterpost.")}
