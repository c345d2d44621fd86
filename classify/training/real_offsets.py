"""Label offsets chosen on real text: how readily each stance and sentiment is called, set on the real dev rows.

The model's calibrated probabilities come from a training mix that is mostly the written corpus, so its
priors are the corpus's. `python -m classify.training.real_offsets [--model DIR] [--write]` scores the model
on the development rows of the real sets (`classify/training/datasets.py`, never `heldout/`) and on the corpus
development split, and searches per head for offsets added to the calibrated log-probabilities (the
card's `label_offsets`) that raise the mean macro-F1 over the real sources, while the corpus
development split keeps its stance and sentiment macro-F1 within half a point and its defense recall
within one point.

Against fitting the dev rows themselves, the search is first cross-fitted: chosen on one half of the
real dev rows and scored on the other, both ways. Only when both halves gain is the search run on
all of them and, with `--write`, written into the card.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from classify.network.registry import DEFAULT_MODEL, model_directory
from classify.training.datasets import CORPUS_DIR, dev_by_hash, real_sets
from classify.training.evaluate import head_report

GRID = tuple(round(0.25 * step, 2) for step in range(-6, 7))  # -1.5 .. 1.5 on the log scale
ROUNDS = 2
MIN_GAIN = 0.002
MAX_CORPUS_LOSS = 0.005
MAX_DEFENSE_RECALL_LOSS = 0.01


@dataclass(frozen=True)
class Rows:
    """One head's scored rows: log-probabilities, gold labels and the source of each."""

    log_probabilities: torch.Tensor
    gold: list[str]
    sources: list[str]

    def subset(self, keep: Sequence[bool]) -> Rows:
        index = torch.tensor([i for i, k in enumerate(keep) if k], dtype=torch.long)
        return Rows(self.log_probabilities[index], [self.gold[i] for i in index.tolist()],
                    [self.sources[i] for i in index.tolist()])


def predictions(rows: Rows, labels: Sequence[str], offsets: Sequence[float]) -> list[str]:
    return [labels[i] for i in (rows.log_probabilities + torch.tensor(offsets)).argmax(-1).tolist()]


def real_score(rows: Rows, labels: Sequence[str], offsets: Sequence[float]) -> float:
    """Mean over the real sources of each source's macro-F1: every source counts the same."""
    predicted = predictions(rows, labels, offsets)
    per_source = []
    for source in sorted(set(rows.sources)):
        pairs = [(g, p) for g, p, s in zip(rows.gold, predicted, rows.sources, strict=True) if s == source]
        per_source.append(float(head_report([g for g, _ in pairs], [p for _, p in pairs], labels)["macro_f1"]))
    return sum(per_source) / len(per_source)


def corpus_guard(rows: Rows, labels: Sequence[str], offsets: Sequence[float]) -> tuple[float, float]:
    """Corpus dev macro-F1 and, for stance, defense recall (0 where there is no defense label)."""
    report = head_report(rows.gold, predictions(rows, labels, offsets), labels)
    return float(report["macro_f1"]), float(report["labels"].get("defense", {}).get("recall", 0.0))


def choose(real: Rows, corpus: Rows, labels: Sequence[str]) -> list[float]:
    """Coordinate search over one offset per label on the grid, a few rounds; a step is taken only
    when it gains on the real rows and the corpus guard holds."""
    offsets = [0.0] * len(labels)
    floor_f1, base_recall = corpus_guard(corpus, labels, offsets)
    best = real_score(real, labels, offsets)
    for _ in range(ROUNDS):
        for position in range(len(labels)):
            for value in GRID:
                trial = offsets.copy()
                trial[position] = value
                macro, recall = corpus_guard(corpus, labels, trial)
                if macro < floor_f1 - MAX_CORPUS_LOSS or recall < base_recall - MAX_DEFENSE_RECALL_LOSS:
                    continue
                score = real_score(real, labels, trial)
                if score > best + MIN_GAIN:
                    best, offsets = score, trial
    return offsets


def cross_fitted_gains(real: Rows, corpus: Rows, labels: Sequence[str]) -> list[float]:
    """Chosen on one half of the real dev rows (by a hash of the row number), scored on the other."""
    halves = [dev_by_hash(f"half-{i}", 0.5) == "dev" for i in range(len(real.gold))]
    gains = []
    for chosen_half in (True, False):
        fit = real.subset([h == chosen_half for h in halves])
        check = real.subset([h != chosen_half for h in halves])
        offsets = choose(fit, corpus, labels)
        gains.append(round(real_score(check, labels, offsets) - real_score(check, labels, [0.0] * len(labels)), 4))
    return gains


def gold_labels(frame: pd.DataFrame, head: str) -> list[str]:
    """Gold per row ("" where unlabelled); abuse as the card's labels, no and yes."""
    if head != "abuse":
        return [str(value) for value in frame[head]]
    return [{"0": "no", "1": "yes"}.get(str(value), "") for value in frame["abuse"]]


def scored_rows(probabilities: dict[str, torch.Tensor], frame: pd.DataFrame, head: str) -> Rows:
    gold = gold_labels(frame, head)
    keep = [bool(label) for label in gold]
    everything = Rows(probabilities[head].clamp(min=1e-9).log(), gold, [str(s) for s in frame["source"]])
    return everything.subset(keep)


def choose_head(head: str, labels: Sequence[str], real: Rows, corpus: Rows) -> tuple[list[float], str]:
    """The offsets for one head (zeros unless both halves gain) and its line of the table."""
    gains = cross_fitted_gains(real, corpus, labels)
    offsets = choose(real, corpus, labels)
    zero = [0.0] * len(labels)
    before, after = corpus_guard(corpus, labels, zero)[0], corpus_guard(corpus, labels, offsets)[0]
    line = (f"| {head} | {dict(zip(labels, offsets, strict=True))} | {gains} | {real_score(real, labels, zero):.4f} | "
            f"{real_score(real, labels, offsets):.4f} | {before:.4f} | {after:.4f} |")
    return (offsets if all(gain > 0 for gain in gains) else zero), line


def main(argv: Sequence[str] | None = None) -> int:
    from classify.network.classifier import TransformerClassifier
    from classify.training.datasets import posts_of

    parser = argparse.ArgumentParser(prog="python -m classify.training.real_offsets",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--write", action="store_true", help="write the offsets into the card when both halves gain")
    args = parser.parse_args(argv)
    directory = model_directory(args.model)
    if directory is None:
        parser.error("--model: the lexicon has no label offsets to set")
    classifier = TransformerClassifier(directory)
    classifier.set_offsets({})  # choose from the calibrated scores alone
    real = real_sets()
    real = real[real["split"] == "dev"].reset_index(drop=True)
    corpus = pd.read_csv(CORPUS_DIR / "dev.csv", dtype=str, keep_default_na=False).assign(source="corpus")
    real_p, corpus_p = classifier.probabilities(posts_of(real)), classifier.probabilities(posts_of(corpus))
    chosen: dict[str, dict[str, float]] = {}
    print(f"{classifier.name} {classifier.version}: {len(real)} real dev rows, {len(corpus)} corpus dev rows")
    print("| head | offsets | cross-fitted gain per half | real dev before | after | corpus dev before | after |")
    print("|---|---|---|---|---|---|---|")
    for head, labels in classifier.card.labels.items():
        real_rows = scored_rows(real_p, real, head)
        offsets, line = choose_head(head, labels, real_rows, scored_rows(corpus_p, corpus, head))
        print(line)
        if any(offsets):
            chosen[head] = {label: value for label, value in zip(labels, offsets, strict=True) if value}
    if args.write and chosen:
        classifier.card.label_offsets = chosen
        classifier.card.write(directory)
        print(f"wrote label_offsets {chosen} into {directory}")
    elif not chosen:
        print("no head gained on both halves: nothing to write", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
