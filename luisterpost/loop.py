"""The consume-process-produce-commit loop every stage runs: at least once, commit last."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener

from luisterpost.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Output:
    topic: str
    value: bytes
    key: bytes | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    outputs: list[Output]
    handled: int  # records from the start of the batch fully handled; the rest are retried


class Halt(Exception):
    """The stage must stop loudly (nearly all input invalid, say) instead of committing on."""


class Processor(Protocol):
    stage: str
    input_topic: str

    def process(self, records: list[Any]) -> Result: ...

    def on_assigned(self, consumer: KafkaConsumer, partitions: list[TopicPartition]) -> None: ...

    def on_revoked(self, partitions: list[TopicPartition]) -> None: ...

    def ready(self) -> bool: ...

    def on_idle(self, now: float) -> list[Output]:
        """A poll returned nothing; `now` is monotonic seconds. What it returns is produced like any
        output, with no offset to commit (detect: pipeline_silence while event time stands still)."""
        ...

    def close(self) -> None: ...


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: StageLoop) -> None:
        self._loop = loop

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self._loop.commit()  # everything pending is already produced and acknowledged
        self._loop.processor.on_revoked(list(revoked))

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._loop.assigned = True
        self._loop.metrics.assigned.labels(self._loop.processor.stage).set(len(assigned))
        self._loop.processor.on_assigned(self._loop.consumer, list(assigned))


class StageLoop:
    def __init__(self, processor: Processor, consumer: KafkaConsumer, producer: KafkaProducer,
                 metrics: Metrics, stopping: threading.Event, commit_interval_s: float = 1.0,
                 max_poll_records: int = 256) -> None:
        self.processor, self.consumer, self.producer = processor, consumer, producer
        self.metrics, self.stopping = metrics, stopping
        self.commit_interval_s, self.max_poll_records = commit_interval_s, max_poll_records
        self.assigned = False
        self.last_turn = time.monotonic()
        self.failed: BaseException | None = None
        self._pending: dict[TopicPartition, OffsetAndMetadata] = {}
        self._last_commit = time.monotonic()
        self.idle = threading.Event()  # set while a poll returned nothing and nothing is pending

    def run(self) -> None:
        stage = self.processor.stage
        try:
            self.consumer.subscribe([self.processor.input_topic], listener=_Rebalance(self))
            while not self.stopping.is_set():
                self.turn()
            log.info("%s: draining", stage)
            self.commit()
        except BaseException as error:
            self.failed = error
            log.exception("%s: stopped on an error; offsets after the last commit will be redone", stage)
            self.stopping.set()
        finally:
            self.consumer.close(autocommit=False)
            self.producer.close(timeout=10)
            self.processor.close()

    def turn(self) -> None:
        stage = self.processor.stage
        self.last_turn = time.monotonic()
        self.metrics.loop_turn.labels(stage).set(time.time())
        polled = self.consumer.poll(timeout_ms=200, max_records=self.max_poll_records)
        records = [record for batch in polled.values() for record in batch]
        if records:
            self.idle.clear()
            self._handle(records)
        else:
            self._on_idle()
        self._update_lag(polled)
        if time.monotonic() - self._last_commit >= self.commit_interval_s:
            self.commit()
        if not records and not self._pending:
            self.idle.set()

    def _handle(self, records: list[Any]) -> None:
        stage = self.processor.stage
        self.metrics.consumed.labels(stage).inc(len(records))
        result = self.processor.process(records)
        self._produce(result.outputs)
        for record in records[: result.handled]:
            self._pending[TopicPartition(record.topic, record.partition)] = \
                OffsetAndMetadata(record.offset + 1, "", -1)
        self._rewind(records[result.handled:])

    def _produce(self, outputs: list[Output]) -> None:
        futures = [self.producer.send(out.topic, value=out.value, key=out.key, headers=out.headers)
                   for out in outputs]
        self.producer.flush()
        for future, out in zip(futures, outputs, strict=True):
            future.get(timeout=30)  # raises if the broker refused: crash, restart, redo (at least once)
            self.metrics.produced.labels(self.processor.stage, out.topic).inc()

    def _on_idle(self) -> None:
        outputs = self.processor.on_idle(time.monotonic())
        if outputs:
            self._produce(outputs)

    def _rewind(self, unhandled: list[Any]) -> None:
        """Seek back to the first unhandled record of each partition, so the next poll retries it."""
        first: dict[TopicPartition, int] = {}
        for record in unhandled:
            first.setdefault(TopicPartition(record.topic, record.partition), record.offset)
        for partition, offset in first.items():
            self.consumer.seek(partition, offset)

    def commit(self) -> None:
        if self._pending:
            self.consumer.commit(offsets=dict(self._pending))
            self._pending.clear()
        self._last_commit = time.monotonic()

    def _update_lag(self, polled: dict[TopicPartition, list[Any]]) -> None:
        stage = self.processor.stage
        behind = 0
        for partition in self.consumer.assignment():
            highwater = self.consumer.highwater(partition)
            if highwater is not None:
                behind += max(0, highwater - self.consumer.position(partition))
        self.metrics.lag_records.labels(stage).set(behind)
        newest = max((batch[-1].timestamp for batch in polled.values() if batch), default=None)
        if behind == 0:
            self.metrics.lag_seconds.labels(stage).set(0)
        elif newest is not None:
            self.metrics.lag_seconds.labels(stage).set(max(0.0, time.time() - newest / 1000))
