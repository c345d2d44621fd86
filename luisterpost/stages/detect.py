"""detect: mentions.classified -> incidents. Restart-safe: on assignment the partition is replayed from
its start to rebuild windows and timers, and events already on the compacted `incidents` topic are
not published again."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from alerts.detector import Detector
from alerts.incidents import Published
from alerts.observation import observe
from alerts.rules_config import RulesConfig
from ingest.mention import Invalid
from luisterpost.kafka import Topics
from luisterpost.loop import Output, Result
from luisterpost.metrics import Metrics
from luisterpost.stages.dlq import dead_letter

log = logging.getLogger(__name__)

ReadIncidents = Callable[[], list[bytes]]


def published_state(values: list[bytes]) -> dict[str, Published]:
    """The last event per dedup_key, as compaction would keep it."""
    state: dict[str, Published] = {}
    for value in values:
        try:
            event = json.loads(value)
            state[event["dedup_key"]] = Published(event["action"], datetime.fromisoformat(event["event_time"]))
        except (ValueError, KeyError, TypeError):
            log.warning("detect: unreadable event on the incidents topic, ignored")
    return state


class DetectStage:
    stage = "detect"

    def __init__(self, rules: RulesConfig, lateness: timedelta, topics: Topics, metrics: Metrics,
                 read_incidents: ReadIncidents) -> None:
        self.input_topic = topics.classified
        self._rules, self._lateness, self._topics, self._metrics = rules, lateness, topics, metrics
        self._read_incidents = read_incidents
        self._detectors: dict[int, Detector] = {}
        self._ready = False

    def process(self, records: list[Any]) -> Result:
        outputs: list[Output] = []
        for record in records:
            mention = observe(record.value)
            if isinstance(mention, Invalid):
                self._metrics.dlq.labels(self.stage, mention.kind).inc()
                outputs.append(dead_letter(self._topics.dlq, self.stage, record, mention.reason))
                continue
            detector = self._detectors.get(record.partition)
            if detector is None:
                detector = self._detectors[record.partition] = self._new_detector({})
            late_before = detector.late
            for event in detector.observe(mention):
                outputs.append(self._publish(event, mention.created_at))
            self._metrics.late.labels(self.stage).inc(detector.late - late_before)
        return Result(outputs, len(records))

    def _publish(self, event: dict[str, Any], newest: datetime) -> Output:
        self._metrics.incidents.labels(event["rule"], event["action"]).inc()
        self._metrics.end_to_end.observe(max(0.0, time.time() - newest.timestamp()))
        log.info("detect: %s %s", event["action"], event["dedup_key"])
        value = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return Output(self._topics.incidents, value, event["dedup_key"].encode("utf-8"))

    def _new_detector(self, published: dict[str, Published]) -> Detector:
        return Detector(self._rules, self._lateness, published)

    def on_assigned(self, consumer: Any, partitions: list[Any]) -> None:
        published = published_state(self._read_incidents())
        for partition in partitions:
            self._detectors[partition.partition] = self._new_detector(published)
            consumer.seek_to_beginning(partition)
        log.info("detect: rebuilding %d partitions; %d incident keys already published",
                 len(partitions), len(published))
        self._ready = True

    def on_revoked(self, partitions: list[Any]) -> None:
        for partition in partitions:
            self._detectors.pop(partition.partition, None)

    def ready(self) -> bool:
        return self._ready

    def close(self) -> None:
        return None
