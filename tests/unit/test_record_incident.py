"""`incidents`: IncidentEvent.parse never raises, refuses every broken shape with a reason, and detect
writes the bytes it always wrote (the nine keys in their order). Notify and detect's rebuild rely on it."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from alerts.detection.incidents import Firing, IncidentBook, Published, incident_event
from alerts.incident_event import KNOWN, IncidentEvent
from alerts.notification.notifier import Notifier
from alerts.notification.page import Page
from alerts.notification.receivers.base import Outcome
from alerts.rules_config import IncidentsConfig, load_rules
from ingest.mention import Invalid
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from luisterpost.stages.detect import DetectStage, published_state
from luisterpost.stages.dlq import describe
from luisterpost.stages.notify import NotifyStage
from tests.unit.test_record_classified import as_records, demo_classified

TOPICS = Topics.with_prefix("")
CET = timezone(timedelta(hours=1))
FIRING = Firing("coolblue/pile_on/li:1", "pile_on", "critical", "coolblue", "coolblue: 5 fans vallen één klant aan",
                5, {"defenders": 5, "window_minutes": 60}, [{"id": "li:1", "excerpt": "Geen excuus 😡"}])
# What bb46f92's alerts/incidents.py and detect stage wrote for FIRING, triggered at 09:12 CET.
GOLDEN = ('{"dedup_key":"coolblue/pile_on/li:1","action":"trigger","rule":"pile_on","severity":"critical",'
          '"brand":"coolblue","event_time":"2018-11-27T09:12:00+01:00","summary":"coolblue: 5 fans vallen één '
          'klant aan","evidence":{"defenders":5,"window_minutes":60},"top_mentions":[{"id":"li:1","excerpt":'
          '"Geen excuus 😡"}]}').encode()
TRIGGER = json.loads(GOLDEN)


def test_detect_writes_the_bytes_it_always_wrote() -> None:
    assert incident_event("trigger", FIRING, datetime(2018, 11, 27, 9, 12, tzinfo=CET)).to_bytes() == GOLDEN


def demo_incidents() -> list[bytes]:
    stage = DetectStage(load_rules(None), timedelta(minutes=5), TOPICS, Metrics(), lambda: [])
    outputs = stage.process(as_records(list(demo_classified()), TOPICS.classified)).outputs
    return [output.value for output in outputs if output.topic == TOPICS.incidents]


def test_the_demo_incidents_round_trip_byte_for_byte_in_the_contract_layout() -> None:
    values = demo_incidents()
    assert {json.loads(value)["action"] for value in values} == {"trigger", "update", "resolve"}
    for value in values:
        event = IncidentEvent.parse(value)
        assert isinstance(event, IncidentEvent), event
        assert event.to_bytes() == value and event.to_json() == json.loads(value)
        assert tuple(json.loads(value)) == KNOWN


def test_unknown_keys_travel_on_after_the_known_ones() -> None:
    event = IncidentEvent.parse(json.dumps({**TRIGGER, "links": [{"href": "https://x", "text": "page"}]}).encode())
    assert isinstance(event, IncidentEvent) and event.extra == {"links": [{"href": "https://x", "text": "page"}]}
    assert list(event.to_json())[-1] == "links"


def test_an_event_without_brand_evidence_or_mentions_reads() -> None:
    bare = {key: TRIGGER[key] for key in ("dedup_key", "action", "rule", "severity", "event_time", "summary")}
    event = IncidentEvent.parse(json.dumps(bare).encode())
    assert isinstance(event, IncidentEvent)
    assert (event.brand, event.evidence, event.top_mentions) == (None, {}, [])


def broken(**changes: Any) -> bytes:
    return json.dumps({key: value for key, value in {**TRIGGER, **changes}.items() if value != "DROP"}).encode()


BROKEN = {
    "empty": (b"", "empty message"),
    "a tombstone": (None, "empty message"),
    "not JSON": (b"not json", "not JSON"),
    "an array": (b"[]", "expected a JSON object"),
    "Infinity": (b'{"dedup_key": Infinity}', "not JSON"),
    **{f"no {key}": (broken(**{key: "DROP"}), key)
       for key in ("dedup_key", "action", "rule", "severity", "event_time", "summary")},
    "dedup_key null": (broken(dedup_key=None), "dedup_key"),
    "dedup_key empty": (broken(dedup_key=""), "dedup_key"),
    "unknown action": (broken(action="page"), "action"),
    "unknown severity": (broken(severity="high"), "severity"),
    "severity a list": (broken(severity=["critical"]), "severity"),
    "brand a number": (broken(brand=5), "brand"),
    "event_time not a date": (broken(event_time="morgen"), "event_time"),
    "event_time without offset": (broken(event_time="2018-11-27T09:12:00"), "event_time"),
    "summary a number": (broken(summary=5), "summary"),
    "evidence a list": (broken(evidence=[1]), "evidence"),
    "top_mentions of numbers": (broken(top_mentions=[5]), "top_mentions"),
    "a lone surrogate": (broken(summary="\udc80"), "lone surrogate"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_broken_shape_is_invalid_with_its_reason(case: str) -> None:
    value, reason = BROKEN[case]
    event = IncidentEvent.parse(value)
    assert isinstance(event, Invalid)
    assert event.reason.startswith("not an incident event: ") and reason in event.reason
    assert event.kind == "not_an_incident"


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_parse_never_raises_on_bytes(value: bytes) -> None:
    assert isinstance(IncidentEvent.parse(value), IncidentEvent | Invalid)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                max_size=4), max_leaves=10)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*KNOWN, "links"]), JSON, max_size=6))
def test_parse_never_raises_on_near_events(changes: dict[str, Any]) -> None:
    event = IncidentEvent.parse(json.dumps({**TRIGGER, **changes}).encode())
    if isinstance(event, IncidentEvent):  # what parses, a receiver can read and the topic can carry
        assert IncidentEvent.parse(event.to_bytes()) == event


# --- the stages that read it ----------------------------------------------------------------------------

class Recorder:
    def __init__(self) -> None:
        self.name, self.severities, self.budget = "chat", frozenset({"critical", "error", "warning", "info"}), None
        self.sent: list[dict[str, Any]] = []

    def send(self, page: Page) -> Outcome:
        self.sent.append(page.to_json())  # the JSON object a webhook posts
        return Outcome.ok()

    def close(self) -> None:
        return None


def notified(values: list[bytes]) -> tuple[list[dict[str, Any]], list[Any], Metrics]:
    chat, metrics = Recorder(), Metrics(CollectorRegistry())
    stage = NotifyStage(Notifier([chat], threading.Event(), 0.001, 0.01), TOPICS, metrics)  # type: ignore[list-item]
    records = as_records(values, TOPICS.incidents)
    outputs: list[Any] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            result = stage.process(records)
            outputs += result.outputs
            if result.handled == len(records):
                break
    finally:
        stage.close()
    return chat.sent, outputs, metrics


def test_notify_dead_letters_an_unknown_severity_with_its_reason_instead_of_dropping_it() -> None:
    """No receiver takes severity "high": it used to be settled unsent, in no DLQ and no log."""
    sent, outputs, metrics = notified([broken(severity="high"), GOLDEN])
    assert [event["dedup_key"] for event in sent] == [TRIGGER["dedup_key"]]
    assert [output.topic for output in outputs] == [TOPICS.dlq]
    assert "severity" in describe(outputs[0].headers)["reason"]
    assert metrics.registry.get_sample_value("luisterpost_dlq_records_total",
                                             {"stage": "notify", "reason": "not_an_incident"}) == 1


def test_notify_hands_the_receivers_the_event_as_it_travels() -> None:
    sent, outputs, _ = notified([GOLDEN])
    assert sent == [TRIGGER] and outputs == []


def test_detect_rebuild_ignores_an_event_with_an_unknown_action() -> None:
    """A foreign event on the compacted topic used to become state, and break the book when it fired."""
    at = datetime(2018, 11, 27, 8, 12, tzinfo=UTC)
    state = published_state([broken(action="page"), GOLDEN, b"", broken(event_time="morgen")])
    assert state == {TRIGGER["dedup_key"]: Published("trigger", at)}
    book = IncidentBook(IncidentsConfig().policy(),
                        published=published_state([broken(dedup_key="coolblue/pile_on/li:2", action="page")]))
    assert [event.action for event in book.fire(
        Firing("coolblue/pile_on/li:2", "pile_on", "critical", "coolblue", "s", 1, {}, []), at)] == ["trigger"]
