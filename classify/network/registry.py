"""Classifiers by name, as the configuration names them (`classify.model`).

`luisterpost-e5-small` (the default) is the trained model bundled in `classify/models/`; `lexicon`
is the word-list baseline; any other value is a directory written by `luisterpost train`.
"""

from __future__ import annotations

from pathlib import Path

from classify.serving.model import Classifier
from ingest.errors import ConfigError

MODELS_DIR = Path(__file__).parents[1] / "models"
DEFAULT_MODEL = "luisterpost-e5-small"
KNOWN = ("lexicon", DEFAULT_MODEL)


def model_directory(name: str) -> Path | None:
    """The directory of a trained model by bundled name or path; None for the lexicon."""
    if name == "lexicon":
        return None
    directory = MODELS_DIR / name if name in KNOWN else Path(name)
    if not (directory / "luisterpost.json").is_file():
        raise ConfigError(f"classify.model: {name!r} is neither {' nor '.join(KNOWN)} nor a directory written by "
                          f"`luisterpost train` (no luisterpost.json in {directory})")
    return directory


def load_classifier(name: str, precision: str = "fp32") -> Classifier:
    directory = model_directory(name)
    if directory is None:
        from classify.serving.lexicon import LexiconClassifier

        return LexiconClassifier()
    from classify.network.classifier import TransformerClassifier

    return TransformerClassifier(directory, precision)
