"""Kafka clients and topic names. Only the runtime imports kafka; stage cores never do."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import TopicAlreadyExistsError

from luisterpost.config import KafkaConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topics:
    raw: str
    mentions: str
    classified: str
    incidents: str
    dlq: str

    @classmethod
    def with_prefix(cls, prefix: str) -> Topics:
        return cls(*(f"{prefix}{name}" for name in
                     ("mentions.raw", "mentions", "mentions.classified", "incidents", "mentions.dlq")))

    def all(self) -> tuple[str, ...]:
        return (self.raw, self.mentions, self.classified, self.incidents, self.dlq)


def client_options(config: KafkaConfig, bootstrap: str) -> dict[str, Any]:
    options: dict[str, Any] = {"bootstrap_servers": bootstrap.split(","),
                               "security_protocol": config.security_protocol}
    if config.sasl_mechanism:
        options["sasl_mechanism"] = config.sasl_mechanism
        options["sasl_plain_username"] = config.sasl_username
        if config.sasl_password is not None:
            options["sasl_plain_password"] = config.sasl_password.get_secret_value()
    return options


def producer(config: KafkaConfig, bootstrap: str) -> KafkaProducer:
    return KafkaProducer(**client_options(config, bootstrap), acks="all", linger_ms=5,
                         max_request_size=config.max_message_bytes, compression_type=None)


def consumer(config: KafkaConfig, bootstrap: str, group: str | None, **extra: Any) -> KafkaConsumer:
    return KafkaConsumer(**client_options(config, bootstrap), group_id=group, enable_auto_commit=False,
                         auto_offset_reset="earliest", session_timeout_ms=config.session_timeout_ms,
                         heartbeat_interval_ms=config.heartbeat_interval_ms,
                         max_partition_fetch_bytes=config.max_message_bytes, **extra)


def ensure_topics(config: KafkaConfig, bootstrap: str, topics: Topics, timeout_s: float = 30) -> None:
    """Create what is missing; `incidents` is compacted, as its last event per key is the state."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(**client_options(config, bootstrap))
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
            compact = {"cleanup.policy": "compact"} if name == topics.incidents else {}
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


def partitions_of(reader: KafkaConsumer, topic: str) -> list[TopicPartition]:
    found = reader.partitions_for_topic(topic) or set()
    return [TopicPartition(topic, p) for p in sorted(found)]
