"""The pager receivers against fakes that answer as the SaaS contracts document, the delivery rules
(retry 5xx/429 honouring Retry-After, never a 400, a rate budget that waits), and secrets kept out."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from alerts.notification.notifier import Notifier
from alerts.notification.receivers.alertmanager import AlertmanagerReceiver
from alerts.notification.receivers.base import Receiver
from alerts.notification.receivers.build import build_receivers
from alerts.notification.receivers.http import retry_after_s
from alerts.notification.receivers.opsgenie import OpsgenieReceiver
from alerts.notification.receivers.pagerduty import PagerDutyReceiver
from alerts.notification.receivers.rate import RateBudget
from alerts.notification.receivers.slack import SlackReceiver
from alerts.notification.receivers.text import bounded_key, shorten, units
from alerts.notification.receivers.webhook import WebhookReceiver
from luisterpost.config import ConfigError, build
from luisterpost.metrics import Metrics
from tests.pager_fakes import PagerDutyFake
from tests.support.pages import page_of

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
KEY = "0123456789abcdef0123456789abcdef"
ALL = frozenset({"critical", "error", "warning", "info"})
LONG_DUTCH = ("Coolblue: klacht van robb (25.000 volgers) al 75 minuten onbeantwoord 😡, 38 reacties waarvan "
              "31 verdedigers die hem een zeurpiet en verwend noemen 🙄👨‍👩‍👧‍👦. Extra betaald voor levering vóór "
              "22:00, om 22:40 kwam de bezorger zonder excuus; de wasmachine stond scheef en de klantenservice "
              "reageert niet. ") * 12
TRIGGER: dict[str, Any] = {
    "dedup_key": "coolblue/pile_on/li:7265312", "action": "trigger", "rule": "pile_on", "severity": "critical",
    "brand": "coolblue", "event_time": "2018-11-27T09:12:00+01:00", "summary": LONG_DUTCH,
    "evidence": {"defense_replies": 31, "abusive_replies": 9, "window_minutes": 30},
    "top_mentions": [{"id": "li:7265312", "author": "robb", "followers": 25000, "stance": "complaint",
                      "sentiment": "negative", "excerpt": "Extra betaald voor levering voor 22:00 & <geen> excuus",
                      "url": "https://www.linkedin.com/feed/update/urn:li:activity:7265312"},
                     {"id": "li:7265390", "author": "jan_devries", "followers": 310, "stance": "defense",
                      "sentiment": "negative", "excerpt": "Wat een zeurpiet, geef ze eerst de kans",
                      "url": "https://www.linkedin.com/feed/update/urn:li:activity:7265390"}]}
UPDATE = {**TRIGGER, "action": "update", "event_time": "2018-11-27T09:30:00+01:00"}
RESOLVE = {**TRIGGER, "action": "resolve", "event_time": "2018-11-27T13:30:00+01:00"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ClockedStop(threading.Event):
    """A shutdown event whose waits pass on a fake clock and are recorded: no real sleeping."""

    def __init__(self, clock: FakeClock, stop_after_waits: int | None = None) -> None:
        super().__init__()
        self.clock, self.waits, self._stop_after = clock, [], stop_after_waits  # type: ignore[var-annotated]

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        if self._stop_after is not None and len(self.waits) >= self._stop_after:
            self.set()  # the shutdown arrives while waiting
        else:
            self.clock.now += timeout or 0
        return self.is_set()


class Recorded:
    """A transport that records each request and answers with the given function."""

    def __init__(self, answer: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer or (lambda request: httpx.Response(202, json={"result": "Request will be processed"}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        response: httpx.Response = self._answer(request)
        return response

    def bodies(self) -> list[Any]:
        return [json.loads(request.content) for request in self.requests]


def counting(metrics: Metrics) -> Any:
    return lambda name, outcome: metrics.deliveries.labels(name, outcome.status).inc()  # as app.py counts


def sample(metrics: Metrics, receiver: str, outcome: str) -> float:
    return metrics.registry.get_sample_value("luisterpost_pager_deliveries_total",
                                             {"receiver": receiver, "outcome": outcome}) or 0.0


def pagerduty(fake: PagerDutyFake, budget: RateBudget | None = None, routing_key: str = KEY) -> PagerDutyReceiver:
    return PagerDutyReceiver("pd", ALL, routing_key, 5, budget=budget, transport=httpx.MockTransport(fake))


# --- text: the limits count characters ---------------------------------------------------------------

@pytest.mark.parametrize("limit", [130, 1024, 200, 40])
def test_shorten_cuts_long_dutch_with_emoji_at_a_word_within_the_limit(limit: int) -> None:
    cut = shorten(LONG_DUTCH, limit)
    assert len(cut) <= limit and units(cut) <= limit  # code points, and UTF-16 units as Java counts them
    assert cut.endswith("…") and LONG_DUTCH.startswith(cut[:-1])
    assert LONG_DUTCH[len(cut) - 1].isspace() or LONG_DUTCH[len(cut) - 1] in ",.;:"  # a whole word kept
    assert len(cut) > limit // 2


def test_shorten_keeps_a_fitting_text_and_never_splits_an_emoji() -> None:
    assert shorten("Nooit meer Coolblue 😡", 130) == "Nooit meer Coolblue 😡"
    family = "👨‍👩‍👧‍👦"
    cut = shorten("x " + family * 20, 12)  # no word boundary past half: a hard cut
    assert cut == "x…"  # the family is dropped whole, never turned into a smaller family
    assert shorten("a" * 300, 10) == "a" * 9 + "…"
    assert shorten("ok " + "👍🏽" * 10, 8) == "ok 👍🏽…"
    assert shorten("ok" + "👍🏽" * 10, 6) == "ok…"  # never a thumb without its skin tone


def test_bounded_key_is_stable_within_the_limit_and_keeps_long_keys_apart() -> None:
    short = "coolblue/pile_on/li:7265312"
    assert bounded_key(short, 255) == short
    first, second = "coolblue/pile_on/" + "x" * 300 + "1", "coolblue/pile_on/" + "x" * 300 + "2"
    assert len(bounded_key(first, 255)) == 255 and bounded_key(first, 255) == bounded_key(first, 255)
    assert bounded_key(first, 255) != bounded_key(second, 255)


# --- PagerDuty -----------------------------------------------------------------------------------------

def test_pagerduty_request_shape_follows_events_api_v2() -> None:
    fake = PagerDutyFake(routing_key=KEY)
    receiver = pagerduty(fake)
    assert [receiver.send(page_of(event)).status for event in (TRIGGER, UPDATE, RESOLVE)] == ["delivered"] * 3
    trigger, update, resolve = fake.requests
    assert trigger["event_action"] == update["event_action"] == "trigger" and resolve["event_action"] == "resolve"
    assert trigger["routing_key"] == KEY and trigger["dedup_key"] == resolve["dedup_key"] == TRIGGER["dedup_key"]
    payload = trigger["payload"]
    assert len(payload["summary"]) <= 1024 and payload["summary"].endswith("…")
    assert (payload["source"], payload["severity"], payload["component"], payload["group"]) == \
        ("luisterpost", "critical", "pile_on", "coolblue")
    assert payload["timestamp"] == "2018-11-27T09:12:00+01:00"
    assert payload["custom_details"]["summary"] == LONG_DUTCH  # the whole text, where a person can read it
    assert payload["custom_details"]["evidence"]["defense_replies"] == 31
    assert [link["href"] for link in trigger["links"]] == [m["url"] for m in TRIGGER["top_mentions"]]
    assert set(resolve) == {"routing_key", "event_action", "dedup_key"}
    assert [(i.dedup_key, i.status, i.alerts) for i in fake.incidents] == [(TRIGGER["dedup_key"], "resolved", 2)]


def test_pagerduty_url_and_a_too_long_dedup_key() -> None:
    transport = Recorded(lambda request: httpx.Response(202, json={"status": "success"}))
    receiver = PagerDutyReceiver("pd", ALL, KEY, 5, url="https://events.eu.pagerduty.com/",
                                 transport=httpx.MockTransport(transport))
    receiver.send(page_of({**TRIGGER, "dedup_key": "coolblue/pile_on/" + "t" * 400}))
    assert str(transport.requests[0].url) == "https://events.eu.pagerduty.com/v2/enqueue"
    assert len(transport.bodies()[0]["dedup_key"]) == 255


def test_500s_then_202_pages_exactly_once_through_the_notifier() -> None:
    fake, metrics = PagerDutyFake(script=[500, 502, 503]), Metrics(CollectorRegistry())
    notifier = Notifier([pagerduty(fake)], threading.Event(), 0.001, 0.005, counting(metrics))
    assert notifier.deliver(page_of(TRIGGER))
    assert len(fake.requests) == 4 and len(fake.accepted) == 1 and len(fake.incidents) == 1
    assert (sample(metrics, "pd", "retry"), sample(metrics, "pd", "delivered")) == (3, 1)


def test_400_is_not_retried_is_counted_and_logged_once_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    fake, metrics = PagerDutyFake(routing_key=KEY), Metrics(CollectorRegistry())
    wrong = "wrong-key-from-a-stale-secret"
    notifier = Notifier([pagerduty(fake, routing_key=wrong)], threading.Event(), 0.001, 0.005, counting(metrics))
    with caplog.at_level(logging.DEBUG):
        assert notifier.deliver(page_of(TRIGGER))  # final: the offset may move on
    assert len(fake.requests) == 1 and fake.incidents == []
    assert (sample(metrics, "pd", "rejected"), sample(metrics, "pd", "retry")) == (1, 0)
    lines = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    assert len(lines) == 1 and "pd" in lines[0] and "HTTP 400" in lines[0] and TRIGGER["dedup_key"] in lines[0]
    assert wrong not in caplog.text


def test_429_waits_as_long_as_retry_after_says_capped_by_the_backoff_maximum() -> None:
    for header, expected in (("7", 7.0), ("3600", 30.0)):
        clock = FakeClock()
        stopping, fake = ClockedStop(clock), PagerDutyFake(script=[429], retry_after=header)
        assert Notifier([pagerduty(fake)], stopping, 0.001, 30, lambda n, o: None).deliver(page_of(TRIGGER))
        assert stopping.waits == [expected] and len(fake.accepted) == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s("12", NOW) == 12
    assert retry_after_s("Fri, 20 Nov 2026 09:00:30 GMT", NOW) == 30
    assert retry_after_s("Fri, 20 Nov 2026 08:00:00 GMT", NOW) == 0
    assert retry_after_s("soon", NOW) is None and retry_after_s(None, NOW) is None


def test_transport_errors_and_timeouts_are_retried() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out connecting to https://events.pagerduty.com", request=request)

    outcome = PagerDutyReceiver("pd", ALL, KEY, 5, transport=httpx.MockTransport(down)).send(page_of(TRIGGER))
    assert outcome.retryable and outcome.error == "ConnectTimeout"


# --- the rate budget -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("per_minute", "calls", "waits"), [
    (2, [0, 0, 0], [0, 0, 60]),            # the third in the same minute waits for the first to age out
    (2, [0, 0, 10], [0, 0, 50]),
    (2, [0, 30, 60, 61], [0, 0, 0, 29]),   # a sliding window: at 61 the sends at 30 and 60 still count
    (120, [0.0] * 121, [0] * 120 + [60]),  # PagerDuty's figure: 120 at once, the 121st a minute later
    (1, [0, 0, 0], [0, 60, 120]),          # bookings queue up: nothing is dropped
])
def test_rate_budget_table(per_minute: int, calls: list[float], waits: list[float]) -> None:
    clock = FakeClock()
    budget = RateBudget(per_minute, clock)
    seen = []
    for at in calls:
        clock.now = at
        seen.append(budget.reserve())
    assert seen == waits


def test_a_burst_waits_for_the_budget_and_never_hits_pagerdutys_limit() -> None:
    clock = FakeClock()
    fake = PagerDutyFake(limit_per_minute=120, clock=clock)
    stopping = ClockedStop(clock)
    notifier = Notifier([pagerduty(fake, RateBudget(120, clock))], stopping, 0.5, 5)
    events = [{**TRIGGER, "dedup_key": f"coolblue/pile_on/li:{n}"} for n in range(300)]
    assert all(notifier.deliver(page_of(event)) for event in events)
    assert fake.limited == 0 and len(fake.incidents) == 300  # every page, none throttled
    assert clock.now == 120  # 120 at once, 120 a minute later, 60 a minute after that


def test_pagerduty_without_a_budget_is_throttled_by_the_fake() -> None:
    clock = FakeClock()  # the control for the test above: the fake does enforce the limit
    fake = PagerDutyFake(limit_per_minute=120, clock=clock)
    receiver = pagerduty(fake)
    outcomes = [receiver.send(page_of({**TRIGGER, "dedup_key": f"k{n}"})) for n in range(130)]
    assert fake.limited == 10 and outcomes[-1].retryable


def test_a_shutdown_while_waiting_for_the_budget_sends_nothing_and_is_not_committed() -> None:
    clock = FakeClock()
    fake, budget = PagerDutyFake(), RateBudget(1, clock)
    stopping = ClockedStop(clock, stop_after_waits=1)
    notifier = Notifier([pagerduty(fake, budget)], stopping, 0.001, 0.005)
    assert notifier.deliver(page_of(TRIGGER))
    assert not notifier.deliver(page_of(UPDATE))  # waiting a minute for the budget when SIGTERM came
    assert len(fake.requests) == 1


# --- Opsgenie ------------------------------------------------------------------------------------------

def test_opsgenie_create_and_close_follow_the_alert_api() -> None:
    transport = Recorded()
    receiver = OpsgenieReceiver("og", ALL, "genie-secret", 5, transport=httpx.MockTransport(transport))
    assert [receiver.send(page_of(event)).delivered for event in (TRIGGER, UPDATE, RESOLVE)] == [True] * 3
    create, update, close = transport.requests
    assert str(create.url) == "https://api.opsgenie.com/v2/alerts" and create.method == "POST"
    assert create.headers["Authorization"] == "GenieKey genie-secret"
    body = json.loads(create.content)
    assert body["alias"] == json.loads(update.content)["alias"] == TRIGGER["dedup_key"]
    assert len(body["message"]) <= 130 and body["message"].endswith("…")
    assert body["description"].startswith(LONG_DUTCH[:2000]) and len(body["description"]) <= 15_000
    assert body["priority"] == "P1" and body["source"] == "luisterpost"
    assert all(isinstance(value, str) for value in body["details"].values())
    assert body["details"]["evidence.defense_replies"] == "31" and "coolblue" in body["tags"]
    assert close.url.raw_path == b"/v2/alerts/coolblue%2Fpile_on%2Fli%3A7265312/close?identifierType=alias"
    assert close.headers["Authorization"] == "GenieKey genie-secret"


@pytest.mark.parametrize(("severity", "priority"), [("critical", "P1"), ("error", "P2"), ("warning", "P3"),
                                                    ("info", "P5")])
def test_opsgenie_priority_from_severity(severity: str, priority: str) -> None:
    transport = Recorded()
    OpsgenieReceiver("og", ALL, "k", 5, transport=httpx.MockTransport(transport)).send(page_of(
        {**TRIGGER, "severity": severity}))
    assert transport.bodies()[0]["priority"] == priority


def test_opsgenie_answers_map_to_outcomes() -> None:
    for status, outcome in ((202, "delivered"), (422, "rejected"), (401, "rejected"), (429, "retry"),
                            (503, "retry")):
        transport = Recorded(lambda request, s=status: httpx.Response(s, json={"message": "x"}))
        receiver = OpsgenieReceiver("og", ALL, "k", 5, transport=httpx.MockTransport(transport))
        assert receiver.send(page_of(TRIGGER)).status == outcome


# --- Alertmanager --------------------------------------------------------------------------------------

def alertmanager(transport: Recorded) -> AlertmanagerReceiver:
    return AlertmanagerReceiver("am", ALL, "http://alertmanager:9093/", 5,
                                transport=httpx.MockTransport(transport), clock=lambda: NOW)


def test_alertmanager_posts_one_alert_whose_labels_are_the_incident() -> None:
    transport = Recorded(lambda request: httpx.Response(200))
    receiver = alertmanager(transport)
    assert all(receiver.send(page_of(event)).delivered for event in (TRIGGER, UPDATE, RESOLVE))
    assert str(transport.requests[0].url) == "http://alertmanager:9093/api/v2/alerts"
    trigger, update, resolve = (body[0] for body in transport.bodies())
    assert trigger["labels"] == {"alertname": "pile_on", "brand": "coolblue", "severity": "critical",
                                 "dedup_key": TRIGGER["dedup_key"], "service": "luisterpost"}
    assert trigger["labels"] == update["labels"] == resolve["labels"]  # one alert, not three
    assert trigger["annotations"]["description"] == LONG_DUTCH
    assert len(trigger["annotations"]["summary"]) <= 1024
    assert "urn:li:activity:7265312" in trigger["annotations"]["links"]
    assert trigger["generatorURL"] == TRIGGER["top_mentions"][0]["url"]
    # A 2018 replay: startsAt says 2018, the alert fires until resolved (not for resolve_timeout) ...
    assert datetime.fromisoformat(trigger["startsAt"]) == datetime.fromisoformat(TRIGGER["event_time"])
    assert datetime.fromisoformat(trigger["endsAt"]) == NOW + timedelta(hours=24)
    # ... and the resolve's endsAt, its event time, is in the past: Alertmanager resolves it at once.
    assert datetime.fromisoformat(resolve["endsAt"]) == datetime.fromisoformat(RESOLVE["event_time"])


def test_alertmanager_resolve_from_the_future_ends_now_and_long_keys_are_hashed() -> None:
    transport = Recorded(lambda request: httpx.Response(200))
    receiver = alertmanager(transport)
    receiver.send(page_of({**RESOLVE, "event_time": "2030-01-01T00:00:00+01:00", "dedup_key": "k" * 400}))
    alert = transport.bodies()[0][0]
    assert datetime.fromisoformat(alert["endsAt"]) == NOW  # a clock ahead of ours must not keep it firing
    assert len(alert["labels"]["dedup_key"]) == 255


# --- Slack-compatible webhook --------------------------------------------------------------------------

def test_slack_message_has_a_headline_and_linked_top_mentions() -> None:
    transport = Recorded(lambda request: httpx.Response(200, text="ok"))
    url = "https://hooks.slack.com/services/T0001/B0001/s3cr3tT0k3n"
    assert SlackReceiver("chat", ALL, url, 5, transport=httpx.MockTransport(transport)).send(page_of(TRIGGER)).delivered
    assert str(transport.requests[0].url) == url
    text = transport.bodies()[0]["text"]
    headline, first, second = text.split("\n")
    assert headline.startswith("*:rotating_light: PAGE* CRITICAL `pile_on` coolblue: Coolblue: klacht")
    assert len(headline) < 700
    assert first.startswith(f"• <{TRIGGER['top_mentions'][0]['url']}|robb (25,000 followers) complaint/negative")
    assert "&amp; &lt;geen&gt; excuus" in first  # the post's own & and < are text, not Slack markup
    assert second.startswith("• <https://www.linkedin.com/feed/update/urn:li:activity:7265390|jan_devries")


def test_slack_error_answers() -> None:
    for status, body, outcome in ((404, "no_service", "rejected"), (400, "invalid_payload", "rejected"),
                                  (429, "rate_limited", "retry"), (500, "rollup_error", "retry")):
        transport = Recorded(lambda request, s=status, b=body: httpx.Response(s, text=b))
        receiver = SlackReceiver("chat", ALL, "https://hooks.slack.com/services/T/B/x", 5,
                                 transport=httpx.MockTransport(transport))
        assert receiver.send(page_of(TRIGGER)).status == outcome


# --- secrets and configuration -------------------------------------------------------------------------

SECRETS = {"PD_KEY": "pd-routing-key-0000000000000000", "OG_KEY": "og-genie-key-1111",
           "SLACK_URL": "https://hooks.slack.com/services/T9/B9/slacktoken2222"}
RECEIVERS = [
    {"name": "crisis-pd", "type": "pagerduty", "routing_key_from_env": "PD_KEY"},
    {"name": "crisis-og", "type": "opsgenie", "api_key": "og-genie-key-1111", "rate_per_minute": 30},
    {"name": "crisis-am", "type": "alertmanager", "url": "http://alertmanager:9093"},
    {"name": "webcare", "type": "slack", "url_from_env": "SLACK_URL", "severities": ["warning", "info"]},
]


def test_receivers_from_config_with_their_defaults() -> None:
    config = build({"notify": {"receivers": RECEIVERS}}, environ={})
    receivers: list[Receiver] = build_receivers(config.notify, SECRETS)
    assert [type(r).__name__ for r in receivers] == ["PagerDutyReceiver", "OpsgenieReceiver",
                                                     "AlertmanagerReceiver", "SlackReceiver"]
    pd, og, am, slack = receivers
    assert pd.severities == og.severities == am.severities == {"critical", "error"}  # pagers page
    assert slack.severities == {"warning", "info"}
    assert pd.budget is not None and pd.budget.per_minute == 120  # PagerDuty's own limit
    assert og.budget is not None and og.budget.per_minute == 30 and am.budget is None and slack.budget is None


@pytest.mark.parametrize(("receiver", "environ", "message"), [
    ({"name": "x", "type": "pagerduty", "routing_key_from_env": "NOPE"}, {},
     "notify.receivers.1.routing_key_from_env: environment variable NOPE is not set"),
    ({"name": "x", "type": "pagerduty"}, {}, "notify.receivers.1.routing_key: required for a pagerduty receiver"),
    ({"name": "x", "type": "opsgenie", "api_key": "k", "api_key_from_env": "K"}, {"K": "v"},
     "notify.receivers.1.api_key: give api_key or api_key_from_env, not both"),
    ({"name": "x", "type": "slack", "url_from_env": "HOOK", "routing_key": "k"}, {"HOOK": "https://h/x"},
     "notify.receivers.1.routing_key: not used by a slack receiver"),
    ({"name": "x", "type": "slack", "url": "hooks.slack.com/services/T/B/tok3n"}, {},
     "notify.receivers.1.url: not an http(s) URL"),
    ({"name": "x", "type": "alertmanager"}, {}, "notify.receivers.1.url: required for an alertmanager receiver"),
    ({"name": "x", "type": "pagerduty", "routing_key": "k", "rate_per_minute": 0}, {},
     "notify.receivers.1.rate_per_minute: Input should be greater than or equal to 1"),
    ({"name": "x", "type": "sms"}, {}, "notify.receivers.1.type: Input should be"),
])
def test_config_errors_name_the_key(receiver: dict[str, Any], environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config = build({"notify": {"receivers": [{"name": "console", "type": "console"}, receiver]}}, environ={})
        build_receivers(config.notify, environ)
    assert message in str(raised.value)
    assert "tok3n" not in str(raised.value)


def test_secrets_never_reach_logs_reprs_metrics_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    config = build({"notify": {"receivers": RECEIVERS}}, environ={})
    echo = Recorded(lambda request: httpx.Response(400, text=f"bad request: {request.content.decode()} "
                                                            f"{request.headers.get('Authorization')} {request.url}"))
    metrics = Metrics(CollectorRegistry())
    receivers: list[Receiver] = [
        PagerDutyReceiver("pd", ALL, SECRETS["PD_KEY"], 5, transport=httpx.MockTransport(echo)),
        OpsgenieReceiver("og", ALL, SECRETS["OG_KEY"], 5, transport=httpx.MockTransport(echo)),
        SlackReceiver("chat", ALL, SECRETS["SLACK_URL"], 5, transport=httpx.MockTransport(echo)),
        WebhookReceiver("hook", ALL, "https://hook.test/x", {"Authorization": f"Bearer {SECRETS['OG_KEY']}"}, 5,
                        transport=httpx.MockTransport(echo))]
    with caplog.at_level(logging.DEBUG):
        Notifier(receivers, threading.Event(), 0.001, 0.005, counting(metrics)).deliver(page_of(TRIGGER))
    assert sum(sample(metrics, r.name, "rejected") for r in receivers) == 4 and "HTTP 400" in caplog.text
    shown = caplog.text + repr(config) + str(config) + repr(receivers) + generate_latest(metrics.registry).decode()
    for secret in (*SECRETS.values(), "slacktoken2222"):
        assert secret not in shown


class _Slow(BaseHTTPRequestHandler):
    server: _SlowServer

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        self.server.release.wait(30)  # no answer while the test runs, however long the client waits

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return None


class _SlowServer(ThreadingHTTPServer):
    """Takes each request and answers none until the test lets it."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Slow)
        self.release = threading.Event()


def test_every_receiver_gives_up_on_a_slow_pager_after_notify_timeout_s() -> None:
    server = _SlowServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    specs = [{"name": "pd", "type": "pagerduty", "routing_key": KEY, "url": url},
             {"name": "og", "type": "opsgenie", "api_key": "k", "url": url},
             {"name": "am", "type": "alertmanager", "url": url},
             {"name": "chat", "type": "slack", "url": url + "/services/T/B/x"},
             {"name": "hook", "type": "webhook", "url": url}]
    config = build({"notify": {"receivers": specs, "timeout_s": 0.2}}, environ={})
    try:
        for receiver in build_receivers(config.notify, {}):
            started = time.monotonic()
            outcome = receiver.send(page_of(TRIGGER))
            assert outcome.retryable and outcome.error == "ReadTimeout", receiver.name
            assert time.monotonic() - started < 1.0, receiver.name
            receiver.close()
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def test_each_receiver_may_have_its_own_timeout_and_only_http_receivers_take_one() -> None:
    specs = [{"name": "pd", "type": "pagerduty", "routing_key": KEY, "timeout_s": 2.5},
             {"name": "chat", "type": "slack", "url": "https://hooks.example/services/T1/B2/xyz"}]
    config = build({"notify": {"receivers": specs, "timeout_s": 7}}, environ={})
    clients = [receiver._client for receiver in build_receivers(config.notify, {})]  # type: ignore[attr-defined]
    assert [client.timeout.read for client in clients] == [2.5, 7]
    console = build({"notify": {"receivers": [{"name": "c", "type": "console", "timeout_s": 1}]}}, environ={})
    with pytest.raises(ConfigError, match=r"notify\.receivers\.0\.timeout_s: not used by a console receiver"):
        build_receivers(console.notify, {})
