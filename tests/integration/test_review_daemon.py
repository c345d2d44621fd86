"""`luisterpost review` as a process: a bearer token from a file, ready once the topics are read,
the incident from the topic on its page, SIGTERM exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from luisterpost import kafka
from luisterpost.broker import EmbeddedBroker
from tests.integration.conftest import config_for, produce, wait_for
from tests.integration.test_review_browser import free_port
from tests.unit.review_fixtures import KEY, classified, incident


def test_the_review_command_serves_the_topics_behind_its_token(broker: EmbeddedBroker, prefix: str,
                                                                tmp_path: Path) -> None:
    topics = kafka.Topics.with_prefix(prefix)
    kafka.ensure_topics(config_for(broker, prefix).kafka, broker.bootstrap, topics)
    produce(broker.bootstrap, topics.classified, [classified("li:1", "Te laat <b>bezorgd</b>", "complaint")])
    produce(broker.bootstrap, topics.incidents, [incident()])
    token_file, http_port, page_port = tmp_path / "token", free_port(), free_port()
    token_file.write_text("t0k3n-from-a-secret\n")
    config_file, log = tmp_path / "config.yaml", tmp_path / "review.log"
    config_file.write_text(yaml.safe_dump({
        "kafka": {"bootstrap": broker.bootstrap, "topic_prefix": prefix},
        "http": {"address": f"127.0.0.1:{http_port}"},
        "review": {"address": f"127.0.0.1:{page_port}", "token_file": str(token_file)}}))
    daemon = subprocess.Popen([sys.executable, "-m", "luisterpost", "review"],
                              env={**os.environ, "LUISTERPOST_CONFIG": str(config_file)},
                              stdout=log.open("ab"), stderr=subprocess.STDOUT)
    page = f"http://127.0.0.1:{page_port}/incidents/{KEY}"
    try:
        def ready() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{http_port}/readyz").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(ready, 60, "the review server to read its topics")
        assert httpx.get(page).status_code == 401
        shown = httpx.get(page, headers={"Authorization": "Bearer t0k3n-from-a-secret"})
        assert shown.status_code == 200 and "Te laat &lt;b&gt;bezorgd&lt;/b&gt;" in shown.text
        assert "t0k3n" not in log.read_text()
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(60) == 0, log.read_text()[-3000:]
