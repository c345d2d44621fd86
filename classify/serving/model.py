"""What every classifier takes and returns, whatever model sits behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Post:
    """One text to classify; a reply carries the text of the post it answers."""

    text: str
    parent_text: str | None = None


@dataclass(frozen=True)
class Classification:
    stance: str
    sentiment: str
    scores: dict[str, dict[str, float]]  # {"stance": {label: p}, "sentiment": {label: p}}
    signals: tuple[str, ...]
    model: str
    model_version: str
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "stance": self.stance,
            "sentiment": self.sentiment,
            "scores": self.scores,
            "signals": list(self.signals),
            "model": {"name": self.model, "version": self.model_version},
        }


class Classifier(Protocol):
    name: str
    version: str

    def classify(self, posts: Sequence[Post]) -> list[Classification]:
        """Classify a batch; one Classification per post, in order."""
        ...
