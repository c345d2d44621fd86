"""Writing accepted records to `mentions.raw` and waiting for the broker's acknowledgement (acks=all)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError

from luisterpost.config import KafkaConfig
from luisterpost.kafka import client_options

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """The broker did not acknowledge in time: 503, and the sender retries (ids absorb duplicates)."""


class Sink(Protocol):
    def write(self, values: list[bytes]) -> None: ...

    def close(self) -> None: ...


class KafkaSink:
    """One producer shared by all requests (kafka-python's is thread-safe). A timeout leaves it as it is
    (it reconnects by itself); after a fatal error it is replaced: an idempotent producer whose broker lost
    its state fails for good (UnknownProducerIdError)."""

    def __init__(self, config: KafkaConfig, bootstrap: str, topic: str, timeout_s: float) -> None:
        self._config, self._bootstrap, self._topic, self._timeout_s = config, bootstrap, topic, timeout_s
        self._lock = threading.Lock()
        self._producer: KafkaProducer | None = None
        self._failing = False

    def _current(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                timeout_ms = int(self._timeout_s * 1000)
                self._producer = KafkaProducer(
                    **client_options(self._config, self._bootstrap), acks="all", linger_ms=2,
                    max_request_size=self._config.max_message_bytes, max_block_ms=timeout_ms,
                    request_timeout_ms=timeout_ms)
            return self._producer

    def write(self, values: list[bytes]) -> None:
        deadline = time.monotonic() + self._timeout_s
        try:
            producer = self._current()
            futures = [producer.send(self._topic, value=value) for value in values]
            for future in futures:
                future.get(timeout=max(0.1, deadline - time.monotonic()))
        except (KafkaError, OSError) as error:
            self._failed(error)
            raise Unavailable(type(error).__name__) from None
        if self._failing:
            log.warning("intake: the broker acknowledges again")
            self._failing = False

    def _failed(self, error: Exception) -> None:
        if not self._failing:  # a repeating failure is logged when it changes, not per request
            log.warning("intake: the broker did not acknowledge (%s); answering 503 until it does",
                        type(error).__name__)
            self._failing = True
        if getattr(error, "retriable", True):
            return
        with self._lock:
            broken, self._producer = self._producer, None
        if broken is not None:
            threading.Thread(target=_discard, args=(broken,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            producer.close(timeout=self._timeout_s)
        except KafkaError as error:  # only requests already answered 503 can be left unsent here
            log.warning("intake: closed with records unsent, all answered 503 (%s)", type(error).__name__)


def _discard(producer: KafkaProducer) -> None:
    try:
        producer.close(timeout=0)
    except KafkaError:  # kafka-python's close flushes first, and a broken producer cannot
        log.debug("intake: a replaced producer closed with records unsent (they were answered 503)")
