"""Poison records on the real broker: each is followed by valid mentions, which must get through while the
poison lands in the DLQ; a flood of garbage is dead-lettered and committed, not an outage."""

from __future__ import annotations

import hashlib
import json
import threading

from kafka import KafkaProducer

from luisterpost import kafka
from luisterpost.app import Pipeline
from luisterpost.broker import EmbeddedBroker
from luisterpost.metrics import Metrics
from luisterpost.stages.dlq import describe
from tests.integration.conftest import committed, config_for, read_json, read_topic, wait_for

BASE = {"platform": "linkedin", "created_at": "2024-03-04T10:00:00+01:00", "brand": "coolblue",
        "text": "Coolblue levert niet, schandalig, slechte service!", "author": {"handle": "robb", "followers": 10}}


def mention(mention_id: str, **changes: object) -> bytes:
    return json.dumps({**BASE, "id": mention_id, **changes}).encode()


def produce_large(bootstrap: str, topic: str, values: list[bytes]) -> None:
    """The broker takes up to 10 MB a message; the stages' own limit is 4 MiB."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=12 * 1024 * 1024)
    for value in values:
        producer.send(topic, value=value).get(timeout=60)  # one at a time: keep the order exact
    producer.close()


def run_ingest(broker: EmbeddedBroker, prefix: str, values: list[bytes], expected_mentions: int,
               expected_dead: int) -> tuple[kafka.Topics, Metrics]:
    config = config_for(broker, prefix)
    topics = kafka.Topics.with_prefix(prefix)
    kafka.ensure_topics(config.kafka, broker.bootstrap, topics)
    produce_large(broker.bootstrap, topics.raw, values)
    stopping, metrics = threading.Event(), Metrics()
    pipeline = Pipeline(config, broker.bootstrap, ("ingest",), metrics, stopping).start()
    try:
        wait_for(lambda: len(read_topic(broker.bootstrap, topics.mentions)) >= expected_mentions
                 and len(read_topic(broker.bootstrap, topics.dlq)) >= expected_dead, 180,
                 "the valid mentions behind the poison, and the poison in the DLQ")
        wait_for(lambda: committed(broker.bootstrap, f"{prefix}group.ingest", topics.raw) == len(values), 60,
                 "every record committed")
    finally:
        stopping.set()
        assert pipeline.join(), "ingest failed or did not stop"
    return topics, metrics


def test_poison_records_land_in_the_dlq_and_the_mentions_behind_them_get_through(
        broker: EmbeddedBroker, prefix: str) -> None:
    huge = b"{" + b"A" * (5 * 1024 * 1024)
    poison = {"surrogate_handle": mention("pp1", author={"handle": "x\udfffy", "followers": 1}),
              "five_mb": huge, "two_mb_id": mention("pp4-" + "I" * 2_100_000)}
    values: list[bytes] = []
    for name, pill in poison.items():
        values += [pill] + [mention(f"{name}-ok-{i}") for i in range(5)]
    topics, _ = run_ingest(broker, prefix, values, expected_mentions=16, expected_dead=2)

    passed = {record["id"] for record in read_json(broker.bootstrap, topics.mentions)}
    assert {f"{name}-ok-{i}" for name in poison for i in range(5)} | {"pp1"} == passed
    dead = {describe(record.headers)["reason"].split(":")[0]: record for record in
            read_topic(broker.bootstrap, topics.dlq)}
    assert set(dead) == {"not JSON", "id"}
    truncated = describe(dead["not JSON"].headers)
    assert truncated["original_bytes"] == str(len(huge))
    assert truncated["original_sha256"] == hashlib.sha256(huge).hexdigest()
    assert huge.startswith(dead["not JSON"].value)
    assert "ingest.max_id_chars" in describe(dead["id"].headers)["reason"]


def test_a_flood_of_garbage_is_dead_lettered_and_committed_and_valid_mentions_follow(
        broker: EmbeddedBroker, prefix: str) -> None:
    garbage = [b"not json %d" % i for i in range(300)]
    valid = [mention(f"dc-{i}") for i in range(200)]
    topics, metrics = run_ingest(broker, prefix, garbage + valid, expected_mentions=200, expected_dead=300)
    assert len(read_topic(broker.bootstrap, topics.dlq)) == 300
    assert metrics.registry.get_sample_value("luisterpost_dlq_records_total",
                                             {"stage": "ingest", "reason": "not_json"}) == 300
