"""Corrections in, a model that moved toward them out: the review loop's train -> eval round trip.

    python bench/label_round_trip.py [--seeds 4] [--epochs 1] [--out var/round-trip]

The crisis team reviews seed-001-style pile-on threads on the incident page and sets every reply's
stance to what it is (a confirmation where the model was right, a correction where it was wrong).
Those labels go through the same code as the page's: `Correction` records, the `labels` book, the
export. Distinct texts are split by a hash: the team reviewed 70%, the other 30% it never saw.
Then `luisterpost train --corpus-only --extra-csv reviewed.csv --init <bundled>` and `luisterpost eval`
before and after on the reviewed labels, the unseen ones, and the corpus test split. Slow: one
epoch over the corpus on two cores takes several minutes. Nothing here is asserted in the tests."""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from classify.network.registry import load_classifier
from classify.serving.worker import ClassifyWorker
from classify.training.datasets import dev_by_hash
from classify.training.train import BUNDLED
from ingest.mention import Mention
from luisterpost.demo import scenarios
from luisterpost.review.labels import Correction, LabelBook, export_rows

ROOT = Path(__file__).resolve().parents[1]
LUISTERPOST = str(Path(sys.executable).parent / "luisterpost")


def reviewed_threads(seeds: int) -> list[tuple[dict[str, object], str, str, str]]:
    """(record, parent text, gold stance, model stance) for every distinct reply of the threads."""
    worker = ClassifyWorker(load_classifier("luisterpost-e5-small", "fp32"), 10_000)
    rows, seen = [], set()
    for seed in range(1, seeds + 1):
        labelled = scenarios.labelled_pile_on_thread(scenarios.PILE_ON_START + timedelta(days=seed), seed)
        texts = {str(record["id"]): str(record["text"]) for record, _ in labelled}
        mentions = [Mention(dict(record), datetime.fromisoformat(str(record["created_at"]))) for record, _ in labelled]
        for record, (_, gold) in zip([c.record for c in worker.classify(mentions)], labelled, strict=True):
            parent = texts.get(str(record["thread"]["parent_id"]), "") if record["thread"]["parent_id"] else ""
            if (record["text"], parent) not in seen:
                seen.add((record["text"], parent))
                rows.append((record, parent, gold, record["classification"]["stance"]))
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=("text", "parent_text", "stance", "sentiment"))
        writer.writeheader()
        writer.writerows(rows)
    return path


def evaluate(model: str, path: Path) -> dict[str, float]:
    done = subprocess.run([LUISTERPOST, "eval", str(path), "--json", "--baseline", "none", "--model", model],
                          capture_output=True, text=True, check=True)
    stance = json.loads(done.stdout)["stance"]
    return {"macro_f1": stance["macro_f1"], "accuracy": stance.get("accuracy", float("nan")),
            "defense_recall": stance["labels"]["defense"]["recall"] if "defense" in stance.get("labels", {})
            else float("nan")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "round-trip")
    parser.add_argument("--distill", type=float, default=0.0,
                        help="learn also from the bundled model's probabilities (its --teacher), this share")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    book, unseen = LabelBook(), []
    at = datetime(2026, 12, 5, tzinfo=UTC)
    for record, parent, gold, said in reviewed_threads(args.seeds):
        if dev_by_hash(str(record["text"]), 0.3) == "dev":
            unseen.append({"text": str(record["text"]), "parent_text": parent, "stance": gold, "sentiment": ""})
            continue
        book.apply(Correction(str(record["id"]), "stance", said, "luisterpost-e5-small 3.0", gold, "bench", at,
                              "coolblue", str(record["text"]), parent))
    corrected = sum(1 for c in book.all() if not c.agrees)
    reviewed = write_csv(args.out / "reviewed.csv", export_rows(book))
    heldout = write_csv(args.out / "unseen.csv", unseen)
    print(f"reviewed {len(book)} replies ({corrected} corrections, {len(book) - corrected} confirmations); "
          f"{len(unseen)} unseen", flush=True)
    sets = {"reviewed": reviewed, "unseen": heldout, "corpus test": ROOT / "classify" / "corpus" / "test.csv"}
    before = {name: evaluate("luisterpost-e5-small", path) for name, path in sets.items()}
    model = args.out / "model"
    teacher = ["--teacher", str(BUNDLED), "--distill", str(args.distill)] if args.distill else []
    subprocess.run([LUISTERPOST, "train", "--corpus-only", "--extra-csv", str(reviewed), "--init", str(BUNDLED),
                    "--encoder-layers", "5", "--layers", "5", "--epochs", str(args.epochs), "--select-on", "all",
                    "--out", str(model), *teacher], check=True)
    after = {name: evaluate(str(model), path) for name, path in sets.items()}
    print(f"{'set':12} {'stance macro-F1 before':>24} {'after':>8} {'accuracy before':>17} {'after':>8}")
    for name in sets:
        b, a = before[name], after[name]
        print(f"{name:12} {b['macro_f1']:24.3f} {a['macro_f1']:8.3f} {b['accuracy']:17.3f} {a['accuracy']:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
