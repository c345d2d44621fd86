"""`luisterpost replay` says what happened to every record, and warns about brands the brand file lacks."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from luisterpost.broker import EmbeddedBroker
from luisterpost.cli import main

START = datetime.fromisoformat("2026-03-02T09:00:00+01:00")
STRANGER = "acme\x1b[31m"  # an untrusted brand name: must reach the terminal escaped


def _mention(index: int, brand: str | None, text: str) -> str:
    record: dict[str, object] = {"id": f"x:{index}", "platform": "x", "text": text,
                                 "created_at": (START + timedelta(minutes=index)).isoformat()}
    if brand is not None:
        record["brand"] = brand
    return json.dumps(record)


def _stream(path: Path) -> Path:
    lines = [_mention(i, STRANGER, "Mijn pakket is weer te laat.") for i in range(6)]
    lines += [_mention(100 + i, None, "Coolblue bezorgt snel, top!") for i in range(3)]
    lines += [_mention(200 + i, None, "Mooi weer vandaag.") for i in range(2)]  # names no brand of ours
    lines += ["{not json", _mention(100, None, "Coolblue bezorgt snel, top!")]  # garbage, and a duplicate id
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("classify:\n  model: lexicon\nhttp:\n  address: 127.0.0.1:0\n", encoding="utf-8")
    return path


def _replay(broker: EmbeddedBroker, tmp_path: Path, *extra: str) -> int:
    return main(["--config", str(_config(tmp_path)), "replay", str(_stream(tmp_path / "in.jsonl")),
                 "--incidents-out", str(tmp_path / "out.jsonl"), "--bootstrap", broker.bootstrap, *extra])


def test_summary_accounts_for_every_record_and_names_missing_brands(
        broker: EmbeddedBroker, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="luisterpost"):
        assert _replay(broker, tmp_path) == 0
    summary = capsys.readouterr().out
    assert re.search(r"replayed 13 records: 3 classified, 7 to the DLQ \(.*unknown_brand 6.*not_json 1.*\), "
                     r"2 without a brand of ours, 1 duplicate", summary), summary
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    named = [message for message in warnings if "not in the brand file" in message]
    assert named and "'acme\\x1b[31m' (6)" in named[0] and "\x1b" not in named[0], warnings
    assert "--brands" in named[0]


def test_brands_option_takes_a_brand_file(broker: EmbeddedBroker, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str],
                                          caplog: pytest.LogCaptureFixture) -> None:
    brands = tmp_path / "brands.yaml"
    brands.write_text("brands:\n  - id: coolblue\n    names: [Coolblue]\n  - id: acme\n    names: [Acme]\n",
                      encoding="utf-8")
    stream = _stream(tmp_path / "in.jsonl")
    stream.write_text(stream.read_text(encoding="utf-8").replace(json.dumps(STRANGER)[1:-1], "acme"),
                      encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="luisterpost"):
        assert main(["--config", str(_config(tmp_path)), "replay", str(stream), "--brands", str(brands),
                     "--incidents-out", str(tmp_path / "out.jsonl"), "--bootstrap", broker.bootstrap]) == 0
    summary = capsys.readouterr().out
    assert "replayed 13 records: 9 classified, 1 to the DLQ (not_json 1)" in summary, summary
    assert not [r for r in caplog.records if "not in the brand file" in r.getMessage()]
