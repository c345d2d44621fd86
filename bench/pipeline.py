"""Stage-core throughput on the demo stream, against json.loads of the same bytes, and replay wall time."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from alerts.detection.detector import Detector
from alerts.detection.observation import Observation, observe
from alerts.rules_config import load_rules
from classify.serving.lexicon import LexiconClassifier
from classify.serving.worker import ClassifyWorker
from ingest.brands import load_brands
from ingest.ingester import Accepted, Ingester
from ingest.mention import parse
from luisterpost.config import Config, IngestConfig
from luisterpost.demo import scenarios
from luisterpost.replay import replay


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    values = [json.dumps(m, ensure_ascii=False).encode() for m in scenarios.demo_stream()]
    ingested = [v.mention.record for v in (Ingester(IngestConfig(), load_brands(None)).ingest(b) for b in values)
                if isinstance(v, Accepted)]
    classified = ClassifyWorker(LexiconClassifier(), 10_000).classify([dict(r) for r in ingested])
    encoded = [json.dumps(r).encode() for r in classified]
    rules = load_rules(None)

    def detect() -> None:
        detector = Detector(rules, timedelta(minutes=5))
        for value in encoded:
            observation = observe(value)
            if isinstance(observation, Observation):
                detector.observe(observation)

    def ingest_all(ingester: Ingester) -> None:
        for value in values:
            ingester.ingest(value)

    cases: dict[str, Callable[[], object]] = {
        "parse": lambda: [parse(v) for v in values],
        "ingest": lambda: ingest_all(Ingester(IngestConfig(), load_brands(None))),
        "classify lexicon, batch 32": lambda: [
            ClassifyWorker(LexiconClassifier(), 10_000).classify([dict(r) for r in ingested[i:i + 32]])
            for i in range(0, len(ingested), 32)],
        "detect": detect,
    }
    baseline = median_seconds(lambda: [json.loads(v) for v in values], runs)
    print(f"{len(values)} demo records, median of {runs} runs; baseline json.loads: "
          f"{len(values) / baseline:,.0f} records/s")
    print(f"{'case':<28} {'records/s':>10} {'x baseline time':>16}")
    for name, work in cases.items():
        seconds = median_seconds(work, runs)
        print(f"{name:<28} {len(values) / seconds:>10,.0f} {seconds / baseline:>16.1f}")

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "demo.jsonl"
        scenarios.write_jsonl(source, scenarios.demo_stream())
        wall = median_seconds(lambda: replay(Config(), source, Path(folder) / "out.jsonl"), max(1, runs // 2))
    print(f"replay of the demo stream on the embedded broker: {wall:.1f} s median "
          f"({len(values) / wall:,.0f} records/s end to end)")


if __name__ == "__main__":
    main()
