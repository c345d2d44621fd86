"""A second member joins a stage's group while the first holds handled but uncommitted offsets: the
rebalance must not stop the first member, and what it handled is committed, not lost or redone."""

from __future__ import annotations

import json
import threading

from kafka import KafkaConsumer, TopicPartition

from luisterpost import kafka
from luisterpost.app import Pipeline
from luisterpost.broker import EmbeddedBroker
from luisterpost.metrics import Metrics
from tests.integration.conftest import config_for, produce, read_json, wait_for


def mentions(first: int, count: int) -> list[bytes]:
    return [json.dumps({"id": f"rb:{i}", "platform": "forum", "created_at": "2026-11-30T10:00:00+01:00",
                        "text": f"Coolblue, pakket {i} is weer niet bezorgd", "brand": "coolblue"}).encode()
            for i in range(first, first + count)]


def committed_total(bootstrap: str, group: str, topic: str, partitions: int) -> int:
    reader = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return sum(reader.committed(TopicPartition(topic, p)) or 0 for p in range(partitions))
    finally:
        reader.close()


def consumed(metrics: Metrics) -> float:
    return metrics.registry.get_sample_value("luisterpost_records_consumed_total", {"stage": "ingest"}) or 0.0


def test_a_member_joining_while_offsets_are_pending(broker: EmbeddedBroker, prefix: str) -> None:
    # An hour between interval commits: the first member surely holds pending offsets when the second joins.
    config = config_for(broker, prefix, partitions=2, kafka={"commit_interval_s": 3600})
    topics, group = kafka.Topics.with_prefix(prefix), f"{prefix}group.ingest"
    kafka.ensure_topics(config.kafka, broker.bootstrap, topics)
    produce(broker.bootstrap, topics.raw, mentions(0, 40))

    first_stop, first_metrics = threading.Event(), Metrics()
    first = Pipeline(config, broker.bootstrap, ("ingest",), first_metrics, first_stop).start()
    second_stop = threading.Event()
    second: Pipeline | None = None
    try:
        wait_for(lambda: consumed(first_metrics) >= 40, 90, "the first member handling every record")
        assert committed_total(broker.bootstrap, group, topics.raw, 2) == 0, "committed too early for this test"

        second = Pipeline(config, broker.bootstrap, ("ingest",), Metrics(), second_stop).start()
        wait_for(lambda: second is not None and second.loops[0].assigned, 90, "the second member's assignment")
        assert first.loops[0].failed is None, f"the rebalance stopped the first member: {first.loops[0].failed!r}"
        # Committed on revoke, before the partitions moved: the new owner does not redo them.
        wait_for(lambda: committed_total(broker.bootstrap, group, topics.raw, 2) == 40, 30,
                 "the pending offsets committed on revoke")

        produce(broker.bootstrap, topics.raw, mentions(40, 20))
        expected = {f"rb:{i}" for i in range(60)}
        wait_for(lambda: {m["id"] for m in read_json(broker.bootstrap, topics.mentions)} >= expected, 120,
                 "every mention ingested by the two members")
        assert first.loops[0].failed is None and second.loops[0].failed is None
    finally:
        first_stop.set()
        second_stop.set()
        assert first.join(), f"the first member failed: {first.loops[0].failed!r}"
        assert second is None or second.join(), "the second member failed"
