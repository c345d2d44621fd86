"""Mention JSON v1: valid records pass normalised; every invalid one gets a reason a person can act on."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.mention import Invalid, Mention, parse

VALID = {"id": "li:7265312", "platform": "linkedin", "created_at": "2018-11-26T22:45:00+01:00",
         "text": "Extra betaald voor levering voor 22:00. Om 22:40 kwam de bezorger.",
         "author": {"id": "li:u:881", "handle": "robb", "followers": 25000},
         "brand": "coolblue", "thread": {"root_id": "li:7265312", "parent_id": None},
         "vendor_score": 0.7}


def encode(**changes: object) -> bytes:
    return json.dumps({**VALID, **changes}).encode()


def test_valid_mention_keeps_unknown_fields_and_reads_the_reach() -> None:
    mention = parse(encode())
    assert isinstance(mention, Mention)
    assert mention.record["vendor_score"] == 0.7
    assert mention.followers == 25000 and mention.root_id == "li:7265312"
    assert mention.created_at.utcoffset() is not None


@pytest.mark.parametrize(("value", "kind", "words"), [
    (b"{not json", "not_json", "not JSON"),
    (b"\xff\xfe{}", "not_utf8", "not UTF-8"),
    (b"[1, 2]", "not_json", "JSON object"),
    (b"", "not_json", "empty message"),
    (json.dumps({k: v for k, v in VALID.items() if k != "id"}).encode(), "missing_field", "id"),
    (encode(created_at="gisteren"), "bad_date", "created_at"),
    (encode(created_at="2018-11-26T22:45:00"), "bad_date", "UTC offset"),
    (encode(platform="myspace"), "invalid_field", "platform"),
    (encode(text="   \u0000 "), "empty_text", "empty"),
    (encode(author={"followers": -5}), "invalid_field", "author.followers"),
    (encode(id=""), "invalid_field", "id"),
])
def test_invalid_records_say_why(value: bytes, kind: str, words: str) -> None:
    result = parse(value)
    assert isinstance(result, Invalid)
    assert result.kind == kind
    assert words in result.reason


def test_long_text_is_truncated_and_flagged_not_dropped() -> None:
    mention = parse(encode(text="a" * 50_000), max_text_chars=20_000)
    assert isinstance(mention, Mention)
    assert len(mention.text) == 20_000 and "truncated" in mention.record["flags"]


def test_a_reply_names_its_thread_root() -> None:
    mention = parse(encode(id="li:1-c1", thread={"root_id": "li:1", "parent_id": "li:1"}))
    assert isinstance(mention, Mention)
    assert (mention.root_id, mention.parent_id) == ("li:1", "li:1")


@given(st.binary(max_size=2048))
def test_parse_never_raises_on_arbitrary_bytes(value: bytes) -> None:
    assert isinstance(parse(value), Mention | Invalid)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                 max_size=4), max_leaves=20))
def test_parse_never_raises_on_arbitrary_json(document: object) -> None:
    assert isinstance(parse(json.dumps(document).encode()), Mention | Invalid)
