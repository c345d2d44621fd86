"""Kafka for the review server: follow `incidents`, `mentions.classified` and `labels` into the view,
and write corrections to `labels`. No consumer group: every review replica reads every record."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaProducer

from luisterpost import kafka
from luisterpost.config import KafkaConfig
from luisterpost.review.labels import Correction, LabelBook, parse_correction
from luisterpost.review.view import ReviewView

log = logging.getLogger(__name__)

ACK_TIMEOUT_S = 30
IDLE_S = 3.0


class LabelWriter:
    """One producer for the server's life; a correction returns only after the broker acknowledged."""

    def __init__(self, config: KafkaConfig, bootstrap: str, topic: str) -> None:
        self._producer: KafkaProducer = kafka.producer(config, bootstrap)
        self._topic = topic

    def __call__(self, correction: Correction) -> None:
        self._producer.send(self._topic, value=correction.to_json(),
                            key=correction.key.encode("utf-8")).get(timeout=ACK_TIMEOUT_S)

    def close(self) -> None:
        self._producer.close()


def read_labels(config: KafkaConfig, bootstrap: str, topic: str) -> LabelBook:
    """The whole `labels` topic as compaction keeps it: the latest correction per mention and head."""
    reader = kafka.consumer(config, bootstrap, None)
    book = LabelBook()
    try:
        partitions = kafka.partitions_of(reader, topic)
        for record in kafka.read_to_end(reader, partitions) if partitions else []:
            correction = parse_correction(record.value)
            if isinstance(correction, Correction):
                book.apply(correction)
            else:
                log.warning("labels: offset %d ignored: %s", record.offset, correction.reason)
        return book
    finally:
        reader.close()


class ReviewFeed:
    """A thread that reads the three topics from their start and then follows them."""

    def __init__(self, config: KafkaConfig, bootstrap: str, topics: kafka.Topics, view: ReviewView,
                 stopping: threading.Event) -> None:
        self._config, self._bootstrap, self._view, self._stopping = config, bootstrap, view, stopping
        self._apply: dict[str, Callable[[bytes | None], Any]] = {
            topics.incidents: view.add_incident, topics.classified: view.add_mention, topics.labels: view.add_label}
        self.caught_up = threading.Event()  # every partition read to the high watermark once
        self.failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="review-feed", daemon=True)

    def start(self) -> ReviewFeed:
        self._thread.start()
        return self

    def alive(self) -> bool:
        return self._thread.is_alive() and self.failed is None

    def _run(self) -> None:
        reader = kafka.consumer(self._config, self._bootstrap, None)
        try:
            partitions = [p for topic in self._apply for p in kafka.partitions_of(reader, topic)]
            reader.assign(partitions)
            reader.seek_to_beginning(*partitions)
            began = time.monotonic()
            while not self._stopping.is_set():
                for partition, records in reader.poll(timeout_ms=500).items():
                    for record in records:
                        self._apply[partition.topic](record.value)
                if not self.caught_up.is_set() and all(self._read_to_end(reader, p, began) for p in partitions):
                    log.info("review: read %d partitions to their end", len(partitions))
                    self.caught_up.set()
        except BaseException as error:
            self.failed = error
            log.exception("review: the feed stopped")
        finally:
            reader.close()

    @staticmethod
    def _read_to_end(reader: Any, partition: Any, began: float) -> bool:
        """At the fetch's high watermark (Tansu's end_offsets is wrong); an empty partition may never
        report one, so after a few idle seconds it counts as read."""
        highwater = reader.highwater(partition)
        if highwater is None:
            return time.monotonic() - began > IDLE_S
        return bool(reader.position(partition) >= highwater)

    def join(self, timeout_s: float = 10) -> None:
        self._thread.join(timeout_s)
