"""Receivers do not wait on each other, and a pager outage never stops the notify loop (issue 17,
items 5 and 6). A hung webhook on loopback next to the PagerDuty fake on loopback; an outage whose
hours pass on an injected clock; a receiver that stays down and gives its events up."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from kafka import TopicPartition
from prometheus_client import CollectorRegistry

from alerts.notification.notifier import Notifier
from alerts.notification.page import Page
from alerts.notification.receivers.base import Receiver
from alerts.notification.receivers.pagerduty import PagerDutyReceiver
from alerts.notification.receivers.webhook import WebhookReceiver
from luisterpost.app import Pipeline
from luisterpost.config import build
from luisterpost.health import HealthServer
from luisterpost.kafka import KafkaClients, Topics
from luisterpost.loop import StageLoop
from luisterpost.metrics import Metrics
from luisterpost.stages.dlq import describe
from luisterpost.stages.notify import NotifyStage
from tests.pager_fakes import PagerDutyFake, PagerDutyServer
from tests.unit.test_receivers import ALL, KEY, TRIGGER, ClockedStop, FakeClock, counting, sample

PAGES = 15


def events(count: int = PAGES) -> list[dict[str, Any]]:
    return [{**TRIGGER, "dedup_key": f"coolblue/pile_on/li:{n}"} for n in range(count)]


def records(batch: list[dict[str, Any]]) -> list[SimpleNamespace]:
    return [SimpleNamespace(value=json.dumps(event).encode(), topic="incidents", partition=0, offset=offset,
                            key=None, headers=[]) for offset, event in enumerate(batch)]


def until(condition: Callable[[], bool], timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class _Hung(BaseHTTPRequestHandler):
    """Takes the request, then answers nothing until the test lets it (or never)."""

    server: HungServer

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.taken.append(time.monotonic())
        self.server.release.wait(120)
        self.server.answered.append(time.monotonic())
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return None


class HungServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hung)
        self.taken: list[float] = []
        self.answered: list[float] = []
        self.release = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def hung() -> Iterator[HungServer]:
    server = HungServer()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def pagerduty_server() -> Iterator[PagerDutyServer]:
    server = PagerDutyServer(PagerDutyFake())
    yield server
    server.stop()


def test_a_hung_webhook_does_not_hold_back_the_pages(hung: HungServer, pagerduty_server: PagerDutyServer) -> None:
    stopping = threading.Event()
    webhook = WebhookReceiver("webcare-webhook", ALL, f"http://127.0.0.1:{hung.server_port}/hook", {}, 60)
    pager = PagerDutyReceiver("pd", ALL, KEY, 10, url=pagerduty_server.url)
    stage = NotifyStage(Notifier([webhook, pager], stopping, 0.01, 0.1), Topics.with_prefix(""),
                        Metrics(CollectorRegistry()))
    batch = records(events())
    with ThreadPoolExecutor(1) as pool:
        try:
            # Each turn returns (the loop keeps turning) and commits nothing the webhook still has.
            def turn() -> bool:
                return pool.submit(stage.process, batch).result(timeout=90).handled == 0
            assert until(lambda: turn() and len(pagerduty_server.fake.accepted) == PAGES, 60)
            assert hung.answered == [] and len(hung.taken) == 1  # all pages went while the webhook still hung
            assert [b["dedup_key"] for b in pagerduty_server.fake.accepted] == [e["dedup_key"] for e in events()]
            hung.release.set()
            assert until(lambda: pool.submit(stage.process, batch).result(timeout=90).handled == PAGES, 60)
            assert len(hung.answered) == PAGES and len(pagerduty_server.fake.accepted) == PAGES  # none twice
        finally:
            stopping.set()
            hung.release.set()
            stage.close()


# --- liveness through a long pager outage ----------------------------------------------------------

class FakeConsumer:
    """The few KafkaConsumer calls StageLoop makes, over one partition held in memory."""

    def __init__(self, values: list[bytes]) -> None:
        self.partition = TopicPartition("incidents", 0)
        self.values, self.at, self.committed = values, 0, -1

    def subscribe(self, topics: list[str], listener: Any) -> None:
        asyncio.run(listener.on_partitions_assigned({self.partition}))  # kafka-python 3 awaits these

    def poll(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[Any]]:
        batch = [SimpleNamespace(value=value, topic="incidents", partition=0, offset=offset, key=None,
                                 headers=[], timestamp=0)
                 for offset, value in enumerate(self.values)][self.at:self.at + max_records]
        self.at += len(batch)
        if not batch:
            time.sleep(timeout_ms / 1000)
        return {self.partition: batch} if batch else {}

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.at = offset

    def commit(self, offsets: dict[TopicPartition, Any], timeout_ms: int | None = None) -> None:
        self.committed = offsets[self.partition].offset

    def assignment(self) -> set[TopicPartition]:
        return {self.partition}

    def highwater(self, partition: TopicPartition) -> int:
        return len(self.values)

    def position(self, partition: TopicPartition) -> int:
        return self.at

    def close(self, autocommit: bool = False) -> None:
        return None


class FakeProducer:
    def send(self, topic: str, **kwargs: Any) -> Any:
        return SimpleNamespace(get=lambda timeout: None)

    def flush(self, timeout: float | None = None) -> None:
        return None

    def close(self, timeout: float = 0) -> None:
        return None


class SlowClockedStop(ClockedStop):
    """Backoff waits pass on the fake clock, with a breath of real time so the lane does not spin."""

    def wait(self, timeout: float | None = None) -> bool:
        time.sleep(0.002)
        return super().wait(timeout)


def healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_healthz_stays_200_and_the_loop_turns_through_a_pager_outage_of_hours() -> None:
    clock = FakeClock()
    stopping = SlowClockedStop(clock)
    outage = threading.Event()
    outage.set()
    fake = PagerDutyFake()

    def pagerduty(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"status": "unavailable"}) if outage.is_set() else fake(request)

    pager = PagerDutyReceiver("pd", ALL, KEY, 10, transport=httpx.MockTransport(pagerduty))
    metrics = Metrics(CollectorRegistry())
    notifier = Notifier([pager], stopping, 0.5, 60, give_up_after_s=86_400, clock=clock)
    consumer = FakeConsumer([json.dumps(event).encode() for event in events(3)])
    clients = KafkaClients(consumer, FakeProducer(), consumer)  # type: ignore[arg-type]
    loop = StageLoop(NotifyStage(notifier, Topics.with_prefix(""), metrics), lambda: clients, metrics, stopping,
                     commit_interval_s=0.05)
    pipeline = Pipeline.__new__(Pipeline)  # its real live(): the loop turned within http.liveness_timeout_s
    pipeline.config, pipeline.loops = build({"http": {"liveness_timeout_s": 5}}, environ={}), [loop]
    server = HealthServer("127.0.0.1:0", metrics.registry, pipeline.live, pipeline.ready).start()
    runner = threading.Thread(target=loop.run, daemon=True)
    runner.start()
    try:
        assert until(lambda: clock.now > 2 * 3600, 60)  # two hours of retries on the injected clock
        turned = loop.last_turn
        answers = [healthz(server.port) for _ in range(3)]
        assert until(lambda: loop.last_turn > turned, 30), "the loop stopped turning during the outage"
        assert answers == [200, 200, 200] and healthz(server.port) == 200
        assert consumer.committed == -1 and fake.accepted == []  # nothing committed while the pager is down
        outage.clear()
        assert until(lambda: consumer.committed == 3, 30)
        assert [b["dedup_key"] for b in fake.accepted] == [e["dedup_key"] for e in events(3)]
        pending = metrics.registry.get_sample_value("luisterpost_pager_pending_events", {"receiver": "pd"})
        assert pending == 0
    finally:
        stopping.set()
        runner.join(30)
        server.stop()


# --- a receiver that stays down ----------------------------------------------------------------------

class Recorder:
    def __init__(self, name: str) -> None:
        self.name, self.severities, self.budget = name, ALL, None
        self.sent: list[str] = []

    def send(self, page: Page) -> Any:
        from alerts.notification.receivers.base import Outcome
        self.sent.append(page.event.dedup_key)
        return Outcome.ok()

    def close(self) -> None:
        return None


def test_a_receiver_down_past_give_up_after_s_dead_letters_its_events_and_the_others_get_them() -> None:
    clock = FakeClock()
    stopping = SlowClockedStop(clock)
    attempts: list[str] = []

    def down(request: httpx.Request) -> httpx.Response:
        attempts.append(json.loads(request.content)["dedup_key"])
        return httpx.Response(503, text="upstream connect error")

    pager = PagerDutyReceiver("pd", ALL, KEY, 10, transport=httpx.MockTransport(down))
    chat = Recorder("chat")
    receivers: list[Receiver] = [pager, chat]
    metrics = Metrics(CollectorRegistry())
    stage = NotifyStage(Notifier(receivers, stopping, 0.5, 60, counting(metrics), give_up_after_s=600, clock=clock),
                        Topics.with_prefix(""), metrics)
    batch = records(events(3))
    dead: list[Any] = []

    def settled() -> bool:
        result = stage.process(batch)
        dead.extend(result.outputs)
        return result.handled == 3

    try:
        assert until(settled, 60)
        tried, given_up = len(attempts), sample(metrics, "pd", "given_up")
        again = stage.process(batch)  # a re-read (say after a rebalance) settles at once, not retried
    finally:
        stopping.set()
        stage.close()
    assert chat.sent == [e["dedup_key"] for e in events(3)]  # the chat got them all, once
    assert again.handled == 3 and len(attempts) == tried
    assert [json.loads(out.value)["dedup_key"] for out in dead] == [e["dedup_key"] for e in events(3)]
    reason = describe(dead[0].headers)["reason"]
    assert reason.startswith("receiver pd gave up after ") and reason.endswith("HTTP 503: upstream connect error")
    assert set(attempts[1:]) == {events()[0]["dedup_key"]}  # only the first is retried; the rest given up at once
    assert given_up == sample(metrics, "pd", "given_up") == 3


@pytest.mark.parametrize("bad", [b"not json", b"[]", json.dumps({**TRIGGER, "severity": ["critical"]}).encode(),
                                 json.dumps({**TRIGGER, "dedup_key": None}).encode()])
def test_a_malformed_incident_is_dead_lettered_and_the_next_one_still_pages(bad: bytes) -> None:
    chat = Recorder("chat")
    stage = NotifyStage(Notifier([chat], threading.Event(), 0.001, 0.01), Topics.with_prefix(""),
                        Metrics(CollectorRegistry()))
    batch = [SimpleNamespace(value=bad, topic="incidents", partition=0, offset=0, key=None, headers=[]),
             *records(events(1))[:1]]
    batch[1].offset = 1
    try:
        assert until(lambda: stage.process(batch).handled == 2)
    finally:
        stage.close()
    assert chat.sent == [events(1)[0]["dedup_key"]]
