"""1,000 records, 10% garbage: every valid one classified, every invalid one in the DLQ with its reason."""

from __future__ import annotations

import json
import threading

from ingest.brands import load_brands
from luisterpost import kafka
from luisterpost.app import Pipeline
from luisterpost.broker import EmbeddedBroker
from luisterpost.demo import scenarios
from luisterpost.metrics import Metrics
from luisterpost.stages.dlq import describe
from tests.integration.conftest import config_for, produce, read_json, read_topic, wait_for


def expected_ids(records: list[tuple[bytes, str | None]]) -> set[str]:
    """Valid records that name one of our brands, in the field or in the text."""
    brands, ids = load_brands(None), set()
    for value, defect in records:
        if defect is None:
            mention = json.loads(value)
            if mention.get("brand") or brands.match(f"{mention['text']} {mention.get('url') or ''}"):
                ids.add(mention["id"])
    return ids


def test_garbage_goes_to_the_dlq_and_the_rest_is_classified(broker: EmbeddedBroker, prefix: str) -> None:
    records = scenarios.garbage_records(1000, garbage_ratio=0.1)
    huge = [scenarios.huge_text_mention(1_000_000) | {"id": f"x:huge-{i}", "brand": "coolblue"}
            for i in range(3)]
    values = [value for value, _ in records] + [json.dumps(m).encode() for m in huge]
    expected = expected_ids(records) | {m["id"] for m in huge}
    config = config_for(broker, prefix, partitions=6)
    topics = kafka.Topics.with_prefix(prefix)
    kafka.ensure_topics(config.kafka, broker.bootstrap, topics)
    produce(broker.bootstrap, topics.raw, values)

    stopping, metrics = threading.Event(), Metrics()
    pipeline = Pipeline(config, broker.bootstrap, ("ingest", "classify"), metrics, stopping).start()
    wait_for(lambda: len(read_topic(broker.bootstrap, topics.classified)) >= len(expected), 120,
             "every valid mention classified")
    stopping.set()
    assert pipeline.join(), "a stage failed or did not stop"

    classified = read_json(broker.bootstrap, topics.classified)
    assert {record["id"] for record in classified} == expected
    assert all(record["classification"]["stance"] for record in classified)
    big = [record for record in classified if record["id"].startswith("x:huge-")]
    assert all("truncated" in r["flags"] and len(r["text"]) == 20_000 for r in big)

    dead = read_topic(broker.bootstrap, topics.dlq)
    assert len(dead) == 100
    originals = {value for value, defect in records if defect is not None}
    for record in dead:
        header = describe(record.headers)
        assert header["stage"] == "ingest" and header["topic"] == topics.raw and header["reason"]
        assert int(header["offset"]) >= 0 and record.value in originals  # the original bytes, untouched
    reasons = " ".join(describe(r.headers)["reason"] for r in dead)
    for words in ("not JSON", "not UTF-8", "created_at", "required field is missing"):
        assert words in reasons
    skipped = metrics.registry.get_sample_value("luisterpost_mentions_skipped_total",
                                                {"stage": "ingest", "reason": "no_brand"}) or 0
    assert skipped == 900 - len(expected - {m["id"] for m in huge})
