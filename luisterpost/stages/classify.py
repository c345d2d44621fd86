"""classify: mentions -> mentions.classified (keyed by brand), in batches."""

from __future__ import annotations

import json
import time
from typing import Any

from classify.serving.threads import ThreadBrands, root_of
from classify.serving.worker import ClassifyWorker
from ingest.mention import Invalid, parse
from luisterpost.kafka import Topics
from luisterpost.loop import Output, Result
from luisterpost.metrics import Metrics
from luisterpost.stages.base import Stage
from luisterpost.stages.dlq import dead_letter


def _record(value: bytes | None) -> dict[str, Any] | Invalid:
    """Checked again with ingest's own `parse()`: anyone who can write to `mentions` bypasses ingest,
    and one hostile record (a lone surrogate, `"thread": 5`) must not crash-loop this stage."""
    parsed = parse(value)
    if isinstance(parsed, Invalid):
        return parsed
    record = parsed.record
    if not (isinstance(record.get("brand"), str) or _untagged_reply(record)):
        return Invalid("no brand, and not a reply that could take its thread root's", "missing_field")
    return record


def _untagged_reply(record: dict[str, Any]) -> bool:
    """A reply that named no brand: ingest passed it on for its thread root's brand."""
    return record.get("brand") is None and root_of(record) != record["id"]


class ClassifyStage(Stage):
    stage = "classify"

    def __init__(self, worker: ClassifyWorker, topics: Topics, batch_size: int, metrics: Metrics,
                 thread_capacity: int = 100_000) -> None:
        self.input_topic = topics.mentions
        self._worker, self._topics, self._batch_size, self._metrics = worker, topics, batch_size, metrics
        self._threads = ThreadBrands(thread_capacity)
        classifier = worker.classifier
        metrics.model_info.labels(classifier.name, classifier.version).set(1)

    def process(self, records: list[Any]) -> Result:
        outputs: list[Output] = []
        mentions: list[dict[str, Any]] = []
        for record in records:
            mention = _record(record.value)
            if isinstance(mention, Invalid):
                self._metrics.dlq.labels(self.stage, mention.kind).inc()
                outputs.append(dead_letter(self._topics.dlq, self.stage, record,
                                           f"not an ingested mention: {mention.reason}"))
            else:
                mentions.append(mention)
        mentions = self._with_brands(mentions)
        for start in range(0, len(mentions), self._batch_size):
            outputs += self._classify(mentions[start:start + self._batch_size])
        return Result(outputs, len(records))

    def _with_brands(self, mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Replies without a brand take their thread root's (roots later in the batch included); a reply
        whose root was never seen here is counted as skipped (`thread_root_unknown`), not classified."""
        for mention in mentions:
            self._threads.learn(mention)
        kept = []
        for mention in mentions:
            if mention.get("brand") is None:
                brand = self._threads.brand_of(mention)
                if brand is None:
                    self._metrics.skipped.labels(self.stage, "thread_root_unknown").inc()
                    continue
                mention["brand"] = brand
                mention.setdefault("flags", []).append("brand_from_thread")
            kept.append(mention)
        return kept

    def _classify(self, batch: list[dict[str, Any]]) -> list[Output]:
        began = time.perf_counter()
        classified = self._worker.classify(batch)
        self._metrics.batch_seconds.observe(time.perf_counter() - began)
        self._metrics.batch_size.observe(len(batch))
        outputs = []
        for record in classified:
            label = record["classification"]
            self._metrics.labels.labels(record["brand"], label["stance"], label["sentiment"]).inc()
            value = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            outputs.append(Output(self._topics.classified, value, record["brand"].encode("utf-8")))
        return outputs
