"""ingest: mentions.raw -> mentions (keyed by thread root), the invalid to mentions.dlq."""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from ingest.ingester import Accepted, Ingester, Skipped
from ingest.mention import Invalid
from luisterpost.config import IngestConfig
from luisterpost.kafka import Topics
from luisterpost.loop import Halt, Output, Result
from luisterpost.metrics import Metrics
from luisterpost.stages.base import Stage
from luisterpost.stages.dlq import dead_letter

log = logging.getLogger(__name__)


class IngestStage(Stage):
    stage = "ingest"

    def __init__(self, ingester: Ingester, topics: Topics, config: IngestConfig, metrics: Metrics) -> None:
        self.input_topic = topics.raw
        self._ingester, self._topics, self._config, self._metrics = ingester, topics, config, metrics
        self._recent_invalid: deque[bool] = deque(maxlen=config.halt_window)

    def process(self, records: list[Any]) -> Result:
        outputs = [self._one(record) for record in records]
        return Result([out for out in outputs if out is not None], len(records))

    def _one(self, record: Any) -> Output | None:
        verdict = self._ingester.ingest(record.value)
        self._guard(isinstance(verdict, Invalid))
        if isinstance(verdict, Invalid):
            self._metrics.dlq.labels(self.stage, verdict.kind).inc()
            log.info("ingest: %s[%d]@%d to DLQ: %s", record.topic, record.partition, record.offset,
                     verdict.reason)
            return dead_letter(self._topics.dlq, self.stage, record, verdict.reason)
        if isinstance(verdict, Skipped):
            self._metrics.skipped.labels(self.stage, verdict.why).inc()
            return None
        assert isinstance(verdict, Accepted)
        mention = verdict.mention
        return Output(self._topics.mentions, mention.to_bytes(), mention.root_id.encode("utf-8"))

    def _guard(self, invalid: bool) -> None:
        self._recent_invalid.append(invalid)
        window = self._recent_invalid
        if len(window) == window.maxlen and sum(window) / len(window) >= self._config.halt_invalid_ratio:
            raise Halt(f"ingest: {sum(window)} of the last {len(window)} records on {self.input_topic} "
                       f"were invalid; stopping instead of draining the topic into the DLQ "
                       f"(ingest.halt_invalid_ratio={self._config.halt_invalid_ratio})")
