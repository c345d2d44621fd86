"""Integration tier: one real embedded broker (Tansu) per session; each test its own topics and groups."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from luisterpost.broker import EmbeddedBroker
from luisterpost.config import Config, build
from luisterpost.kafka import Topics, partitions_of, read_to_end


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(workdir=tmp_path_factory.mktemp("broker")) as running:
        yield running


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}."


def config_for(broker: EmbeddedBroker, prefix: str, partitions: int = 1, **sections: Any) -> Config:
    raw: dict[str, Any] = {"kafka": {"bootstrap": broker.bootstrap, "topic_prefix": prefix,
                                     "group_prefix": f"{prefix}group", "partitions": partitions},
                           "http": {"address": "127.0.0.1:0"}}
    for section, values in sections.items():
        raw.setdefault(section, {}).update(values)
    return build(raw, environ={})


def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=4 * 1024 * 1024)
    for value in values:
        producer.send(topic, value=value)
    producer.flush()
    producer.close()


def read_topic(bootstrap: str, topic: str) -> list[Any]:
    reader = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                           max_partition_fetch_bytes=4 * 1024 * 1024)
    try:
        return read_to_end(reader, partitions_of(reader, topic))
    finally:
        reader.close()


def read_json(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    return [json.loads(record.value) for record in read_topic(bootstrap, topic)]


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def committed(bootstrap: str, group: str, topic: str, partition: int = 0) -> int | None:
    reader = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return reader.committed(TopicPartition(topic, partition))
    finally:
        reader.close()


def jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


__all__ = ["Topics", "committed", "config_for", "jsonl", "produce", "read_json", "read_topic", "wait_for"]
