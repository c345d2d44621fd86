"""StageLoop's promise, at least once and commit last, as a table over an in-memory broker and group
(tests/unit/memory_kafka.py): a member killed between produce and commit, a revoke in the middle of a
batch, a poison record. After each case a second member takes over, as Kubernetes would start one, and:

- nothing is lost: every input has its output, or its dead letter;
- nothing is committed early: each commit came after the outputs of every input before it were written;
- the group ends committed at the end of every partition;
- exactly the expected inputs were processed twice (the redone ones), and the second member got exactly
  what the first left."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from kafka import TopicPartition
from prometheus_client import CollectorRegistry

from luisterpost.kafka import KafkaClients
from luisterpost.lifecycle import WatchSettings
from luisterpost.loop import Output, Result, StageLoop
from luisterpost.metrics import Metrics
from luisterpost.stages.dlq import dead_letter, describe
from tests.unit.memory_kafka import Broker, Process

IN, OUT, DLQ = "mentions.raw", "mentions", "mentions.dlq"
POISON = b"\xff\xfe not utf-8"
QUICK = WatchSettings(backoff_initial_s=0.001, backoff_max_s=0.001)  # a reconnect does not wait

Seen = tuple[int, int, int]  # (member, partition, offset): one processing of one input


class Relay:
    """A stage in miniature, written as every stage is: each input gives one output, or a dead letter
    when it cannot be read; the whole batch is handled."""

    stage, input_topic = "relay", IN

    def __init__(self, member: int, seen: list[Seen], during: Callable[[int], None]) -> None:
        self.member, self.seen, self._during, self._batches = member, seen, during, 0

    def process(self, records: list[Any]) -> Result:
        self._batches += 1
        self._during(self._batches)  # a rebalance may arrive on the IO thread while this batch runs
        outputs = []
        for record in records:
            self.seen.append((self.member, record.partition, record.offset))
            try:
                text = record.value.decode("utf-8")
            except UnicodeDecodeError as error:
                outputs.append(dead_letter(DLQ, self.stage, record, f"not UTF-8: {error.reason}"))
                continue
            outputs.append(Output(OUT, text.upper().encode(), headers=[("relay.source", source_header(record))]))
        return Result(outputs, len(records))

    def on_assigned(self, consumer: Any, partitions: list[Any]) -> None:
        return None

    def on_revoked(self, partitions: list[Any]) -> None:
        return None

    def ready(self) -> bool:
        return True

    def on_idle(self, now: float) -> list[Output]:
        return []

    def close(self) -> None:
        return None


def source_header(record: Any) -> bytes:
    return f"{record.partition}:{record.offset}".encode()


def source(record: Any) -> tuple[int, int] | None:
    """The input an output or a dead letter was written for."""
    headers = dict(record.headers)
    if "relay.source" in headers:
        partition, offset = headers["relay.source"].decode().split(":")
        return int(partition), int(offset)
    letter = describe(record.headers)
    return (int(letter["partition"]), int(letter["offset"])) if "offset" in letter else None


@dataclass(frozen=True)
class Case:
    name: str
    inputs: dict[int, list[bytes]]  # partition -> values
    max_poll_records: int
    commit_interval_s: float  # 0: after every batch; 3600: only on revoke and drain
    kill_at: tuple[str, int] | None = None  # the first member dies at its n-th producer "flush" or "acked"
    revoke_during: tuple[int, set[int]] | None = None  # (batch, partitions it keeps) of the first member
    refuse_dead_letters: int = 0  # the broker refuses the first writes to the DLQ (retriable)
    committed_at_event: dict[int, int] | None = None
    redone: set[tuple[int, int]] = field(default_factory=set)
    left_to_second: set[tuple[int, int]] = field(default_factory=set)
    dead_letters: set[tuple[int, int]] = field(default_factory=set)


SIX = [f"post {n}".encode() for n in range(6)]
FOUR = [f"post {n}".encode() for n in range(4)]
BATCH_2 = {(0, 2), (0, 3)}

CASES = [
    Case("killed once its outputs are acknowledged, before the commit", {0: SIX}, 2, 0, kill_at=("acked", 2),
         committed_at_event={0: 2}, redone=BATCH_2, left_to_second={(0, n) for n in range(2, 6)}),
    Case("killed while its outputs are in flight", {0: SIX}, 2, 0, kill_at=("flush", 2),
         committed_at_event={0: 2}, redone=BATCH_2, left_to_second={(0, n) for n in range(2, 6)}),
    Case("revoked in the middle of a batch, one partition comes back", {0: FOUR, 1: FOUR}, 4, 3600,
         revoke_during=(2, {0}), committed_at_event={0: 2, 1: 2}, redone=BATCH_2 | {(1, 2), (1, 3)},
         left_to_second={(1, 2), (1, 3)}),
    Case("revoked in the middle of a batch, both partitions go", {0: FOUR, 1: FOUR}, 4, 3600,
         revoke_during=(2, set()), committed_at_event={0: 2, 1: 2}, redone=BATCH_2 | {(1, 2), (1, 3)},
         left_to_second=BATCH_2 | {(1, 2), (1, 3)}),
    Case("a poison record is dead-lettered and the stage goes on", {0: [*SIX[:2], POISON, *SIX[3:]]}, 2, 0,
         dead_letters={(0, 2)}),
    Case("a poison record whose first dead letter the broker refuses", {0: [*SIX[:2], POISON, *SIX[3:]]}, 2, 0,
         refuse_dead_letters=1, redone=BATCH_2, dead_letters={(0, 2)}),
]


@dataclass
class Run:
    broker: Broker
    loops: list[StageLoop]
    seen: list[Seen]


def member(broker: Broker, number: int, case: Case, seen: list[Seen], kill_at: tuple[str, int] | None = None,
           during: Callable[[Process, int], None] = lambda process, batch: None) -> StageLoop:
    process = Process(broker, number, kill_at)

    def clients() -> KafkaClients:
        return KafkaClients(*process.clients())

    relay = Relay(number, seen, lambda batch: during(process, batch))
    return StageLoop(relay, clients, Metrics(CollectorRegistry()), process.stopping,
                     commit_interval_s=case.commit_interval_s, max_poll_records=case.max_poll_records,
                     watch=QUICK, clock=lambda: 1000.0)


def revoke(case: Case) -> Callable[[Process, int], None]:
    def during(process: Process, batch: int) -> None:
        if case.revoke_during is not None and batch == case.revoke_during[0]:
            keep = {TopicPartition(IN, partition) for partition in case.revoke_during[1]}
            assert process.consumer is not None
            process.broker.rebalance({process.consumer: keep})  # the rest goes to a member yet to come
            process.broker.mark_event()
    return during


def run(case: Case) -> Run:
    broker = Broker({TopicPartition(IN, p): values for p, values in case.inputs.items()}, source)
    broker.refusals[DLQ] = case.refuse_dead_letters
    seen: list[Seen] = []
    first = member(broker, 1, case, seen, case.kill_at, revoke(case))
    until_stopped(first)  # caught up (the in-memory consumer then sets `stopping`), or killed
    second = member(broker, 2, case, seen)  # the restarted member, or the revoked partitions' next owner
    until_stopped(second)
    return Run(broker, [first, second], seen)


def until_stopped(loop: StageLoop) -> None:
    worker = threading.Thread(target=loop.run)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), f"{loop.processor.stage} did not stop once caught up"


def broken_promises(case: Case, done: Run) -> list[str]:
    """Every promise the run broke (all of them, so that a failure shows the whole picture)."""
    broker = done.broker
    inputs = {(p, o) for p, values in case.inputs.items() for o in range(len(values))}
    written = {source(record) for partition, log in broker.logs.items() if partition.topic in (OUT, DLQ)
               for record in log}
    lettered = {source(record) for record in broker.logs.get(TopicPartition(DLQ, 0), [])}
    times = Counter((partition, offset) for _, partition, offset in done.seen)
    checks = [
        ("committed before the outputs were written", broker.early, []),
        ("lost: neither an output nor a dead letter", sorted(inputs - written), []),
        ("dead letters", lettered, case.dead_letters),
        ("committed at the end", broker.committed_offsets(), {p: len(v) for p, v in case.inputs.items()}),
        ("committed right after the kill or revoke", broker.at_event, case.committed_at_event),
        ("processed twice", {key for key, count in times.items() if count > 1}, case.redone),
        ("left to the second member", {(p, o) for number, p, o in done.seen if number == 2}, case.left_to_second),
        ("errors in the rebalance listener", broker.listener_errors, []),
        ("the first member's end", type(done.loops[0].failed).__name__, "Killed" if case.kill_at else "NoneType"),
        ("the second member's end", type(done.loops[1].failed).__name__, "NoneType"),
    ]
    return [f"{what}: {found!r}, expected {expected!r}" for what, found, expected in checks if found != expected]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_at_least_once_and_commit_last(case: Case, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.CRITICAL):  # the killed member's stack trace is expected
        done = run(case)
    assert broken_promises(case, done) == []


def test_a_dead_letter_says_why_and_where_the_record_came_from() -> None:
    (poisoned,) = [case for case in CASES if case.name.startswith("a poison record is dead-lettered")]
    (letter,) = run(poisoned).broker.logs[TopicPartition(DLQ, 0)]
    assert letter.value == POISON
    assert describe(letter.headers) == {"stage": "relay", "reason": "not UTF-8: invalid start byte",
                                        "topic": IN, "partition": "0", "offset": "2"}


def test_the_in_memory_member_stops_when_caught_up() -> None:
    """The harness itself: a stage with nothing to read drains and stops, committing nothing."""
    broker = Broker({TopicPartition(IN, 0): []}, source)
    loop = member(broker, 1, CASES[0], [])
    until_stopped(loop)
    assert loop.failed is None and broker.commits == []
