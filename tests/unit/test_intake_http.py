"""The intake over real HTTP on loopback (uvicorn + the app), with the broker faked at the sink."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from luisterpost.intake.client import jsonl, post_signed, signed_headers
from tests.unit.intake_fixtures import SECRET, TOKEN, intake_on_loopback

MENTION = {"id": "li:7265312", "platform": "linkedin", "created_at": "2018-11-26T22:45:00+01:00",
           "text": "Extra betaald voor levering voor 22:00.", "brand": "coolblue"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def mentions(count: int) -> list[dict[str, object]]:
    return [{**MENTION, "id": f"li:{index}"} for index in range(count)]


def count(metrics: object, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0  # type: ignore[attr-defined]


def test_a_signed_batch_is_written_line_by_line_and_answered_202() -> None:
    with intake_on_loopback() as (server, sink, metrics), httpx.Client() as http:
        body = jsonl(mentions(3))
        response = post_signed(http, server.url, SECRET, body)
        assert response.status_code == 202 and response.json() == {"accepted": 3}
        assert [json.loads(value)["id"] for value in sink.written] == ["li:0", "li:1", "li:2"]
        assert sink.written[0] == body.split(b"\n")[0]  # the sender's bytes, unchanged
        assert count(metrics, "luisterpost_intake_records_accepted_total", client="feed") == 3
        assert count(metrics, "luisterpost_intake_requests_total", code="202") == 1


def test_one_mention_with_a_bearer_token() -> None:
    with intake_on_loopback() as (server, sink, _), httpx.Client() as http:
        response = http.post(server.url, json=MENTION, headers=BEARER)
        assert response.status_code == 202 and len(sink.written) == 1


def test_a_replayed_request_after_the_window_is_refused() -> None:
    with intake_on_loopback(signature_tolerance_s=300) as (server, sink, metrics), httpx.Client() as http:
        body = jsonl(mentions(1))
        stale = signed_headers(SECRET, body, now=time.time() - 301)
        response = http.post(server.url, content=body, headers=stale)
        assert response.status_code == 401 and "clock" in response.json()["error"]
        forged = {**signed_headers(SECRET, body), "x-luisterpost-signature": "sha256=" + "0" * 64}
        assert http.post(server.url, content=body, headers=forged).status_code == 401
        twice = httpx.Headers(signed_headers(SECRET, body))
        headers = list(twice.multi_items()) + [("x-luisterpost-signature", "sha256=" + "0" * 64)]
        response = http.post(server.url, content=body, headers=headers)
        assert response.status_code == 401 and "more than one" in response.json()["error"]
        assert sink.written == [] and count(metrics, "luisterpost_intake_requests_total", code="401") == 3


def test_a_bad_line_refuses_the_whole_batch_and_says_which_line() -> None:
    with intake_on_loopback() as (server, sink, _), httpx.Client() as http:
        body = jsonl(mentions(2)) + b"{not json\n" + jsonl(mentions(1))
        response = post_signed(http, server.url, SECRET, body)
        assert response.status_code == 400 and "line 3 is not JSON" in response.json()["error"]
        assert sink.written == []  # all or nothing: the sender fixes and resends the batch
        response = post_signed(http, server.url, SECRET, b'[1, 2]\n')
        assert response.status_code == 400 and "not an object" in response.json()["error"]


def test_fields_are_left_to_ingest() -> None:
    """A framed object with bad fields is written: ingest judges it and dead-letters it with its reason."""
    with intake_on_loopback() as (server, sink, _), httpx.Client() as http:
        response = post_signed(http, server.url, SECRET, b'{"id": 5, "created_at": "gisteren"}\n')
        assert response.status_code == 202 and sink.written == [b'{"id": 5, "created_at": "gisteren"}']


def test_too_big_is_413_before_anything_is_read_or_written() -> None:
    with intake_on_loopback(max_body_bytes=2048) as (server, sink, _), httpx.Client() as http:
        body = jsonl([{**MENTION, "text": "x" * 3000}])
        assert post_signed(http, server.url, SECRET, body).status_code == 413
        chunks = iter([body[:1000], body[1000:]])  # chunked: no Content-Length to go by
        response = http.post(server.url, content=chunks, headers={**BEARER, "Content-Type": "application/json"})
        assert response.status_code == 413 and "2048 bytes" in response.json()["error"]
        assert sink.written == []


def test_a_body_that_trickles_in_is_cut_off_with_408() -> None:
    def slowly() -> Iterator[bytes]:
        yield b'{"id": '
        time.sleep(1.5)
        yield b'"x:1"}'

    with intake_on_loopback(body_timeout_s=0.5) as (server, sink, _), httpx.Client() as http:
        response = http.post(server.url, content=slowly(), headers={**BEARER, "Content-Type": "application/json"})
        assert response.status_code == 408 and "0.5 s" in response.json()["error"] and sink.written == []


def test_too_many_records_in_one_request() -> None:
    with intake_on_loopback(max_records=5, burst=5) as (server, sink, _), httpx.Client() as http:
        response = post_signed(http, server.url, SECRET, jsonl(mentions(6)))
        assert response.status_code == 400 and "at most 5" in response.json()["error"]


def test_over_the_rate_is_429_with_retry_after_per_client() -> None:
    with intake_on_loopback(rate_per_s=1, burst=10, max_records=10) as (server, sink, _), httpx.Client() as http:
        assert post_signed(http, server.url, SECRET, jsonl(mentions(10))).status_code == 202
        response = post_signed(http, server.url, SECRET, jsonl(mentions(5)))
        assert response.status_code == 429 and 4 <= int(response.headers["Retry-After"]) <= 5
        assert http.post(server.url, json=MENTION, headers=BEARER).status_code == 202  # another client's bucket
        assert len(sink.written) == 11


def test_broker_down_is_503_with_retry_after_and_not_ready() -> None:
    with intake_on_loopback() as (server, sink, metrics), httpx.Client() as http:
        sink.down = True
        response = post_signed(http, server.url, SECRET, jsonl(mentions(1)))
        assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
        assert server.ready() == {"intake": True}  # still in the Service: 503 + Retry-After beats no endpoint
        assert count(metrics, "luisterpost_intake_records_accepted_total", client="feed") == 0


def test_unsupported_content_type_is_415() -> None:
    with intake_on_loopback() as (server, _, _), httpx.Client() as http:
        response = http.post(server.url, content=b"id,text\n", headers={**BEARER, "Content-Type": "text/csv"})
        assert response.status_code == 415 and "application/x-ndjson" in response.json()["error"]


def test_secrets_reach_no_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), intake_on_loopback() as (server, sink, metrics), httpx.Client() as http:
        post_signed(http, server.url, SECRET, jsonl(mentions(1)))
        http.post(server.url, json=MENTION, headers={"Authorization": f"Bearer {TOKEN[:-1]}"})
        sink.down = True
        http.post(server.url, json=MENTION, headers=BEARER)
    logged = caplog.text
    assert SECRET not in logged and TOKEN not in logged and TOKEN[:-1] not in logged and SECRET[:12] not in logged


def test_serves_its_openapi_document() -> None:
    with intake_on_loopback() as (server, _, _), httpx.Client() as http:
        response = http.get(server.url.replace("/v1/mentions", "/openapi.yaml"))
        assert response.status_code == 200 and "/v1/mentions" in response.text
