"""Kafka clients and topic names. Only the runtime imports kafka; stage cores never do."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    KafkaConnectionError,
    KafkaError,
    OutOfOrderSequenceNumberError,
    ProducerFencedError,
    RebalanceInProgressError,
    TopicAlreadyExistsError,
    UnknownMemberIdError,
    UnknownProducerIdError,
)

from luisterpost.config import ConfigError, KafkaConfig
from luisterpost.lifecycle import GroupView

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topics:
    raw: str
    mentions: str
    classified: str
    incidents: str
    dlq: str
    silences: str
    labels: str  # the review page's corrections (compacted: the latest per mention and head)

    @classmethod
    def with_prefix(cls, prefix: str) -> Topics:
        return cls(*(f"{prefix}{name}" for name in
                     ("mentions.raw", "mentions", "mentions.classified", "incidents", "mentions.dlq", "silences",
                      "labels")))

    def all(self) -> tuple[str, ...]:
        return (self.raw, self.mentions, self.classified, self.incidents, self.dlq, self.silences, self.labels)

    def compacted(self) -> tuple[str, ...]:
        """Topics whose last record per key is the state: open incidents, the silences, the corrections."""
        return (self.incidents, self.silences, self.labels)


class KafkaClients(NamedTuple):
    consumer: KafkaConsumer  # subscribes: the stage's member of its group
    producer: KafkaProducer
    probe: KafkaConsumer  # same group id, never joins: asks the broker what the group committed


Clients = Callable[[], KafkaClients]

# The group moved on without us: the new owner redoes what we did not commit (at least once).
GROUP_MOVED = (CommitFailedError, IllegalGenerationError, RebalanceInProgressError, UnknownMemberIdError)
# Broker loss, and a producer whose broker forgot it (a memory broker restarted): new clients, retry.
_BROKER_LOST = (KafkaConnectionError, UnknownProducerIdError, OutOfOrderSequenceNumberError, ProducerFencedError)


def broker_lost(error: BaseException) -> bool:
    return isinstance(error, _BROKER_LOST) or (isinstance(error, KafkaError) and error.retriable)


def client_options(config: KafkaConfig, bootstrap: str) -> dict[str, Any]:
    """kafka-python's keyword arguments for the configured security; never logged (the password)."""
    options: dict[str, Any] = {"bootstrap_servers": bootstrap.split(","),
                               "security_protocol": config.security_protocol}
    if config.sasl_mechanism:
        options["sasl_mechanism"] = config.sasl_mechanism  # kafka-python's PLAIN and SCRAM share these two
        options["sasl_plain_username"] = config.sasl_username
        options["sasl_plain_password"] = _sasl_password(config)
    if config.security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_check_hostname"] = config.ssl_check_hostname
        for key in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            path = getattr(config, key)
            if path is not None:
                options[key] = str(_readable(f"kafka.{key}", path))
    return options


def _readable(key: str, path: Path) -> Path:
    """A missing or unreadable mounted Secret file is a configuration error that names its key."""
    try:
        with path.open("rb"):
            return path
    except OSError as error:
        raise ConfigError(f"{key}: cannot read {path}: {error.strerror or error}") from None


def _sasl_password(config: KafkaConfig) -> str | None:
    if config.sasl_password is not None:
        return config.sasl_password.get_secret_value()
    if config.sasl_password_file is None:
        return None
    path = _readable("kafka.sasl_password_file", config.sasl_password_file)
    password = path.read_text(encoding="utf-8").rstrip("\r\n")  # Secrets often end in a newline
    if not password:
        raise ConfigError(f"kafka.sasl_password_file: {path} is empty")
    return password


def producer(config: KafkaConfig, bootstrap: str) -> KafkaProducer:
    return KafkaProducer(**client_options(config, bootstrap), acks="all", linger_ms=5,
                         max_request_size=config.max_message_bytes, compression_type=None)


def consumer(config: KafkaConfig, bootstrap: str, group: str | None, **extra: Any) -> KafkaConsumer:
    return KafkaConsumer(**client_options(config, bootstrap), group_id=group, enable_auto_commit=False,
                         auto_offset_reset="earliest", session_timeout_ms=config.session_timeout_ms,
                         heartbeat_interval_ms=config.heartbeat_interval_ms,
                         max_partition_fetch_bytes=config.max_message_bytes, **extra)


def ensure_topics(config: KafkaConfig, bootstrap: str, topics: Topics, timeout_s: float = 30) -> None:
    """Create what is missing; `incidents` and `silences` are compacted: their last record per key is the state."""
    deadline = time.monotonic() + timeout_s
    options = client_options(config, bootstrap)  # a configuration error is not worth retrying
    while True:
        try:
            admin = KafkaAdminClient(**options)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        existing = set(admin.list_topics())
        for name in topics.all():
            if name in existing:
                continue
            compact = {"cleanup.policy": "compact"} if name in topics.compacted() else {}
            spec = {name: {"num_partitions": config.partitions, "replication_factor": 1, "configs": compact}}
            try:
                admin.create_topics(spec, wait_for_metadata=True)
                log.info("created topic %s", name)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()


def read_to_end(reader: KafkaConsumer, partitions: list[TopicPartition],
                idle_s: float = 1.0, limit_s: float = 60) -> list[Any]:
    """Every record up to the high watermark (Tansu's end_offsets is wrong; the fetch's is right)."""
    reader.assign(partitions)
    for partition in partitions:
        reader.seek_to_beginning(partition)
    records: list[Any] = []
    deadline, quiet_since = time.monotonic() + limit_s, time.monotonic()
    while time.monotonic() < deadline:
        polled = reader.poll(timeout_ms=200)
        for batch in polled.values():
            records.extend(batch)
        if polled:
            quiet_since = time.monotonic()
        caught_up = all(reader.highwater(p) is not None and reader.position(p) >= reader.highwater(p)
                        for p in partitions)
        never_fetched = all(reader.highwater(p) is None for p in partitions)
        if caught_up or (never_fetched and time.monotonic() - quiet_since > idle_s * 5):
            return records
    raise TimeoutError(f"could not read {partitions[0].topic} to its end in {limit_s:g} s")


def records_before(reader: KafkaConsumer, topic: str, number: int, end: int, count: int,
                   limit_s: float = 60) -> Iterator[Any]:
    """The records of partition `number` in [end - count, end), batch by batch (never all in memory: a
    record may be a megabyte): what came before a consumer's resume point. Where retention has already
    removed some, the reader starts at the earliest left (auto_offset_reset)."""
    if end <= 0 or count <= 0:
        return
    partition = TopicPartition(topic, number)
    reader.assign([partition])
    reader.seek(partition, max(0, end - count))
    deadline = time.monotonic() + limit_s
    while reader.position(partition) < end:
        if time.monotonic() > deadline:
            raise TimeoutError(f"could not read {partition.topic} up to offset {end} in {limit_s:g} s")
        for batch in reader.poll(timeout_ms=200).values():
            yield from (record for record in batch if record.offset < end)


def partitions_of(reader: KafkaConsumer, topic: str) -> list[TopicPartition]:
    found = reader.partitions_for_topic(topic) or set()
    return [TopicPartition(topic, p) for p in sorted(found)]


def group_view(member: KafkaConsumer, probe: KafkaConsumer, topic: str, timeout_ms: int) -> GroupView:
    """The group's committed offsets on `topic` and what waits beyond them, asked of the broker by `probe`
    (a consumer of the group that never joins it), so that it also proves the broker answers. The
    partitions come from the member's metadata. Tansu's end offsets can fall short (facts.md)."""
    partitions = partitions_of(member, topic) or [TopicPartition(topic, 0)]  # always one round trip
    committed = tuple(probe.committed(partition, timeout_ms=timeout_ms) or 0 for partition in partitions)
    ends = probe.end_offsets(partitions, timeout_ms=timeout_ms)
    backlog = sum(max(0, ends.get(partition, 0) - offset) for partition, offset in zip(partitions, committed,
                                                                                        strict=True))
    return GroupView(committed, backlog)
