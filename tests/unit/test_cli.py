"""The offline commands of the stable command line: classify and eval on CSV files."""

import json
from pathlib import Path

import pytest

from luisterpost.cli import main

ROWS = [
    ("Extra betaald voor levering voor 22:00, om 22:40 kwam de bezorger. Nog steeds geen reactie van Coolblue.",
     "", "complaint", "negative"),
    ("Zeurpiet. Geef ze eerst de kans om het op te lossen.",
     "Extra betaald voor levering voor 22:00, om 22:40 kwam de bezorger.", "defense", "negative"),
    ("Wat een warme douche van Coolblue, binnen een dag een nieuwe wasmachine!", "", "praise", "positive"),
    ("Weet iemand tot hoe laat Coolblue vandaag bezorgt?", "", "neutral", ""),
]


def write_csv(path: Path, labelled: bool) -> None:
    import pandas as pd

    columns = ["text", "parent_text", "stance", "sentiment"] if labelled else ["text", "parent_text"]
    pd.DataFrame([row[: len(columns)] for row in ROWS], columns=columns).to_csv(path, index=False)


def test_classify_writes_one_line_per_row_in_order(tmp_path: Path) -> None:
    source, out = tmp_path / "posts.csv", tmp_path / "out.jsonl"
    write_csv(source, labelled=False)
    assert main(["classify", str(source), "--out", str(out), "--model", "lexicon"]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["stance"] for line in lines] == ["complaint", "defense", "praise", "neutral"]
    assert set(lines[0]["scores"]["stance"]) == {"complaint", "defense", "praise", "neutral"}
    assert lines[0]["model"]["name"] == "lexicon"


def test_eval_json_scores_each_head_and_skips_empty_labels(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "gold.csv"
    write_csv(source, labelled=True)
    assert main(["eval", str(source), "--json", "--model", "lexicon"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stance"]["count"] == 4 and report["sentiment"]["count"] == 3
    assert report["stance"]["macro_f1"] == 1.0
    assert set(report["stance"]["labels"]["defense"]) == {"precision", "recall", "f1", "support"}


def test_eval_names_the_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bad.csv"
    write_csv(source, labelled=False)
    assert main(["eval", str(source), "--model", "lexicon"]) == 2
    assert "missing column(s) stance, sentiment" in capsys.readouterr().err


def test_config_error_exits_2_and_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("classify:\n  modle: lexicon\n")
    assert main(["--config", str(config), "classify", "x.csv", "--out", "y"]) == 2
    assert "classify.modle: unknown key" in capsys.readouterr().err
