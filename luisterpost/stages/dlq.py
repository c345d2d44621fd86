"""Dead letters keep the original bytes as the value, so they can be re-driven as they are; the stage,
the reason and where the record came from travel in headers."""

from __future__ import annotations

from typing import Any

from luisterpost.loop import Output


def dead_letter(topic: str, stage: str, record: Any, reason: str) -> Output:
    headers = [("luisterpost.stage", stage.encode()), ("luisterpost.reason", reason.encode("utf-8")),
               ("luisterpost.topic", str(record.topic).encode()),
               ("luisterpost.partition", str(record.partition).encode()),
               ("luisterpost.offset", str(record.offset).encode())]
    return Output(topic=topic, value=record.value or b"", key=None, headers=headers)


def describe(headers: list[tuple[str, bytes]]) -> dict[str, str]:
    """The DLQ headers as a plain dict, for tests and for people reading the topic."""
    return {key.removeprefix("luisterpost."): value.decode("utf-8", "replace")
            for key, value in headers if key.startswith("luisterpost.")}
