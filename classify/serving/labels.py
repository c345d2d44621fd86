"""The label sets of the two heads and the signal flags (docs/contracts.md, Labels)."""

from typing import Final

STANCES: Final = ("complaint", "defense", "praise", "neutral")
SENTIMENTS: Final = ("negative", "neutral", "positive")
SIGNALS: Final = ("legal", "media", "churn", "emergency", "abuse")
HEADS: Final = {"stance": STANCES, "sentiment": SENTIMENTS}
