"""`luisterpost classify` and `luisterpost eval`: CSV files through the classifier, in batches."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from classify.serving.labels import HEADS
from classify.serving.model import Classification, Classifier, Post
from classify.training.datasets import posts_of, read_posts
from classify.training.evaluate import confusion, head_report
from luisterpost.config import ConfigError


def classify_all(classifier: Classifier, posts: list[Post], batch_size: int,
                 progress: bool = True) -> list[Classification]:
    results: list[Classification] = []
    with tqdm(total=len(posts), unit="post", disable=not progress, desc=classifier.name) as bar:
        for start in range(0, len(posts), batch_size):
            batch = posts[start:start + batch_size]
            results += classifier.classify(batch)
            bar.update(len(batch))
    return results


def median_rate(classifier: Classifier, posts: list[Post], batch_size: int, runs: int) -> float:
    """Posts per second over `runs` passes after a warm-up pass, the median: for the benchmarks."""
    import statistics
    import time

    classify_all(classifier, posts[:2 * batch_size], batch_size, progress=False)
    rates = []
    for _ in range(runs):
        began = time.perf_counter()
        classify_all(classifier, posts, batch_size, progress=False)
        rates.append(len(posts) / (time.perf_counter() - began))
    return statistics.median(rates)


def classify_file(classifier: Classifier, source: Path, out: Path, batch_size: int) -> int:
    results = classify_all(classifier, posts_of(read_posts(source)), batch_size)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as sink:
        for result in results:
            sink.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    return len(results)


def evaluate_file(classifier: Classifier, source: Path, batch_size: int,
                  baseline: Classifier | None = None, progress: bool = True) -> dict[str, Any]:
    """Scores per head; with a baseline, the same file scored by it too, under `baseline`."""
    frame = read_posts(source, ("text", "stance", "sentiment"))
    report = score_frame(classifier, frame, source, batch_size, progress)
    if baseline is not None:
        report["baseline"] = score_frame(baseline, frame, source, batch_size, progress)
    return report


def score_frame(classifier: Classifier, frame: pd.DataFrame, source: Path, batch_size: int,
                progress: bool = True) -> dict[str, Any]:
    results = classify_all(classifier, posts_of(frame), batch_size, progress)
    report: dict[str, Any] = {"file": str(source), "model": {"name": classifier.name,
                                                           "version": classifier.version}}
    return report | head_reports(frame, results, source)


def head_reports(frame: pd.DataFrame, results: Sequence[Classification], source: Path) -> dict[str, Any]:
    """Scores and confusion matrix per head of these results against the frame's gold labels."""
    report: dict[str, Any] = {}
    for head, labels in HEADS.items():
        scored = [(gold, getattr(result, head)) for gold, result in zip(frame[head], results, strict=True)
                  if gold]  # an empty label is not scored for that head
        gold, predicted = [g for g, _ in scored], [p for _, p in scored]
        unknown = sorted(set(gold) - set(labels))
        if unknown:
            raise ConfigError(f"{source}: column {head} has unknown labels {unknown}; expected {list(labels)}")
        report[head] = head_report(gold, predicted, labels)
        report[head]["confusion"] = confusion(gold, predicted, labels)
    return report


def render(report: dict[str, Any]) -> str:
    lines = [f"{report['file']} with {report['model']['name']} {report['model']['version']}"]
    for head, labels in HEADS.items():
        scores = report[head]
        baseline = report.get("baseline", {}).get(head)
        against = f" (baseline {report['baseline']['model']['name']}: {baseline['macro_f1']:.3f})" if baseline else ""
        lines.append(f"{head}: macro-F1 {scores['macro_f1']:.3f}{against}, accuracy {scores['accuracy']:.3f}, "
                     f"n={scores['count']}")
        for label, score in scores["labels"].items():
            lines.append(f"  {label:<10} P {score['precision']:.3f}  R {score['recall']:.3f}  "
                         f"F1 {score['f1']:.3f}  n={score['support']}")
        if scores["count"]:
            lines.append("  confusion (rows gold, columns predicted): " + " ".join(label[:8] for label in labels))
            lines += [f"    {label:<10} " + " ".join(f"{count:>8}" for count in row)
                      for label, row in zip(labels, scores["confusion"], strict=True)]
    return "\n".join(lines)
