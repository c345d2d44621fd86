"""The labelled Dutch stance corpus in classify/corpus: shape, labels, splits, balance, reproducibility."""

from __future__ import annotations

import filecmp
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "classify" / "corpus"
SHARED = Path(__file__).resolve().parents[3] / "shared"
COLUMNS = ["thread_id", "post_id", "parent_id", "split", "brand", "sector", "text", "parent_text", "stance",
           "sentiment", "abuse", "hard_case"]
STANCES = {"complaint", "defense", "praise", "neutral"}
SENTIMENTS = {"negative", "neutral", "positive"}
HARD_CASES = {"flemish", "typo", "emoji", "hashtag", "handle", "url", "english_mix", "brand_as_word", "very_short",
              "quote", "sarcasm", "polite_complaint", "angry_defense"}
FILES = ("corpus.csv", "train.csv", "dev.csv", "test.csv")


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(CORPUS / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return read("corpus.csv")


def test_columns_and_label_values(corpus: pd.DataFrame) -> None:
    for name in FILES:
        assert list(read(name).columns) == COLUMNS, name
    assert set(corpus["stance"]) <= STANCES
    assert set(corpus["sentiment"]) <= SENTIMENTS
    assert set(corpus["abuse"]) <= {"0", "1"}
    assert set(corpus["hard_case"]) <= HARD_CASES | {""}
    assert set(corpus["split"]) == {"train", "dev", "test"}
    assert (corpus["text"].str.strip() != "").all()
    assert corpus["post_id"].is_unique


def test_split_files_hold_the_rows_of_their_split(corpus: pd.DataFrame) -> None:
    for split in ("train", "dev", "test"):
        part = read(f"{split}.csv")
        assert (part["split"] == split).all()
        assert part.reset_index(drop=True).equals(corpus[corpus["split"] == split].reset_index(drop=True))


def test_size_and_balance(corpus: pd.DataFrame) -> None:
    assert len(corpus) >= 3000
    stances = corpus["stance"].value_counts()
    for stance in STANCES:
        assert stances.get(stance, 0) >= 600, stance
    assert stances["defense"] >= 900
    sentiments = corpus["sentiment"].value_counts()
    for sentiment in SENTIMENTS:
        assert sentiments.get(sentiment, 0) >= 700, sentiment
    # the combinations that make the two heads necessary
    pairs = corpus.groupby(["stance", "sentiment"]).size()
    for pair in [("defense", "negative"), ("defense", "neutral"), ("defense", "positive"),
                 ("complaint", "neutral"), ("neutral", "positive"), ("neutral", "negative")]:
        assert pairs.get(pair, 0) >= 50, pair


def test_hard_cases(corpus: pd.DataFrame) -> None:
    counts = corpus["hard_case"].value_counts()
    for tag in HARD_CASES:
        assert counts.get(tag, 0) >= 60, tag


def test_splits_are_by_thread_and_roughly_70_15_15(corpus: pd.DataFrame) -> None:
    splits_per_thread = corpus.groupby("thread_id")["split"].nunique()
    assert (splits_per_thread == 1).all()
    threads = corpus.drop_duplicates("thread_id")
    planned = threads[threads["thread_id"].str.startswith("t")]
    share = planned["split"].value_counts(normalize=True)
    assert 0.6 < share["train"] < 0.8
    assert 0.1 < share["dev"] < 0.2
    assert 0.1 < share["test"] < 0.2
    extra = threads[threads["thread_id"].str.startswith("x")]
    assert len(extra) > 0 and set(extra["split"]) == {"train"}, "the extra threads are training threads only"


def test_train_only_phrasings_never_reach_dev_or_test(tmp_path: Path) -> None:
    build = corpus_builder()
    _, phrasings = build.load_source(build.SOURCE)
    pinned = [p for p in phrasings if p.train_only]
    assert len(pinned) >= 500 and {p.split for p in pinned} == {"train"}
    held_out = next(p for p in phrasings if p.split == "test" and len(p.text) > 40)
    near = held_out.text.replace(".", "!", 1) if "." in held_out.text else held_out.text + "!"
    (tmp_path / "near.yaml").write_text(yaml_group(near), encoding="utf-8")
    with pytest.raises(SystemExit, match="too close to a dev/test phrasing"):
        build.load_source(build.SOURCE, tmp_path)


def corpus_builder() -> Any:
    spec = importlib.util.spec_from_file_location("corpus_build", CORPUS / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_build"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def yaml_group(text: str) -> str:
    return ("groups:\n- id: near_copy\n  role: root\n  thread: complaint\n  stance: complaint\n"
            f"  sentiment: negative\n  sectors: [any]\n  texts: |\n    {text}\n")


def test_no_test_text_appears_in_train(corpus: pd.DataFrame) -> None:
    train = set(corpus.loc[corpus["split"] == "train", "text"])
    for split in ("test", "dev"):
        leaked = set(corpus.loc[corpus["split"] == split, "text"]) & train
        assert not leaked, sorted(leaked)[:5]


def test_threads_are_consistent(corpus: pd.DataFrame) -> None:
    by_id = dict(zip(corpus["post_id"], corpus["text"], strict=True))
    roots = corpus[corpus["parent_id"] == ""]
    assert (roots["parent_text"] == "").all()
    assert roots["thread_id"].is_unique
    assert set(roots["thread_id"]) == set(corpus["thread_id"])
    replies = corpus[corpus["parent_id"] != ""]
    assert len(replies) > 0
    for parent_id, parent_text, thread_id in zip(replies["parent_id"], replies["parent_text"], replies["thread_id"],
                                                 strict=True):
        assert by_id[parent_id] == parent_text
        assert parent_id.startswith(thread_id)
    sizes = replies.groupby("thread_id").size()
    assert sizes.min() >= 1 and sizes.max() <= 13


def test_abuse_marks_insults(corpus: pd.DataFrame) -> None:
    insults = corpus["text"].str.contains(r"\b(?:zeurpiet|aansteller|huilebalk)\b", case=False, regex=True)
    assert (corpus.loc[insults, "abuse"] == "1").all()
    assert (corpus["abuse"] == "1").sum() >= 100


def test_no_seed_sentence_in_corpus(corpus: pd.DataFrame) -> None:
    seeds = sorted(SHARED.glob("seeds/001_*.txt"))
    if not seeds:
        pytest.skip(f"the seed articles are not at {SHARED / 'seeds'} (shared checkout missing)")
    sentences = [s.strip() for path in seeds for s in re.split(r"(?<=[.!?])\s+|\n", path.read_text(encoding="utf-8"))]
    sentences = [s for s in sentences if len(s) > 30]
    assert sentences
    text = "\n".join(corpus["text"])
    found = [s for s in sentences if s in text]
    assert not found, found


def test_build_is_reproducible(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(CORPUS / "build.py"), "--out", str(tmp_path), "--quiet"], check=True,
                   cwd=ROOT, timeout=120)
    for name in FILES:
        assert filecmp.cmp(CORPUS / name, tmp_path / name, shallow=False), f"{name} differs from a fresh build"
