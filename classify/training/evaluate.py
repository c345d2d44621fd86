"""Per-label precision, recall and F1, and the macro-F1 of each head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def head_report(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Scores over the labels that occur in gold or predictions; macro-F1 averages over those."""
    present = [label for label in labels if label in gold or label in predicted]
    per_label: dict[str, dict[str, float]] = {}
    for label in present:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": round(precision, 4), "recall": round(recall, 4),
                            "f1": round(f1, 4), "support": sum(g == label for g in gold)}
    macro = sum(score["f1"] for score in per_label.values()) / len(per_label) if per_label else 0.0
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0
    return {"labels": per_label, "macro_f1": round(macro, 4), "accuracy": round(accuracy, 4),
            "count": len(gold)}


def confusion(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Rows are the gold labels, columns the predicted ones, both in `labels` order."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    return matrix
