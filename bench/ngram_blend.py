"""Would a word and character n-gram model fix the encoder's vocabulary gaps? (docs/model.md, issue 18)

`python bench/ngram_blend.py [--model DIR]` trains a hashed n-gram linear model (words, word pairs and
character 3- to 5-grams, a fastText-like bag) per head on the train rows of the mix that `luisterpost train
--per-source 2000 --whole app-reviews --no-headline-stance` draws, and prints, per development set, the
macro-F1 of the n-grams alone, of the model alone, and of their probabilities averaged. It reads the real
dev rows only, never `heldout/`.
"""

from __future__ import annotations

import argparse
import re
import zlib

import numpy as np
import torch

from classify.network.registry import DEFAULT_MODEL, load_classifier
from classify.training.datasets import training_data
from classify.training.evaluate import head_report
from luisterpost.offline import classify_all, posts_of

BUCKETS = 2**20
HEADS = {"stance": ["complaint", "defense", "praise", "neutral"], "sentiment": ["negative", "neutral", "positive"]}


def features(text: str) -> list[int]:
    lowered = text.lower()
    words = re.findall(r"\w+|[^\w\s]", lowered)
    grams = [f"w:{w}" for w in words] + [f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
    padded = f" {lowered} "
    for n in (3, 4, 5):
        grams += [f"c{n}:{padded[i:i + n]}" for i in range(len(padded) - n + 1)]
    return [zlib.crc32(gram.encode()) % BUCKETS for gram in grams] or [0]


def bag(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    indices: list[int] = []
    offsets: list[int] = []
    for text in texts:
        offsets.append(len(indices))
        indices += features(text)
    return torch.tensor(indices), torch.tensor(offsets)


class NGrams(torch.nn.Module):
    def __init__(self, classes: int) -> None:
        super().__init__()
        self.weights = torch.nn.EmbeddingBag(BUCKETS, classes, mode="mean")
        torch.nn.init.zeros_(self.weights.weight)
        self.bias = torch.nn.Parameter(torch.zeros(classes))

    def forward(self, indices: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.weights(indices, offsets) + self.bias


def fit(texts: list[str], targets: np.ndarray, classes: int, epochs: int = 5) -> NGrams:
    torch.manual_seed(0)
    model = NGrams(classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    order = np.arange(len(texts))
    for epoch in range(epochs):
        np.random.default_rng(epoch).shuffle(order)
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            indices, offsets = bag([texts[i] for i in batch])
            loss = torch.nn.functional.cross_entropy(model(indices, offsets), torch.tensor(targets[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    frame = training_data(per_source=2000, headline_stance=False, whole=("app-reviews",))
    train, dev = frame[frame["split"] == "train"], frame[frame["split"] == "dev"].reset_index(drop=True)
    results = classify_all(load_classifier(args.model), posts_of(dev), 32, progress=False)
    print("| dev set | head | n | n-grams | model | average |\n|---|---|---|---|---|---|")
    for head, labels in HEADS.items():
        rows = train[train[head].isin(labels)]
        ngrams = fit(rows["text"].tolist(), np.array([labels.index(v) for v in rows[head]]), len(labels))
        with torch.no_grad():
            by_ngrams = torch.softmax(ngrams(*bag(dev["text"].tolist())), 1).numpy()
        by_model = np.array([[result.scores[head][label] for label in labels] for result in results])
        for source in sorted(dev["source"].unique()):
            mask = (dev["source"] == source).to_numpy() & dev[head].isin(labels).to_numpy()
            if mask.any():
                gold = dev[head][mask].tolist()
                cells = [head_report(gold, [labels[k] for k in p[mask].argmax(1)], labels)["macro_f1"]
                         for p in (by_ngrams, by_model, (by_ngrams + by_model) / 2)]
                print(f"| {source} | {head} | {int(mask.sum())} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
