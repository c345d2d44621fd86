"""The eval table: the trained model against the lexicon baseline on our test split and every real held-out set.

`python bench/heldout.py [--out DIR]` prints a Markdown table and writes the JSON reports and the
confusion-matrix PNGs to DIR. The real sets are read from `../shared/data/heldout/` (evaluation only);
two of them are not in the eval contract and are converted here: the earphone reviews (1-2 stars a
complaint and negative, 3 neutral, 4-5 praise and positive) and IMSyPP, scored for the `abuse` signal
(offensive or violent and aimed at an individual).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from classify.network.registry import DEFAULT_MODEL, load_classifier
from classify.serving.labels import HEADS
from classify.serving.model import Classifier, Post
from classify.training.datasets import CORPUS_DIR, shared_data_dir
from classify.training.evaluate import head_report
from luisterpost.offline import classify_all, evaluate_file
from luisterpost.plots import report_pngs

CONTRACT_SETS = ("semeval_nl_restaurants_test.csv", "political_tweets_nl_test.csv", "ecosent_nl_gold.csv",
                 "dbrd_test.csv")
ANCHORS = {"dbrd_test.csv": "RobBERT v2 95.1% accuracy, BERTje 93.0%",
           "imsypp_nl_heldout_half.csv": "DALC / IMSyPP models: offensive macro-F1 0.72-0.80"}


def earphones_as_contract(heldout: Path, scratch: Path) -> Path:
    raw = pd.read_csv(heldout / "earphone_reviews.csv")
    stars = raw["Star_rating"].astype(int)
    stance = stars.map(lambda s: "complaint" if s <= 2 else "neutral" if s == 3 else "praise")
    sentiment = stars.map(lambda s: "negative" if s <= 2 else "neutral" if s == 3 else "positive")
    frame = pd.DataFrame({"text": raw["Product_review"], "parent_text": "", "stance": stance, "sentiment": sentiment})
    path = scratch / "earphone_reviews.csv"
    frame.to_csv(path, index=False)
    return path


def abuse_report(classifier: Classifier, heldout: Path) -> dict[str, Any]:
    raw = pd.read_csv(heldout / "imsypp_nl_heldout_half.csv", dtype=str, keep_default_na=False)
    gold = ["yes" if t.startswith(("2.", "3.")) and g.startswith("11.") else "no"
            for t, g in zip(raw["type"], raw["target"], strict=True)]
    results = classify_all(classifier, [Post(text) for text in raw["doc"]], 32, progress=False)
    predicted = ["yes" if "abuse" in r.signals else "no" for r in results]
    return head_report(gold, predicted, ("no", "yes"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--precision", default="fp32", choices=("fp32", "int8"))
    parser.add_argument("--out", type=Path, default=Path("var/eval"))
    args = parser.parse_args()
    model, baseline = load_classifier(args.model, args.precision), load_classifier("lexicon")
    heldout = shared_data_dir() / "heldout"
    args.out.mkdir(parents=True, exist_ok=True)
    rows = ["| set | head | n | model macro-F1 | model accuracy | lexicon macro-F1 | lexicon accuracy | anchor |",
            "|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as scratch:
        files = [CORPUS_DIR / "test.csv"] + [heldout / name for name in CONTRACT_SETS]
        files.append(earphones_as_contract(heldout, Path(scratch)))
        for path in files:
            report = evaluate_file(model, path, 32, baseline)
            (args.out / f"{path.stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
            report_pngs(report, dict(HEADS), args.out)
            for head in HEADS:
                ours, theirs = report[head], report["baseline"][head]
                if ours["count"]:
                    rows.append(f"| {path.name} | {head} | {ours['count']} | {ours['macro_f1']:.3f} | "
                                f"{ours['accuracy']:.3f} | {theirs['macro_f1']:.3f} | {theirs['accuracy']:.3f} | "
                                f"{ANCHORS.get(path.name, '')} |")
    ours, theirs = abuse_report(model, heldout), abuse_report(baseline, heldout)
    (args.out / "imsypp_abuse.json").write_text(json.dumps({"model": ours, "lexicon": theirs}, indent=2))
    rows.append(f"| imsypp_nl_heldout_half.csv | abuse signal | {ours['count']} | {ours['macro_f1']:.3f} | "
                f"{ours['accuracy']:.3f} | {theirs['macro_f1']:.3f} | {theirs['accuracy']:.3f} | "
                f"{ANCHORS['imsypp_nl_heldout_half.csv']} |")
    print(f"{model.name} {model.version} ({args.precision}) against the lexicon baseline\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
