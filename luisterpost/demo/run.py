"""`luisterpost demo`: the embedded default. A local broker, the bundled model, the bundled stream of
Dutch mentions (a calm day plus the seed-001 pile-on), pages printed, metrics served, until Ctrl-C."""

from __future__ import annotations

import bisect
import logging
import os
import secrets
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx
from pydantic import SecretStr

from luisterpost.app import STAGES
from luisterpost.config import Config, IntakeClientConfig
from luisterpost.demo import scenarios
from luisterpost.intake.client import deliver, jsonl
from luisterpost.intake.server import serving
from luisterpost.metrics import Metrics
from luisterpost.review.server import reviewing
from luisterpost.runner import bootstrap_for, running, stop_on_signals

log = logging.getLogger(__name__)


def paced_over_http(url: str, secret: str, mentions: list[dict[str, object]], speed: float,
                    stopping: threading.Event, max_records: int) -> int:
    """Feed in event time, `speed` times faster than life, so pages appear while the day unfolds; through the
    intake over HTTP, as a source would: what is due at each tick goes as one signed JSON-lines batch."""
    began, first = time.monotonic(), datetime.fromisoformat(str(mentions[0]["created_at"]))
    due = [(datetime.fromisoformat(str(m["created_at"])) - first).total_seconds() / speed for m in mentions]
    fed = 0
    with httpx.Client(timeout=30) as http:
        while fed < len(mentions) and not stopping.wait(max(0.0, began + due[fed] - time.monotonic())):
            end = min(bisect.bisect_right(due, time.monotonic() - began, lo=fed), fed + max_records)
            end = max(end, fed + 1)
            if not deliver(http, url, secret, jsonl(mentions[fed:end]), stopping):
                break
            fed = end
    return fed


def demo_intake(config: Config, workdir: Path) -> tuple[Config, str, Path]:
    """A fresh secret for this run only, on a free loopback port; the secret goes to a file only its owner
    can read (never to the terminal or the log), so that a person can sign requests of his own."""
    secret = secrets.token_urlsafe(32)
    workdir.mkdir(parents=True, exist_ok=True)
    secret_file = workdir / "demo-intake-secret"
    secret_file.unlink(missing_ok=True)
    with os.fdopen(os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        file.write(secret)
    client = IntakeClientConfig(name="demo", hmac_secret=SecretStr(secret))
    intake = config.intake.model_copy(update={"address": "127.0.0.1:0", "clients": (client,)})
    return config.model_copy(update={"intake": intake}), secret, secret_file


def demo(config: Config, speed: float) -> int:
    config = config.model_copy(update={"kafka": config.kafka.model_copy(update={"partitions": 1})})
    metrics, stopping = Metrics(), threading.Event()
    stop_on_signals(stopping)
    mentions = scenarios.demo_stream()
    config, secret, secret_file = demo_intake(config, Path.cwd() / "var")
    with bootstrap_for(config) as bootstrap, running(config, bootstrap, STAGES, metrics, stopping) as run, \
            serving(config, bootstrap, metrics, health=False) as intake, \
            reviewing(config, bootstrap, metrics, stopping):
        port = run.http.port if run.http else 0
        print(f"Luisterpost demo: {len(mentions)} mentions over 24 h of event time, {speed:g}x faster than "
              f"life. Metrics: http://127.0.0.1:{port}/metrics. Incidents: {config.review.page_base()}/ "
              f"(each page links to its own). Ctrl-C stops.", flush=True)
        print(f"Intake: {intake.url} (HMAC secret in {secret_file.relative_to(Path.cwd())}; docs/intake.md); "
              "the stream goes through it.", flush=True)
        fed = paced_over_http(intake.url, secret, mentions, speed, stopping, config.intake.max_records)
        if not stopping.is_set():
            print(f"Demo stream fed ({fed} mentions); still listening. Ctrl-C stops.", flush=True)
        stopping.wait()
    return 0 if all(loop.failed is None for loop in run.pipeline.loops) else 1
