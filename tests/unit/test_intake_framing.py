"""The intake's own check: framing only. Any bytes give records or a reason, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from luisterpost.intake.framing import Refused, records

BATCH = "application/x-ndjson; charset=utf-8"


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (b'{"id": "a"}', "application/json", [b'{"id": "a"}']),
    (b'  {"id": "a"}\r\n', "Application/JSON", [b'{"id": "a"}']),
    (b'{"id": "a"}\n\n{"id": "b"}\r\n', BATCH, [b'{"id": "a"}', b'{"id": "b"}']),
    (b'{"id": "a"}\n{"id": \xff}\n', BATCH, "line 2 is not UTF-8"),
    (b'{"id": "a"}\n"text"\n', BATCH, "line 2 is a JSON str, not an object"),
    (b'{"id": "a"}\n{"id": "b"}', "application/json", "the body is not JSON"),  # JSON lines sent as one
    (b"\n\n", BATCH, "empty batch"),
    (b"", "application/json", "the body is empty"),
    (b"[" * 100_000, "application/json", "the body is"),
    (b'{"id": "a"}', "", "Content-Type '' is not accepted"),
])
def test_framing(body: bytes, content_type: str, expected: list[bytes] | str) -> None:
    framed = records(body, content_type, max_records=10)
    if isinstance(expected, str):
        assert isinstance(framed, Refused) and expected in framed.reason
    else:
        assert framed == expected


@given(st.binary(max_size=2000), st.sampled_from(["application/json", BATCH, "text/plain", ""]))
def test_any_bytes_are_framed_or_refused(body: bytes, content_type: str) -> None:
    framed = records(body, content_type, max_records=50)
    assert isinstance(framed, Refused) or (framed and all(isinstance(value, bytes) for value in framed))
