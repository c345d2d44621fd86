"""How readily a reply is called `defense`: the operating point, chosen on the development split.

A missed defender hides a pile-on (`alerts/rules/pile_on.py` counts the defenders under a complaint), so a
webcare team may trade some precision on `defense` for recall. `python -m classify.training.operating_point
[--model DIR] [--defense-recall 0.85]` scores the model on the corpus development split (never the
test split) and writes into its card the smallest offset, in steps of 0.1 up to 1.0, added to the
defense logit after the temperature, at which defense recall reaches the goal while stance macro-F1
stays within half a point of no offset. When no offset qualifies, the card is left as it was and the
command says so. The scores remain probabilities: softmax(logits / temperature + offsets).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import torch

from classify.network.registry import DEFAULT_MODEL, model_directory
from classify.training.datasets import CORPUS_DIR
from classify.training.evaluate import head_report

STEPS = [round(0.1 * step, 1) for step in range(11)]
MAX_MACRO_F1_LOSS = 0.005


def stance_report(log_probabilities: torch.Tensor, gold: Sequence[str], labels: Sequence[str],
                  defense_offset: float) -> dict[str, float]:
    shift = torch.tensor([defense_offset if label == "defense" else 0.0 for label in labels])
    predicted = [labels[i] for i in (log_probabilities + shift).argmax(-1).tolist()]
    report = head_report(gold, predicted, labels)
    return {"offset": defense_offset, "macro_f1": report["macro_f1"],
            "recall": report["labels"]["defense"]["recall"], "precision": report["labels"]["defense"]["precision"]}


def choose_defense_offset(log_probabilities: torch.Tensor, gold: Sequence[str], labels: Sequence[str],
                          recall_goal: float) -> tuple[float | None, list[dict[str, float]]]:
    """The smallest qualifying offset (None if none qualifies) and the scores at every step tried."""
    tried = [stance_report(log_probabilities, gold, labels, offset) for offset in STEPS]
    floor = tried[0]["macro_f1"] - MAX_MACRO_F1_LOSS
    chosen = next((row["offset"] for row in tried if row["recall"] >= recall_goal and row["macro_f1"] >= floor), None)
    return chosen, tried


def main(argv: Sequence[str] | None = None) -> int:
    from classify.network.classifier import TransformerClassifier
    from classify.training.datasets import posts_of, read_posts

    parser = argparse.ArgumentParser(prog="python -m classify.training.operating_point",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--defense-recall", type=float, default=0.85)
    args = parser.parse_args(argv)
    directory = model_directory(args.model)
    if directory is None:
        parser.error("--model: the lexicon has no operating point to set")
    classifier = TransformerClassifier(directory)
    classifier.set_offsets({})  # choose from the calibrated scores alone
    frame = read_posts(CORPUS_DIR / "dev.csv", ("text", "stance", "sentiment"))
    frame = frame[frame["stance"] != ""]
    labels = classifier.card.labels["stance"]
    log_probabilities = classifier.probabilities(posts_of(frame))["stance"].log()
    chosen, tried = choose_defense_offset(log_probabilities, frame["stance"].tolist(), labels, args.defense_recall)
    print(f"{classifier.name} {classifier.version}, corpus dev split, {len(frame)} posts with a stance")
    print("| defense offset | stance macro-F1 | defense recall | defense precision |")
    print("|---|---|---|---|")
    for row in tried:
        print(f"| {row['offset']:.1f} | {row['macro_f1']:.4f} | {row['recall']:.3f} | {row['precision']:.3f} |")
    if chosen is None:
        print(f"no offset reaches defense recall {args.defense_recall} within {100 * MAX_MACRO_F1_LOSS:.1f} points "
              f"of stance macro-F1; the card is unchanged", file=sys.stderr)
        return 1
    classifier.card.label_offsets = {"stance": {"defense": chosen}} if chosen else {}
    classifier.card.write(directory)
    print(f"wrote label_offsets {classifier.card.label_offsets} into {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
