"""`luisterpost run all` as a daemon: SIGKILL mid-replay loses nothing and pages nothing twice;
SIGTERM drains, commits and exits 0."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import yaml

from ingest.brands import load_brands
from luisterpost import kafka
from luisterpost.broker import EmbeddedBroker
from luisterpost.demo import scenarios
from tests.integration.conftest import committed, config_for, jsonl, produce, read_json, read_topic, wait_for


def start_daemon(config_file: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LUISTERPOST_CONFIG": str(config_file)}
    return subprocess.Popen([sys.executable, "-m", "luisterpost", "run", "all"], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def prepare(broker: EmbeddedBroker, prefix: str, folder: Path,
            mentions: list[dict[str, object]]) -> tuple[kafka.Topics, Path, Path, Path]:
    """Topics with the mentions on mentions.raw, and a daemon config whose pager is a JSON-lines file."""
    out, config_file, log = folder / "pages.jsonl", folder / "config.yaml", folder / "daemon.log"
    write_config(config_file, broker, prefix, out)
    topics = kafka.Topics.with_prefix(prefix)
    kafka.ensure_topics(config_for(broker, prefix).kafka, broker.bootstrap, topics)
    produce(broker.bootstrap, topics.raw, [json.dumps(m).encode() for m in mentions])
    return topics, out, config_file, log


def write_config(path: Path, broker: EmbeddedBroker, prefix: str, incidents_out: Path) -> None:
    config = {"kafka": {"bootstrap": broker.bootstrap, "topic_prefix": prefix, "group_prefix": f"{prefix}g",
                        "partitions": 1, "max_poll_records": 16, "commit_interval_s": 0.2},
              "classify": {"batch_size": 8}, "http": {"address": "127.0.0.1:0"},
              "notify": {"receivers": [{"name": "out", "type": "jsonl", "path": str(incidents_out)}]}}
    path.write_text(yaml.safe_dump(config))


def consumed(log: Path, stage: str) -> float:
    """`luisterpost_records_consumed_total` of a stage, from the daemon's own /metrics (its port is logged)."""
    port = re.search(r"serving /metrics, /healthz and /readyz on port (\d+)", log.read_text(errors="replace"))
    if port is None:
        return 0.0
    metrics = httpx.get(f"http://127.0.0.1:{port.group(1)}/metrics").text
    value = re.search(rf'^luisterpost_records_consumed_total{{stage="{stage}"}} (\S+)$', metrics, re.MULTILINE)
    return float(value.group(1)) if value else 0.0


def branded_ids(mentions: list[dict[str, object]]) -> set[str]:
    brands = load_brands(None)
    return {str(m["id"]) for m in mentions if m.get("brand") or brands.match(str(m["text"]))}


def test_sigkill_mid_replay_then_restart(broker: EmbeddedBroker, prefix: str, tmp_path: Path) -> None:
    mentions = scenarios.demo_stream()
    topics, out, config_file, log = prepare(broker, prefix, tmp_path, mentions)

    first = start_daemon(config_file, log)
    wait_for(lambda: any(e["action"] == "trigger" for e in jsonl(out)), 120, "the first page")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    processed_before = {r["id"] for r in read_json(broker.bootstrap, topics.classified)}
    assert processed_before < branded_ids(mentions), "killed too late: nothing left to resume"

    second = start_daemon(config_file, log)
    try:
        wait_for(lambda: {r["id"] for r in read_json(broker.bootstrap, topics.classified)}
                 >= branded_ids(mentions), 180, "every mention classified after the restart")
        wait_for(lambda: any(e["action"] == "resolve" for e in jsonl(out)), 120, "the resolve")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0, log.read_text()[-3000:]

    on_topic = Counter(e["dedup_key"] for e in read_json(broker.bootstrap, topics.incidents)
                       if e["action"] == "trigger")
    at_pager = Counter(e["dedup_key"] for e in jsonl(out) if e["action"] == "trigger")
    assert on_topic == at_pager == Counter({"coolblue/influencer_complaint/li:7265312": 1,
                                            "coolblue/pile_on/li:7265312": 1})


def test_sigterm_drains_commits_and_exits_zero(broker: EmbeddedBroker, prefix: str, tmp_path: Path) -> None:
    mentions = scenarios.calm_stream(scenarios.DEMO_START, hours=4)
    topics, out, config_file, log = prepare(broker, prefix, tmp_path, mentions)

    daemon = start_daemon(config_file, log)
    wait_for(lambda: len(read_topic(broker.bootstrap, topics.classified)) >= len(branded_ids(mentions)), 120,
             "the stream classified")
    # detect may still be reading the last classified records; what it has not read yet is rightly
    # left uncommitted by a drain, so the signal comes once it has read them all.
    wait_for(lambda: consumed(log, "detect") >= len(read_topic(broker.bootstrap, topics.classified)), 60,
             "detect reading the classified stream")
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(60) == 0, log.read_text()[-3000:]
    assert committed(broker.bootstrap, f"{prefix}g.ingest", topics.raw) == len(mentions)
    assert committed(broker.bootstrap, f"{prefix}g.classify", topics.mentions) == \
        len(read_topic(broker.bootstrap, topics.mentions))
    assert committed(broker.bootstrap, f"{prefix}g.detect", topics.classified) == \
        len(read_topic(broker.bootstrap, topics.classified))


def test_replay_command_on_the_embedded_default(tmp_path: Path) -> None:
    source, out = tmp_path / "demo.jsonl", tmp_path / "incidents.jsonl"
    scenarios.write_jsonl(source, scenarios.demo_stream())
    done = subprocess.run([sys.executable, "-m", "luisterpost", "replay", str(source), "--incidents-out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={k: v for k, v in os.environ.items() if not k.startswith("LUISTERPOST_")})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "replayed 1014 records" in done.stdout
    assert [e["dedup_key"] for e in jsonl(out) if e["action"] == "trigger"] == \
        ["coolblue/pile_on/li:7265312", "coolblue/influencer_complaint/li:7265312"]  # defenders by 23:30, SLA at 23:45


def test_broker_command_serves_kafka_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = EmbeddedBroker().port  # a free port, not started
    env = {**os.environ, "LUISTERPOST_BROKER_PORT": str(port)}
    broker = subprocess.Popen([sys.executable, "-m", "luisterpost", "broker"], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert broker.stdout is not None
        assert f"127.0.0.1:{port}" in broker.stdout.readline().decode()
        bootstrap = f"127.0.0.1:{port}"
        produce(bootstrap, "hello", [b"hallo wereld"])
        assert [r.value for r in read_topic(bootstrap, "hello")] == [b"hallo wereld"]
    finally:
        broker.send_signal(signal.SIGTERM)
        assert broker.wait(30) == 0
