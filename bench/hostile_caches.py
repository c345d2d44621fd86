"""Memory of classify's parent-text cache and ingest's dedup at their configured capacities, with
hostile sizes (texts of 20,000 emoji-laden characters, ids of 10 kB): the code as it was at a baseline
commit (bounded by count only) against the code here (bounded by bytes), in the same command.

The baseline cannot be filled to capacity on a small machine (it would take about 9 GB), so its cost per
entry is measured on a sample and multiplied by the capacity; the current caches are filled well past
their byte budget and measured as they are. Memory is what tracemalloc counts as still allocated.

    python bench/hostile_caches.py [--baseline bf680c1] [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tracemalloc
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from classify.serving.worker import ParentTexts
from ingest.dedup import SeenIds
from luisterpost.config import ClassifyConfig, IngestConfig

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
TEXT = ("wachten op bezorging 😡 " * 1000)[:20_000]


def hostile_id(i: int) -> str:
    return f"id{i}-" + "I" * 10_240


def old_module(commit: str, path: str) -> types.ModuleType:
    """A module's source as it was at `commit`, loaded under a private name."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType(f"baseline_{Path(path).stem}")
    exec(compile(source, f"{commit}:{path}", "exec"), module.__dict__)  # noqa: S102 - our own history
    return module


def held_bytes(fill: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = fill()
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
        del kept
        return held
    finally:
        tracemalloc.stop()


def fill_parents(cache: Any, count: int) -> Any:
    for i in range(count):
        cache.remember(f"p{i}", TEXT + str(i))
    return cache


def fill_ids(seen: Any, count: int) -> Any:
    for i in range(count):
        seen.first_time(hostile_id(i))
    return seen


def measure(runs: int, baseline: str) -> list[tuple[str, float, float]]:
    classify, ingest = ClassifyConfig(), IngestConfig()
    old_worker, old_dedup = old_module(baseline, "classify/worker.py"), old_module(baseline, "ingest/dedup.py")
    sample_parents, sample_ids = 1_000, 10_000
    offered = 2 * classify.parent_cache_max_bytes // (len(TEXT) * 4)  # twice the budget, 4 bytes a character
    rows: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        rows.setdefault(name, []).append(value)

    for _ in range(runs):
        old = held_bytes(lambda: fill_parents(old_worker.ParentTexts(classify.parent_cache), sample_parents))
        add("parents before", old / sample_parents * classify.parent_cache)
        add("parents after", held_bytes(lambda: fill_parents(
            ParentTexts(classify.parent_cache, classify.parent_cache_max_bytes), offered)))
        old = held_bytes(lambda: fill_ids(old_dedup.SeenIds(ingest.dedup_capacity), sample_ids))
        add("dedup before", old / sample_ids * ingest.dedup_capacity)
        add("dedup after", held_bytes(lambda: fill_ids(
            SeenIds(ingest.dedup_capacity, ingest.dedup_max_bytes), ingest.dedup_capacity + 20_000)))
    return [(name, statistics.median(values), min(values)) for name, values in rows.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="bf680c1", help="the commit whose caches were bounded by count")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    classify, ingest = ClassifyConfig(), IngestConfig()
    print(f"parent cache: {classify.parent_cache:,} entries, {classify.parent_cache_max_bytes / MB:.0f} MB "
          f"budget; dedup: {ingest.dedup_capacity:,} ids, {ingest.dedup_max_bytes / MB:.0f} MB budget; "
          f"medians of {options.runs} runs (baseline {options.baseline}: extrapolated to capacity)")
    results = dict((name, median) for name, median, _ in measure(options.runs, options.baseline))
    for cache in ("parents", "dedup"):
        before, after = results[f"{cache} before"], results[f"{cache} after"]
        print(f"{cache:8s} before {before / MB:9.1f} MB   after {after / MB:7.1f} MB   "
              f"before/after {before / after:6.1f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
