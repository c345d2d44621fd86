"""Running the intake: uvicorn in a thread, /metrics, /healthz and /readyz beside it, SIGTERM drains."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Mapping

import uvicorn

from luisterpost import kafka
from luisterpost.config import Config, ConfigError
from luisterpost.health import HealthServer
from luisterpost.intake.app import Intake, application
from luisterpost.intake.auth import clients_from
from luisterpost.intake.sink import KafkaSink, Sink
from luisterpost.metrics import Metrics

log = logging.getLogger(__name__)


class IntakeServer:
    def __init__(self, intake: Intake, address: str) -> None:
        host, _, port = address.rpartition(":")
        if not port.isdigit():
            raise ConfigError(f"intake.address: {address!r} is not HOST:PORT")
        self.intake = intake
        settings = uvicorn.Config(application(intake), host=host or "127.0.0.1", port=int(port), log_config=None,
                                  access_log=False, lifespan="off", timeout_graceful_shutdown=30,
                                  limit_concurrency=256, server_header=False)
        # Off the main thread uvicorn installs no signal handlers: main() owns SIGTERM.
        self._server = uvicorn.Server(settings)
        self._thread = threading.Thread(target=self._serve, name="intake", daemon=True)

    def _serve(self) -> None:
        asyncio.run(self._server.serve())

    @property
    def port(self) -> int:
        servers = self._server.servers
        return int(servers[0].sockets[0].getsockname()[1]) if servers else 0

    @property
    def url(self) -> str:
        host = self._server.config.host
        return f"http://{host}:{self.port}/v1/mentions"

    def start(self, timeout_s: float = 10) -> IntakeServer:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the intake could not listen on {self._server.config.host}:"
                                   f"{self._server.config.port}: see the log")
            time.sleep(0.02)
        return self

    def live(self) -> dict[str, bool]:
        return {"intake": self._thread.is_alive() and self._server.started}

    def ready(self) -> dict[str, bool]:
        """Listening. Not the broker: when it is down every pod answers 503 with Retry-After, which tells a
        sender more than no endpoint at all, and a pod taken out of the Service could never see it recover."""
        return {"intake": self._thread.is_alive() and self._server.started}

    def stop(self) -> None:
        """Stop accepting, let requests in flight finish (their acknowledgements included)."""
        self._server.should_exit = True
        self._thread.join(35)


def intake_for(config: Config, bootstrap: str, metrics: Metrics, sink: Sink | None = None,
               environ: Mapping[str, str] | None = None) -> Intake:
    topics = kafka.Topics.with_prefix(config.kafka.topic_prefix)
    if config.intake.max_body_bytes > config.kafka.max_message_bytes:
        raise ConfigError(f"intake.max_body_bytes ({config.intake.max_body_bytes}) must not exceed "
                          f"kafka.max_message_bytes ({config.kafka.max_message_bytes}): one record is one message")
    sink = sink or KafkaSink(config.kafka, bootstrap, topics.raw, config.intake.broker_timeout_s)
    return Intake(config.intake, clients_from(config.intake.clients, environ), sink, metrics, topics.raw)


@contextlib.contextmanager
def serving(config: Config, bootstrap: str, metrics: Metrics, health: bool = True,
            environ: Mapping[str, str] | None = None) -> Iterator[IntakeServer]:
    intake = intake_for(config, bootstrap, metrics, environ=environ)
    kafka.ensure_topics(config.kafka, bootstrap, kafka.Topics.with_prefix(config.kafka.topic_prefix))
    server = IntakeServer(intake, config.intake.address)
    http = None
    try:
        server.start()
        log.info("intake: accepting mentions on %s", server.url)
        if health:
            http = HealthServer(config.http.address, metrics.registry, server.live, server.ready).start()
            log.info("serving /metrics, /healthz and /readyz on port %d", http.port)
        yield server
    finally:
        server.stop()
        intake.sink.close()
        if http:
            http.stop()
