"""notify: incidents -> the pagers. An offset is committed only after every receiver took the event."""

from __future__ import annotations

import json
import logging
from typing import Any

from alerts.notifier import Notifier
from alerts.silences import SilenceSource
from luisterpost.kafka import Topics
from luisterpost.loop import Output, Result
from luisterpost.metrics import Metrics
from luisterpost.review.links import with_incident_page
from luisterpost.stages.base import Stage
from luisterpost.stages.dlq import dead_letter

log = logging.getLogger(__name__)


def _event(value: bytes | None) -> dict[str, Any] | None:
    try:
        event = json.loads(value or b"")
    except ValueError:
        return None
    required = ("dedup_key", "action", "rule", "severity", "event_time", "summary")
    return event if isinstance(event, dict) and all(key in event for key in required) else None


class NotifyStage(Stage):
    stage = "notify"

    def __init__(self, notifier: Notifier, topics: Topics, metrics: Metrics,
                 silences: SilenceSource | None = None, page_base: str | None = None) -> None:
        self.input_topic = topics.incidents
        self._page_base = page_base  # review.base_url: every page links to its incident page
        self._notifier, self._topics, self._metrics = notifier, topics, metrics
        self._silences = silences
        self._muted_by: dict[str, str] = {}  # dedup_key -> silence id, to log a muted incident once

    def _muted(self, event: dict[str, Any]) -> bool:
        """A silence holds the page back; the event stays on the topic, counted and logged once."""
        if self._silences is None:
            return False
        silence = self._silences.current().muting(event, self._silences.clock())
        if silence is None:
            return False
        self._metrics.silenced.labels(event["rule"], event["action"]).inc()
        if self._muted_by.get(event["dedup_key"]) != silence.id:
            if len(self._muted_by) > 10_000:
                self._muted_by.clear()  # bounded; the worst case is one repeated log line
            self._muted_by[event["dedup_key"]] = silence.id
            log.info("notify: %s %s muted by silence %s (%s: %s)", event["action"], event["dedup_key"],
                     silence.id[:8], silence.created_by, silence.comment[:80])
        return True

    def process(self, records: list[Any]) -> Result:
        outputs: list[Output] = []
        for handled, record in enumerate(records):
            event = _event(record.value)
            if event is None:
                self._metrics.dlq.labels(self.stage, "not_an_incident").inc()
                outputs.append(dead_letter(self._topics.dlq, self.stage, record, "not an incident event"))
            elif self._muted(event):
                continue
            elif not self._notifier.deliver(with_incident_page(event, self._page_base)):
                return Result(outputs, handled)  # shutting down mid-retry: redo from here next time
        return Result(outputs, len(records))

    def close(self) -> None:
        if self._silences is not None:
            self._silences.close()
        for receiver in self._notifier.receivers:
            receiver.close()
