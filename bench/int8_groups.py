"""How the int8 path splits a batch of 32 across the cores: interleaved, with ratios to the old way.

`python bench/int8_groups.py [--rounds 6]` loads the int8 model once per layout and times them in
turn, round after round, over the same posts as `bench/model_speed.py` (the corpus test split's
first 320, batch 32): one run at a time on every core in groups of 16 posts (the path before model
2.1's speed work, the baseline), and one run per core side by side in groups of 16, 8, 4 and 1. It
prints each layout's median posts per second and the median of its per-round ratio to the baseline;
interleaving keeps a noisy neighbour from favouring one layout.
"""

from __future__ import annotations

import argparse
import statistics

import torch

from classify.int8.runtime import OnnxInt8Model
from classify.network.classifier import TransformerClassifier
from classify.network.registry import DEFAULT_MODEL, load_classifier
from classify.training.datasets import CORPUS_DIR, posts_of
from luisterpost.offline import median_rate, read_posts

LAYOUTS = {"one run at a time, groups of 16": (1, 16), "side by side, groups of 16": (None, 16),
           "side by side, groups of 8": (None, 8), "side by side, groups of 4": (None, 4),
           "side by side, each post alone": (None, 1)}


def layout(model: str, side_by_side: int | None, group: int) -> TransformerClassifier:
    classifier = load_classifier(model, "int8")
    assert isinstance(classifier, TransformerClassifier) and isinstance(classifier.model, OnnxInt8Model)
    # the cached export, loaded again with this layout
    classifier.model = OnnxInt8Model(classifier.model.path, classifier.model.heads, side_by_side)
    classifier.group_size = group
    return classifier


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3, help="timed passes per layout and round (their median)")
    args = parser.parse_args()
    posts = posts_of(read_posts(CORPUS_DIR / "test.csv"))[:320]
    classifiers = {name: layout(args.model, *choice) for name, choice in LAYOUTS.items()}
    rates: dict[str, list[float]] = {name: [] for name in LAYOUTS}
    for _ in range(args.rounds):
        for name, classifier in classifiers.items():
            rates[name].append(median_rate(classifier, posts, 32, args.runs))
    baseline = rates[next(iter(LAYOUTS))]
    print(f"{args.model} int8, {torch.get_num_threads()} cores, batch 32, {len(posts)} posts, "
          f"{args.rounds} interleaved rounds of {args.runs} passes")
    print("| layout | posts/s (median) | vs one run at a time (median ratio) |")
    print("|---|---|---|")
    for name, values in rates.items():
        ratio = statistics.median(value / base for value, base in zip(values, baseline, strict=True))
        print(f"| {name} | {statistics.median(values):.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
