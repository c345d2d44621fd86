"""Inter-annotator agreement between annotator A (full label files) and annotator B (second pass).

Joins `imsypp_labels.csv` / `xed_labels.csv` (A) with `second_pass_labels.csv` (B) on `key`, and the
written posts (`../posts/*.yaml`, A: their writers) with the blind second pass on a sample of 200 from
each writer (`../posts/second_pass/{a,b}-labels-B.yaml`) on `id`, the real app reviews
(`../real/app-reviews/labels.csv`) with their blind second passes (`second_pass/labels*.csv`), and
prints, per set and per head (stance, sentiment): the number of items, raw agreement, Cohen's kappa
and a confusion table (rows A, columns B).

Run from the repository root:

    python classify/corpus/annotations/agreement.py
    python classify/corpus/annotations/agreement.py --disagreements   # also list disagreeing keys

Cohen's kappa uses scikit-learn when it is installed, else the same formula computed here:
kappa = (p_o - p_e) / (1 - p_e), with p_e from the two annotators' marginal label shares.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
SETS: dict[str, str] = {"imsypp": "imsypp_labels.csv", "xed": "xed_labels.csv",
                        "posts-a": "a", "posts-b": "b",  # the written posts: by writer prefix
                        "app-reviews": "app-reviews"}  # real app reviews: ../real/app-reviews/
POSTS = HERE.parent / "posts"
APP_REVIEWS = HERE.parent / "real" / "app-reviews"
HEADS: dict[str, list[str]] = {
    "stance": ["complaint", "defense", "praise", "neutral"],
    "sentiment": ["negative", "neutral", "positive"],
}


def cohen_kappa(a: pd.Series, b: pd.Series) -> float:
    """Cohen's kappa of two equally long label series (nan when chance agreement is 1)."""
    try:
        from sklearn.metrics import cohen_kappa_score  # type: ignore[import-not-found]
    except ImportError:
        cohen_kappa_score = None
    if cohen_kappa_score is not None:
        return float(cohen_kappa_score(a, b))
    n = len(a)
    p_o = float((a.to_numpy() == b.to_numpy()).mean())
    share_a = a.value_counts() / n
    share_b = b.value_counts() / n
    p_e = float(sum(share_a.get(lab, 0.0) * share_b.get(lab, 0.0) for lab in set(a) | set(b)))
    if p_e == 1.0:
        return float("nan")
    return (p_o - p_e) / (1.0 - p_e)


def load_post_pairs(prefix: str) -> pd.DataFrame:
    """The writers' labels (A) beside the blind second pass (B) for one writer's sample, keyed by id."""
    a = pd.DataFrame([entry for path in sorted(POSTS.glob(f"{prefix}-*.yaml"))
                      for entry in yaml.safe_load(path.read_text(encoding="utf-8"))])
    b = pd.DataFrame(yaml.safe_load((POSTS / "second_pass" / f"{prefix}-labels-B.yaml").read_text(encoding="utf-8")))
    cols = ["id", *HEADS, "abuse"]
    pairs = a[cols].astype(str).merge(b[cols].astype(str), on="id", suffixes=("_A", "_B"), validate="one_to_one")
    if len(pairs) != len(b):
        sys.exit(f"posts-{prefix}: {len(b) - len(pairs)} second-pass ids are not in the posts")
    return pairs.rename(columns={"id": "key"})


def load_app_review_pairs() -> pd.DataFrame:
    """The app reviews' labels (A) beside the blind second passes on samples of them (B), keyed by review id."""
    a = pd.read_csv(APP_REVIEWS / "labels.csv", dtype=str, keep_default_na=False)
    b = pd.concat([pd.read_csv(path, dtype=str, keep_default_na=False)
                   for path in sorted((APP_REVIEWS / "second_pass").glob("labels*.csv"))], ignore_index=True)
    cols = ["id", *HEADS, "abuse"]
    pairs = a[cols].merge(b[cols], on="id", suffixes=("_A", "_B"), validate="one_to_one")
    if len(pairs) != len(b):
        sys.exit(f"app-reviews: {len(b) - len(pairs)} second-pass ids are not in labels.csv")
    return pairs.rename(columns={"id": "key"})


def load_pairs(set_name: str) -> pd.DataFrame:
    """A's and B's labels for one set, inner-joined on key (columns key, <head>_A, <head>_B)."""
    if set_name.startswith("posts-"):
        return load_post_pairs(SETS[set_name])
    if set_name == "app-reviews":
        return load_app_review_pairs()
    a = pd.read_csv(HERE / SETS[set_name], dtype=str, keep_default_na=False)
    b = pd.read_csv(HERE / "second_pass_labels.csv", dtype=str, keep_default_na=False)
    b = b[b["set"] == set_name]
    cols = ["key", *HEADS]
    pairs = a[cols].merge(b[cols], on="key", suffixes=("_A", "_B"), validate="one_to_one")
    if len(pairs) != len(b):
        missing = sorted(set(b["key"]) - set(pairs["key"]))
        sys.exit(f"{set_name}: {len(missing)} second-pass keys not in {SETS[set_name]}: {missing[:5]}")
    return pairs


def confusion(a: pd.Series, b: pd.Series, labels: list[str]) -> pd.DataFrame:
    """Counts, rows = A's label, columns = B's label, in the guide's label order."""
    table = pd.crosstab(pd.Categorical(a, categories=labels), pd.Categorical(b, categories=labels),
                        dropna=False)
    table.index.name, table.columns.name = "A \\ B", None
    return table


def kappa_text(kappa: float) -> str:
    """Kappa to 3 decimals; 'undefined' when both annotators used one and the same label only."""
    return "undefined" if kappa != kappa else f"{kappa:.3f}"


def main() -> None:
    show_keys = "--disagreements" in sys.argv[1:]
    summary: list[dict[str, object]] = []
    tables: list[str] = []
    for set_name in SETS:
        pairs = load_pairs(set_name)
        heads = {**HEADS, "abuse": ["0", "1"]} if set_name.startswith(("posts-", "app-")) else HEADS
        for head, labels in heads.items():
            a, b = pairs[f"{head}_A"], pairs[f"{head}_B"]
            summary.append({
                "set": set_name,
                "head": head,
                "items": len(pairs),
                "raw_agreement": round(float((a == b).mean()), 3),
                "kappa": kappa_text(cohen_kappa(a, b)),
            })
            tables.append(f"{set_name} / {head} (rows A, columns B)\n"
                          f"{confusion(a, b, labels).to_string()}")
            if show_keys:
                diff = pairs.loc[a != b, ["key", f"{head}_A", f"{head}_B"]]
                tables.append(f"{set_name} / {head}: {len(diff)} disagreements\n"
                              f"{diff.to_string(index=False)}")
    print(pd.DataFrame(summary).to_string(index=False))
    print("(kappa 'undefined': both annotators gave every item the same label, so chance agreement is 1)")
    for table in tables:
        print()
        print(table)


if __name__ == "__main__":
    main()
