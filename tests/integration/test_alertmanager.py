"""The pile-on incident through a real Alertmanager on loopback: the replay's own incident events, sent
by the AlertmanagerReceiver, reach Alertmanager's webhook once as firing and later as resolved; a
silence created in Alertmanager keeps them out."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from alerts.notification.notifier import Notifier
from alerts.notification.receivers.alertmanager import AlertmanagerReceiver
from luisterpost.broker import EmbeddedBroker
from luisterpost.demo import scenarios
from luisterpost.replay import replay
from tests.integration.conftest import config_for, jsonl, wait_for
from tests.support.pages import page_of

ALL = frozenset({"critical", "error", "warning", "info"})
BINARY = "prometheus-alertmanager"


class Webhook(ThreadingHTTPServer):
    """Alertmanager's webhook receiver: keeps every notification it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.notifications: list[dict[str, Any]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def statuses(self, dedup_key: str) -> list[str]:
        return [alert["status"] for note in list(self.notifications) for alert in note["alerts"]
                if alert["labels"].get("dedup_key") == dedup_key]


class _Handler(BaseHTTPRequestHandler):
    server: Webhook

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        self.server.notifications.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(path: Path, hook_port: int) -> None:
    # group_by the dedup key: one notification per incident; a repeat an hour away, so a second
    # "firing" within the test could only come from an update paging again.
    path.write_text(f"""
route:
  receiver: hook
  group_by: [alertname, dedup_key]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{hook_port}/alerts
        send_resolved: true
""")


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    try:
        yield hook
    finally:
        hook.shutdown()
        hook.server_close()


@pytest.fixture
def alertmanager(tmp_path: Path, webhook: Webhook) -> Iterator[str]:
    """A real Alertmanager on 127.0.0.1, no cluster gossip, stopped at the end."""
    if shutil.which(BINARY) is None:
        pytest.fail(f"{BINARY} is not installed: run `make tools` (Debian's prometheus-alertmanager)")
    config, port = tmp_path / "alertmanager.yml", free_port()
    write_config(config, webhook.server_port)
    log = (tmp_path / "alertmanager.log").open("wb")
    process = subprocess.Popen([BINARY, f"--config.file={config}", f"--storage.path={tmp_path / 'am-data'}",
                                f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(url, process), 30, "Alertmanager ready")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


def _ready(url: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, "Alertmanager exited at start: see alertmanager.log"
    try:
        return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def pile_on_events(broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The incident events of the pile-on scenario, from `replay` through every real stage."""
    folder = tmp_path_factory.mktemp("pile-on")
    source, out = folder / "demo.jsonl", folder / "incidents.jsonl"
    scenarios.write_jsonl(source, scenarios.demo_stream())
    replay(config_for(broker, f"t{uuid.uuid4().hex[:8]}."), source, out)
    thread = [e for e in jsonl(out) if scenarios.PILE_ON_ROOT_ID in e["dedup_key"]]
    # The thread's own incident: the pile_on rule's where it fires, else the unanswered complaint's.
    key = next((e["dedup_key"] for e in thread if e["rule"] == "pile_on"), thread[0]["dedup_key"] if thread else "")
    events = [e for e in thread if e["dedup_key"] == key]
    assert events and events[0]["action"] == "trigger" and events[-1]["action"] == "resolve", thread
    return events


def notifier(url: str) -> Notifier:
    return Notifier([AlertmanagerReceiver("alertmanager", ALL, url, 5)], threading.Event(), 0.05, 0.5)


def notified_since(sender: Notifier, webhook: Webhook, template: dict[str, Any], rounds: int = 3) -> None:
    """A positive signal instead of a sleep: marker alerts of their own groups, each sent once the one before
    was notified. Alertmanager took what came before them first, and each marker, starting now, waits a
    group_wait (1 s) before its notification, so by the last one at least three group intervals have passed
    with Alertmanager seen notifying: a notification that the alerts before would cause has come."""
    for round_ in range(rounds):
        key = f"marker/{round_}/{uuid.uuid4().hex[:8]}"
        # an alert that started longer than group_wait ago is notified at once: this one starts now
        now = datetime.now(UTC).isoformat()
        assert sender.deliver(page_of({**template, "brand": "bol", "dedup_key": key, "event_time": now}))
        wait_for(lambda key=key: webhook.statuses(key) == ["firing"], 30, f"marker {round_}'s notification")


def test_pile_on_fires_once_then_resolves_through_a_real_alertmanager(
        alertmanager: str, webhook: Webhook, pile_on_events: list[dict[str, Any]]) -> None:
    trigger, *updates, resolve = pile_on_events
    key, sender = trigger["dedup_key"], notifier(alertmanager)

    assert sender.deliver(page_of(trigger))
    wait_for(lambda: webhook.statuses(key) == ["firing"], 30, "the firing notification")
    for update in updates:
        assert sender.deliver(page_of(update))
    notified_since(sender, webhook, trigger)  # time enough for Alertmanager to page again, if it would
    assert webhook.statuses(key) == ["firing"]

    assert sender.deliver(page_of(resolve))
    wait_for(lambda: webhook.statuses(key) == ["firing", "resolved"], 30, "the resolved notification")
    firing = next(a for n in webhook.notifications for a in n["alerts"] if a["status"] == "firing")
    assert firing["labels"] == {"alertname": trigger["rule"], "brand": "coolblue", "severity": "critical",
                                "dedup_key": key, "service": "luisterpost"}
    assert firing["startsAt"].startswith("2018-11-2")  # the incident's own time, from a 2018 replay
    assert firing["annotations"]["description"] == trigger["summary"]
    assert firing["generatorURL"] == trigger["links"][0]["href"]  # the incident page, which notify puts first
    assert trigger["top_mentions"][0]["url"] in firing["annotations"]["links"].splitlines()


def test_a_silence_in_alertmanager_keeps_the_incident_out(
        alertmanager: str, webhook: Webhook, pile_on_events: list[dict[str, Any]]) -> None:
    trigger = pile_on_events[0]
    key = trigger["dedup_key"]
    control = {**trigger, "brand": "bol", "dedup_key": key.replace("coolblue", "bol")}  # not silenced
    now = datetime.now(UTC)
    silence = httpx.post(f"{alertmanager}/api/v2/silences", timeout=5, json={
        "matchers": [{"name": "dedup_key", "value": key, "isRegex": False, "isEqual": True}],
        "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat(),
        "createdBy": "eva (webcare lead)", "comment": "known thread, handled by phone"})
    assert silence.status_code == 200, silence.text
    silence_id = silence.json()["silenceID"]

    sender = notifier(alertmanager)
    assert sender.deliver(page_of(trigger)) and sender.deliver(page_of(control))
    wait_for(lambda: webhook.statuses(control["dedup_key"]) == ["firing"], 30, "the control's notification")
    notified_since(sender, webhook, trigger)
    assert webhook.statuses(key) == []
    alerts = httpx.get(f"{alertmanager}/api/v2/alerts", timeout=5).json()
    silenced = next(a for a in alerts if a["labels"]["dedup_key"] == key)
    assert silenced["status"]["state"] == "suppressed" and silenced["status"]["silencedBy"] == [silence_id]
