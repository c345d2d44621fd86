"""Anyone who can write to `mentions` bypasses ingest: no record written there may stop classify."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from classify.network.registry import load_classifier
from classify.serving.worker import ClassifyWorker
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from luisterpost.stages.classify import ClassifyStage

TOPICS = Topics.with_prefix("")
VALID = {"id": "x:1", "platform": "x", "created_at": "2018-11-26T22:45:00+01:00", "text": "Coolblue is top",
         "brand": "coolblue"}
HOSTILE = {
    "a lone surrogate in the handle": json.dumps({**VALID, "id": "x:2", "author": {"handle": "\udc80"}}).encode(),
    "thread is a number": json.dumps({**VALID, "id": "x:3", "thread": 5}).encode(),
    "a lone surrogate in the id": json.dumps({**VALID, "id": "x:\udc80"}).encode(),
    "not JSON": b"\xff\xfe",
    "no brand and no thread": json.dumps({k: v for k, v in VALID.items() if k != "brand"}).encode(),
}


def as_records(values: list[bytes]) -> list[SimpleNamespace]:
    return [SimpleNamespace(value=v, key=None, partition=0, offset=i, topic="mentions", timestamp=None, headers=[])
            for i, v in enumerate(values)]


@pytest.fixture(scope="module")
def stage() -> ClassifyStage:
    return ClassifyStage(ClassifyWorker(load_classifier("lexicon"), 100), TOPICS, 8, Metrics())


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_record_on_mentions_is_dead_lettered_or_classified_and_the_next_goes_on(
        stage: ClassifyStage, case: str) -> None:
    after = json.dumps({**VALID, "id": "x:after"}).encode()
    result = stage.process(as_records([HOSTILE[case], after]))
    assert result.handled == 2
    by_topic: dict[str, list[Any]] = {}
    for output in result.outputs:
        by_topic.setdefault(output.topic, []).append(output)
    classified = [json.loads(o.value)["id"] for o in by_topic.get(TOPICS.classified, [])]
    assert "x:after" in classified
    assert len(classified) + len(by_topic.get(TOPICS.dlq, [])) == 2, "every record ends somewhere"
