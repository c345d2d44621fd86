"""Classifier speed at batch 32 on this machine's cores: fp32 against int8, with the macro-F1 of each.

`python bench/model_speed.py [--runs 5]` times the lexicon baseline and the trained model in both
precisions over the same posts (the corpus test split, replies with their parents), reports posts
per second as medians over the runs and as ratios against the lexicon, scores each on the test
split, and measures the resident memory of a classify worker with the int8 model loaded.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import torch

from classify.datasets import CORPUS_DIR
from classify.registry import DEFAULT_MODEL, load_classifier
from luisterpost.offline import evaluate_file, median_rate, posts_of, read_posts

WORKER_RSS = """
import sys
from classify.registry import load_classifier
from luisterpost.offline import classify_all, posts_of, read_posts
classifier = load_classifier(sys.argv[1], sys.argv[2])
classify_all(classifier, posts_of(read_posts(sys.argv[3])), 32, progress=False)
# VmHWM, not ru_maxrss: after fork and exec, ru_maxrss still counts the parent's peak
status = open("/proc/self/status").read().split("VmHWM:")[1]
print(int(status.split()[0]))
"""


def posts_per_second(name: str, precision: str, runs: int, limit: int) -> tuple[float, float]:
    classifier = load_classifier(name, precision)
    rate = median_rate(classifier, posts_of(read_posts(CORPUS_DIR / "test.csv"))[:limit], 32, runs)
    report = evaluate_file(classifier, CORPUS_DIR / "test.csv", 32, progress=False)
    return rate, (report["stance"]["macro_f1"] + report["sentiment"]["macro_f1"]) / 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--posts", type=int, default=320)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
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
