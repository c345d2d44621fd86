"""detect: mentions.classified -> incidents. Restart-safe: on assignment the partition is replayed from
its start to rebuild windows and timers, and events already on the compacted `incidents` topic are
not published again."""

from __future__ import annotations

import copy
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from alerts.detection.baseline import HourOfWeek
from alerts.detection.detector import Detector
from alerts.detection.incidents import Published
from alerts.detection.observation import observe
from alerts.incident_event import IncidentEvent
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
        event = IncidentEvent.parse(value)
        if isinstance(event, Invalid):
            log.warning("detect: unreadable event on the incidents topic, ignored")
        else:
            state[event.dedup_key] = Published(event.action, event.event_time)
    return state


class DetectStage:
    stage = "detect"

    def __init__(self, rules: RulesConfig, lateness: timedelta, topics: Topics, metrics: Metrics,
                 read_incidents: ReadIncidents, baseline: HourOfWeek | None = None) -> None:
        self.input_topic = topics.classified
        self._rules, self._lateness, self._topics, self._metrics = rules, lateness, topics, metrics
        self._read_incidents = read_incidents
        self._baseline = baseline  # each rebuilt detector starts from the seed and learns anew
        self._detectors: dict[int, Detector] = {}
        self._arrived: dict[int, float] = {}  # monotonic seconds of each partition's last record
        self._open_labels: set[tuple[str, str, str]] = set()
        self._ready = False

    def process(self, records: list[Any]) -> Result:
        outputs: list[Output] = []
        for record in records:
            mention = observe(record.value, getattr(record, "timestamp", None))
            detector = self._detectors.get(record.partition)
            if detector is None:
                detector = self._detectors[record.partition] = self._new_detector({})
            # not classified, or dated where no clock may follow it (a future date would make detect deaf)
            verdict = mention if isinstance(mention, Invalid) else detector.refusal(mention) or mention
            if isinstance(verdict, Invalid):
                self._metrics.dlq.labels(self.stage, verdict.kind).inc()
                outputs.append(dead_letter(self._topics.dlq, self.stage, record, verdict.reason))
                continue
            late_before = detector.late
            for event in detector.observe(verdict):
                outputs.append(self._publish(event, verdict.created_at))
            self._metrics.late.labels(self.stage).inc(detector.late - late_before)
        now = time.monotonic()
        self._arrived.update({record.partition: now for record in records})
        outputs += self._tick(now)
        self._report_open()
        return Result(outputs, len(records))

    def on_idle(self, now: float) -> list[Output]:
        """The loop's hook for a poll that returned nothing; `now` is monotonic seconds."""
        outputs = self._tick(now)
        if outputs:
            self._report_open()
        return outputs

    def _tick(self, now: float) -> list[Output]:
        """A partition without records for `pipeline_silence.idle_tick_minutes` of wall-clock time ticks
        its detector, so total silence is noticed although event time stands still; also after each
        batch, for a partition that stays silent while others talk."""
        outputs: list[Output] = []
        for partition, detector in self._detectors.items():
            arrived = self._arrived.get(partition)
            if arrived is not None:
                outputs += [self._publish(event) for event in detector.tick(timedelta(seconds=now - arrived))]
        return outputs

    def _report_open(self) -> None:
        """Open incidents of this process's partitions; a brand lives on one partition, so a sum over
        detect pods counts each once. Label sets that closed go to 0 rather than vanish."""
        counts = Counter((firing.brand, firing.rule, firing.severity)
                         for detector in self._detectors.values() for firing in detector.book.open_firings())
        for labels in self._open_labels - counts.keys():
            self._metrics.open_incidents.labels(*labels).set(0)
        for labels, count in counts.items():
            self._metrics.open_incidents.labels(*labels).set(count)
        self._open_labels |= counts.keys()

    def _publish(self, event: IncidentEvent, newest: datetime | None = None) -> Output:
        self._metrics.incidents.labels(event.rule, event.action).inc()
        if newest is not None:  # an idle tick's event answers no mention: no end-to-end latency
            self._metrics.end_to_end.observe(max(0.0, time.time() - newest.timestamp()))
        log.info("detect: %s %s", event.action, event.dedup_key)
        return Output(self._topics.incidents, event.to_bytes(), event.dedup_key.encode("utf-8"))

    def _new_detector(self, published: dict[str, Published]) -> Detector:
        return Detector(self._rules, self._lateness, published, baseline=copy.deepcopy(self._baseline))

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
            self._arrived.pop(partition.partition, None)
        self._report_open()

    def ready(self) -> bool:
        return self._ready

    def close(self) -> None:
        return None
