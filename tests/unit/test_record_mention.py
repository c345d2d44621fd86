"""`mentions`: what ingest writes, Mention.parse reads back to the same bytes (classify re-checks it)."""

from __future__ import annotations

import json

from ingest.brands import load_brands
from ingest.ingester import Accepted, Ingester
from ingest.mention import Invalid, Mention, parse
from luisterpost.config import Config
from luisterpost.demo import scenarios


def test_ingested_demo_mentions_round_trip_byte_for_byte() -> None:
    ingester = Ingester(Config().ingest, load_brands(None))
    written = [v.mention.to_bytes() for v in map(ingester.ingest, (json.dumps(r).encode() for r in
                                                                   scenarios.demo_stream())) if isinstance(v, Accepted)]
    assert len(written) > 900
    for value in written:
        mention = Mention.parse(value)
        assert isinstance(mention, Mention), mention
        assert mention.to_bytes() == value and mention.record == json.loads(value)


def test_mention_parse_is_the_module_parse() -> None:
    value = b'{"id": "x:1", "platform": "x", "created_at": "2018-11-26T22:45:00Z", "text": " hoi "}'
    assert Mention.parse(value) == parse(value)
    assert Mention.parse(b"[]") == parse(b"[]") == Invalid("expected a JSON object, got a JSON list", "not_json")
