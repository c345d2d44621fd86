"""Replies inherit their thread's brand: a thread collector's untagged replies still reach the rules."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from alerts.rules_config import load_rules
from classify.network.registry import load_classifier
from classify.serving.threads import ThreadBrands
from classify.serving.worker import ClassifyWorker
from ingest.brands import load_brands
from ingest.ingester import Accepted, Ingester, Skipped
from ingest.mention import Mention
from luisterpost.config import IngestConfig
from luisterpost.demo import scenarios
from luisterpost.demo.scenarios import PILE_ON_ROOT_ID, PILE_ON_START
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from luisterpost.stages.classify import ClassifyStage
from luisterpost.stages.detect import DetectStage

TOPICS = Topics.with_prefix("")
BRANDS = load_brands(None)


def names_no_brand(record: dict[str, Any]) -> bool:
    return BRANDS.match(f"{record['text']} {record.get('url') or ''}") is None


def untagged_pile_on(seed: int = 1) -> list[dict[str, Any]]:
    """Seed 001 as a thread collector delivers it: only the root carries `brand`."""
    records = scenarios.pile_on_thread(PILE_ON_START, seed)
    for reply in records[1:]:
        reply.pop("brand", None)
    return records


def ingested(records: list[dict[str, Any]]) -> list[SimpleNamespace]:
    ingester = Ingester(IngestConfig(), BRANDS)
    verdicts = [ingester.ingest(json.dumps(record).encode()) for record in records]
    return [SimpleNamespace(value=v.mention.to_bytes(), partition=0, offset=i, topic="mentions", timestamp=None)
            for i, v in enumerate(verdicts) if isinstance(v, Accepted)]


@pytest.fixture(scope="module")
def worker() -> ClassifyWorker:
    return ClassifyWorker(load_classifier("lexicon"), 1000)


def classify(records: list[SimpleNamespace], worker: ClassifyWorker, metrics: Metrics) -> list[dict[str, Any]]:
    stage = ClassifyStage(worker, TOPICS, 32, metrics)
    return [json.loads(output.value) for output in stage.process(records).outputs if output.topic == TOPICS.classified]


def test_ingest_passes_an_untagged_reply_on_and_still_skips_an_untagged_post() -> None:
    ingester = Ingester(IngestConfig(), BRANDS)
    reply = {"id": "li:1-c1", "platform": "linkedin", "created_at": "2018-11-26T23:00:00+01:00",
             "text": "Zeurpiet.", "thread": {"root_id": "li:1", "parent_id": "li:1"}}
    post = {key: value for key, value in reply.items() if key != "thread"} | {"id": "li:2"}
    accepted = ingester.ingest(json.dumps(reply).encode())
    assert isinstance(accepted, Accepted) and accepted.mention.record["brand"] is None
    assert ingester.ingest(json.dumps(post).encode()) == Skipped("no_brand")


def test_the_pile_on_with_untagged_replies_pages(worker: ClassifyWorker) -> None:
    records = untagged_pile_on()
    metrics = Metrics()
    classified = classify(ingested(records), worker, metrics)
    assert len(classified) == len(records)  # every reply reached the rules, none skipped
    assert {record["brand"] for record in classified} == {"coolblue"}
    untagged = sum(names_no_brand(record) for record in records[1:])
    assert untagged >= 40  # "Zeurpiet.": most replies never name the brand
    assert sum("brand_from_thread" in record.get("flags", []) for record in classified) == untagged
    detect = DetectStage(load_rules(None), timedelta(minutes=5), TOPICS, metrics, lambda: [])
    values = [SimpleNamespace(value=json.dumps(record).encode(), partition=0, timestamp=None)
              for record in classified]
    events = [json.loads(output.value) for output in detect.process(values).outputs]
    assert ("trigger", f"coolblue/pile_on/{PILE_ON_ROOT_ID}") in [(e["action"], e["dedup_key"]) for e in events]


def test_a_root_later_in_the_same_batch_still_names_its_thread(worker: ClassifyWorker) -> None:
    records = untagged_pile_on()
    batch = ingested(records)
    classified = classify(batch[1:] + batch[:1], worker, Metrics())
    assert len(classified) == len(records) and {record["brand"] for record in classified} == {"coolblue"}


def test_replies_to_a_root_never_seen_are_counted_not_lost(worker: ClassifyWorker) -> None:
    metrics = Metrics()
    replies = untagged_pile_on()[1:]
    classified = classify(ingested(replies), worker, metrics)
    assert len(classified) == sum(not names_no_brand(reply) for reply in replies)  # these name Coolblue
    assert metrics.registry.get_sample_value("luisterpost_mentions_skipped_total",
                                             {"stage": "classify", "reason": "thread_root_unknown"}) \
        == sum(names_no_brand(reply) for reply in replies)


def test_a_reply_that_names_a_brand_keeps_it(worker: ClassifyWorker) -> None:
    records = untagged_pile_on()
    records[3]["brand"] = "bol"
    classified = classify(ingested(records), worker, Metrics())
    assert [record["brand"] for record in classified].count("bol") == 1


def test_the_thread_memory_is_bounded() -> None:
    def mention(mention_id: str, brand: str | None = None, root: str | None = None) -> Mention:
        return Mention({"id": mention_id, "brand": brand, "author": {}, "thread": {"root_id": root}},
                       PILE_ON_START)

    threads = ThreadBrands(capacity=2)
    for root in ("a", "b", "c", "x" * 600):
        threads.learn(mention(root, "coolblue"))
    assert threads.brand_of(mention("r", root="a")) is None  # the oldest root went first
    assert threads.brand_of(mention("r", root="c")) == "coolblue"
    assert threads.brand_of(mention("r", root="x" * 600)) is None  # too long to be real


def test_a_new_assignment_recalls_the_thread_before_its_resume_point() -> None:
    """After a restart the stage's memory is empty: it reads what came before the partition's first record
    (once per assignment) and only remembers it, so later replies keep their parent and brand."""
    records = ingested(untagged_pile_on())
    before, after = records[:5], records[5:]
    asked: list[tuple[int, int]] = []

    def read_context(partition: int, end: int) -> list[bytes]:
        asked.append((partition, end))
        return [record.value for record in before if record.offset < end]

    stage = ClassifyStage(ClassifyWorker(load_classifier("lexicon"), 1000), TOPICS, 32, Metrics(),
                          read_context=read_context)
    stage.on_assigned(None, [SimpleNamespace(partition=0)])
    first = [json.loads(o.value) for o in stage.process(after[:3]).outputs if o.topic == TOPICS.classified]
    rest = [json.loads(o.value) for o in stage.process(after[3:]).outputs if o.topic == TOPICS.classified]
    assert asked == [(0, after[0].offset)]  # the resume point, asked once
    classified = first + rest
    # none skipped, and the recalled mentions are not classified again
    assert [r["id"] for r in classified] == [json.loads(r.value)["id"] for r in after]
    assert all(r["brand"] == "coolblue" and "parent_unseen" not in r.get("flags", []) for r in classified)
