"""`luisterpost replay`: a file of mentions through every stage, incidents to a JSON-lines file."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.brands import load_brands
from luisterpost import kafka
from luisterpost.app import STAGES, Pipeline
from luisterpost.config import Config, ReceiverConfig
from luisterpost.metrics import Metrics
from luisterpost.runner import bootstrap_for, running

log = logging.getLogger(__name__)


def replay_config(config: Config, incidents_out: Path) -> Config:
    """Own topics and groups (one partition each, so event-time order survives every stage, exactly as
    it arrived live), and the only receiver is the incidents file: a replay never pages anyone."""
    run_id = uuid.uuid4().hex[:8]
    kafka_config = config.kafka.model_copy(update={
        "topic_prefix": f"{config.kafka.topic_prefix}replay-{run_id}.",
        "group_prefix": f"{config.kafka.group_prefix}.replay-{run_id}", "partitions": 1})
    receivers = (ReceiverConfig(name="incidents-out", type="jsonl", path=incidents_out),)
    return config.model_copy(update={"kafka": kafka_config,
                                     "notify": config.notify.model_copy(update={"receivers": receivers})})


def feed(config: Config, bootstrap: str, lines: Iterable[bytes]) -> int:
    topics = kafka.Topics.with_prefix(config.kafka.topic_prefix)
    producer = kafka.producer(config.kafka, bootstrap)
    count = 0
    try:
        for line in lines:
            producer.send(topics.raw, value=line)
            count += 1
        producer.flush()
    finally:
        producer.close()
    return count


def drained(pipeline: Pipeline, metrics: Metrics, fed: int) -> bool:
    """Every stage idle, and each has read at least what the stage before it wrote."""
    def value(name: str, **labels: str) -> float:
        return metrics.registry.get_sample_value(name, labels) or 0.0

    topics = pipeline.topics
    upstream = {"ingest": float(fed),
                "classify": value("luisterpost_records_produced_total", stage="ingest", topic=topics.mentions),
                "detect": value("luisterpost_records_produced_total", stage="classify",
                                topic=topics.classified),
                "notify": value("luisterpost_records_produced_total", stage="detect", topic=topics.incidents)}
    return all(loop.idle.is_set() and
               value("luisterpost_records_consumed_total", stage=loop.processor.stage)
               >= upstream[loop.processor.stage] for loop in pipeline.loops)


@dataclass(frozen=True)
class ReplaySummary:
    """What happened to every record fed: classified, dead-lettered (by stage and kind) or skipped."""

    fed: int
    classified: int
    dlq: Counter[str] = field(default_factory=Counter)  # "kind" for ingest's, "stage:kind" for later stages'
    skipped: Counter[str] = field(default_factory=Counter)  # "no_brand", "duplicate"
    unknown_brands: Counter[str] = field(default_factory=Counter)  # brand field -> records naming it

    def line(self) -> str:
        kinds = ", ".join(f"{kind} {count}" for kind, count in self.dlq.most_common())
        dlq = f"{sum(self.dlq.values())} to the DLQ" + (f" ({kinds})" if kinds else "")
        duplicates = self.skipped["duplicate"]
        return (f"replayed {self.fed} records: {self.classified} classified, {dlq}, "
                f"{self.skipped['no_brand']} without a brand of ours, "
                f"{duplicates} duplicate{'' if duplicates == 1 else 's'}")


def summarise(metrics: Metrics, fed: int, unknown_brands: Counter[str]) -> ReplaySummary:
    dlq: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    classified = 0.0
    for family in metrics.registry.collect():
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "luisterpost_dlq_records_total" and sample.value:
                stage = labels["stage"]
                dlq[labels["reason"] if stage == "ingest" else f"{stage}:{labels['reason']}"] += int(sample.value)
            elif sample.name == "luisterpost_mentions_skipped_total" and sample.value:
                skipped[labels["reason"]] += int(sample.value)
            elif sample.name == "luisterpost_records_produced_total" and labels.get("stage") == "classify" \
                    and not labels.get("topic", "").endswith("mentions.dlq"):
                classified += sample.value
    return ReplaySummary(fed, int(classified), dlq, skipped, unknown_brands)


def brands_missing(lines: Iterable[bytes], known: frozenset[str]) -> Counter[str]:
    """The `brand` values that the brand file lacks: ingest dead-letters those records, and someone has to
    add the brand. Read here from the file itself, since the DLQ metric only has a bounded kind."""
    missing: Counter[str] = Counter()
    for line in lines:
        try:
            brand = json.loads(line).get("brand")
        except (ValueError, AttributeError, RecursionError):  # not a JSON object: ingest says why
            continue
        if isinstance(brand, str) and brand not in known:
            missing[brand] += 1
    return missing


def warn_missing(missing: Counter[str], brands_file: Path | None) -> None:
    if not missing:
        return
    # repr() escapes control characters and ANSI sequences: the names are untrusted text.
    names = ", ".join(f"{brand[:40]!r} ({count})" for brand, count in missing.most_common(10))
    more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
    log.warning("replay: %d records name brands that are not in the brand file (%s): %s%s; they went to the "
                "DLQ. Add them to a brand file and pass it with --brands FILE",
                sum(missing.values()), brands_file or "bundled brands.yaml", names, more)


def replay(config: Config, source: Path, incidents_out: Path, timeout_s: float = 600) -> int:
    return replay_summary(config, source, incidents_out, timeout_s).fed


def replay_summary(config: Config, source: Path, incidents_out: Path, timeout_s: float = 600) -> ReplaySummary:
    incidents_out.parent.mkdir(parents=True, exist_ok=True)
    incidents_out.write_text("", encoding="utf-8")
    config = replay_config(config, incidents_out)
    metrics, stopping = Metrics(), threading.Event()
    known = load_brands(config.ingest.brands_file).ids
    with bootstrap_for(config) as bootstrap, \
            running(config, bootstrap, STAGES, metrics, stopping, serve_http=False) as run:
        lines = [line for line in source.read_bytes().splitlines() if line.strip()]
        fed = feed(config, bootstrap, lines)
        log.info("replay: fed %d records", fed)
        deadline, confirmed = time.monotonic() + timeout_s, 0
        while confirmed < 3:  # idle three checks in a row: nothing is in flight between stages
            if time.monotonic() > deadline or any(loop.failed for loop in run.pipeline.loops):
                raise RuntimeError("replay did not finish: see the log")
            confirmed = confirmed + 1 if drained(run.pipeline, metrics, fed) else 0
            time.sleep(0.3)
    summary = summarise(metrics, fed, brands_missing(lines, known))
    warn_missing(summary.unknown_brands, config.ingest.brands_file)
    return summary
