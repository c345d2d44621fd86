"""classify: mentions -> mentions.classified (keyed by brand), in batches."""

from __future__ import annotations

import time
from typing import Any

from classify.serving.threads import ThreadBrands
from classify.serving.worker import ClassifyWorker
from ingest.mention import Invalid, Mention, parse
from luisterpost.kafka import Topics
from luisterpost.loop import Output, Result
from luisterpost.metrics import Metrics
from luisterpost.stages.base import Stage
from luisterpost.stages.dlq import dead_letter


def _mention(value: bytes | None) -> Mention | Invalid:
    """Checked again with ingest's own `parse()`: anyone who can write to `mentions` bypasses ingest,
    and one hostile record (a lone surrogate, `"thread": 5`) must not crash-loop this stage."""
    mention = parse(value)
    if isinstance(mention, Invalid) or mention.brand is not None or mention.root_id != mention.id:
        return mention  # tagged, or a reply that named no brand: it takes its thread root's
    return Invalid("no brand, and not a reply that could take its thread root's", "missing_field")


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
        mentions: list[Mention] = []
        for record in records:
            mention = _mention(record.value)
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

    def _with_brands(self, mentions: list[Mention]) -> list[Mention]:
        """Replies without a brand take their thread root's (roots later in the batch included); a reply
        whose root was never seen here is counted as skipped (`thread_root_unknown`), not classified."""
        for mention in mentions:
            self._threads.learn(mention)
        kept = []
        for mention in mentions:
            if mention.brand is None:
                brand = self._threads.brand_of(mention)
                if brand is None:
                    self._metrics.skipped.labels(self.stage, "thread_root_unknown").inc()
                    continue
                mention.record["brand"] = brand
                mention.record.setdefault("flags", []).append("brand_from_thread")
            kept.append(mention)
        return kept

    def _classify(self, batch: list[Mention]) -> list[Output]:
        began = time.perf_counter()
        classified = self._worker.classify(batch)
        self._metrics.batch_seconds.observe(time.perf_counter() - began)
        self._metrics.batch_size.observe(len(batch))
        outputs = []
        for mention in classified:
            self._metrics.labels.labels(mention.brand, mention.stance, mention.sentiment).inc()
            outputs.append(Output(self._topics.classified, mention.to_bytes(), mention.brand.encode("utf-8")))
        return outputs
