"""Classifier speed at batch 32 on this machine's cores: fp32 against int8, with the macro-F1 of each.

`python bench/model_speed.py [--runs 5]` times the lexicon baseline and the trained model in both
precisions over the same posts (the corpus test split, replies with their parents), reports posts
per second as medians over the runs and as ratios against the lexicon, scores each on the test
split, and measures the resident memory of a classify worker with the int8 model loaded.

`--texts real` times real-length posts instead: a fixed sample of the real sets' development rows
(review sentences, tweets, headlines, social posts of up to 2,000 characters). `--baseline NAME`
times a second model (a directory, e.g. an earlier version) in the same command, run after run
alternating with the model, and prints the ratio of the medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

import torch

from classify.network.registry import DEFAULT_MODEL, load_classifier
from classify.serving.model import Post
from classify.training.datasets import CORPUS_DIR, real_sets
from luisterpost.offline import evaluate_file, median_rate, posts_of, read_posts

WORKER_RSS = """
import sys
from classify.network.registry import load_classifier
from luisterpost.offline import classify_all, posts_of, read_posts
classifier = load_classifier(sys.argv[1], sys.argv[2])
classify_all(classifier, posts_of(read_posts(sys.argv[3])), 32, progress=False)
# VmHWM, not ru_maxrss: after fork and exec, ru_maxrss still counts the parent's peak
status = open("/proc/self/status").read().split("VmHWM:")[1]
print(int(status.split()[0]))
"""


def timed_posts(texts: str, limit: int) -> list[Post]:
    if texts == "real":
        real = real_sets()
        real = real[real["split"] == "dev"].sample(n=limit, random_state=13)
        return [Post(text) for text in real["text"]]
    return posts_of(read_posts(CORPUS_DIR / "test.csv"))[:limit]


def interleaved(names: tuple[str, str], precision: str, runs: int, posts: list[Post]) -> tuple[float, float]:
    """Median posts per second of two models, timed run after run in turn (the machine's noise hits both)."""
    classifiers = [load_classifier(name, precision) for name in names]
    rates: list[list[float]] = [[], []]
    for _ in range(runs):
        for i, classifier in enumerate(classifiers):
            rates[i].append(median_rate(classifier, posts, 32, 1))
    return statistics.median(rates[0]), statistics.median(rates[1])


def posts_per_second(name: str, precision: str, runs: int, limit: int, texts: str = "corpus") -> tuple[float, float]:
    classifier = load_classifier(name, precision)
    rate = median_rate(classifier, timed_posts(texts, limit), 32, runs)
    report = evaluate_file(classifier, CORPUS_DIR / "test.csv", 32, progress=False)
    return rate, (report["stance"]["macro_f1"] + report["sentiment"]["macro_f1"]) / 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--posts", type=int, default=320)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--texts", choices=("corpus", "real"), default="corpus")
    parser.add_argument("--baseline", help="a second model timed in the same runs (e.g. the previous version)")
    args = parser.parse_args()
    if args.baseline:
        posts = timed_posts(args.texts, args.posts)
        print(f"{args.texts} posts ({len(posts)}), batch 32, {torch.get_num_threads()} threads, medians of "
              f"{args.runs} alternating runs\n| precision | {args.model} posts/s | {args.baseline} posts/s | ratio |"
              "\n|---|---|---|---|")
        for precision in ("int8", "fp32"):
            ours, theirs = interleaved((args.model, args.baseline), precision, args.runs, posts)
            print(f"| {precision} | {ours:,.1f} | {theirs:,.1f} | {ours / theirs:.2f}x |")
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch 32, {args.posts} posts, "
          f"medians of {args.runs} runs")
    lexicon, _ = posts_per_second("lexicon", "fp32", args.runs, args.posts)
    print("| path | posts/s | time per post vs lexicon | mean of stance and sentiment macro-F1 (test split) |")
    print("|---|---|---|---|")
    print(f"| lexicon | {lexicon:,.0f} | 1.0x | see bench/heldout.py |")
    for precision in ("fp32", "int8"):
        rate, f1 = posts_per_second(args.model, precision, args.runs, args.posts)
        print(f"| {args.model} {precision} | {rate:,.0f} | {lexicon / rate:.1f}x | {f1:.4f} |")
    for precision in ("fp32", "int8"):
        rss_kb = subprocess.run([sys.executable, "-c", WORKER_RSS, args.model, precision,
                                 str(CORPUS_DIR / "test.csv")], capture_output=True, text=True, check=True).stdout
        print(f"classify worker peak RSS, {precision}: {int(rss_kb.strip().splitlines()[-1]) / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
