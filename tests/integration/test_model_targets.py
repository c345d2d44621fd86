"""Issue 3's targets for the bundled model, scored by `luisterpost eval` on the corpus test split
(threads and phrasings never trained on) with the lexicon baseline in the same run."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from luisterpost.cli import main

pytestmark = pytest.mark.integration

TEST_SPLIT = Path(__file__).parents[2] / "classify" / "corpus" / "test.csv"


def evaluate(*options: str) -> dict[str, Any]:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        assert main(["eval", str(TEST_SPLIT), "--json", *options]) == 0
    report: dict[str, Any] = json.loads(output.getvalue())
    assert report["model"]["name"] == "luisterpost-e5-small"
    return report


@pytest.fixture(scope="module")
def fp32() -> dict[str, Any]:
    return evaluate("--precision", "fp32")  # with the lexicon baseline, the default


@pytest.fixture(scope="module")
def int8() -> dict[str, Any]:
    return evaluate("--precision", "int8", "--baseline", "none")


def test_the_model_tells_stances_and_tones_apart_on_unseen_threads(fp32: dict[str, Any]) -> None:
    assert fp32["baseline"]["model"]["name"] == "lexicon"
    assert fp32["stance"]["macro_f1"] >= 0.85
    assert fp32["sentiment"]["macro_f1"] >= 0.80
    assert fp32["stance"]["macro_f1"] >= fp32["baseline"]["stance"]["macro_f1"] + 0.25


def test_the_model_finds_the_defenders_in_either_precision(fp32: dict[str, Any], int8: dict[str, Any]) -> None:
    for report in (fp32, int8):
        assert report["stance"]["labels"]["defense"]["recall"] >= 0.85


def test_int8_scores_within_a_point_of_fp32(fp32: dict[str, Any], int8: dict[str, Any]) -> None:
    for head in ("stance", "sentiment"):
        assert int8[head]["macro_f1"] >= fp32[head]["macro_f1"] - 0.01, head
