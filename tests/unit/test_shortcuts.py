"""The shortcut audit finds a label that surface features give away, and not one they do not."""

from __future__ import annotations

import random

import pandas as pd

from classify.training.shortcuts import audit_head


def posts(shortcut: bool) -> pd.DataFrame:
    rng = random.Random(5)
    rows = []
    for i in range(300):
        label = ("complaint", "praise")[i % 2]
        words = 30 if shortcut and label == "complaint" else rng.choice((3, 30))
        text = " ".join(rng.choice(("pakket", "bezorging", "vandaag", "service")) for _ in range(words))
        rows.append({"text": text + ("!" if rng.random() < 0.5 else ""), "parent_text": "", "stance": label,
                     "source": rng.choice(("corpus", "reviews"))})
    return pd.DataFrame(rows)


def test_complaints_that_are_always_long_are_flagged() -> None:
    audit = audit_head(posts(shortcut=True), "stance", ("complaint", "praise"), "surface")
    assert audit.probe_macro_f1 > audit.shuffled_macro_f1 + 0.2


def test_labels_that_surface_features_do_not_carry_stay_near_chance() -> None:
    for group in ("surface", "source", "surface+source"):
        audit = audit_head(posts(shortcut=False), "stance", ("complaint", "praise"), group)
        assert audit.probe_macro_f1 < audit.shuffled_macro_f1 + 0.1
