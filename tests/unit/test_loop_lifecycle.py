"""The stage loop's lifecycle with fakes at the Kafka boundary: a member that never gets partitions while
its group's input waits is not ready, shows the backlog as lag and rejoins; broker loss reconnects
instead of stopping the stage; other errors still stop it. The watch's decisions are tables."""

from __future__ import annotations

import threading
from collections import namedtuple
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaTimeoutError, UnknownProducerIdError
from prometheus_client import CollectorRegistry

from luisterpost.kafka import KafkaClients
from luisterpost.lifecycle import GroupView, Watch, WatchSettings
from luisterpost.loop import Output, Result, StageLoop
from luisterpost.metrics import Metrics

TOPIC = "mentions.raw"
Meta = namedtuple("Meta", "member_id generation_id state")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeConsumer:
    """A group member the broker never assigns anything to; as a probe it reports the group's offsets."""

    def __init__(self, committed: dict[int, int], ends: dict[int, int], records: list[Any] | None = None) -> None:
        self._committed, self._ends, self._records = committed, ends, records or []
        self.closed = False

    def subscribe(self, topics: list[str], listener: Any) -> None:
        self.listener = listener

    def poll(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[Any]]:
        records, self._records = self._records, []
        return {TopicPartition(TOPIC, 0): records} if records else {}

    def assignment(self) -> set[TopicPartition]:
        return set()

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(self._ends)

    def committed(self, partition: TopicPartition, timeout_ms: int) -> int | None:
        return self._committed.get(partition.partition)

    def end_offsets(self, partitions: list[TopicPartition], timeout_ms: int) -> dict[TopicPartition, int]:
        return {p: self._ends.get(p.partition, 0) for p in partitions}

    def group_metadata(self) -> Meta:
        return Meta("member-1", 0, "<rebalancing>")

    def commit(self, offsets: dict[Any, Any], timeout_ms: int) -> None:
        return None

    def close(self, autocommit: bool, timeout_ms: int) -> None:
        self.closed = True


class FakeFuture:
    def __init__(self, error: Exception | None) -> None:
        self._error = error

    def get(self, timeout: float) -> None:
        if self._error is not None:
            raise self._error


class FakeProducer:
    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.sent = error, 0

    def send(self, topic: str, value: bytes, key: bytes | None, headers: list[Any]) -> FakeFuture:
        self.sent += 1
        return FakeFuture(self.error)

    def flush(self, timeout: float) -> None:
        return None

    def close(self, timeout: float) -> None:
        return None


class Echo:
    stage, input_topic = "ingest", TOPIC

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail, self.closed = fail, False

    def process(self, records: list[Any]) -> Result:
        if self.fail is not None:
            raise self.fail
        return Result([Output("mentions", record.value) for record in records], len(records))

    def on_assigned(self, consumer: Any, partitions: list[Any]) -> None:
        return None

    def on_revoked(self, partitions: list[Any]) -> None:
        return None

    def ready(self) -> bool:
        return True

    def on_idle(self, now: float) -> list[Output]:
        return []

    def close(self) -> None:
        self.closed = True


Record = namedtuple("Record", "topic partition offset value timestamp")
FAST = WatchSettings(broker_timeout_s=15, starved_after_s=60, probe_interval_s=5, backoff_initial_s=0.001,
                     backoff_max_s=0.001)


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def starving_loop(clock: Clock, committed: dict[int, int], made: list[KafkaClients]) -> tuple[StageLoop, Metrics]:
    def clients() -> KafkaClients:
        made.append(KafkaClients(FakeConsumer(committed, {0: 5, 1: 3}), FakeProducer(),
                                 FakeConsumer(committed, {0: 5, 1: 3})))
        return made[-1]

    metrics = Metrics(CollectorRegistry())
    return StageLoop(Echo(), clients, metrics, threading.Event(), watch=FAST, clock=clock), metrics


def test_a_member_without_partitions_while_the_group_commits_nothing_is_not_ready_and_rejoins() -> None:
    clock, made = Clock(), list[KafkaClients]()
    loop, metrics = starving_loop(clock, {0: 0, 1: 0}, made)
    for _ in range(14):  # 70 s of turns, one probe every 5 s
        loop.turn()
        clock.now += 5
    assert sample(metrics, "luisterpost_consumer_lag_records", stage="ingest") == 8  # never a false 0
    assert sample(metrics, "luisterpost_assigned_partitions", stage="ingest") == 0
    assert sample(metrics, "luisterpost_consumer_rejoins_total", stage="ingest", reason="starved") == 1
    assert len(made) == 2 and made[0].consumer.closed
    reason = loop.ready()
    assert isinstance(reason, str)  # not ready: the fresh member has not been assigned anything yet


def test_the_reason_names_the_waiting_records() -> None:
    clock, made = Clock(), list[KafkaClients]()
    loop, _ = starving_loop(clock, {0: 0, 1: 0}, made)
    loop.assigned = True  # it once had partitions
    for _ in range(11):  # the clock reaches 55 s: not yet starved
        loop.turn()
        clock.now += 5
    assert loop.ready() is True
    loop.turn()
    clock.now += 5
    reason = loop.ready()
    assert isinstance(reason, str) and "no partitions assigned" in reason and "8 records wait" in reason


def test_a_spare_member_of_a_busy_group_stays_ready() -> None:
    clock, made = Clock(), list[KafkaClients]()
    committed = {0: 0, 1: 0}
    loop, metrics = starving_loop(clock, committed, made)
    loop.assigned = True
    for turn in range(30):
        committed[0] = turn  # another member commits as it goes
        loop.turn()
        clock.now += 5
    assert loop.ready() is True and len(made) == 1
    assert sample(metrics, "luisterpost_consumer_rejoins_total", stage="ingest", reason="starved") is None


@pytest.mark.parametrize("error", [KafkaTimeoutError("flush"), UnknownProducerIdError()])
def test_broker_loss_makes_new_clients_instead_of_stopping(error: Exception) -> None:
    made: list[KafkaClients] = []
    renewed: list[Echo] = []

    def clients() -> KafkaClients:
        producer = FakeProducer(error if not made else None)
        records = [Record(TOPIC, 0, n, b"x", 0) for n in range(3)]
        made.append(KafkaClients(FakeConsumer({}, {0: 3}, records), producer,
                                 FakeConsumer({}, {0: 3})))
        return made[-1]

    def renew() -> Echo:
        renewed.append(Echo())
        return renewed[-1]

    stopping, metrics = threading.Event(), Metrics(CollectorRegistry())
    loop = StageLoop(Echo(), clients, metrics, stopping, watch=FAST, renew=renew)
    worker = threading.Thread(target=loop.run)
    worker.start()
    try:
        deadline = threading.Event()
        while len(made) < 2 or made[-1].producer.sent < 3:
            assert not deadline.wait(0.01) and worker.is_alive(), f"the stage stopped: {loop.failed!r}"
    finally:
        stopping.set()
        worker.join(10)
    assert loop.failed is None
    assert renewed and loop.processor is renewed[-1]  # the unacknowledged batch is redone from a fresh state
    assert sample(metrics, "luisterpost_consumer_rejoins_total", stage="ingest", reason="broker") == 1


def test_an_error_that_is_not_broker_loss_still_stops_the_stage() -> None:
    def clients() -> KafkaClients:
        return KafkaClients(FakeConsumer({}, {0: 1}, [Record(TOPIC, 0, 0, b"x", 0)]),
                            FakeProducer(), FakeConsumer({}, {0: 1}))

    loop = StageLoop(Echo(fail=ValueError("bug")), clients, Metrics(CollectorRegistry()), threading.Event(),
                     watch=FAST)
    loop.run()
    assert isinstance(loop.failed, ValueError)


# --- the watch's decisions ------------------------------------------------------------------------


@pytest.mark.parametrize(("silent_s", "reason"), [
    (10, None),
    (15, "no contact with the Kafka broker for 15 s: KafkaTimeoutError"),
    (100, "no contact with the Kafka broker for 100 s: KafkaTimeoutError"),
])
def test_broker_contact(silent_s: float, reason: str | None) -> None:
    watch = Watch(WatchSettings(broker_timeout_s=15), now=0)
    watch.partitions(6, 0)
    watch.lost("KafkaTimeoutError")
    assert watch.reason(silent_s) == reason


@pytest.mark.parametrize(("views", "starved"), [
    ([GroupView((0, 0), 8)] * 14, True),  # input waits, nobody commits: the group is stuck
    ([GroupView((0, 0), 0)] * 14, False),  # nothing to do: a quiet topic is not starvation
    ([GroupView((n, 0), 8) for n in range(14)], False),  # someone else commits: we are a spare member
    ([GroupView((0, 0), 8)] * 11, False),  # not yet for starved_after_s
])
def test_starvation(views: list[GroupView], starved: bool) -> None:
    watch = Watch(WatchSettings(starved_after_s=60), now=0)
    now = 0.0
    for view in views:
        watch.partitions(0, now)
        watch.group(view, now)
        watch.contact(now)
        now += 5
    assert watch.starved(now - 5) is starved


def test_backoff_is_capped_and_resets_on_contact() -> None:
    watch = Watch(WatchSettings(backoff_initial_s=1, backoff_max_s=30), now=0)
    delays = []
    for _ in range(7):
        delays.append(watch.backoff_s())
        watch.reconnects += 1
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    watch.contact(100)
    assert watch.backoff_s() == 1


def test_give_up_after_the_configured_time_without_a_broker() -> None:
    watch = Watch(WatchSettings(give_up_s=900), now=0)
    assert not watch.give_up(899) and watch.give_up(900)
    assert not Watch(WatchSettings(give_up_s=0), now=0).give_up(10**9)  # 0: never


class StaleProbe(FakeConsumer):
    """kafka-python's end_offsets after a memory broker restarted with fewer partitions: a KeyError."""

    def end_offsets(self, partitions: list[TopicPartition], timeout_ms: int) -> dict[TopicPartition, int]:
        raise KeyError(TopicPartition(TOPIC, 1))


def test_stale_metadata_in_the_probe_makes_new_clients_instead_of_stopping() -> None:
    made: list[KafkaClients] = []

    def clients() -> KafkaClients:
        probe = StaleProbe({}, {0: 1}) if not made else FakeConsumer({}, {0: 1})
        made.append(KafkaClients(FakeConsumer({}, {0: 1}), FakeProducer(), probe))
        return made[-1]

    stopping, metrics = threading.Event(), Metrics(CollectorRegistry())
    loop = StageLoop(Echo(), clients, metrics, stopping, watch=FAST)
    worker = threading.Thread(target=loop.run)
    worker.start()
    try:
        deadline = threading.Event()
        while len(made) < 2:
            assert not deadline.wait(0.01) and worker.is_alive(), f"the stage stopped: {loop.failed!r}"
    finally:
        stopping.set()
        worker.join(10)
    assert loop.failed is None
    assert sample(metrics, "luisterpost_consumer_rejoins_total", stage="ingest", reason="broker") == 1
