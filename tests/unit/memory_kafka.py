"""An in-memory broker with one consumer group, and the parts of kafka-python 3's KafkaConsumer and
KafkaProducer that StageLoop calls, faithful to kafka-python where the loop depends on it:

- a group member joins on its first poll after subscribe; rebalances are eager (kafka-python's default
  assignors): every member's partitions are revoked, then each gets its new set, read from the group's
  committed offsets (earliest where none);
- rebalance listeners run on another thread, as kafka-python 3 runs them on its IO thread; `commit_async`
  returns a resolved kafka.future.Future, which the async listener awaits; without offsets it commits the
  consumed positions, as kafka-python does;
- `close` revokes the member's partitions through the listener, then leaves the group;
- `send` only queues: a record reaches the log when the producer flushes or its future's `get` waits
  for it (the real sender may be that late), and a refused write fails only its own future;
- a killed process (SIGKILL) runs nothing more: its queued records are lost, it commits nothing, its
  listener is not told, and the group drops it.

Every commit is checked against the outputs in the log at that moment (`Broker.early`): an offset may be
committed only once every input before it has its output, which is the loop's promise."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka import OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import IllegalStateError, RequestTimedOutError
from kafka.future import Future
from kafka.producer.future import RecordMetadata

TIMESTAMP_MS = 1_543_000_000_000
Source = Callable[[ConsumerRecord], "tuple[int, int] | None"]  # the input (partition, offset) an output is for


class Killed(BaseException):
    """The member's process dies here, as on SIGKILL: a BaseException, so no `except Exception` stops it."""


@dataclass(frozen=True)
class Commit:
    partition: TopicPartition
    offset: int
    member: int


class Broker:
    """The topics' logs and one group's committed offsets and members."""

    def __init__(self, inputs: dict[TopicPartition, list[bytes]], source: Source) -> None:
        self.logs: dict[TopicPartition, list[ConsumerRecord]] = {}
        for partition, values in inputs.items():
            for value in values:
                self.append(partition, value, None, [])
        self.input_partitions = sorted(inputs)
        self.committed: dict[TopicPartition, int] = {}
        self.commits: list[Commit] = []
        self.early: list[str] = []  # commits that came before their inputs' outputs were in the log
        self.refusals: dict[str, int] = {}  # topic -> how many of its next writes the broker refuses
        self.listener_errors: list[BaseException] = []
        self.members: list[MemoryConsumer] = []
        self.generation = 0
        self.at_event: dict[int, int] | None = None  # committed offsets when a scripted event ended
        self._source = source

    def append(self, partition: TopicPartition, value: bytes | None, key: bytes | None,
               headers: list[tuple[str, bytes]]) -> int:
        log = self.logs.setdefault(partition, [])
        log.append(ConsumerRecord(partition.topic, partition.partition, 0, len(log), TIMESTAMP_MS, 0, key, value,
                                  headers, None, len(key or b""), len(value or b""), -1))
        return len(log) - 1

    def refuses(self, topic: str) -> bool:
        left = self.refusals.get(topic, 0)
        self.refusals[topic] = max(0, left - 1)
        return left > 0

    def commit(self, member: MemoryConsumer, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        written = {self._source(record) for log in self.logs.values() for record in log} - {None}
        for partition, meta in offsets.items():
            missing = [offset for offset in range(meta.offset) if (partition.partition, offset) not in written]
            if missing:
                self.early.append(f"member {member.number} committed {partition.partition}@{meta.offset} "
                                  f"before the outputs of offsets {missing}")
            self.committed[partition] = meta.offset
            self.commits.append(Commit(partition, meta.offset, member.number))

    def committed_offsets(self) -> dict[int, int]:
        return {partition.partition: offset for partition, offset in sorted(self.committed.items())}

    def end(self, partition: TopicPartition) -> int:
        return len(self.logs.get(partition, []))

    # --- the group ------------------------------------------------------------------------------------

    def join(self, member: MemoryConsumer) -> None:
        self.members.append(member)
        self.rebalance(self._ranges())

    def leave(self, member: MemoryConsumer) -> None:
        if member in self.members:
            self.members.remove(member)
            if self.members:
                self.rebalance(self._ranges())

    def rebalance(self, plan: dict[MemoryConsumer, set[TopicPartition]]) -> None:
        """Eager: revoke everything from everyone, then assign the plan from the committed offsets."""
        self.generation += 1
        for member in self.members:
            if member.owned:  # told while it still owns them, so that it can commit
                member.listen("on_partitions_revoked", set(member.owned))
            member.owned, member.positions = set(), {}
        for member in self.members:
            member.owned = set(plan.get(member, set()))
            member.positions = {partition: self.committed.get(partition, 0) for partition in member.owned}
            member.listen("on_partitions_assigned", set(member.owned))

    def mark_event(self) -> None:
        self.at_event = self.committed_offsets()

    def _ranges(self) -> dict[MemoryConsumer, set[TopicPartition]]:
        count = len(self.members)
        return {member: set(self.input_partitions[index::count]) for index, member in enumerate(self.members)}


@dataclass
class Process:
    """One run of a stage: its clients live and die with it."""

    broker: Broker
    number: int
    kill_at: tuple[str, int] | None = None  # ("flush" | "acked", n): die at the member's n-th such point
    stopping: threading.Event = field(default_factory=threading.Event)
    dead: bool = False
    consumer: MemoryConsumer | None = None
    _counts: dict[str, int] = field(default_factory=dict)

    def clients(self) -> tuple[MemoryConsumer, MemoryProducer, MemoryConsumer]:
        self.consumer = MemoryConsumer(self)
        return self.consumer, MemoryProducer(self), MemoryConsumer(self)

    def reached(self, point: str) -> None:
        self._counts[point] = self._counts.get(point, 0) + 1
        if self.kill_at == (point, self._counts[point]):
            self.dead = True
            if self.consumer is not None:
                self.broker.leave(self.consumer)  # its session times out; it is told nothing
            self.broker.mark_event()
            raise Killed(f"member {self.number} killed at {point} {self._counts[point]}")


class MemoryConsumer:
    def __init__(self, process: Process) -> None:
        self.process, self.broker, self.number = process, process.broker, process.number
        self.listener: Any = None
        self.owned: set[TopicPartition] = set()
        self.positions: dict[TopicPartition, int] = {}
        self._joined = False

    def subscribe(self, topics: list[str], listener: Any = None) -> None:
        assert all(partition.topic in topics for partition in self.broker.input_partitions)
        self.listener = listener

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[Any]]:
        assert not self.process.dead
        if not self._joined:
            self._joined = True
            self.broker.join(self)
        polled: dict[TopicPartition, list[Any]] = {}
        owned = sorted(self.owned)
        share = max(1, (max_records or 500) // max(1, len(owned)))
        for partition in owned:
            at = self.positions[partition]
            batch = self.broker.logs.get(partition, [])[at:at + share]
            if batch:
                polled[partition] = batch
                self.positions[partition] = at + len(batch)
        if not polled:
            self.process.stopping.set()  # caught up: the test's stage stops (drains, commits, closes)
        return polled

    def seek(self, partition: TopicPartition, offset: int) -> None:
        if partition not in self.owned:
            raise IllegalStateError(f"No current assignment for partition {partition}")
        self.positions[partition] = offset

    def assignment(self) -> set[TopicPartition]:
        return set(self.owned)

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata] | None = None,
               timeout_ms: int | None = None) -> None:
        assert not self.process.dead
        self.broker.commit(self, offsets if offsets is not None else self._consumed())

    def commit_async(self, offsets: dict[TopicPartition, OffsetAndMetadata] | None = None,
                     callback: Any = None) -> Future:
        self.commit(offsets)
        return Future().success(None)

    def committed(self, partition: TopicPartition, timeout_ms: int | None = None) -> int | None:
        return self.broker.committed.get(partition)

    def end_offsets(self, partitions: Iterable[TopicPartition], timeout_ms: int | None = None) \
            -> dict[TopicPartition, int]:
        return {partition: self.broker.end(partition) for partition in partitions}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {p.partition for p in self.broker.input_partitions if p.topic == topic}

    def highwater(self, partition: TopicPartition) -> int:
        return self.broker.end(partition)

    def position(self, partition: TopicPartition, timeout_ms: int | None = None) -> int:
        return self.positions[partition]

    def close(self, autocommit: bool = True, timeout_ms: int | None = None) -> None:
        if self.process.dead or self not in self.broker.members:
            return
        if self.owned:
            self.listen("on_partitions_revoked", set(self.owned))
        self.owned = set()
        self.broker.leave(self)

    def listen(self, method: str, partitions: set[TopicPartition]) -> None:
        """The listener, on an IO thread of its own, as kafka-python 3 runs it."""
        if self.listener is None:
            return
        callback = getattr(self.listener, method)

        def io_thread() -> None:
            try:
                if inspect.iscoroutinefunction(callback):
                    asyncio.run(callback(partitions))
                else:
                    callback(partitions)
            except BaseException as error:  # kafka-python logs it and goes on with the rebalance
                self.broker.listener_errors.append(error)

        thread = threading.Thread(target=io_thread)
        thread.start()
        thread.join(30)
        assert not thread.is_alive(), f"the {method} listener hung"

    def _consumed(self) -> dict[TopicPartition, OffsetAndMetadata]:
        return {partition: OffsetAndMetadata(offset, "", -1) for partition, offset in self.positions.items()
                if partition in self.owned}


class Delivery(Future):  # type: ignore[misc]
    """kafka-python's FutureRecordMetadata: `get` waits until the broker acknowledged or refused it."""

    def __init__(self, producer: MemoryProducer) -> None:
        super().__init__()
        self._producer = producer

    def get(self, timeout: float | None = None) -> Any:
        if not self.is_done:
            self._producer.deliver()
        if self.failed():
            raise self.exception
        return self.value


class MemoryProducer:
    def __init__(self, process: Process) -> None:
        self.process, self.broker = process, process.broker
        self._queued: list[tuple[TopicPartition, bytes | None, bytes | None, list[tuple[str, bytes]], Delivery]] = []

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None,
             headers: list[tuple[str, bytes]] | None = None, partition: int | None = None,
             timestamp_ms: int | None = None) -> Delivery:
        assert not self.process.dead
        future = Delivery(self)
        self._queued.append((TopicPartition(topic, partition or 0), value, key, list(headers or []), future))
        return future

    def flush(self, timeout: float | None = None) -> None:
        self.process.reached("flush")
        self.deliver()
        self.process.reached("acked")

    def deliver(self) -> None:
        queued, self._queued = self._queued, []
        for partition, value, key, headers, future in queued:
            if self.broker.refuses(partition.topic):
                future.failure(RequestTimedOutError(f"the broker refused a write to {partition.topic}"))
                continue
            offset = self.broker.append(partition, value, key, headers)
            future.success(RecordMetadata(partition.topic, partition.partition, partition, offset, TIMESTAMP_MS,
                                          None, len(key or b""), len(value or b""), -1))

    def close(self, timeout: float | None = None) -> None:
        if not self.process.dead:
            self.deliver()  # kafka-python's close waits for what is in flight
