"""classify: mentions -> mentions.classified (keyed by brand), in batches.

Restart-safe for threads: the parent texts and thread brands are memory, so when a partition is assigned
(a start, a restart, a rebalance) the mentions before its resume point are re-read first
(`classify.context_records` of them) and only remembered. Without that, every reply to a post from before
a restart lost its parent (read without context: a defender becomes a complaint) or, naming no brand,
was skipped as `thread_root_unknown`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from classify.serving.threads import ThreadBrands
from classify.serving.worker import ClassifyWorker
from ingest.mention import Invalid, Mention, parse
from luisterpost.kafka import Topics
from luisterpost.loop import Output, Result
from luisterpost.metrics import Metrics
from luisterpost.stages.base import Stage
from luisterpost.stages.dlq import dead_letter

log = logging.getLogger(__name__)

# (partition, resume offset) -> the raw values of the mentions just before that offset, as they are read
ReadContext = Callable[[int, int], Iterable[bytes]]


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
                 thread_capacity: int = 100_000, read_context: ReadContext | None = None) -> None:
        self.input_topic = topics.mentions
        self._worker, self._topics, self._batch_size, self._metrics = worker, topics, batch_size, metrics
        self._threads = ThreadBrands(thread_capacity)
        self._read_context = read_context
        self._without_context: set[int] = set()  # assigned partitions whose earlier mentions are not re-read yet
        classifier = worker.classifier
        metrics.model_info.labels(classifier.name, classifier.version).set(1)

    def on_assigned(self, consumer: Any, partitions: list[Any]) -> None:
        # Runs on kafka-python's IO thread, where no blocking read is allowed: the re-read waits for the
        # partition's first records in `process`, whose offset is the resume point. (A set's add and
        # discard are atomic, so the two threads need no lock.)
        if self._read_context is not None:
            for partition in partitions:
                self._without_context.add(partition.partition)

    def on_revoked(self, partitions: list[Any]) -> None:
        for partition in partitions:
            self._without_context.discard(partition.partition)

    def process(self, records: list[Any]) -> Result:
        self._recall_context(records)
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

    def _recall_context(self, records: list[Any]) -> None:
        """Before a newly assigned partition's first records: remember the mentions that came before them."""
        if self._read_context is None or not self._without_context:
            return
        resume: dict[int, int] = {}
        for record in records:
            if record.partition in self._without_context:
                resume.setdefault(record.partition, record.offset)
        for partition, offset in resume.items():
            self._without_context.discard(partition)
            remembered = 0
            try:
                for value in self._read_context(partition, offset):
                    mention = parse(value)
                    if not isinstance(mention, Invalid):
                        self._threads.learn(mention)
                        self._worker.remember([mention])
                        remembered += 1
            except Exception as error:  # a missing context costs quality, never the stage
                log.warning("classify: could not re-read partition %d before offset %d (%s); replies to earlier "
                            "posts are classified without their parent", partition, offset, type(error).__name__)
            log.info("classify: partition %d: %d earlier mentions re-read for thread context", partition,
                     remembered)

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
