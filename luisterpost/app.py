"""Builds the stages from the configuration and runs them, one thread per stage."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

from alerts.detection.baseline import HourOfWeek, load_baseline
from alerts.notification.notifier import Notifier
from alerts.notification.receivers import build_receivers
from alerts.rules_config import load_rules
from classify.network.registry import load_classifier
from classify.serving.worker import ClassifyWorker
from ingest.brands import load_brands
from ingest.ingester import Ingester
from luisterpost import kafka
from luisterpost.config import Config, ConfigError, DetectConfig, process_environment
from luisterpost.kafka import KafkaClients
from luisterpost.lifecycle import WatchSettings
from luisterpost.loop import Processor, StageLoop
from luisterpost.metrics import Metrics
from luisterpost.silence_store import SilenceFeed
from luisterpost.stages.classify import ClassifyStage
from luisterpost.stages.detect import DetectStage
from luisterpost.stages.ingest import IngestStage
from luisterpost.stages.notify import NotifyStage

log = logging.getLogger(__name__)

STAGES = ("ingest", "classify", "detect", "notify")


def hour_of_week(config: DetectConfig) -> HourOfWeek:
    if config.baseline_file is None:
        return HourOfWeek(ZoneInfo(config.timezone))
    try:
        return load_baseline(config.baseline_file)
    except ValueError as error:
        raise ConfigError(f"detect.baseline_file: {error}") from None


class Pipeline:
    def __init__(self, config: Config, bootstrap: str, stages: tuple[str, ...], metrics: Metrics,
                 stopping: threading.Event) -> None:
        self.config, self.bootstrap, self.metrics, self.stopping = config, bootstrap, metrics, stopping
        self.topics = kafka.Topics.with_prefix(config.kafka.topic_prefix)
        self.loops = [self._loop(stage) for stage in stages]
        self._threads: list[threading.Thread] = []

    def _processor(self, stage: str) -> Processor:
        config = self.config
        if stage == "ingest":
            ingester = Ingester(config.ingest, load_brands(config.ingest.brands_file))
            return IngestStage(ingester, self.topics, config.ingest, self.metrics, config.kafka.max_message_bytes)
        if stage == "classify":
            classifier = load_classifier(config.classify.model, config.classify.precision)
            worker = ClassifyWorker(classifier, config.classify.parent_cache, config.classify.parent_cache_max_bytes)
            return ClassifyStage(worker, self.topics, config.classify.batch_size, self.metrics,
                                 read_context=self._read_context if config.classify.context_records else None)
        if stage == "detect":
            lateness = timedelta(seconds=config.detect.allowed_lateness_s)
            return DetectStage(load_rules(config.detect.rules_file), lateness, self.topics, self.metrics,
                               self._read_incidents, hour_of_week(config.detect))
        receivers = build_receivers(config.notify, process_environment())  # secrets named by *_from_env
        notifier = Notifier(receivers, self.stopping, config.notify.backoff_initial_s, config.notify.backoff_max_s,
                            lambda name, outcome: self.metrics.deliveries.labels(name, outcome.status).inc(),
                            config.notify.give_up_after_s)
        silences = SilenceFeed(config.kafka, self.bootstrap, self.topics.silences, config.notify.silences_refresh_s)
        return NotifyStage(notifier, self.topics, self.metrics, silences, config.review.page_base())

    def _loop(self, stage: str) -> StageLoop:
        settings = self.config.kafka
        group = f"{settings.group_prefix}.{stage}"
        made = itertools.count()

        def clients() -> KafkaClients:
            if next(made):  # new clients after a broker loss: a restarted memory broker lost the topics
                kafka.ensure_topics(settings, self.bootstrap, self.topics, timeout_s=10)
            member, probe = (kafka.consumer(settings, self.bootstrap, group) for _ in range(2))
            return KafkaClients(member, kafka.producer(settings, self.bootstrap), probe)

        watch = WatchSettings(broker_timeout_s=settings.broker_timeout_s, starved_after_s=settings.starved_after_s,
                              backoff_max_s=settings.reconnect_backoff_max_s, give_up_s=settings.reconnect_give_up_s)
        return StageLoop(self._processor(stage), clients, self.metrics, self.stopping, settings.commit_interval_s,
                         settings.max_poll_records, watch, renew=lambda: self._processor(stage))

    def _read_incidents(self) -> list[bytes]:
        reader = kafka.consumer(self.config.kafka, self.bootstrap, None)
        try:
            partitions = kafka.partitions_of(reader, self.topics.incidents)
            return [record.value for record in kafka.read_to_end(reader, partitions)] if partitions else []
        finally:
            reader.close()

    def _read_context(self, partition: int, end: int) -> Iterator[bytes]:
        """The mentions before classify's resume point on one partition (its thread context)."""
        reader = kafka.consumer(self.config.kafka, self.bootstrap, None)
        try:
            for record in kafka.records_before(reader, self.topics.mentions, partition, end,
                                               self.config.classify.context_records):
                yield record.value
        finally:
            reader.close()

    def start(self) -> Pipeline:
        for loop in self.loops:
            thread = threading.Thread(target=loop.run, name=loop.processor.stage, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def join(self, timeout_s: float = 60) -> bool:
        """Wait for every stage to drain; True when all stopped cleanly."""
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads) and not any(loop.failed for loop in self.loops)

    def live(self) -> dict[str, bool]:
        limit = self.config.http.liveness_timeout_s
        return {loop.processor.stage: time.monotonic() - loop.last_turn < limit and loop.failed is None
                for loop in self.loops}

    def ready(self) -> dict[str, bool | str]:
        """Per stage: True, or why it is not ready (shown in /readyz)."""
        return {loop.processor.stage: loop.ready() for loop in self.loops}
