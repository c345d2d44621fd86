"""One hostile record must never stop ingest: every string field is untrusted, every size is bounded,
and whatever ingest accepts serialises; whatever it refuses reaches the DLQ, however large."""

from __future__ import annotations

import hashlib
import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from kafka.record.default_records import DefaultRecordBatchBuilder

from ingest.brands import load_brands
from ingest.ingester import Accepted, Ingester
from ingest.mention import Invalid, Mention, parse
from luisterpost.config import IngestConfig
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from luisterpost.stages.dlq import dead_letter, describe
from luisterpost.stages.ingest import IngestStage

BRANDS = load_brands(None)
TOPICS = Topics.with_prefix("")
BASE = {"id": "x:1", "platform": "x", "created_at": "2024-03-04T10:00:00+01:00",
        "text": "Coolblue levert niet, schandalig!", "brand": "coolblue",
        "author": {"handle": "robb", "followers": 10}}


def raw(**changes: Any) -> bytes:
    return json.dumps({**BASE, **changes}).encode()  # ensure_ascii: a lone surrogate travels as \udfff


def kafka_record(value: bytes, offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(topic="mentions.raw", partition=0, offset=offset, value=value)


def producible_size(out: Any) -> int:
    """What kafka-python's producer measures against max_request_size, built by its own record code."""
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=64 * 1024 * 1024)
    builder.append(0, timestamp=None, key=out.key, value=out.value, headers=out.headers)
    return len(builder.build())


@pytest.mark.parametrize("changes", [
    {"author": {"handle": "x\udfffy", "followers": 1}},
    {"author": {"name": "\ud800Rob"}},
    {"url": "https://a.example/\udfff"},
    {"note": "x\udfffy"},
    {"x\udfff": {"deeper": ["\ud83d"]}},
])
def test_a_lone_surrogate_outside_text_is_replaced_and_the_mention_passes(changes: dict[str, Any]) -> None:
    stage = IngestStage(Ingester(IngestConfig(), BRANDS), TOPICS, IngestConfig(), Metrics())
    result = stage.process([kafka_record(raw(**changes)), kafka_record(raw(id="x:2"), 1)])
    assert [out.topic for out in result.outputs] == ["mentions", "mentions"]
    passed_on = result.outputs[0].value.decode("utf-8")  # strict UTF-8: no surrogate survived
    assert "\ufffd" in passed_on


@pytest.mark.parametrize("changes", [
    {"id": "x:\udfff"},
    {"thread": {"root_id": "r\ud800", "parent_id": None}},
    {"thread": {"parent_id": "p\udfff"}},
    {"author": {"id": "u\udfff"}},
])
def test_a_lone_surrogate_in_an_id_goes_to_the_dlq(changes: dict[str, Any]) -> None:
    result = parse(raw(**changes))
    assert isinstance(result, Invalid) and result.kind == "bad_unicode"
    assert "lone surrogate" in result.reason


def test_an_id_over_the_limit_is_refused_and_names_the_key() -> None:
    result = parse(raw(id="pp4-" + "I" * 2_100_000))
    assert isinstance(result, Invalid) and result.kind == "too_long"
    assert "id:" in result.reason and "ingest.max_id_chars" in result.reason
    assert len(result.reason) < 200


def test_a_valid_mention_never_grows_beyond_its_limits_on_the_way_out() -> None:
    ingester = Ingester(IngestConfig(), BRANDS)
    verdict = ingester.ingest(raw(id="x:" + "I" * 198, author={"handle": "h" * 5000, "name": "n" * 5000}))
    assert isinstance(verdict, Accepted)
    record = verdict.mention.record
    assert len(record["author"]["handle"]) == 200 and len(record["author"]["name"]) == 200
    assert "truncated" in record["flags"]
    assert len(verdict.mention.to_bytes()) < 2_000


@pytest.mark.parametrize(("changes", "kind", "words"), [
    ({"url": "https://a.example/" + "u" * 10_000}, "too_long", "ingest.max_url_chars"),
    ({"lang": "nl" * 100}, "too_long", "lang"),
    ({"vendor": "v" * 2_000_000}, "too_large", "ingest.max_record_bytes"),
    ({"score": float("nan")}, "not_json", "NaN"),
    ({"deep": json.loads("[" * 500 + "]" * 500)}, "too_deep", "nested"),
    ({"created_at": "9999-12-31T23:59:59-12:00"}, "bad_date", "created_at"),
    ({"created_at": "0001-01-01T00:00:00+14:00"}, "bad_date", "created_at"),
    ({"flags": 5}, "invalid_field", "flags"),
])
def test_hostile_sizes_and_values_go_to_the_dlq_with_a_reason(changes: dict[str, Any], kind: str,
                                                              words: str) -> None:
    verdict = Ingester(IngestConfig(), BRANDS).ingest(raw(**changes))
    assert isinstance(verdict, Invalid), verdict
    assert verdict.kind == kind and words in verdict.reason


def test_infinity_written_as_a_huge_number_is_not_json() -> None:
    result = parse(raw().replace(b'"followers": 10', b'"followers": 10, "s": 1e400'))
    assert isinstance(result, Invalid) and result.kind == "not_json"


@pytest.mark.parametrize("created_at", ["3000-01-01T00:00:00Z", "9998-06-01T00:00:00+14:00",
                                        "0002-06-01T00:00:00Z"])
def test_far_dates_that_arithmetic_can_handle_are_not_refused_here(created_at: str) -> None:
    assert isinstance(parse(raw(created_at=created_at)), Mention)


def test_a_dead_letter_always_fits_the_broker_and_keeps_a_fingerprint_of_the_original() -> None:
    original = b"A" * (10 * 1024 * 1024)
    out = dead_letter("mentions.dlq", "ingest", kafka_record(original), "not JSON: " + "r" * 5000,
                      max_message_bytes=4 * 1024 * 1024)
    assert producible_size(out) <= 4 * 1024 * 1024
    assert original.startswith(out.value) and len(out.value) > 4_000_000
    headers = describe(out.headers)
    assert headers["original_bytes"] == str(len(original))
    assert headers["original_sha256"] == hashlib.sha256(original).hexdigest()
    assert headers["reason"].startswith("not JSON") and len(headers["reason"]) <= 1024


def test_a_small_dead_letter_is_the_original_bytes_untouched() -> None:
    out = dead_letter("mentions.dlq", "ingest", kafka_record(b"{broken"), "not JSON")
    assert out.value == b"{broken" and "original_sha256" not in describe(out.headers)


def test_a_record_too_large_for_the_broker_still_reaches_the_dlq_from_the_stage() -> None:
    stage = IngestStage(Ingester(IngestConfig(), BRANDS), TOPICS, IngestConfig(), Metrics(),
                        max_message_bytes=4 * 1024 * 1024)
    records = [kafka_record(b"B" * (4 * 1024 * 1024 - 64)), kafka_record(raw(id="x:after"), 1)]
    outputs = stage.process(records).outputs
    assert [out.topic for out in outputs] == ["mentions.dlq", "mentions"]
    assert all(producible_size(out) <= 4 * 1024 * 1024 for out in outputs)


def test_garbage_floods_are_dead_lettered_and_committed_not_halted(caplog: pytest.LogCaptureFixture) -> None:
    metrics = Metrics()
    stage = IngestStage(Ingester(IngestConfig(), BRANDS), TOPICS, IngestConfig(), metrics)
    garbage = [kafka_record(b"not json %d" % i, i) for i in range(300)]
    valid = [kafka_record(raw(id=f"dc-{i}"), 300 + i) for i in range(200)]
    with caplog.at_level(logging.ERROR, logger="luisterpost.stages.ingest"):
        first = stage.process(garbage)
    assert first.handled == 300 and len(first.outputs) == 300  # all dead-lettered, all committable
    flood = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert flood and "100%" in flood[-1].getMessage() and len(flood) <= 3  # logged when it changes
    assert metrics.registry.get_sample_value("luisterpost_dlq_ratio", {"stage": "ingest"}) == 1.0
    second = stage.process(valid)
    assert [out.topic for out in second.outputs] == ["mentions"] * 200
    assert metrics.registry.get_sample_value("luisterpost_dlq_ratio", {"stage": "ingest"}) == 0.0


def test_the_halt_is_off_unless_configured() -> None:
    assert IngestConfig().halt_invalid_ratio is None
