"""The shortcut audit of the training mix: can surface features alone tell the labels apart?

`python bench/shortcuts.py` fits a probe (`classify/training/shortcuts.py`) on the training split of the corpus
plus the real sets, per head, on surface features (length, punctuation, capitals, emoji, links, reply
or not), on the source id alone, and on both; and on the corpus alone with surface features (its
templates), and on each real source alone (what real text itself carries). `--per-source N` and
`--no-headline-stance` audit the mix that `luisterpost train` draws with the same options. Each probe's
cross-validated macro-F1 is printed beside the same probe on shuffled labels and the best single-label
answer. A probe well above the shuffled one is a shortcut a model can learn.
"""

from __future__ import annotations

import argparse

import pandas as pd

from classify.training.datasets import training_data
from classify.training.shortcuts import FEATURE_GROUPS, audit_head

HEADS = {"stance": ("complaint", "defense", "praise", "neutral"), "sentiment": ("negative", "neutral", "positive"),
         "abuse": ("0", "1")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--per-source", type=int, metavar="N", help="audit the mix as `train --per-source N` draws it")
    parser.add_argument("--no-headline-stance", action="store_true", help="as `train --no-headline-stance`")
    args = parser.parse_args()
    frame = training_data(per_source=args.per_source, headline_stance=not args.no_headline_stance)
    frame = frame[frame["split"] == "train"].copy()
    frame["abuse"] = frame["abuse"].map(lambda value: str(value) if int(value) in (0, 1) else "")
    mixes = [("training mix", group, frame) for group in FEATURE_GROUPS]
    mixes.append(("corpus only", "surface", frame[frame["source"] == "corpus"]))
    # what real text carries by itself: a real source's own length and punctuation against its own labels
    mixes += [(f"{source} only", "surface", rows) for source, rows in frame.groupby("source", sort=True)
              if source not in ("corpus", "posts")]
    print("| rows | head | features | n | probe macro-F1 | shuffled labels | one label |")
    print("|---|---|---|---|---|---|---|")
    for name, group, rows in mixes:
        for head, names in HEADS.items():
            if not rows[head].isin(names).any():  # a source without this head's labels
                continue
            audit = audit_head(pd.DataFrame(rows), head, names, group)
            print(f"| {name} | {head} | {group} | {audit.rows} | {audit.probe_macro_f1:.3f} | "
                  f"{audit.shuffled_macro_f1:.3f} | {audit.one_label_macro_f1:.3f} |")


if __name__ == "__main__":
    main()
