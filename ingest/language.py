"""Language tag for mentions that come without one (py3langid ships its model in the wheel)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

UNDETERMINED = "und"


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def detect(text: str, languages: Sequence[str], min_confidence: float = 0.4) -> str:
    """Flemish is tagged `nl`; a text too short to tell (an emoji, "ok") is `und`."""
    if sum(ch.isalpha() for ch in text) < 3:
        return UNDETERMINED
    language, confidence = _identifier(tuple(languages)).classify(text[:2000])
    return str(language) if confidence >= min_confidence else UNDETERMINED
