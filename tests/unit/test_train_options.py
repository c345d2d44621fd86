"""`luisterpost train`'s options reach the trainer: what an engineer asks for is what trains."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from luisterpost import cli


def test_lr_scale_makes_the_step_from_a_trained_model_gentler(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    import classify.training.datasets as datasets
    import classify.training.train as training

    seen: dict[str, Any] = {}

    def fake_train(frame: pd.DataFrame, settings: training.Settings) -> dict[str, Any]:
        seen["settings"] = settings
        return {"best_epoch": 1, "epochs": [], "calibration": {}, "seconds": 0.0}

    monkeypatch.setattr(datasets, "training_data", lambda **_: pd.DataFrame(columns=list(datasets.COLUMNS)))
    monkeypatch.setattr(training, "train", fake_train)
    assert cli.main(["train", "--out", str(tmp_path / "gentle"), "--lr-scale", "0.3"]) == 0
    assert seen["settings"].layer_lr == pytest.approx(training.Settings.layer_lr * 0.3)
    assert seen["settings"].head_lr == pytest.approx(training.Settings.head_lr * 0.3)
    assert cli.main(["train", "--out", str(tmp_path / "plain")]) == 0
    assert seen["settings"].layer_lr == training.Settings.layer_lr


def test_a_learning_rate_scale_of_zero_is_refused_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "--out", str(tmp_path / "still"), "--lr-scale", "0"]) == 2
    assert "--lr-scale" in capsys.readouterr().err
    assert not (tmp_path / "still").exists()
