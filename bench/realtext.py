"""One table of every real Dutch set next to the corpus splits: the model in fp32 and int8, the lexicon, a candidate.

`python bench/realtext.py [--candidate DIR] [--splits dev|heldout|all] [--dbrd 600]` classifies each
set once per model and prints macro-F1 per set and head (and accuracy for DBRD, whose gold is binary).
Rows:

- `dev`: the development split of each real training source (`classify/training/datasets.py`, split by a
  hash of the text), of the corpus and of the written posts (`classify/corpus/posts/`). Every model
  choice is made on the real rows; the written ones are a guard.
- `heldout`: `shared/data/heldout/` (evaluation only) and the test splits of the corpus, the written
  posts and the app reviews (`classify/corpus/real/app-reviews/`). Choose nothing on them: while
  choosing, run with `--splits dev`, which never reads `heldout/`.

DBRD's reviews are long; `--dbrd N` scores a fixed sample of N (0: all 2,224). DBRD and the app reviews'
stars (`app-reviews-stars`) are binary: their accuracy counts a neutral answer wrong.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from classify.network.registry import DEFAULT_MODEL, load_classifier, model_directory
from classify.network.transformer import ModelCard
from classify.serving.model import Classification, Classifier
from classify.training.datasets import APP_REVIEWS_DIR, CORPUS_DIR, app_reviews, real_sets, shared_data_dir
from classify.training.datasets import written_posts as written
from classify.training.evaluate import head_report
from luisterpost.offline import classify_all, posts_of

HEAD_LABELS = {"stance": ("complaint", "defense", "praise", "neutral"),
               "sentiment": ("negative", "neutral", "positive"), "abuse": ("no", "yes")}
SAMPLE_SEED = 13


@dataclass(frozen=True)
class Scored:
    """A set to score: text, parent_text and gold columns per head (an empty gold is not scored)."""

    name: str
    split: str
    frame: pd.DataFrame


def _abuse(values: pd.Series) -> pd.Series:
    return values.map(lambda value: {"1": "yes", "0": "no", 1: "yes", 0: "no"}.get(value, ""))


def _gold(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"text": frame["text"], "parent_text": frame.get("parent_text", "")})
    for head in ("stance", "sentiment"):
        out[head] = frame[head] if head in frame.columns else ""
    out["abuse"] = _abuse(frame["abuse"]) if "abuse" in frame.columns else ""
    return out.fillna("").reset_index(drop=True)


def written_posts(split: str) -> Scored:
    """The whole written posts of one split: our own writing (not the measure of real text), but real lengths."""
    posts = written()
    return Scored("written-posts", split, _gold(posts[posts["split"] == split]))


def dev_sets() -> list[Scored]:
    sets = [Scored("corpus", "dev", _gold(pd.read_csv(CORPUS_DIR / "dev.csv", dtype=str, keep_default_na=False))),
            written_posts("dev")]
    real = real_sets()
    for source, part in real[real["split"] == "dev"].groupby("source", sort=True):
        sets.append(Scored(str(source), "dev", _gold(part)))
    return sets


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def heldout_sets(dbrd: int) -> list[Scored]:
    heldout = shared_data_dir() / "heldout"
    sets = [Scored("corpus", "test", _gold(_read(CORPUS_DIR / "test.csv"))), written_posts("test")]
    apps = app_reviews(shared_data_dir())
    sets.append(Scored("app-reviews", "test", _gold(apps[apps["split"] == "test"])))
    sets.append(Scored("app-reviews-stars", "test", _gold(app_review_stars(apps[apps["split"] == "test"]))))
    for name in ("semeval_nl_restaurants_test", "political_tweets_nl_test", "ecosent_nl_gold"):
        sets.append(Scored(name, "heldout", _gold(_read(heldout / f"{name}.csv"))))
    reviews = _read(heldout / "dbrd_test.csv")
    if dbrd:
        reviews = reviews.sample(n=min(dbrd, len(reviews)), random_state=SAMPLE_SEED)
    sets.append(Scored(f"dbrd_test ({len(reviews)})", "heldout", _gold(reviews)))
    stars = _read(heldout / "earphone_reviews.csv")
    rating = stars["Star_rating"].astype(int)
    sets.append(Scored("earphone_reviews", "heldout", _gold(pd.DataFrame({
        "text": stars["Product_review"],
        "stance": rating.map(lambda s: "complaint" if s <= 2 else "neutral" if s == 3 else "praise"),
        "sentiment": rating.map(lambda s: "negative" if s <= 2 else "neutral" if s == 3 else "positive")}))))
    hate = _read(heldout / "imsypp_nl_heldout_half.csv")
    abusive = [t.startswith(("2.", "3.")) and g.startswith("11.") for t, g in zip(hate["type"], hate["target"],
                                                                                      strict=True)]
    sets.append(Scored("imsypp_nl_heldout_half", "heldout",
                       _gold(pd.DataFrame({"text": hate["doc"], "abuse": ["1" if a else "0" for a in abusive]}))))
    return sets


def app_review_stars(reviews: pd.DataFrame) -> pd.DataFrame:
    """The same reviews with their authors' stars as a binary sentiment gold (1-2 negative, 4-5 positive, 3 not
    scored): the measure of the issue's external consumer-review check, where a neutral answer counts wrong."""
    stars = pd.read_csv(APP_REVIEWS_DIR / "reviews.csv", dtype=str, keep_default_na=False).drop_duplicates("text")
    rating = reviews["text"].map(stars.set_index("text")["rating"]).astype(int)
    return pd.DataFrame({"text": reviews["text"], "sentiment": rating.map(
        lambda value: "negative" if value <= 2 else "positive" if value >= 4 else "")})


def predicted(result: Classification, head: str) -> str:
    return ("yes" if "abuse" in result.signals else "no") if head == "abuse" else str(getattr(result, head))


def score(results: list[Classification], frame: pd.DataFrame, head: str) -> tuple[int, float, float]:
    rows = [(gold, predicted(result, head)) for gold, result in zip(frame[head], results, strict=True) if gold]
    report = head_report([g for g, _ in rows], [p for _, p in rows], HEAD_LABELS[head])
    return report["count"], report["macro_f1"], report["accuracy"]


def table(sets: list[Scored], models: dict[str, Callable[[], Classifier]]) -> list[str]:
    scores: dict[tuple[str, str, str, str], str] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for column, load in models.items():
        classifier = load()
        for scored in sets:
            results = classify_all(classifier, posts_of(scored.frame), 32, progress=False)
            for head in HEAD_LABELS:
                n, macro, accuracy = score(results, scored.frame, head)
                if n:
                    counts[(scored.name, scored.split, head)] = n
                    binary = scored.name.startswith(("dbrd", "app-reviews-stars"))
                    value = f"{macro:.3f}" + (f" (acc {accuracy:.3f})" if binary else "")
                    scores[(scored.name, scored.split, head, column)] = value
        del classifier
    lines = ["| set | split | head | n | " + " | ".join(models) + " |", "|---|---|---|---|" + "---|" * len(models)]
    for (name, split, head), n in counts.items():
        cells = " | ".join(scores.get((name, split, head, column), "") for column in models)
        lines.append(f"| {name} | {split} | {head} | {n} | {cells} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--candidate", type=Path, help="a trained model directory, scored beside the model")
    parser.add_argument("--splits", choices=("dev", "heldout", "all"), default="all")
    parser.add_argument("--dbrd", type=int, default=600, help="DBRD reviews scored, a fixed sample (0: all)")
    parser.add_argument("--no-int8", action="store_true", help="fp32 only (the int8 export takes minutes)")
    args = parser.parse_args()
    sets = (dev_sets() if args.splits in ("dev", "all") else []) + \
        (heldout_sets(args.dbrd) if args.splits in ("heldout", "all") else [])
    precisions = ("fp32",) if args.no_int8 else ("fp32", "int8")
    models: dict[str, Callable[[], Classifier]] = {"lexicon": lambda: load_classifier("lexicon")}
    for label, name in (("model", args.model), ("candidate", str(args.candidate) if args.candidate else None)):
        for precision in precisions if name else ():
            models[f"{label} {precision}"] = lambda name=name, precision=precision: load_classifier(name, precision)
    for label, name in (("model", args.model), ("candidate", args.candidate)):
        directory = model_directory(str(name)) if name else None
        if directory:
            card = ModelCard.read(directory)
            print(f"{label}: {card.name} {card.version} ({name}), {card.max_windows} window(s) per post")
    print("macro-F1 per set and head (over the labels in gold or predictions)\n")
    print("\n".join(table(sets, models)))


if __name__ == "__main__":
    main()
