"""Long posts read whole against cut at the window: DBRD book reviews and the seed articles, before and after.

`python bench/long_texts.py [--model NAME] [--reviews 600] [--windows 16] [--precision fp32]` scores a
fixed sample of the DBRD held-out reviews (most are longer than the 96-token window) with the model
cut at its window (one window per post, as before) and read in up to `--windows` overlapping windows,
and prints accuracy and macro-F1 for all of them and for those longer than one window, the posts per
second of each (one pass over the sample) and each seed article's stance and sentiment both ways. This
measures; it chooses nothing (the window cap is a cost limit, not a tuned value).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from classify.network.classifier import TransformerClassifier
from classify.network.registry import DEFAULT_MODEL, model_directory
from classify.network.transformer import QUERY_PREFIX
from classify.serving.labels import SENTIMENTS
from classify.serving.model import Post
from classify.training.datasets import shared_data_dir
from classify.training.evaluate import head_report
from luisterpost.offline import classify_all

SAMPLE_SEED = 13  # the same sample as bench/realtext.py


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--precision", default="fp32", choices=("fp32", "int8"))
    parser.add_argument("--reviews", type=int, default=600)
    parser.add_argument("--windows", type=int, default=16)
    args = parser.parse_args()
    directory = model_directory(args.model)
    assert directory is not None, "--model: the lexicon has no window"
    classifier = TransformerClassifier(directory, args.precision)
    reviews = pd.read_csv(shared_data_dir() / "heldout" / "dbrd_test.csv", dtype=str, keep_default_na=False)
    reviews = reviews.sample(n=min(args.reviews, len(reviews)), random_state=SAMPLE_SEED).reset_index(drop=True)
    tokens = [len(classifier.tokenizer(QUERY_PREFIX + text)["input_ids"]) for text in reviews["text"]]
    long = [n > classifier.card.max_length for n in tokens]
    seeds = sorted((shared_data_dir().parent / "seeds").glob("*.txt"))
    print(f"{classifier.name} {classifier.version} {args.precision}; {len(reviews)} DBRD reviews, median "
          f"{sorted(tokens)[len(tokens) // 2]} tokens, {sum(long)} longer than the {classifier.card.max_length}-token "
          f"window\n")
    print("| reading | DBRD accuracy | DBRD macro-F1 | accuracy, long reviews only | posts/s |")
    print("|---|---|---|---|---|")
    verdicts: dict[int, list[str]] = {}
    for windows in (1, args.windows):
        classifier.card.max_windows = windows
        began = time.perf_counter()
        results = classify_all(classifier, [Post(text) for text in reviews["text"]], 32, progress=False)
        rate = len(results) / (time.perf_counter() - began)
        predicted = [r.sentiment for r in results]
        whole = head_report(list(reviews["sentiment"]), predicted, SENTIMENTS)
        longer = head_report([g for g, n in zip(reviews["sentiment"], long, strict=True) if n],
                             [p for p, n in zip(predicted, long, strict=True) if n], SENTIMENTS)
        reading = "cut at the window" if windows == 1 else f"up to {windows} windows"
        print(f"| {reading} | {whole['accuracy']:.3f} | {whole['macro_f1']:.3f} | {longer['accuracy']:.3f} | "
              f"{rate:.1f} |")
        verdicts[windows] = [f"{r.stance}/{r.sentiment}" for r in
                             classifier.classify([Post(Path(seed).read_text(encoding="utf-8")) for seed in seeds])]
    print("\n| seed article | tokens | cut at the window | read whole |\n|---|---|---|---|")
    for i, seed in enumerate(seeds):
        count = len(classifier.tokenizer(QUERY_PREFIX + seed.read_text(encoding="utf-8"))["input_ids"])
        print(f"| {seed.name} | {count} | {verdicts[1][i]} | {verdicts[args.windows][i]} |")


if __name__ == "__main__":
    main()
