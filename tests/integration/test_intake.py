"""`luisterpost run intake` on the real broker: 202 means the records are on mentions.raw; refusals write
nothing; a broker that is gone is a 503, not a hang or a 500."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from luisterpost.broker import EmbeddedBroker, free_port
from luisterpost.config import Config
from luisterpost.intake.client import jsonl, post_signed, signed_headers
from luisterpost.intake.server import IntakeServer, serving
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from tests.integration.conftest import config_for, read_json

SECRET = "integration-secret-" + "k" * 32
ENV = {"FEED_SECRET": SECRET}
CLIENTS = [{"name": "feed", "hmac_secret_from_env": "FEED_SECRET"}]


def mentions(count: int, first: int = 0) -> list[dict[str, Any]]:
    return [{"id": f"x:{first + index}", "platform": "x", "created_at": "2026-03-02T09:00:00+01:00",
             "text": "Coolblue, waar blijft mijn pakket?"} for index in range(count)]


@contextmanager
def intake(broker: EmbeddedBroker, prefix: str, **settings: Any) -> Iterator[tuple[IntakeServer, Config]]:
    config = config_for(broker, prefix, intake={"address": "127.0.0.1:0", "clients": CLIENTS, **settings})
    with serving(config, broker.bootstrap, Metrics(), health=False, environ=ENV) as server:
        yield server, config


def test_signed_batch_is_on_mentions_raw_when_202_comes(broker: EmbeddedBroker, prefix: str) -> None:
    with intake(broker, prefix) as (server, _), httpx.Client(timeout=30) as http:
        response = post_signed(http, server.url, SECRET, jsonl(mentions(3)))
        assert response.status_code == 202, response.text
        # No waiting: 202 is sent only after the broker acknowledged (acks=all).
        on_topic = read_json(broker.bootstrap, Topics.with_prefix(prefix).raw)
        assert [record["id"] for record in on_topic] == ["x:0", "x:1", "x:2"]


def test_refusals_write_nothing(broker: EmbeddedBroker, prefix: str) -> None:
    with intake(broker, prefix, max_body_bytes=4096, rate_per_s=0.5, burst=4, max_records=4) as (server, _), \
            httpx.Client(timeout=30) as http:
        body = jsonl(mentions(1))
        forged = {**signed_headers(SECRET, body), "x-luisterpost-signature": "sha256=" + "ab" * 32}
        assert http.post(server.url, content=body, headers=forged).status_code == 401
        stale = signed_headers(SECRET, body, now=time.time() - 3600)
        assert http.post(server.url, content=body, headers=stale).status_code == 401
        big = jsonl([{**mentions(1)[0], "text": "x" * 5000}])
        assert post_signed(http, server.url, SECRET, big).status_code == 413
        assert post_signed(http, server.url, SECRET, jsonl(mentions(4, first=10))).status_code == 202
        limited = post_signed(http, server.url, SECRET, jsonl(mentions(1, first=20)))
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    ids = [record["id"] for record in read_json(broker.bootstrap, Topics.with_prefix(prefix).raw)]
    assert ids == ["x:10", "x:11", "x:12", "x:13"]


def test_broker_down_is_503_within_the_timeout(prefix: str, tmp_path: Path) -> None:
    with EmbeddedBroker(workdir=tmp_path) as own, \
            intake(own, prefix, broker_timeout_s=3) as (server, _), httpx.Client(timeout=30) as http:
        assert post_signed(http, server.url, SECRET, jsonl(mentions(1))).status_code == 202
        own.stop()
        began = time.monotonic()
        response = post_signed(http, server.url, SECRET, jsonl(mentions(1, first=1)))
        assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
        assert time.monotonic() - began < 15
        assert "retry" in json.loads(response.text)["error"]
        assert server.ready() == {"intake": True}  # still in the Service: 503 + Retry-After beats no endpoint


def test_run_intake_serves_until_sigterm_and_refuses_to_start_unauthenticated(broker: EmbeddedBroker, prefix: str,
                                                                               tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"kafka:\n  topic_prefix: '{prefix}'\nhttp:\n  address: 127.0.0.1:{free_port()}\n"
                      f"intake:\n  address: 127.0.0.1:{free_port()}\n  clients:\n    - name: feed\n"
                      f"      hmac_secret_from_env: FEED_SECRET\n", encoding="utf-8")
    command = [sys.executable, "-m", "luisterpost", "--config", str(config), "run", "intake",
               "--bootstrap", broker.bootstrap]
    refused = subprocess.run(command, env={**os.environ, "FEED_SECRET": ""}, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and "intake.clients.0.hmac_secret_from_env" in refused.stderr
    process = subprocess.Popen(command, env={**os.environ, **ENV}, stderr=subprocess.PIPE, text=True)
    try:
        url = _url_from_log(process)
        with httpx.Client(timeout=30) as http:
            assert post_signed(http, url, SECRET, jsonl(mentions(1, first=50))).status_code == 202
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    logged = process.stderr.read() if process.stderr else ""
    assert SECRET not in logged
    assert [r["id"] for r in read_json(broker.bootstrap, Topics.with_prefix(prefix).raw)] == ["x:50"]


def _url_from_log(process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.stderr:
        line = process.stderr.readline()
        found = re.search(r"accepting mentions on (http://\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError("`luisterpost run intake` did not say where it listens")
