"""Issue 3's targets for the bundled model, scored by `luisterpost eval` on the corpus test split
(threads and phrasings never trained on) with the lexicon baseline in the same run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from luisterpost.cli import main

pytestmark = pytest.mark.integration

TEST_SPLIT = Path(__file__).parents[2] / "classify" / "corpus" / "test.csv"


def evaluate(capsys: pytest.CaptureFixture[str], precision: str) -> dict[str, Any]:
    assert main(["eval", str(TEST_SPLIT), "--json", "--precision", precision]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert report["model"]["name"] == "luisterpost-e5-small" and report["baseline"]["model"]["name"] == "lexicon"
    return report


@pytest.fixture(scope="module")
def reports() -> dict[str, dict[str, Any]]:
    return {}


def report_for(reports: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str],
               precision: str) -> dict[str, Any]:
    if precision not in reports:
        reports[precision] = evaluate(capsys, precision)
    return reports[precision]


def test_the_model_tells_stances_and_tones_apart_on_unseen_threads(
        reports: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    report = report_for(reports, capsys, "fp32")
    assert report["stance"]["macro_f1"] >= 0.85
    assert report["sentiment"]["macro_f1"] >= 0.80
    assert report["stance"]["macro_f1"] >= report["baseline"]["stance"]["macro_f1"] + 0.25


@pytest.mark.xfail(strict=True, reason="issue 3's target, not reached yet: defense recall 0.831 in fp32")
def test_the_model_finds_the_defenders(reports: dict[str, dict[str, Any]],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert report_for(reports, capsys, "fp32")["stance"]["labels"]["defense"]["recall"] >= 0.85


def test_int8_scores_within_a_point_of_fp32(reports: dict[str, dict[str, Any]],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    fp32, int8 = (report_for(reports, capsys, precision) for precision in ("fp32", "int8"))
    for head in ("stance", "sentiment"):
        assert int8[head]["macro_f1"] >= fp32[head]["macro_f1"] - 0.01, head
