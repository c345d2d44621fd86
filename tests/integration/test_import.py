"""`luisterpost import FILE` writes an export to the live mentions.raw of a running broker."""

from __future__ import annotations

from pathlib import Path

import pytest

from luisterpost.broker import EmbeddedBroker
from luisterpost.cli import main
from luisterpost.kafka import Topics
from tests.integration.conftest import read_json, read_topic


def _config(tmp_path: Path, prefix: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"kafka:\n  topic_prefix: '{prefix}'\n  partitions: 1\n", encoding="utf-8")
    return path


def test_csv_export_lands_on_mentions_raw(broker: EmbeddedBroker, prefix: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "export.csv"
    export.write_text("id;network;date;content\nfb:1;facebook;2026-03-02 21:15:00;Nooit meer Coolblue.\n"
                      "fb:2;facebook;2026-03-02 21:16:00;Zeurpiet.\n", encoding="utf-8")
    code = main(["--config", str(_config(tmp_path, prefix)), "import", str(export), "--bootstrap",
                 broker.bootstrap, "--timezone", "Europe/Amsterdam", "--rate", "50"])
    assert code == 0 and "imported 2 records" in capsys.readouterr().out
    on_topic = read_json(broker.bootstrap, Topics.with_prefix(prefix).raw)
    assert [(m["id"], m["created_at"]) for m in on_topic] == [("fb:1", "2026-03-02T21:15:00+01:00"),
                                                              ("fb:2", "2026-03-02T21:16:00+01:00")]


def test_jsonl_export_bytes_arrive_unchanged(broker: EmbeddedBroker, prefix: str, tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_bytes(b'{"id": "x:1", "text": "caf\xc3\xa9"}\n{not json\n')
    assert main(["--config", str(_config(tmp_path, prefix)), "import", str(export),
                 "--bootstrap", broker.bootstrap]) == 0
    values = [record.value for record in read_topic(broker.bootstrap, Topics.with_prefix(prefix).raw)]
    assert values == [b'{"id": "x:1", "text": "caf\xc3\xa9"}', b"{not json"]


def test_import_needs_a_broker(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LUISTERPOST_BOOTSTRAP", raising=False)
    export = tmp_path / "export.jsonl"
    export.write_text("{}\n", encoding="utf-8")
    assert main(["import", str(export)]) == 2
    assert "--bootstrap" in capsys.readouterr().err
