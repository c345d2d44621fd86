"""`luisterpost labels export`: the review page's corrections as an eval/training CSV, and the loader
that lets `luisterpost train --extra-csv` learn from them beside the corpus."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import pandas as pd

from classify.serving.labels import HEADS
from luisterpost import kafka
from luisterpost.config import Config, ConfigError
from luisterpost.review.feed import read_labels
from luisterpost.review.labels import export_rows

COLUMNS = ("text", "parent_text", "stance", "sentiment")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    labels = commands.add_parser("labels", help="the corrections made on the review page (topic `labels`)")
    actions = labels.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write them as a CSV for `luisterpost eval` and `train --extra-csv`")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--bootstrap", help="Kafka bootstrap servers (or LUISTERPOST_BOOTSTRAP)")


def run(config: Config, args: argparse.Namespace) -> int:
    bootstrap = config.kafka.bootstrap
    if not bootstrap:
        raise ConfigError("kafka.bootstrap: corrections live on the cluster's `labels` topic; "
                          "give --bootstrap or LUISTERPOST_BOOTSTRAP")
    topic = kafka.Topics.with_prefix(config.kafka.topic_prefix).labels
    rows = export_rows(read_labels(config.kafka, bootstrap, topic))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} corrected mentions to {args.out}", file=sys.stderr)
    return 0


def extra_training(paths: list[Path]) -> pd.DataFrame:
    """Exported labels (or any CSV of the eval contract) as training rows, split train/dev by a hash
    of the text like the real sets; `abuse` is not labelled there."""
    from classify.training.datasets import COLUMNS as TRAINING_COLUMNS
    from classify.training.datasets import dev_by_hash

    frames = []
    for path in paths:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, ValueError) as error:
            raise ConfigError(f"--extra-csv: cannot read {path}: {error}") from None
        missing = [column for column in ("text", "stance", "sentiment") if column not in frame]
        if missing:
            raise ConfigError(f"--extra-csv: {path} has no column {missing[0]!r} (needs {', '.join(COLUMNS)})")
        for head, labels in HEADS.items():
            unknown = sorted(set(frame[head]) - set(labels) - {""})
            if unknown:
                raise ConfigError(f"--extra-csv: {path}: {head} {unknown[0]!r} is not one of {', '.join(labels)}")
        frame = frame.assign(parent_text=frame.get("parent_text", ""), abuse=-1, source=f"extra:{path.name}")
        frame = frame[frame["text"].str.strip() != ""]
        frame["split"] = [dev_by_hash(text) for text in frame["text"]]
        frames.append(frame[list(TRAINING_COLUMNS)])
    return pd.concat(frames, ignore_index=True)
