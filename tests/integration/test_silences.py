"""`luisterpost silence` against the real broker: a silence added from the command line keeps the
seed-001 pages away from a running daemon, the incidents stay on the topic, and the silence outlives
the processes that wrote and read it (it lives on the compacted `silences` topic)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import yaml

from luisterpost import cli
from luisterpost.broker import EmbeddedBroker
from luisterpost.demo import scenarios
from tests.integration.conftest import jsonl, read_json, wait_for
from tests.integration.test_daemon import prepare, start_daemon

THREAD = f"thread={scenarios.PILE_ON_ROOT_ID}"


def silence_cli(config_file: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["--config", str(config_file), "silence", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_silence_keeps_the_pile_on_from_the_pager(broker: EmbeddedBroker, prefix: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    thread = scenarios.pile_on_thread(scenarios.PILE_ON_START)
    topics, out, config_file, log = prepare(broker, prefix, tmp_path, thread)
    raw = yaml.safe_load(config_file.read_text())
    raw["notify"]["silences_refresh_s"] = 0.5
    config_file.write_text(yaml.safe_dump(raw))

    code, printed = silence_cli(config_file, capsys, "add", "brand=coolblue", THREAD, "--duration", "3h",
                                "--author", "eva (webcare lead)", "--comment", "answered by phone, PR is on it")
    assert code == 0, printed
    silence_id = printed.strip()
    code, listing = silence_cli(config_file, capsys, "list")
    assert code == 0 and silence_id in listing and "active" in listing and "eva (webcare lead)" in listing

    daemon = start_daemon(config_file, log)
    try:
        wait_for(lambda: any(e["action"] == "resolve" for e in read_json(broker.bootstrap, topics.incidents)),
                 240, "the seed-001 incidents to trigger and resolve on the incidents topic")
        wait_for(lambda: any(e["action"] == "resolve" for e in jsonl(out)), 60, "the resolve at the pager")
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(60) == 0, log.read_text()[-3000:]

    decided = read_json(broker.bootstrap, topics.incidents)
    assert any(e["action"] == "trigger" for e in decided), "detect decided nothing: the test proves nothing"
    paged = jsonl(out)
    assert [e["action"] for e in paged if e["action"] != "resolve"] == [], "a silenced incident paged"
    assert "muted by silence" in log.read_text()

    code, printed = silence_cli(config_file, capsys, "expire", silence_id[:8])
    assert code == 0, printed
    code, listing = silence_cli(config_file, capsys, "list")
    assert silence_id not in listing
    code, listing = silence_cli(config_file, capsys, "list", "--all")
    assert silence_id in listing and "expired" in listing


def test_a_silence_without_an_author_is_refused(broker: EmbeddedBroker, prefix: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump({"kafka": {"bootstrap": broker.bootstrap, "topic_prefix": prefix}}))
    code, printed = silence_cli(config_file, capsys, "add", "brand=coolblue", "--author", "", "--comment", "x")
    assert code == 2 and "author" in printed
    code, printed = silence_cli(config_file, capsys, "list")
    assert code == 0 and "no silences" in printed
