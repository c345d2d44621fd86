"""`mentions.classified`: ClassifiedMention.parse never raises, refuses every broken shape with a reason,
and the bytes classify writes are the ones it always wrote (the mention plus `classification`)."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.detection.observation import observe
from alerts.rules_config import load_rules
from classify.classified import ClassifiedMention
from classify.network.registry import load_classifier
from classify.serving.model import Classification
from classify.serving.worker import ClassifyWorker
from ingest.brands import load_brands
from ingest.ingester import Accepted, Ingester
from ingest.mention import Invalid, Mention, parse
from luisterpost.config import Config
from luisterpost.demo import scenarios
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from luisterpost.stages.classify import ClassifyStage
from luisterpost.stages.detect import DetectStage
from luisterpost.stages.dlq import describe

TOPICS = Topics.with_prefix("")
MENTION = {"id": "li:1", "platform": "linkedin", "created_at": "2018-11-26T22:45:00+01:00",
           "text": "Geen excuus, Coolblue 😡", "brand": "coolblue",
           "author": {"handle": "robb", "followers": 25000}, "thread": {"root_id": "li:1", "parent_id": None}}
LABELS = Classification("complaint", "negative", {"stance": {"complaint": 0.9, "defense": 0.1},
                                                  "sentiment": {"negative": 0.8, "neutral": 0.2}},
                        ("legal",), "luisterpost-e5-small", "3.0")
# What bb46f92's classify worker wrote for MENTION and LABELS (json.dumps of {**record, "classification": ...}).
GOLDEN = ('{"id":"li:1","platform":"linkedin","created_at":"2018-11-26T22:45:00+01:00","text":"Geen excuus, '
          'Coolblue 😡","lang":null,"url":null,"author":{"id":null,"handle":"robb","name":null,"followers":25000,'
          '"verified":null,"is_brand":false},"brand":"coolblue","thread":{"root_id":"li:1","parent_id":null},'
          '"flags":[],"classification":{"stance":"complaint","sentiment":"negative","scores":{"stance":'
          '{"complaint":0.9,"defense":0.1},"sentiment":{"negative":0.8,"neutral":0.2}},"signals":["legal"],'
          '"model":{"name":"luisterpost-e5-small","version":"3.0"}}}').encode()


def ingested(record: dict[str, Any]) -> Mention:
    mention = parse(json.dumps(record).encode())
    assert isinstance(mention, Mention), mention
    return mention


def as_records(values: list[bytes], topic: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(value=v, key=None, partition=0, offset=i, topic=topic, timestamp=None, headers=[])
            for i, v in enumerate(values)]


@cache
def demo_classified() -> tuple[bytes, ...]:
    """The demo stream as ingest and classify (lexicon model) write it to `mentions.classified`."""
    ingester = Ingester(Config().ingest, load_brands(None))
    raw = [json.dumps(record).encode() for record in scenarios.demo_stream()]
    mentions = [v.mention.to_bytes() for v in map(ingester.ingest, raw) if isinstance(v, Accepted)]
    stage = ClassifyStage(ClassifyWorker(load_classifier("lexicon"), 10_000), TOPICS, 32, Metrics())
    outputs = stage.process(as_records(mentions, TOPICS.mentions)).outputs
    return tuple(output.value for output in outputs if output.topic == TOPICS.classified)


def with_(record: dict[str, Any], **changes: Any) -> bytes:
    return json.dumps({**record, **changes}).encode()


def classified_dict() -> dict[str, Any]:
    return dict(json.loads(ClassifiedMention.of(ingested(MENTION), LABELS).to_bytes()))


def test_classify_writes_the_bytes_it_always_wrote() -> None:
    assert ClassifiedMention.of(ingested(MENTION), LABELS).to_bytes() == GOLDEN


def test_the_demo_stream_round_trips_byte_for_byte() -> None:
    values = demo_classified()
    assert len(values) > 900
    for value in values:
        record = ClassifiedMention.parse(value)
        assert isinstance(record, ClassifiedMention), record
        assert record.to_bytes() == value
        assert record.record == json.loads(value)


def test_the_stage_writes_the_mention_then_its_classification_in_the_contract_layout() -> None:
    for value in demo_classified():
        document = json.loads(value)
        assert list(document)[-1] == "classification"
        assert list(document["classification"]) == ["stance", "sentiment", "scores", "signals", "model"]
        assert list(document["classification"]["model"]) == ["name", "version"]
        assert value == json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def test_a_parsed_record_reads_as_the_rules_read_it() -> None:
    record = ClassifiedMention.parse(GOLDEN)
    assert isinstance(record, ClassifiedMention)
    assert (record.id, record.brand, record.stance, record.sentiment, record.signals) == \
        ("li:1", "coolblue", "complaint", "negative", ("legal",))
    assert (record.root_id, record.parent_id, record.followers, record.author, record.platform) == \
        ("li:1", None, 25000, "robb", "linkedin")
    assert record.created_at.utcoffset() == timedelta(hours=1)


def test_a_record_without_scores_or_model_still_reads() -> None:
    """Histories and hand-made streams carry only the labels the rules use."""
    record = ClassifiedMention.parse(with_(MENTION, classification={"stance": "praise", "sentiment": "positive"}))
    assert isinstance(record, ClassifiedMention) and record.signals == ()


BROKEN = {
    "empty": (b"", "empty message"),
    "not UTF-8": (b"\xff\xfe", "not UTF-8"),
    "not JSON": (b"{", "not JSON"),
    "an array": (b"[]", "expected a JSON object"),
    "NaN": (b'{"id": NaN}', "not JSON"),
    "no classification": (with_(MENTION), "classification"),
    "classification a string": (with_(MENTION, classification="complaint"), "classification"),
    "no stance": (with_(MENTION, classification={"sentiment": "negative"}), "classification.stance"),
    "stance a list": (with_(MENTION, classification={"stance": ["complaint"], "sentiment": "negative"}),
                      "classification.stance"),
    "signals a string": (with_(MENTION, classification={"stance": "complaint", "sentiment": "negative",
                                                        "signals": "legal"}), "classification.signals"),
    "no brand": (with_(MENTION, brand=None, classification={"stance": "complaint", "sentiment": "neutral"}), "brand"),
    "empty id": (with_(MENTION, id="", classification={"stance": "complaint", "sentiment": "neutral"}), "id"),
    "author a number": (with_(MENTION, author=5, classification={"stance": "complaint", "sentiment": "neutral"}),
                        "author"),
    "followers a word": (with_(MENTION, author={"followers": "many"},
                               classification={"stance": "complaint", "sentiment": "neutral"}), "author.followers"),
    "thread a list": (with_(MENTION, thread=[], classification={"stance": "complaint", "sentiment": "neutral"}),
                      "thread"),
    "no offset": (with_(MENTION, created_at="2018-11-26T22:45:00",
                        classification={"stance": "complaint", "sentiment": "neutral"}), "no UTC offset"),
    "not a date": (with_(MENTION, created_at="gisteren", classification={"stance": "complaint", "sentiment": "x"}),
                   "not an RFC 3339"),
    "a lone surrogate": (with_(MENTION, text="\udc80", classification={"stance": "complaint", "sentiment": "x"}),
                         "lone surrogate"),
    "end of the calendar": (with_(MENTION, created_at="9999-12-31T23:59:00+00:00",
                                  classification={"stance": "complaint", "sentiment": "x"}), "end of the calendar"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_broken_shape_is_invalid_with_its_reason(case: str) -> None:
    value, reason = BROKEN[case]
    record = ClassifiedMention.parse(value)
    assert isinstance(record, Invalid)
    assert reason in record.reason and record.kind in ("not_classified", "bad_date")


def test_detect_dead_letters_a_classified_record_without_a_brand() -> None:
    """It used to be read as the brand "None" and counted in that brand's windows."""
    metrics = Metrics()
    stage = DetectStage(load_rules(None), timedelta(minutes=5), TOPICS, metrics, lambda: [])
    value = with_(MENTION, brand=None, classification={"stance": "complaint", "sentiment": "negative"})
    outputs = stage.process(as_records([value], TOPICS.classified)).outputs
    assert [output.topic for output in outputs] == [TOPICS.dlq]
    assert "brand" in describe(outputs[0].headers)["reason"]
    assert metrics.registry.get_sample_value("luisterpost_dlq_records_total",
                                             {"stage": "detect", "reason": "not_classified"}) == 1


def test_observe_reads_what_parse_reads() -> None:
    seen = observe(GOLDEN, 1_543_268_700_000)
    assert not isinstance(seen, Invalid)
    assert (seen.id, seen.brand, seen.stance, seen.author, seen.followers, seen.url) == \
        ("li:1", "coolblue", "complaint", "robb", 25000, None)
    assert seen.seen_at is not None


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_parse_never_raises_on_bytes(value: bytes) -> None:
    assert isinstance(ClassifiedMention.parse(value), ClassifiedMention | Invalid)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                max_size=4), max_leaves=10)
KEYS = st.sampled_from(["id", "brand", "created_at", "text", "platform", "url", "author", "thread", "classification",
                        "stance", "sentiment", "signals", "scores", "followers", "handle", "root_id", "parent_id"])


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, JSON, max_size=8), st.dictionaries(KEYS, JSON, max_size=6))
def test_parse_never_raises_on_near_records(document: dict[str, Any], classification: dict[str, Any]) -> None:
    value = json.dumps({**MENTION, **document, "classification": classification}).encode()
    record = ClassifiedMention.parse(value)
    if isinstance(record, ClassifiedMention):  # what parses, the rules can read without a KeyError
        assert not isinstance(observe(value), Invalid) and record.to_bytes() == json.dumps(
            json.loads(value), ensure_ascii=False, separators=(",", ":")).encode()


def test_detect_dead_letters_a_lone_surrogate_instead_of_failing_on_the_page() -> None:
    """Written straight to `mentions.classified`, nobody scrubbed it: its excerpt in the influencer page
    used to make detect fail to encode the incident event, on every re-read of the partition."""
    stage = DetectStage(load_rules(None), timedelta(minutes=5), TOPICS, Metrics(), lambda: [])
    labels = {"stance": "complaint", "sentiment": "negative", "signals": ["legal"]}
    hostile = with_(MENTION, text="advocaat \udc80", classification=labels)
    later = [with_(MENTION, id=f"x:{hour}", author={"handle": "a"}, created_at=f"2018-11-27T0{hour}:00:00+01:00",
                   classification={"stance": "neutral", "sentiment": "neutral"}) for hour in range(1, 4)]
    outputs = stage.process(as_records([hostile, *later], TOPICS.classified)).outputs
    assert [output.topic for output in outputs] == [TOPICS.dlq]
    assert "lone surrogate" in describe(outputs[0].headers)["reason"]
