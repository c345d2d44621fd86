"""Broker loss: a stage says it is not ready while the broker is gone, stays alive, and carries on when the
broker returns. `luisterpost broker` leaves no Tansu behind when it is killed, and never claims a port
that something else answers on."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from luisterpost import kafka
from luisterpost.broker import EmbeddedBroker, free_port
from luisterpost.config import build
from luisterpost.metrics import Metrics
from luisterpost.runner import bootstrap_for, running
from tests.integration.conftest import config_for, produce, read_json, wait_for


def mentions(first: int, count: int) -> list[bytes]:
    return [json.dumps({"id": f"bl:{i}", "platform": "forum", "created_at": "2026-11-30T10:00:00+01:00",
                        "text": f"Coolblue, waar blijft bestelling {i}?", "brand": "coolblue"}).encode()
            for i in range(first, first + count)]


def probe(port: int, path: str) -> tuple[int, dict[str, object]]:
    answer = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)
    return answer.status_code, answer.json()


def test_a_stage_is_not_ready_without_its_broker_and_carries_on_when_it_returns(tmp_path: Path) -> None:
    port = free_port()
    first = EmbeddedBroker(port=port, workdir=tmp_path / "one").start()
    stopping = threading.Event()
    second: EmbeddedBroker | None = None
    try:
        # Tansu can leave a member that joined right after its restart without partitions: the starved
        # watch (shortened here from 60 s) makes it rejoin, which is part of what this test shows.
        config = config_for(first, "loss.", kafka={"broker_timeout_s": 3, "reconnect_backoff_max_s": 2,
                                                   "starved_after_s": 15})
        topics = kafka.Topics.with_prefix("loss.")
        with running(config, first.bootstrap, ("ingest",), Metrics(), stopping) as run:
            assert run.http is not None
            http = run.http.port
            produce(first.bootstrap, topics.raw, mentions(0, 10))
            wait_for(lambda: len(read_json(first.bootstrap, topics.mentions)) >= 10, 90, "the first mentions")
            assert probe(http, "/readyz")[0] == 200

            os.kill(first.pid or 0, signal.SIGKILL)
            # The lost assignment may make it 503 first; the broker's absence is named after broker_timeout_s.
            wait_for(lambda: probe(http, "/readyz")[0] == 503
                     and "broker" in json.dumps(probe(http, "/readyz")[1].get("reasons")), 60,
                     "/readyz 503 naming the broker")
            assert probe(http, "/healthz")[0] == 200  # reconnecting is not hanging: no liveness restart

            second = EmbeddedBroker(port=port, workdir=tmp_path / "two").start()  # empty: memory storage
            # Back with its topics, as a durable broker comes back; left to the clients' auto-creation,
            # Tansu's group coordinator can stay stuck in a rebalance that no rejoin ends (facts.md).
            kafka.ensure_topics(config.kafka, second.bootstrap, topics)
            wait_for(lambda: probe(http, "/readyz")[0] == 200, 120, "/readyz 200 once the broker is back")
            produce(second.bootstrap, topics.raw, mentions(10, 10))
            wait_for(lambda: {m["id"] for m in read_json(second.bootstrap, topics.mentions)}
                     >= {f"bl:{i}" for i in range(10, 20)}, 120, "mentions ingested after the broker returned")
            assert run.pipeline.loops[0].failed is None
    finally:
        stopping.set()
        first.stop()
        if second is not None:
            second.stop()


def test_readyz_says_the_embedded_broker_is_not_durable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the embedded broker works in ./var/broker
    config = build({"kafka": {"topic_prefix": "mem.", "group_prefix": "mem.group", "partitions": 1},
                    "http": {"address": "127.0.0.1:0"}}, environ={})
    stopping = threading.Event()
    with bootstrap_for(config) as bootstrap, running(config, bootstrap, ("ingest",), Metrics(), stopping) as run:
        assert run.http is not None
        http = run.http.port
        wait_for(lambda: probe(http, "/readyz")[0] == 200, 90, "ready")
        warning = str(probe(http, "/readyz")[1].get("warning"))
        assert "in memory" in warning and "restart loses" in warning


def start_broker_command(port: int, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LUISTERPOST_BROKER_PORT": str(port)}
    return subprocess.Popen([sys.executable, "-m", "luisterpost", "broker"], env=env, cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def running_pid(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killing_the_broker_command_leaves_no_tansu_behind(tmp_path: Path) -> None:
    port = free_port()
    wrapper = start_broker_command(port, tmp_path)
    assert wrapper.stdout is not None
    assert f"127.0.0.1:{port}" in wrapper.stdout.readline().decode()
    tansu = children(wrapper.pid)
    assert tansu, "no Tansu child found"
    wrapper.send_signal(signal.SIGKILL)
    wrapper.wait(10)
    try:
        wait_for(lambda: not any(running_pid(pid) for pid in tansu), 30, "Tansu to go with its parent")
    finally:
        for pid in tansu:
            if running_pid(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_broker_command_refuses_a_port_that_something_answers_on(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        wrapper = start_broker_command(squatter.getsockname()[1], tmp_path)
        try:
            output, _ = wrapper.communicate(timeout=60)
        finally:
            if wrapper.poll() is None:
                wrapper.terminate()
                wrapper.wait(30)
    text = output.decode()
    assert wrapper.returncode != 0, text
    assert "already in use" in text and "embedded broker on" not in text


def test_the_broker_command_exits_when_its_tansu_dies(tmp_path: Path) -> None:
    wrapper = start_broker_command(free_port(), tmp_path)
    assert wrapper.stdout is not None
    wrapper.stdout.readline()
    for pid in children(wrapper.pid):
        os.kill(pid, signal.SIGKILL)
    try:
        assert wrapper.wait(30) == 1
    finally:
        if wrapper.poll() is None:
            wrapper.terminate()
            wrapper.wait(30)
    assert "died" in wrapper.stdout.read().decode()
