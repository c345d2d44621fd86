"""notify: incidents -> the pagers. An offset is committed only after every receiver took the event."""

from __future__ import annotations

import json
import logging
from typing import Any

from alerts.notifier import Notifier
from luisterpost.kafka import Topics
from luisterpost.loop import Output, Result
from luisterpost.metrics import Metrics
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

    def __init__(self, notifier: Notifier, topics: Topics, metrics: Metrics) -> None:
        self.input_topic = topics.incidents
        self._notifier, self._topics, self._metrics = notifier, topics, metrics

    def process(self, records: list[Any]) -> Result:
        outputs: list[Output] = []
        for handled, record in enumerate(records):
            event = _event(record.value)
            if event is None:
                self._metrics.dlq.labels(self.stage, "not_an_incident").inc()
                outputs.append(dead_letter(self._topics.dlq, self.stage, record, "not an incident event"))
            elif not self._notifier.deliver(event):
                return Result(outputs, handled)  # shutting down mid-retry: redo from here next time
        return Result(outputs, len(records))

    def close(self) -> None:
        for receiver in self._notifier.receivers:
            receiver.close()
