"""The `silences` topic: written by `luisterpost silence`, read by notify. Compacted and keyed by
silence id, so it is both the durable store and the change feed; there is no other database."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from alerts.notification.silences import Silence, SilenceBook, parse_silence
from ingest.mention import Invalid
from luisterpost import kafka
from luisterpost.config import KafkaConfig

log = logging.getLogger(__name__)


def _book(records: list[Any], book: SilenceBook | None = None) -> SilenceBook:
    book = book or SilenceBook()
    for record in records:
        silence = parse_silence(record.value)
        if isinstance(silence, Invalid):
            log.warning("silences: offset %d ignored: %s", record.offset, silence.reason)
        else:
            book.apply(silence)
    return book


def read_silences(config: KafkaConfig, bootstrap: str, topic: str) -> SilenceBook:
    reader = kafka.consumer(config, bootstrap, None)
    try:
        partitions = kafka.partitions_of(reader, topic)
        return _book(kafka.read_to_end(reader, partitions) if partitions else [])
    finally:
        reader.close()


def write_silence(config: KafkaConfig, bootstrap: str, topic: str, silence: Silence) -> None:
    producer = kafka.producer(config, bootstrap)
    try:
        producer.send(topic, value=silence.to_json(), key=silence.id.encode("utf-8")).get(timeout=30)
    finally:
        producer.close()


class SilenceFeed:
    """What notify consults before each page: read whole at start, then followed on an interval by a
    consumer of its own (no group: every notify replica needs every silence)."""

    def __init__(self, config: KafkaConfig, bootstrap: str, topic: str, refresh_s: float,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._config, self._bootstrap, self._topic, self._refresh_s = config, bootstrap, topic, refresh_s
        self._clock = clock
        self._reader: Any = None
        self._book = SilenceBook()
        self._last = 0.0

    def current(self) -> SilenceBook:
        if time.monotonic() - self._last < self._refresh_s and self._last:
            return self._book
        if self._reader is None:
            self._reader = kafka.consumer(self._config, self._bootstrap, None)
        if not self._reader.assignment():
            partitions = kafka.partitions_of(self._reader, self._topic)
            if partitions:  # read whole once; after that, follow
                self._book = _book(kafka.read_to_end(self._reader, partitions))
        else:
            polled = self._reader.poll(timeout_ms=100)
            _book([record for batch in polled.values() for record in batch], self._book)
        self._last = time.monotonic()
        return self._book

    def clock(self) -> datetime:
        return self._clock()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
