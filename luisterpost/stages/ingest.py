"""ingest: mentions.raw -> mentions (keyed by thread root), the invalid to mentions.dlq.

Garbage is dead-lettered and committed like any record: a flood of it is an alert (the DLQ ratio), not
an outage. Only `ingest.halt_invalid_ratio`, off by default, stops the stage instead."""

from __future__ import annotations

import logging
from typing import Any

from ingest.ingester import Accepted, Ingester, Skipped, Verdict
from ingest.invalid_share import InvalidShare
from ingest.mention import Invalid
from luisterpost.config import IngestConfig
from luisterpost.kafka import Topics
from luisterpost.loop import Halt, Output, Result
from luisterpost.metrics import Metrics
from luisterpost.stages.base import Stage
from luisterpost.stages.dlq import DEFAULT_MAX_MESSAGE_BYTES, HEADROOM_BYTES, dead_letter

log = logging.getLogger(__name__)
ALARMING_TENTH = 1  # 10% or more of recent records dead-lettered is logged at ERROR


class IngestStage(Stage):
    stage = "ingest"

    def __init__(self, ingester: Ingester, topics: Topics, config: IngestConfig, metrics: Metrics,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.input_topic = topics.raw
        self._ingester, self._topics, self._config, self._metrics = ingester, topics, config, metrics
        self._max_message_bytes = max_message_bytes
        self._share = InvalidShare(config.halt_window)

    def process(self, records: list[Any]) -> Result:
        outputs = [self._one(record) for record in records]
        return Result([out for out in outputs if out is not None], len(records))

    def _one(self, record: Any) -> Output | None:
        verdict = self._checked(record)
        self._watch(verdict.kind if isinstance(verdict, Invalid) else None)
        if isinstance(verdict, Invalid):
            self._metrics.dlq.labels(self.stage, verdict.kind).inc()
            log.info("ingest: %s[%d]@%d to DLQ: %s", record.topic, record.partition, record.offset,
                     verdict.reason)
            return dead_letter(self._topics.dlq, self.stage, record, verdict.reason, self._max_message_bytes)
        if isinstance(verdict, Skipped):
            self._metrics.skipped.labels(self.stage, verdict.why).inc()
            return None
        return Output(self._topics.mentions, verdict.value, verdict.mention.root_id.encode("utf-8"))

    def _checked(self, record: Any) -> Verdict:
        """The core's verdict, with a last guard: whatever happens, one record cannot stop the stage."""
        try:
            verdict = self._ingester.ingest(record.value)
        except Exception as error:  # noqa: BLE001 - a bug on one record must not become a crash loop
            log.exception("ingest: %s[%d]@%d could not be ingested", record.topic, record.partition, record.offset)
            return Invalid(f"ingest failed on this record ({type(error).__name__}); see the ingest log", "unreadable")
        if isinstance(verdict, Accepted) and len(verdict.value) + HEADROOM_BYTES > self._max_message_bytes:
            return Invalid(f"the mention is {len(verdict.value)} bytes as JSON, too large for "
                           f"kafka.max_message_bytes ({self._max_message_bytes})", "too_large")
        return verdict

    def _watch(self, invalid_kind: str | None) -> None:
        share = self._share
        changed = share.add(invalid_kind)
        self._metrics.dlq_ratio.labels(self.stage).set(share.ratio)
        if changed and share.tenth is not None and share.tenth >= ALARMING_TENTH:
            log.error("ingest: %d%% of the last %d records on %s went to the DLQ (%s); dead-lettering them "
                      "and going on", round(share.ratio * 100), share.window, self.input_topic, share.commonest())
        elif changed and (share.previous_tenth or 0) >= ALARMING_TENTH:
            log.warning("ingest: dead letters are back under %d%% of the last %d records on %s",
                        ALARMING_TENTH * 10, share.window, self.input_topic)
        halt = self._config.halt_invalid_ratio
        if halt is not None and share.full and share.ratio >= halt:
            raise Halt(f"ingest: {share.invalid} of the last {share.window} records on {self.input_topic} "
                       f"were invalid; stopping as ingest.halt_invalid_ratio={halt} asks")
