"""notify against a real HTTP webhook on loopback: 503s are retried until accepted, the key comes from
the environment, and the offset is committed only after delivery."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from luisterpost import kafka
from luisterpost.app import Pipeline
from luisterpost.broker import EmbeddedBroker
from luisterpost.metrics import Metrics
from tests.integration.conftest import committed, config_for, produce, wait_for


class Webhook(ThreadingHTTPServer):
    def __init__(self, failures: int) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.failures, self.accepted, self.attempts = failures, [], 0  # type: ignore[var-annotated]
        self.tokens: list[str | None] = []


class Handler(BaseHTTPRequestHandler):
    server: Webhook

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.attempts += 1
        self.server.tokens.append(self.headers.get("Authorization"))
        status = 503 if self.server.attempts <= self.server.failures else 202
        if status == 202:
            self.server.accepted.append(json.loads(body))
        self.send_response(status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return None


EVENT = {"dedup_key": "coolblue/influencer_complaint/li:1", "action": "trigger", "rule": "influencer_complaint",
         "severity": "critical", "brand": "coolblue", "event_time": "2018-11-26T23:45:00+01:00",
         "summary": "coolblue: complaint unanswered", "evidence": {}, "top_mentions": []}


def test_webhook_retries_503_then_delivers_once_and_commits(broker: EmbeddedBroker, prefix: str,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    hook = Webhook(failures=2)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    monkeypatch.setenv("LP_TEST_HOOK_TOKEN", "Bearer s3cret-token")
    receiver = {"name": "hook", "type": "webhook", "url": f"http://127.0.0.1:{hook.server_port}/pages",
                "headers_from_env": {"Authorization": "LP_TEST_HOOK_TOKEN"}}
    config = config_for(broker, prefix, notify={"receivers": [receiver], "backoff_initial_s": 0.05,
                                                "backoff_max_s": 0.2})
    topics = kafka.Topics.with_prefix(prefix)
    kafka.ensure_topics(config.kafka, broker.bootstrap, topics)
    produce(broker.bootstrap, topics.incidents, [json.dumps(EVENT).encode()])

    stopping, metrics = threading.Event(), Metrics()
    pipeline = Pipeline(config, broker.bootstrap, ("notify",), metrics, stopping).start()
    try:
        wait_for(lambda: len(hook.accepted) == 1, 60, "the page accepted")
        wait_for(lambda: committed(broker.bootstrap, f"{prefix}group.notify", topics.incidents) == 1, 30,
                 "the offset committed after delivery")
    finally:
        stopping.set()
        assert pipeline.join()
        hook.shutdown()
    assert hook.attempts == 3 and hook.accepted[0]["dedup_key"] == EVENT["dedup_key"]
    assert set(hook.tokens) == {"Bearer s3cret-token"}
    assert "s3cret" not in caplog.text
    assert metrics.registry.get_sample_value("luisterpost_pager_deliveries_total",
                                             {"receiver": "hook", "outcome": "retry"}) == 2
