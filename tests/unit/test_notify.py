"""Receivers and delivery: retry 429/5xx with backoff until accepted, never retry a 400."""

import io
import logging
import threading

import httpx
import pytest

from alerts.notification.notifier import Notifier
from alerts.notification.page import Page
from alerts.notification.receivers.base import Outcome
from alerts.notification.receivers.console import ConsoleReceiver
from alerts.notification.receivers.webhook import WebhookReceiver
from tests.support.pages import page_of

EVENT = {"dedup_key": "coolblue/influencer_complaint/li:1", "action": "trigger", "rule": "influencer_complaint",
         "severity": "critical", "brand": "coolblue", "event_time": "2018-11-26T23:50:00+01:00",
         "summary": "coolblue: complaint by robb (25,000 followers) unanswered", "evidence": {"replies": 12},
         "top_mentions": [{"author": "robb", "followers": 25000, "stance": "complaint",
                           "sentiment": "negative", "excerpt": "Extra betaald", "url": "https://x/1"}]}
ALL = frozenset({"critical", "error", "warning", "info"})


class Hook:
    """A webhook that answers with the given statuses in turn, recording what it received."""

    def __init__(self, *statuses: int) -> None:
        self.statuses, self.received = list(statuses), []  # type: ignore[var-annotated]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request.read())
        return httpx.Response(self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0])


def notifier(hook: Hook, outcomes: list[tuple[str, Outcome]], stopping: threading.Event | None = None) -> Notifier:
    receiver = WebhookReceiver("hook", ALL, "http://hook.test/", {}, 5, transport=httpx.MockTransport(hook))
    return Notifier([receiver], stopping or threading.Event(), 0.001, 0.01,
                    lambda name, outcome: outcomes.append((name, outcome)))


def test_500s_then_202_delivers_exactly_once() -> None:
    hook, outcomes = Hook(500, 503, 429, 202), []  # type: ignore[var-annotated]
    assert notifier(hook, outcomes).deliver(page_of(EVENT))
    assert len(hook.received) == 4
    assert [o.status for _, o in outcomes] == ["retry", "retry", "retry", "delivered"]


def test_400_is_not_retried_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    hook, outcomes = Hook(400), []  # type: ignore[var-annotated]
    with caplog.at_level(logging.WARNING):
        assert notifier(hook, outcomes).deliver(page_of(EVENT))  # final: the offset may move on
    assert len(hook.received) == 1
    assert [o.status for _, o in outcomes] == ["rejected"]
    assert "HTTP 400" in caplog.text and EVENT["dedup_key"] in caplog.text


def test_shutdown_during_retries_reports_undelivered() -> None:
    stopping = threading.Event()
    hook, outcomes = Hook(503), []  # type: ignore[var-annotated]
    timer = threading.Timer(0.2, stopping.set)
    timer.start()
    assert not notifier(hook, outcomes, stopping).deliver(page_of(EVENT))  # not committed: redone after restart


def test_same_event_twice_reaches_the_receiver_once() -> None:
    hook, outcomes = Hook(202), []  # type: ignore[var-annotated]
    sender = notifier(hook, outcomes)
    assert sender.deliver(page_of(EVENT)) and sender.deliver(page_of(EVENT))
    assert len(hook.received) == 1


def test_severity_filter_and_console_page() -> None:
    stream = io.StringIO()
    console = ConsoleReceiver("console", frozenset({"critical"}), stream)
    sender = Notifier([console], threading.Event(), 0.01, 0.01)
    assert sender.deliver(page_of({**EVENT, "severity": "info"})) and stream.getvalue() == ""
    assert sender.deliver(page_of(EVENT))
    page = stream.getvalue()
    assert page.startswith("[PAGE] CRITICAL influencer_complaint") and "robb (25,000)" in page


class Flaky:
    """A receiver that fails the first `failures` sends (raising, as a buggy receiver might), then takes all."""

    def __init__(self, name: str, failures: int = 0) -> None:
        self.name, self.severities, self.budget = name, ALL, None
        self.failures, self.sent = failures, []  # type: ignore[var-annotated]

    def send(self, page: Page) -> Outcome:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("boom at https://hooks.test/services/T1/B2/s3cr3tt0ken")
        self.sent.append((page.event.dedup_key, page.event.action))
        return Outcome.ok()

    def close(self) -> None:
        return None


def test_each_receiver_keeps_the_order_of_an_incidents_events_while_another_fails(
        caplog: pytest.LogCaptureFixture) -> None:
    steady, flaky = Flaky("steady"), Flaky("flaky", failures=3)
    life = [{**EVENT, "action": action, "event_time": f"2018-11-26T23:5{n}:00+01:00"}
            for n, action in enumerate(("trigger", "update", "resolve"))]
    sender = Notifier([flaky, steady], threading.Event(), 0.001, 0.01)
    with caplog.at_level(logging.WARNING):
        for event in life:
            sender.submit(page_of(event))
        assert sender.wait_settled([page_of(event) for event in life], 30)
    expected = [(EVENT["dedup_key"], action) for action in ("trigger", "update", "resolve")]
    assert steady.sent == expected and flaky.sent == expected
    assert "RuntimeError in the receiver" in caplog.text and "s3cr3tt0ken" not in caplog.text
