"""Classifiers by name, as the configuration names them (`classify.model`)."""

from __future__ import annotations

from classify.model import Classifier
from luisterpost.config import ConfigError

KNOWN = ("lexicon",)


def load_classifier(name: str) -> Classifier:
    if name == "lexicon":
        from classify.lexicon import LexiconClassifier

        return LexiconClassifier()
    raise ConfigError(f"classify.model: unknown model {name!r}; known: {', '.join(KNOWN)}")
