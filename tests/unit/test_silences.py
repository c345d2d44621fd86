"""Silences: what a matcher mutes, what a person must give, what the topic keeps, what notify holds back."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from alerts.notification.notifier import Notifier
from alerts.notification.page import Page
from alerts.notification.receivers.base import Outcome
from alerts.notification.silences import (
    Silence,
    SilenceBook,
    SilenceError,
    new_silence,
    parse_duration,
    parse_silence,
)
from ingest.mention import Invalid
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from luisterpost.stages.notify import NotifyStage
from tests.support.pages import event_of

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PILE_ON = {"dedup_key": "coolblue/pile_on/li:7265312", "action": "trigger", "rule": "pile_on",
           "severity": "critical", "brand": "coolblue", "event_time": "2018-11-26T23:10:00+01:00",
           "summary": "coolblue: fans attack a complainer"}
SPIKE = {**PILE_ON, "dedup_key": "bol/complaint_spike", "rule": "complaint_spike", "brand": "bol"}


def silence(*matchers: str, hours: float = 2, start: datetime = NOW) -> Silence:
    return new_silence(list(matchers), timedelta(hours=hours), "eva (webcare lead)", "known, handled by PR",
                       start, starts_at=start)


@pytest.mark.parametrize(("matchers", "event", "muted"), [
    (["brand=coolblue"], PILE_ON, True),
    (["brand=coolblue"], SPIKE, False),
    (["brand=coolblue", "rule=complaint_spike"], PILE_ON, False),  # every matcher must hold
    (["thread=li:7265312"], PILE_ON, True),
    (["thread=li:7265312"], SPIKE, False),  # a brand-wide incident has no thread
    (["rule=~pile_on|influencer_.*"], PILE_ON, True),
    (["rule=~pile"], PILE_ON, False),  # a regular expression matches the whole value, as in Alertmanager
    (["severity!=critical"], PILE_ON, False),
    (["dedup_key=coolblue/pile_on/li:7265312"], PILE_ON, True),
    (["brand=coolblue"], {**PILE_ON, "action": "update"}, True),
    (["brand=coolblue"], {**PILE_ON, "action": "resolve"}, False),  # a woken pager must hear it is over
])
def test_what_a_silence_mutes(matchers: list[str], event: dict[str, Any], muted: bool) -> None:
    assert silence(*matchers).mutes(event_of(event), NOW + timedelta(minutes=1)) is muted


def test_a_silence_is_bounded_in_time() -> None:
    muted = silence("brand=coolblue", hours=2)
    assert not muted.mutes(event_of(PILE_ON), NOW - timedelta(seconds=1))
    assert muted.mutes(event_of(PILE_ON), NOW)
    assert not muted.mutes(event_of(PILE_ON), NOW + timedelta(hours=2))
    assert not muted.expired(NOW + timedelta(minutes=5)).mutes(event_of(PILE_ON), NOW + timedelta(minutes=6))


@pytest.mark.parametrize(("matchers", "duration", "author", "comment", "complaint"), [
    ([], timedelta(hours=1), "eva", "why", "at least one matcher"),
    (["brand=coolblue"], timedelta(hours=1), " ", "why", "author"),
    (["brand=coolblue"], timedelta(hours=1), "eva", "", "comment"),
    (["brand=coolblue"], timedelta(days=31), "eva", "why", "at most 30 days"),
    (["brand=coolblue"], timedelta(0), "eva", "why", "more than 0"),
    (["author=robb"], timedelta(hours=1), "eva", "why", "not one of"),
    (["brand coolblue"], timedelta(hours=1), "eva", "why", "NAME=VALUE"),
    (["rule=~(unclosed"], timedelta(hours=1), "eva", "why", "not a regular expression"),
])
def test_a_bad_silence_says_what_to_change(matchers: list[str], duration: timedelta, author: str,
                                           comment: str, complaint: str) -> None:
    with pytest.raises(SilenceError, match=complaint):
        new_silence(matchers, duration, author, comment, NOW)


@pytest.mark.parametrize(("text", "expected"), [
    ("90m", timedelta(minutes=90)), ("2h", timedelta(hours=2)), ("1h30m", timedelta(minutes=90)),
    ("3d", timedelta(days=3)), ("1d12h", timedelta(hours=36))])
def test_durations_as_amtool_writes_them(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2 hours", "h", "-1h", "1.5h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(SilenceError, match="90m, 2h"):
        parse_duration(text)


def test_the_topic_record_round_trips_and_the_last_write_wins() -> None:
    book, original = SilenceBook(), silence("brand=coolblue", "rule=~pile_on|influencer_complaint")
    restored = parse_silence(original.to_json())
    assert restored == original and isinstance(restored, Silence)
    book.apply(restored)
    book.apply(original.expired(NOW + timedelta(minutes=10)))
    book.apply(original)  # an older record read later (a rebalance) does not revive it
    assert book.listed(NOW + timedelta(minutes=20)) == []
    assert [s.id for s in book.listed(NOW + timedelta(minutes=20), include_expired=True)] == [original.id]


def test_find_by_a_unique_prefix() -> None:
    book = SilenceBook()
    first = silence("brand=coolblue")
    book.apply(first)
    assert book.find(first.id[:8]) == first
    with pytest.raises(SilenceError, match="no silence"):
        book.find("zzzz")


@given(st.binary(max_size=300))
def test_a_record_of_any_bytes_never_raises(value: bytes) -> None:
    assert isinstance(parse_silence(value), Silence | Invalid)


class FixedSilences:
    def __init__(self, book: SilenceBook, now: datetime) -> None:
        self.book, self.now = book, now

    def current(self) -> SilenceBook:
        return self.book

    def clock(self) -> datetime:
        return self.now

    def close(self) -> None:
        return None


class Recorder:
    name, severities = "pager", frozenset({"critical", "error", "warning", "info"})
    budget = None

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, page: Page) -> Outcome:
        self.sent.append(page.to_json())  # the JSON object a webhook posts
        return Outcome.ok()

    def close(self) -> None:
        return None


def record(event: dict[str, Any], offset: int) -> SimpleNamespace:
    return SimpleNamespace(value=json.dumps(event).encode(), topic="incidents", partition=0, offset=offset,
                           key=None, headers=[])


def test_notify_holds_back_a_silenced_page_counts_it_and_commits_past_it(caplog: pytest.LogCaptureFixture) -> None:
    book = SilenceBook()
    book.apply(silence("brand=coolblue", "rule=pile_on"))
    pager, metrics = Recorder(), Metrics(CollectorRegistry())
    stage = NotifyStage(Notifier([pager], threading.Event(), 0.001, 0.01), Topics.with_prefix(""), metrics,
                        FixedSilences(book, NOW + timedelta(minutes=1)))
    events = [PILE_ON, {**PILE_ON, "action": "update"}, SPIKE, {**PILE_ON, "action": "resolve"}]
    with caplog.at_level("INFO"):
        result = stage.process([record(event, offset) for offset, event in enumerate(events)])
    assert result.handled == 4 and result.outputs == []
    assert [(e["dedup_key"], e["action"]) for e in pager.sent] == [
        ("bol/complaint_spike", "trigger"), ("coolblue/pile_on/li:7265312", "resolve")]
    assert metrics.registry.get_sample_value("luisterpost_incident_events_silenced_total",
                                             {"rule": "pile_on", "action": "trigger"}) == 1
    assert caplog.text.count("muted by silence") == 1  # once per incident, not once per event
    assert "eva (webcare lead)" in caplog.text
