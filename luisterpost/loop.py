"""The consume-process-produce-commit loop every stage runs: at least once, commit last."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.consumer.subscription_state import AsyncConsumerRebalanceListener
from kafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

from luisterpost import kafka
from luisterpost.kafka import GROUP_MOVED, Clients, broker_lost
from luisterpost.lifecycle import Watch, WatchSettings
from luisterpost.metrics import Metrics

log = logging.getLogger(__name__)

COMMIT_TIMEOUT_MS = 10_000


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


class _Rebalance(AsyncConsumerRebalanceListener):  # type: ignore[misc]
    """kafka-python 3 runs these on its IO thread, where a blocking call such as commit() raises ("Cannot
    block on net.run() from the IO thread itself"): the revoke awaits an asynchronous commit instead,
    so the pending offsets are committed before the group moves the partitions."""

    def __init__(self, loop: StageLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        loop = self._loop
        offsets = loop.take_pending(revoked)
        if offsets:
            try:
                await loop.consumer.commit_async(offsets=offsets)
            except Exception as error:  # never fail the rebalance: the new owner redoes these records
                log.warning("%s: commit on revoke failed (%s); %d partitions' last records will be redone",
                            loop.processor.stage, type(error).__name__, len(offsets))
        loop.processor.on_revoked(sorted(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._loop.assigned = True
        self._loop.metrics.assigned.labels(self._loop.processor.stage).set(len(assigned))
        self._loop.processor.on_assigned(self._loop.consumer, sorted(assigned))

    async def on_partitions_lost(self, lost: set[TopicPartition]) -> None:
        """Evicted: the group has moved these on already, so a commit would be refused."""
        self._loop.take_pending(lost)
        self._loop.processor.on_revoked(sorted(lost))


class StageLoop:
    def __init__(self, processor: Processor, clients: Clients, metrics: Metrics, stopping: threading.Event,
                 commit_interval_s: float = 1.0, max_poll_records: int = 256,
                 watch: WatchSettings | None = None, renew: Callable[[], Processor] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.processor, self._clients, self._renew = processor, clients, renew
        self._clock = clock  # the watch's clock (tests step it); liveness and sleeps use the real one
        self._unacknowledged = False  # the processor took a batch whose outputs the broker has not acked
        self.metrics, self.stopping = metrics, stopping
        self.commit_interval_s, self.max_poll_records = commit_interval_s, max_poll_records
        self.assigned = False
        self.last_turn = time.monotonic()
        self.failed: BaseException | None = None
        self.watch = Watch(watch or WatchSettings(), self._clock())
        # Handled, not yet committed; the IO thread takes a revoked partition's share (hence the lock).
        self._pending: dict[TopicPartition, OffsetAndMetadata] = {}
        self._pending_lock = threading.Lock()
        self._last_commit = time.monotonic()
        self._last_probe = 0.0
        self.idle = threading.Event()  # set while a poll returned nothing and nothing is pending
        self.consumer, self.producer, self._probe_client = clients()

    def run(self) -> None:
        stage = self.processor.stage
        try:
            self._subscribe()
            while not self.stopping.is_set():
                self._turn_or_reconnect()
            log.info("%s: draining", stage)
            self.commit()
        except BaseException as error:
            self.failed = error
            log.exception("%s: stopped on an error; offsets after the last commit will be redone", stage)
            self.stopping.set()
        finally:
            self._close_clients()
            self.processor.close()

    def ready(self) -> bool | str:
        """True, or why not (for /readyz): partitions once assigned, no broker loss, not starved."""
        reason = self.watch.reason(self._clock())
        if reason is not None:
            return reason
        if not self.assigned:
            return "waiting for the first partition assignment"
        return True if self.processor.ready() else "rebuilding its state"

    def _subscribe(self) -> None:
        self.consumer.subscribe([self.processor.input_topic], listener=_Rebalance(self))

    def _turn_or_reconnect(self) -> None:
        try:
            self.turn()
        except KafkaError as error:
            if not broker_lost(error):
                raise
            self._reconnect(error)

    def turn(self) -> None:
        stage = self.processor.stage
        self.last_turn = time.monotonic()
        self.metrics.loop_turn.labels(stage).set(time.time())
        polled = self.consumer.poll(timeout_ms=200, max_records=self.max_poll_records)
        records = [record for batch in polled.values() for record in batch]
        if records:
            self.idle.clear()
            self._handle(records)
            self.watch.contact(self._clock())
        else:
            self._on_idle()
        self._observe_group(polled)
        if time.monotonic() - self._last_commit >= self.commit_interval_s:
            self.commit()
        if not records and not self._pending:  # a racy read is fine: only a hint for tests and replay
            self.idle.set()

    def _handle(self, records: list[Any]) -> None:
        stage = self.processor.stage
        self.metrics.consumed.labels(stage).inc(len(records))
        self._unacknowledged = True
        result = self.processor.process(records)
        self._produce(result.outputs)
        self._unacknowledged = False
        with self._pending_lock:
            for record in records[: result.handled]:
                self._pending[TopicPartition(record.topic, record.partition)] = \
                    OffsetAndMetadata(record.offset + 1, "", -1)
        self._rewind(records[result.handled:])

    def _produce(self, outputs: list[Output]) -> None:
        futures = [self.producer.send(out.topic, value=out.value, key=out.key, headers=out.headers)
                   for out in outputs]
        self.producer.flush(timeout=30)  # a producer in a fatal state never flushes: reconnect instead
        for future, out in zip(futures, outputs, strict=True):
            future.get(timeout=30)  # raises if the broker refused: reconnect or crash, then redo (at least once)
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

    def take_pending(self, partitions: set[TopicPartition] | None = None) -> dict[TopicPartition, OffsetAndMetadata]:
        """Remove and return the pending offsets (of `partitions`, or all)."""
        with self._pending_lock:
            chosen = set(self._pending) if partitions is None else set(partitions) & set(self._pending)
            return {partition: self._pending.pop(partition) for partition in chosen}

    def commit(self) -> None:
        """Commit what is fully handled, for the partitions we still own. A group that rebalanced under us
        refuses it: the new owner redoes those records, which the ids absorb (at least once)."""
        self._last_commit = time.monotonic()
        pending = self.take_pending()
        if not pending:
            return
        owned = self.consumer.assignment()
        offsets = {p: offset for p, offset in pending.items() if p in owned}
        if not offsets:
            return
        try:
            self.consumer.commit(offsets=offsets, timeout_ms=COMMIT_TIMEOUT_MS)
        except GROUP_MOVED as error:
            log.warning("%s: commit refused, the group rebalanced (%s); %d partitions' last records will "
                        "be redone", self.processor.stage, type(error).__name__, len(offsets))
        self.watch.contact(self._clock())

    # --- the group and the broker, watched from the polling thread --------------------------------

    def _observe_group(self, polled: dict[TopicPartition, list[Any]]) -> None:
        now, stage = self._clock(), self.processor.stage
        assignment = self.consumer.assignment()
        self.metrics.assigned.labels(stage).set(len(assignment))
        self.watch.partitions(len(assignment), now)
        every = self.watch.probe_every_s
        quiet = now - self.watch.last_contact >= every
        if (quiet or not assignment) and now - self._last_probe >= every:
            self._probe(now)
        if self.watch.unreachable(now):  # the clients may outlive the broker's memory: start afresh
            self.metrics.broker_up.labels(stage).set(0)
            raise KafkaTimeoutError(f"no answer from the broker for {now - self.watch.last_contact:.0f} s")
        self.metrics.broker_up.labels(stage).set(1)
        if assignment:
            self._update_lag(assignment, polled)
        elif self.watch.view is not None:  # nothing assigned: the group's backlog, never a false 0
            self.metrics.lag_records.labels(stage).set(self.watch.view.backlog)
        if self.watch.starved(now):
            self._rejoin(now)

    def _probe(self, now: float) -> None:
        self._last_probe = now
        try:
            view = kafka.group_view(self.consumer, self._probe_client, self.processor.input_topic,
                                    COMMIT_TIMEOUT_MS // 2)
        except KeyError as error:
            # kafka-python's end_offsets raises KeyError when its metadata names a partition the broker no
            # longer has (a restarted memory broker): the clients' view is stale, so start afresh.
            raise KafkaConnectionError(f"stale metadata: no offsets for {error}") from error
        except KafkaError as error:
            if self.watch.broker_error is None:
                log.warning("%s: the broker does not answer: %s", self.processor.stage, error)
            self.watch.lost(type(error).__name__)
            return
        if self.watch.broker_error is not None:
            log.info("%s: the broker answers again", self.processor.stage)
        self.watch.contact(self._clock())
        self.watch.group(view, self._clock())

    def _rejoin(self, now: float) -> None:
        """No partitions while the group's input waits and nobody commits: leave and join afresh."""
        state = self.consumer.group_metadata()
        log.warning("%s: %s; member %s (generation %s, %s) leaves and joins the group again",
                    self.processor.stage, self.watch.reason(now), state.member_id or "-", state.generation_id,
                    state.state)
        self.metrics.rejoins.labels(self.processor.stage, "starved").inc()
        self.assigned = False
        self._close_clients()
        self.consumer, self.producer, self._probe_client = self._clients()
        self._subscribe()
        self.watch.rejoined(self._clock())

    def _reconnect(self, error: KafkaError) -> None:
        """Broker loss: new clients after a capped backoff, alive (the loop turns) and not ready meanwhile.
        What was not committed is redone; after `give_up_s` without a broker the stage exits 1."""
        stage = self.processor.stage
        self.watch.lost(f"{type(error).__name__}: {error}")
        log.warning("%s: lost the broker (%s: %s); reconnecting", stage, type(error).__name__, error)
        self.metrics.broker_up.labels(stage).set(0)
        self.take_pending()
        self.assigned = False
        self._close_clients()  # tells the processor its partitions are revoked
        if self._unacknowledged and self._renew is not None:
            self._renew_processor()
        while not self.stopping.is_set():
            if self.watch.give_up(self._clock()):
                raise error
            self._sleep_alive(self.watch.backoff_s())
            self.watch.reconnects += 1
            self.metrics.rejoins.labels(stage, "broker").inc()
            try:
                self.consumer, self.producer, self._probe_client = self._clients()  # the broker answered
            except KafkaError as again:
                if not broker_lost(again):
                    raise
                error = again
                log.debug("%s: still no broker: %s", stage, again)
                continue
            self._subscribe()
            self.watch.rejoined(self._clock())
            self.watch.contact(self._clock())
            log.info("%s: reconnected to the broker", stage)
            return

    def _renew_processor(self) -> None:
        """The processor's state (ingest's seen ids, say) counts a batch whose outputs may be lost: start
        it afresh, as a restart would, so that the redone batch is produced again."""
        log.info("%s: the last batch was not acknowledged: the stage starts afresh", self.processor.stage)
        self.processor.close()
        assert self._renew is not None
        self.processor = self._renew()
        self._unacknowledged = False

    def _sleep_alive(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set() and time.monotonic() < deadline:
            self.last_turn = time.monotonic()  # reconnecting is not hanging: liveness stays OK
            self.stopping.wait(min(0.5, max(0.0, deadline - time.monotonic())))

    def _close_clients(self) -> None:
        """The consumer's close tells the processor its partitions are revoked. A client of a lost broker
        may fail to close: it is dropped all the same."""
        closes: list[Callable[[], object]] = [
            lambda: self.consumer.close(autocommit=False, timeout_ms=5000),
            lambda: self.producer.close(timeout=5), lambda: self._probe_client.close(autocommit=False, timeout_ms=1000)]
        for close in closes:
            try:
                close()
            except Exception as error:
                log.debug("%s: closing a client: %s", self.processor.stage, error)

    def _update_lag(self, assignment: set[TopicPartition], polled: dict[TopicPartition, list[Any]]) -> None:
        stage = self.processor.stage
        behind = 0
        for partition in assignment:
            highwater = self.consumer.highwater(partition)
            if highwater is not None:
                behind += max(0, highwater - self.consumer.position(partition))
        self.metrics.lag_records.labels(stage).set(behind)
        newest = max((batch[-1].timestamp for batch in polled.values() if batch), default=None)
        if behind == 0:
            self.metrics.lag_seconds.labels(stage).set(0)
        elif newest is not None:
            self.metrics.lag_seconds.labels(stage).set(max(0.0, time.time() - newest / 1000))
