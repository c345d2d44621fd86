"""`luisterpost demo`: the embedded default. A local broker, the bundled model, the bundled stream of
Dutch mentions (a calm day plus the seed-001 pile-on), pages printed, metrics served, until Ctrl-C."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime

from luisterpost import kafka, scenarios
from luisterpost.app import STAGES
from luisterpost.config import Config
from luisterpost.metrics import Metrics
from luisterpost.review.server import reviewing
from luisterpost.runner import bootstrap_for, running, stop_on_signals

log = logging.getLogger(__name__)


def paced(config: Config, bootstrap: str, mentions: list[dict[str, object]], speed: float,
          stopping: threading.Event) -> int:
    """Feed in event time, `speed` times faster than life, so pages appear while the day unfolds."""
    topics = kafka.Topics.with_prefix(config.kafka.topic_prefix)
    producer = kafka.producer(config.kafka, bootstrap)
    began, first = time.monotonic(), datetime.fromisoformat(str(mentions[0]["created_at"]))
    fed = 0
    try:
        for mention in mentions:
            offset = (datetime.fromisoformat(str(mention["created_at"])) - first).total_seconds() / speed
            if stopping.wait(max(0.0, began + offset - time.monotonic())):
                break
            producer.send(topics.raw, value=json.dumps(mention, ensure_ascii=False).encode("utf-8"))
            fed += 1
        producer.flush()
    finally:
        producer.close()
    return fed


def demo(config: Config, speed: float) -> int:
    config = config.model_copy(update={"kafka": config.kafka.model_copy(update={"partitions": 1})})
    metrics, stopping = Metrics(), threading.Event()
    stop_on_signals(stopping)
    mentions = scenarios.demo_stream()
    with bootstrap_for(config) as bootstrap, running(config, bootstrap, STAGES, metrics, stopping) as run, \
            reviewing(config, bootstrap, metrics, stopping):
        port = run.http.port if run.http else 0
        print(f"Luisterpost demo: {len(mentions)} mentions over 24 h of event time, {speed:g}x faster than "
              f"life. Metrics: http://127.0.0.1:{port}/metrics. Incidents: {config.review.page_base()}/ "
              f"(each page links to its own). Ctrl-C stops.", flush=True)
        fed = paced(config, bootstrap, mentions, speed, stopping)
        if not stopping.is_set():
            print(f"Demo stream fed ({fed} mentions); still listening. Ctrl-C stops.", flush=True)
        stopping.wait()
    return 0 if all(loop.failed is None for loop in run.pipeline.loops) else 1
