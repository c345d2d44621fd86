"""Event time with mixed delays: late data is data, stale data is counted, a future date moves no clock."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from alerts.detection.detector import Detector
from alerts.detection.observation import Observation
from alerts.incident_event import IncidentEvent
from alerts.rules_config import load_rules
from luisterpost.demo import scenarios
from luisterpost.demo.scenarios import PILE_ON_ROOT_ID, PILE_ON_START
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from luisterpost.stages.detect import DetectStage
from luisterpost.stages.dlq import describe
from tests.unit.rule_streams import at, mention
from tests.unit.test_rules_pile_on import demo_observations

RULES = load_rules(None)
PILE_ON = f"coolblue/pile_on/{PILE_ON_ROOT_ID}"


def seen(item: Observation, minute: float) -> Observation:
    """The mention as delivered `minute` minutes after T0 (the Kafka record timestamp)."""
    return dataclasses.replace(item, seen_at=at(minute))


def live_x(until: float, every: float = 1.0, brand: str = "coolblue") -> list[Observation]:
    """Live X traffic: each mention seen 5 seconds after it was posted."""
    stream = [mention(i * every, id=f"x-{brand}-{i}", brand=brand) for i in range(int(until / every))]
    return [dataclasses.replace(m, seen_at=m.created_at + timedelta(seconds=5)) for m in stream]


def delivered(stream: list[Observation], delay: timedelta) -> list[tuple[datetime, Observation]]:
    return [(m.created_at + delay, dataclasses.replace(m, seen_at=m.created_at + delay)) for m in stream]


def run(arrivals: list[tuple[datetime, Observation]], detector: Detector | None = None) -> list[IncidentEvent]:
    """Mentions in the order they were delivered (a stable sort: ties keep their order)."""
    detector = detector or Detector(RULES, timedelta(minutes=5))
    ordered = sorted(arrivals, key=lambda pair: pair[0])
    return [event for _, item in ordered for event in detector.observe(item)]


def pile_on(seed: int = 1) -> list[Observation]:
    return demo_observations(scenarios.labelled_pile_on_thread(PILE_ON_START, seed))


def x_beside(minutes: float) -> list[tuple[datetime, Observation]]:
    """Live X traffic about coolblue from the pile-on's start, a mention a minute."""
    start = PILE_ON_START
    return [(start + timedelta(minutes=i, seconds=5),
             dataclasses.replace(mention(0, id=f"x-live-{i}"), created_at=start + timedelta(minutes=i),
                                 seen_at=start + timedelta(minutes=i, seconds=5)))
            for i in range(int(minutes))]


def triggers(events: list[IncidentEvent]) -> list[IncidentEvent]:
    return [event for event in events if event.action == "trigger"]


def test_the_pile_on_delivered_20_minutes_late_beside_live_x_pages_with_both_times() -> None:
    events = run(x_beside(12 * 60) + delivered(pile_on(), timedelta(minutes=20)))
    trigger = next(event for event in triggers(events) if event.dedup_key == PILE_ON)
    assert "seen" in trigger.summary and "posted" in trigger.summary
    late = trigger.evidence["late_data"]
    assert late["delay_minutes"] == pytest.approx(20, abs=0.1)
    assert datetime.fromisoformat(late["seen_at"]) - datetime.fromisoformat(late["posted_at"]) \
        == timedelta(minutes=20)
    # it pages now, on the live clock: the incident's event time is when the pipeline decided
    assert trigger.event_time >= datetime.fromisoformat(late["seen_at"]) \
        - timedelta(minutes=2)


def test_on_time_the_same_pile_on_pages_without_a_delay_note() -> None:
    events = run(x_beside(12 * 60) + delivered(pile_on(), timedelta(seconds=5)))
    trigger = next(event for event in triggers(events) if event.dedup_key == PILE_ON)
    assert "late_data" not in trigger.evidence and "seen" not in trigger.summary


def test_a_day_late_batch_from_a_review_site_still_counts_and_pages() -> None:
    """A daily poller delivers yesterday's complaint wave at once: its window is long past, and it pages now."""
    wave = [dataclasses.replace(mention(600 + i * 0.5, "complaint", id=f"rv-{i}", platform="review"))
            for i in range(20)]
    arrivals = [(m.created_at + timedelta(seconds=5), m) for m in live_x(2 * 24 * 60, every=5)]
    arrivals += delivered(wave, timedelta(hours=20))
    events = run(arrivals)
    spike = next(event for event in triggers(events) if event.rule == "complaint_spike")
    assert spike.evidence["late_data"]["delay_minutes"] == pytest.approx(20 * 60, abs=15)


def test_only_data_beyond_the_stale_horizon_is_counted_and_dropped() -> None:
    detector = Detector(RULES, timedelta(minutes=5))
    run([(m.created_at, m) for m in live_x(3 * 24 * 60, every=30)], detector)
    assert detector.late == 0
    old = [seen(mention(60 + i, "complaint", id=f"old-{i}", platform="review"), 3 * 24 * 60) for i in range(20)]
    events = [event for item in old for event in detector.observe(item)]
    assert events == [] and detector.late == 20  # 3 days late: beyond the 48-hour horizon


def test_replay_is_deterministic_with_late_data() -> None:
    arrivals = x_beside(12 * 60) + delivered(pile_on(), timedelta(minutes=20))
    assert run(arrivals) == run(arrivals)


def control() -> list[tuple[datetime, Observation]]:
    """The seed-001 pile-on on time beside live X: pages pile_on."""
    return x_beside(12 * 60) + delivered(pile_on(), timedelta(seconds=5))


@pytest.mark.parametrize("future", ["3000-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
def test_one_future_date_does_not_make_detect_deaf(future: str) -> None:
    first_at, first = control()[0]
    bad = dataclasses.replace(first, id="from-the-future", created_at=datetime.fromisoformat(future))
    detector = Detector(RULES, timedelta(minutes=5))
    assert detector.refusal(bad) is not None and detector.refusal(bad).kind == "future_dated"  # type: ignore[union-attr]
    events = run([(first_at, bad)] + control(), detector)
    assert PILE_ON in [event.dedup_key for event in triggers(events)]
    assert detector.watermark is not None and detector.watermark.year == 2018


def test_a_little_ahead_of_the_seen_time_is_a_clock_skew_and_counts() -> None:
    item = dataclasses.replace(mention(0), seen_at=at(-5))  # posted 5 minutes after it was seen: skew
    assert Detector(RULES, timedelta(minutes=5)).refusal(item) is None


def test_a_year_9999_date_with_an_open_sla_timer_raises_nothing() -> None:
    """No seen time to compare with (a test, an old producer): the date is still refused, nothing overflows."""
    detector = Detector(RULES, timedelta(minutes=5))
    detector.observe(mention(0, "complaint", id="li:1", followers=25_000))
    far = dataclasses.replace(mention(1, "neutral", id="far"),
                              created_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    assert detector.observe(far) == []
    assert detector.observe(dataclasses.replace(far, id="far2", root_id="li:1", parent_id="li:1")) == []
    events = [event for i in range(2, 80) for event in detector.observe(mention(i, id=f"calm-{i}"))]
    assert [event.rule for event in triggers(events)] == ["influencer_complaint"]


def test_thread_timers_wait_for_their_own_source() -> None:
    """An influencer complaint on LinkedIn (polled every 30 min), delivered 20 min after posting. The brand's
    answer at minute 50 is delivered at minute 80: on the live clock the SLA (60 min) has passed by then,
    on LinkedIn's own watermark (45 min behind) it has not, so no false page. Unanswered, it pages once
    LinkedIn's watermark passes the SLA."""
    root = dataclasses.replace(mention(0, "complaint", id="li:9", followers=25_000, platform="linkedin"),
                               seen_at=at(20))
    answer = dataclasses.replace(mention(50, id="li:9-a", root="li:9", is_brand=True, platform="linkedin"),
                                 seen_at=at(80))
    x = [(m.seen_at or m.created_at, m) for m in live_x(200)]
    answered = run(x + [(at(20), root), (at(80), answer)])
    assert [event for event in answered if event.rule == "influencer_complaint"] == []
    unanswered = [event for event in run(x + [(at(20), root)]) if event.rule == "influencer_complaint"]
    assert unanswered[0].action == "trigger"
    assert unanswered[0].event_time >= at(60 + 45 - 5)  # the live watermark then


def classified(item: Observation, created_at: str) -> bytes:
    return json.dumps({"id": item.id, "platform": item.platform, "created_at": created_at, "text": item.text,
                       "brand": item.brand, "author": {"handle": item.author},
                       "classification": {"stance": item.stance, "sentiment": item.sentiment, "signals": []}}
                      ).encode()


def test_the_detect_stage_sends_a_future_date_to_the_dlq_and_pages_on() -> None:
    """A record written at 22:45 claiming the year 3000: to the DLQ with its reason, and the clock stays."""
    metrics = Metrics()
    stage = DetectStage(RULES, timedelta(minutes=5), Topics.with_prefix(""), metrics, lambda: [])
    written = int(at(0).timestamp() * 1000)
    future = SimpleNamespace(value=classified(mention(0, id="f"), "3000-01-01T00:00:00+00:00"), partition=0,
                             topic="mentions.classified", offset=0, timestamp=written)
    outputs = stage.process([future]).outputs
    assert [output.topic for output in outputs] == ["mentions.dlq"]
    assert "event_time.max_future_minutes" in describe(outputs[0].headers)["reason"]
    assert metrics.registry.get_sample_value("luisterpost_dlq_records_total",
                                             {"stage": "detect", "reason": "future_dated"}) == 1
    spike = [SimpleNamespace(value=classified(mention(i * 0.5, "complaint", id=f"c{i}"), at(i * 0.5).isoformat()),
                             partition=0, topic="mentions.classified", offset=i + 1,
                             timestamp=written + int(i * 30_000)) for i in range(12)]
    events = [json.loads(output.value) for output in stage.process(spike).outputs]
    assert [event["rule"] for event in events if event["action"] == "trigger"] == ["complaint_spike"]


def test_threads_of_two_sources_each_wait_for_their_own_and_are_forgotten() -> None:
    detector = Detector(RULES, timedelta(minutes=5))
    on_x = mention(0, "complaint", id="x:1", followers=25_000)
    on_linkedin = mention(0, "complaint", id="li:1", followers=25_000, platform="linkedin")
    events = run([(at(0), on_x), (at(0), on_linkedin)] + [(m.created_at, m) for m in live_x(20 * 60, every=5)],
                 detector)
    fired = {e.dedup_key: e.event_time for e in triggers(events)}
    assert fired["coolblue/influencer_complaint/x:1"] < at(70) <= fired["coolblue/influencer_complaint/li:1"]
    forgotten = detector.brands["coolblue"].states["influencer_complaint"]
    assert forgotten == {}  # quiet for twice quiet_hours: forgotten, on both sources
