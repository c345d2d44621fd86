"""An intake on loopback (the real uvicorn server and app) with a sink faked at the Kafka boundary."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from luisterpost.config import build
from luisterpost.intake.server import IntakeServer, intake_for
from luisterpost.intake.sink import Unavailable
from luisterpost.metrics import Metrics

SECRET, TOKEN = "feed-secret-" + "x" * 32, "collector-token-" + "y" * 32
ENV = {"FEED_SECRET": SECRET, "COLLECTOR_TOKEN": TOKEN}


@dataclass
class MemorySink:
    """Acknowledges by appending, or fails like a broker that is down."""

    written: list[bytes] = field(default_factory=list)
    down: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, values: list[bytes]) -> None:
        if self.down:
            raise Unavailable("KafkaTimeoutError")
        with self.lock:
            self.written.extend(values)

    def close(self) -> None:
        pass


@contextmanager
def intake_on_loopback(**intake: object) -> Iterator[tuple[IntakeServer, MemorySink, Metrics]]:
    raw = {"intake": {"address": "127.0.0.1:0",
                      "clients": [{"name": "feed", "hmac_secret_from_env": "FEED_SECRET"},
                                  {"name": "collector", "token_from_env": "COLLECTOR_TOKEN"}], **intake}}
    config = build(raw, environ={})
    sink, metrics = MemorySink(), Metrics()
    server = IntakeServer(intake_for(config, "unused:9092", metrics, sink, ENV), config.intake.address).start()
    try:
        yield server, sink, metrics
    finally:
        server.stop()
