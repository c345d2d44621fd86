"""Label offsets chosen on the real dev rows, guarded by the corpus dev split."""

from __future__ import annotations

import torch

from classify.training.real_offsets import Rows, choose, cross_fitted_gains, predictions, real_score

LABELS = ("negative", "neutral", "positive")


def shy_of_positive(count: int, source: str) -> Rows:
    """A model that scores real positives just below neutral: right once `positive` is raised a little."""
    rows, gold = [], []
    for i in range(count):
        label = LABELS[i % 3]
        if label == "positive":
            rows.append([-3.0, -0.9, -1.2])
        else:
            rows.append([-0.2 if label == "negative" else -3.0, -0.2 if label == "neutral" else -3.0, -3.0])
        gold.append(label)
    return Rows(torch.tensor(rows), gold, [source] * count)


def confident_corpus(count: int) -> Rows:
    gold = [LABELS[i % 3] for i in range(count)]
    rows = [[-0.1 if g == label else -4.0 for label in LABELS] for g in gold]
    return Rows(torch.tensor(rows), gold, ["corpus"] * count)


def test_an_offset_brings_back_the_positives_the_real_rows_miss() -> None:
    real, corpus = shy_of_positive(90, "reviews"), confident_corpus(60)
    offsets = choose(real, corpus, LABELS)
    assert predictions(real, LABELS, offsets) == real.gold
    assert real_score(real, LABELS, offsets) > real_score(real, LABELS, [0.0, 0.0, 0.0]) + 0.2
    assert all(gain > 0 for gain in cross_fitted_gains(real, corpus, LABELS))


def test_no_offset_that_costs_the_corpus_its_scores() -> None:
    real = shy_of_positive(90, "reviews")
    gold = [LABELS[i % 3] for i in range(60)]
    # on the corpus, neutral posts sit just under positive: any raise of positive breaks them
    corpus = Rows(torch.tensor([[-0.1, -4.0, -4.0] if g == "negative" else [-4.0, -0.5, -0.6] if g == "neutral"
                                else [-4.0, -4.0, -0.1] for g in gold]), gold, ["corpus"] * 60)
    offsets = choose(real, corpus, LABELS)
    assert predictions(corpus, LABELS, offsets) == corpus.gold  # the corpus keeps every label it had
