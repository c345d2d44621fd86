"""Running the pipeline in this process: the broker (embedded or given), topics, HTTP, signals."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from luisterpost import kafka
from luisterpost.app import Pipeline
from luisterpost.broker import NOT_DURABLE, EmbeddedBroker
from luisterpost.config import Config
from luisterpost.health import HealthServer
from luisterpost.metrics import Metrics

log = logging.getLogger(__name__)


@contextlib.contextmanager
def bootstrap_for(config: Config) -> Iterator[str]:
    """The configured Kafka, or an embedded broker that lives as long as the block."""
    if config.kafka.bootstrap:
        yield config.kafka.bootstrap
        return
    with EmbeddedBroker() as broker:
        log.warning("no --bootstrap given: using the embedded broker on %s; %s", broker.bootstrap, NOT_DURABLE)
        yield broker.bootstrap


def stop_on_signals(stopping: threading.Event) -> None:
    """SIGTERM and SIGINT stop polling; the loops then drain, commit and close."""
    def handler(number: int, frame: object) -> None:
        log.info("received %s: draining", signal.Signals(number).name)
        stopping.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@dataclass
class Running:
    pipeline: Pipeline
    http: HealthServer | None


@contextlib.contextmanager
def running(config: Config, bootstrap: str, stages: tuple[str, ...], metrics: Metrics,
            stopping: threading.Event, serve_http: bool = True) -> Iterator[Running]:
    kafka.ensure_topics(config.kafka, bootstrap, kafka.Topics.with_prefix(config.kafka.topic_prefix))
    pipeline = Pipeline(config, bootstrap, stages, metrics, stopping)
    warning = None if config.kafka.bootstrap else NOT_DURABLE  # bootstrap_for started the embedded broker
    http = HealthServer(config.http.address, metrics.registry, pipeline.live, pipeline.ready, warning).start() \
        if serve_http else None
    if http:
        log.info("serving /metrics, /healthz and /readyz on port %d", http.port)
    pipeline.start()
    try:
        yield Running(pipeline, http)
    finally:
        stopping.set()
        pipeline.join()
        if http:
            http.stop()
