"""`luisterpost replay`: a file of mentions through every stage, incidents to a JSON-lines file."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from luisterpost import kafka
from luisterpost.app import STAGES, Pipeline
from luisterpost.config import Config, ReceiverConfig
from luisterpost.metrics import Metrics
from luisterpost.runner import bootstrap_for, running

log = logging.getLogger(__name__)


def replay_config(config: Config, incidents_out: Path) -> Config:
    """Own topics and groups (one partition each, so event-time order survives every stage, exactly as
    it arrived live), and the only receiver is the incidents file: a replay never pages anyone."""
    run_id = uuid.uuid4().hex[:8]
    kafka_config = config.kafka.model_copy(update={
        "topic_prefix": f"{config.kafka.topic_prefix}replay-{run_id}.",
        "group_prefix": f"{config.kafka.group_prefix}.replay-{run_id}", "partitions": 1})
    receivers = (ReceiverConfig(name="incidents-out", type="jsonl", path=incidents_out),)
    return config.model_copy(update={"kafka": kafka_config,
                                     "notify": config.notify.model_copy(update={"receivers": receivers})})


def feed(config: Config, bootstrap: str, lines: Iterable[bytes]) -> int:
    topics = kafka.Topics.with_prefix(config.kafka.topic_prefix)
    producer = kafka.producer(config.kafka, bootstrap)
    count = 0
    try:
        for line in lines:
            producer.send(topics.raw, value=line)
            count += 1
        producer.flush()
    finally:
        producer.close()
    return count


def drained(pipeline: Pipeline, metrics: Metrics, fed: int) -> bool:
    """Every stage idle, and each has read at least what the stage before it wrote."""
    def value(name: str, **labels: str) -> float:
        return metrics.registry.get_sample_value(name, labels) or 0.0

    topics = pipeline.topics
    upstream = {"ingest": float(fed),
                "classify": value("luisterpost_records_produced_total", stage="ingest", topic=topics.mentions),
                "detect": value("luisterpost_records_produced_total", stage="classify",
                                topic=topics.classified),
                "notify": value("luisterpost_records_produced_total", stage="detect", topic=topics.incidents)}
    return all(loop.idle.is_set() and
               value("luisterpost_records_consumed_total", stage=loop.processor.stage)
               >= upstream[loop.processor.stage] for loop in pipeline.loops)


def replay(config: Config, source: Path, incidents_out: Path, timeout_s: float = 600) -> int:
    incidents_out.parent.mkdir(parents=True, exist_ok=True)
    incidents_out.write_text("", encoding="utf-8")
    config = replay_config(config, incidents_out)
    metrics, stopping = Metrics(), threading.Event()
    with bootstrap_for(config) as bootstrap, \
            running(config, bootstrap, STAGES, metrics, stopping, serve_http=False) as run:
        lines = [line for line in source.read_bytes().splitlines() if line.strip()]
        fed = feed(config, bootstrap, lines)
        log.info("replay: fed %d records", fed)
        deadline, confirmed = time.monotonic() + timeout_s, 0
        while confirmed < 3:  # idle three checks in a row: nothing is in flight between stages
            if time.monotonic() > deadline or any(loop.failed for loop in run.pipeline.loops):
                raise RuntimeError("replay did not finish: see the log")
            confirmed = confirmed + 1 if drained(run.pipeline, metrics, fed) else 0
            time.sleep(0.3)
    return fed
