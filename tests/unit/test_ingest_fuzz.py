"""Property: any value of any field of Mention JSON v1, however hostile, goes through parse, ingest and
produce without raising, and ends as exactly one of: a mention, a skip, a dead letter."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka.record.default_records import DefaultRecordBatchBuilder

from ingest.brands import load_brands
from ingest.ingester import Ingester
from ingest.mention import Invalid, Mention, parse
from luisterpost.config import IngestConfig
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from luisterpost.stages.ingest import IngestStage

BRANDS = load_brands(None)
TOPICS = Topics.with_prefix("")
MAX_MESSAGE_BYTES = 1024 * 1024
MISSING = object()

hostile_chars = st.sampled_from(["\ud800", "\udfff", "\ud83d", "\x00", "\x1b[31m", "\x1b]8;;x\x07", "\n",
                                 "\u202e", "\ufeff", "😡", "é", "\\", '"', "Coolblue", " "])
short_text = st.text(max_size=40) | st.lists(hostile_chars, max_size=12).map("".join)
# Huge strings cheaply: a short piece repeated, up to about 2.5 MB.
huge_text = st.builds(lambda piece, times: piece * times, st.sampled_from(["I", "😡", "\udfff", "ab\x00"]),
                      st.integers(1_000, 600_000))
strings = short_text | huge_text
wrong_types = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) \
    | st.lists(st.integers(), max_size=3) | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)
deep = st.integers(1, 800).map(lambda depth: json.loads("[" * depth + "]" * depth))
anything = strings | wrong_types | deep
dates = st.sampled_from(["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z", "3000-01-01T00:00:00Z",
                         "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59Z",
                         "2024-02-30T00:00:00Z", "2024-03-04T10:00:00+25:00", "2024-03-04T10:00:00+23:59",
                         "2024-03-04T10:00:00", "2024-03-04T10:00:00+01:00", "2024-03-04T10:00:00.123456Z"])
platforms = st.sampled_from(["linkedin", "x", "forum", "myspace", ""])


def field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: valid, hostile, of the wrong type, or absent."""
    return valid | anything | st.just(MISSING)


author = st.fixed_dictionaries({}, optional={
    "id": field(short_text), "handle": field(short_text), "name": field(short_text),
    "followers": field(st.integers(-5, 10**30)), "verified": field(st.booleans()),
    "is_brand": field(st.booleans()), "extra": anything})
thread = st.fixed_dictionaries({}, optional={"root_id": field(short_text), "parent_id": field(short_text)})
mention = st.fixed_dictionaries({}, optional={
    "id": field(short_text), "platform": field(platforms), "created_at": field(dates),
    "text": field(short_text | st.just("Coolblue levert niet")), "lang": field(st.sampled_from(["nl", "en"])),
    "url": field(st.just("https://www.coolblue.nl/x")), "author": field(author),
    "brand": field(st.sampled_from(["coolblue", "bol", "nope"])), "thread": field(thread),
    "engagement": field(st.just({"likes": 1})), "flags": field(st.lists(short_text, max_size=3)),
    "unknown": anything, "x\udfff": anything})


def drop_missing(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: drop_missing(item) for key, item in value.items() if item is not MISSING}
    return value


def encoded(document: dict[str, Any], how: str) -> bytes:
    text = json.dumps(drop_missing(document), ensure_ascii=how == "ascii")
    return text.encode("utf-8", "surrogatepass")  # "raw": lone surrogates as (invalid) UTF-8 bytes


def produced_size(out: Any) -> int:
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=64 * 1024 * 1024)
    builder.append(0, timestamp=None, key=out.key, value=out.value, headers=out.headers)
    return len(builder.build())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(mention, st.sampled_from(["ascii", "raw"]))
def test_every_record_ends_as_a_mention_a_skip_or_a_dead_letter(document: dict[str, Any], how: str) -> None:
    value = encoded(document, how)
    assert isinstance(parse(value), Mention | Invalid)
    metrics = Metrics()
    config = IngestConfig()
    stage = IngestStage(Ingester(config, BRANDS), TOPICS, config, metrics, max_message_bytes=MAX_MESSAGE_BYTES)
    record = SimpleNamespace(topic="mentions.raw", partition=0, offset=7, value=value)
    result = stage.process([record, record])  # the second is a repeat: a skip, or the same dead letter
    assert result.handled == 2
    skipped = sum(metrics.registry.get_sample_value("luisterpost_mentions_skipped_total",
                                                    {"stage": "ingest", "reason": why}) or 0
                  for why in ("duplicate", "no_brand"))
    assert len(result.outputs) + skipped == 2
    for out in result.outputs:
        assert out.topic in ("mentions", "mentions.dlq")
        assert produced_size(out) <= MAX_MESSAGE_BYTES
        if out.topic == "mentions":
            passed_on = json.loads(out.value.decode("utf-8"), parse_constant=lambda c: 1 / 0)
            assert out.key == passed_on["thread"]["root_id"].encode("utf-8")
            assert isinstance(parse(out.value), Mention)  # what ingest passes on, ingest would accept
