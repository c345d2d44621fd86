"""Shortcut audit: how well a label can be guessed from surface features alone, without reading the text.

If a probe on a post's length, punctuation and source id predicts a label far better than chance, a
model can learn that shortcut instead of the language (a templated corpus whose complaints are all
long, a source whose rows are all negative). `python bench/shortcuts.py` prints the audit for the
training mix. The probe is a multinomial logistic regression on binned features (so that it can use
any length band, not only a trend), scored by macro-F1 over k folds, against chance: the best of
always answering one label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch

EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
LENGTH_BINS = (10, 20, 40, 60, 80, 100, 120, 150, 200, 300, 500)
COUNT_BINS = (0, 1, 2, 4)
FEATURE_GROUPS = ("surface", "source", "surface+source")


def _binned(value: float, edges: Sequence[float]) -> list[float]:
    """One-hot of the band `value` falls in (len(edges) + 1 bands)."""
    band = sum(value > edge for edge in edges)
    return [1.0 if band == i else 0.0 for i in range(len(edges) + 1)]


def surface_features(text: str, parent_text: str) -> list[float]:
    """Length in characters and words, punctuation, capitals, digits, emoji, links and whether it is a reply."""
    counts = [text.count("!"), text.count("?"), text.count("."), text.count(","), len(EMOJI.findall(text)),
              sum(c.isupper() for c in text), sum(c.isdigit() for c in text), text.count("http") + text.count("@")]
    features = _binned(len(text), LENGTH_BINS) + _binned(len(text.split()), (2, 4, 8, 12, 16, 24, 40, 80))
    for count in counts:
        features += _binned(count, COUNT_BINS)
    return features + [1.0 if parent_text else 0.0]


def feature_matrix(frame: pd.DataFrame, group: str) -> torch.Tensor:
    columns: list[torch.Tensor] = []
    if "surface" in group:
        columns.append(torch.tensor([surface_features(t, p) for t, p in zip(frame["text"], frame["parent_text"],
                                                                                   strict=True)]))
    if "source" in group:
        sources = sorted(set(frame["source"]))
        columns.append(torch.tensor([[1.0 if s == name else 0.0 for name in sources] for s in frame["source"]]))
    return torch.cat(columns, dim=1)


def macro_f1(gold: torch.Tensor, predicted: torch.Tensor, classes: int) -> float:
    scores = []
    for label in range(classes):
        tp = int(((gold == label) & (predicted == label)).sum())
        fp = int(((gold != label) & (predicted == label)).sum())
        fn = int(((gold == label) & (predicted != label)).sum())
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def fit_probe(features: torch.Tensor, labels: torch.Tensor, classes: int, steps: int = 300) -> torch.nn.Linear:
    """Class-balanced logistic regression (balanced, so that a majority label earns it nothing)."""
    torch.manual_seed(0)
    probe = torch.nn.Linear(features.shape[1], classes)
    counts = torch.bincount(labels, minlength=classes).float()
    weight = torch.where(counts > 0, counts.sum() / (classes * counts.clamp(min=1)), torch.zeros_like(counts))
    optimizer = torch.optim.LBFGS(probe.parameters(), lr=0.5, max_iter=steps)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss: torch.Tensor = loss_fn(probe(features), labels) + 1e-3 * probe.weight.pow(2).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimizer.step(closure)  # type: ignore[no-untyped-call]
    return probe


@dataclass(frozen=True)
class Audit:
    head: str
    group: str
    rows: int
    probe_macro_f1: float
    shuffled_macro_f1: float  # the same probe on the labels shuffled: what noise features reach
    one_label_macro_f1: float


def chance(labels: torch.Tensor, classes: int) -> float:
    """The best macro-F1 of always answering one label."""
    return max(macro_f1(labels, torch.full_like(labels, label), classes) for label in range(classes))


def audit_head(frame: pd.DataFrame, head: str, names: Sequence[str], group: str, folds: int = 5) -> Audit:
    known = frame[frame[head].isin(names)].reset_index(drop=True)
    labels = torch.tensor([list(names).index(value) for value in known[head]])
    features = feature_matrix(known, group)
    shuffled = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(7))]
    return Audit(head, group, len(known), cross_validated(features, labels, len(names), folds),
                 cross_validated(features, shuffled, len(names), folds), round(chance(labels, len(names)), 3))


def cross_validated(features: torch.Tensor, labels: torch.Tensor, classes: int, folds: int) -> float:
    """Macro-F1 of the probe over `folds` folds, each scored by a probe fitted on the others."""
    fold = torch.arange(len(labels)) % folds
    fold = fold[torch.randperm(len(labels), generator=torch.Generator().manual_seed(13))]
    predicted = torch.empty_like(labels)
    for k in range(folds):
        probe = fit_probe(features[fold != k], labels[fold != k], classes)
        with torch.no_grad():
            predicted[fold == k] = probe(features[fold == k]).argmax(-1)
    return round(macro_f1(labels, predicted, classes), 3)
