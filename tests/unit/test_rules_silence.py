"""pipeline_silence as a table: (mentions, now) -> what the rule decides; and the idle tick for total silence."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest

from alerts.detection.detector import Detector
from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.rules import pipeline_silence as deaf
from alerts.rules_config import PipelineSilenceConfig, RulesConfig, load_rules
from luisterpost.kafka import Topics
from luisterpost.metrics import Metrics
from luisterpost.stages.detect import DetectStage
from tests.unit.rule_streams import in_time, mention

RULES = load_rules(None)
CONFIG = RULES.pipeline_silence
HOUR, DAY = 60, 24 * 60
HISTORY = CONFIG.history_hours * HOUR  # a source is judged once heard this long
BRAND, X, FB = "coolblue/pipeline_silence", "platform:x/pipeline_silence", "platform:facebook/pipeline_silence"


def steady(start: float, end: float, every: float, platform: str = "x", brand: str = "coolblue") -> list[Observation]:
    """One mention every `every` minutes from `start` up to, not including, `end`."""
    count = int((end - start) / every - 1e-9) + 1
    return [mention(start + i * every, id=f"{brand}-{platform}-{start + i * every:g}", brand=brand,
                    platform=platform) for i in range(count)]


def nights(days: int, day_every: float = 5, night_every: float = 90) -> list[Observation]:
    """A brand that sleeps: 16 hours of a mention every 5 min, 8 hours of one every 90 min; ends at minute 0."""
    stream: list[Observation] = []
    for day in range(-days, 0):
        night = day * DAY
        stream += steady(night, night + 8 * HOUR, night_every) + steady(night + 8 * HOUR, night + DAY, day_every)
    return stream


def decide(stream: list[Observation], now: float, config: PipelineSilenceConfig = CONFIG) -> list[Firing | Clear]:
    """What the detector does: each mention heard (clearing what fired), the sources judged as the clock
    moves, and once more at `now`."""
    sources: dict[deaf.SourceKey, deaf.Source] = {}
    decisions: list[Firing | Clear] = []
    for item in in_time(stream):
        decisions += [deaf.clear(key, config) for key in deaf.observe(sources, item, config)]
        decisions += deaf.evaluate(sources, item.created_at, config)
    return decisions + deaf.evaluate(sources, mention(now).created_at, config)


def keyed(decisions: list[Firing | Clear]) -> list[tuple[str, str]]:
    firing: set[str] = set()
    seen: list[tuple[str, str]] = []
    for decision in decisions:
        if isinstance(decision, Firing) and decision.dedup_key not in firing:
            firing.add(decision.dedup_key)
            seen.append(("fire", decision.dedup_key))
        elif isinstance(decision, Clear) and decision.dedup_key in firing:
            firing.discard(decision.dedup_key)
            seen.append(("clear", decision.dedup_key))
    return seen


DAY_OF_TEN = steady(-HISTORY - HOUR, 0, 10)  # a history and an hour of one mention every 10 min; the last at -10


def talk(until: float) -> list[Observation]:
    """Another brand on another platform, talking on: the detector's clock moves with it."""
    return steady(-HISTORY - HOUR + 5, until, 10, platform="facebook", brand="bol")


CASES: list[tuple[str, list[Observation], float, list[tuple[str, str]]]] = [
    ("a day of one every 10 min, then 45 min without any: brand and platform deaf",
     DAY_OF_TEN, 35, [("fire", BRAND), ("fire", X)]),
    ("the same, 25 min without: under min_silence", DAY_OF_TEN, 15, []),
    ("mentions arrive again: resolved", DAY_OF_TEN + talk(60) + [mention(60, id="back")], 60,
     [("fire", BRAND), ("fire", X), ("clear", BRAND), ("clear", X)]),
    ("quiet every night: the history has a night of 90-min gaps, tonight's 2 hours are usual",
     nights(3), 2 * HOUR, []),
    ("the same brand silent for 5 hours: far longer than even its nights", nights(3), 5 * HOUR,
     [("fire", BRAND), ("fire", X)]),
    ("a gap within factor x usual: one every 20 min, 50 min silent", steady(-HISTORY - HOUR, 0, 20), 30, []),
    ("past factor x usual: one every 20 min, 65 min silent", steady(-HISTORY - HOUR, 0, 20), 45,
     [("fire", BRAND), ("fire", X)]),
    ("a rare brand (one every 72 min, 20 a day) silent for 10 hours: too little history to page",
     steady(-HISTORY - HOUR, 0, 72), 10 * HOUR, []),
    ("a new brand heard for a day only, silent for 50 min: judged, but with twice the limit (60 min)",
     steady(-DAY, 0, 5), 45, []),
    ("new: 20 an hour for a day, then 6 hours silent: the cautious bound (2x the limit) is long past",
     steady(-DAY, 0, 3), 6 * HOUR, [("fire", BRAND), ("fire", X)]),
    ("new: 20 an hour for a day, then 40 min silent: under the cautious bound, though past the full one",
     steady(-DAY, 0, 3), 37, []),
    ("new: heard for 10 hours of daytime, 7 hours silent overnight: under the first-day bound (8 h)",
     steady(-10 * HOUR, 0, 5), 7 * HOUR, []),
    ("new: heard for 10 hours, 9 hours silent: past the first-day bound", steady(-10 * HOUR, 0, 5), 9 * HOUR,
     [("fire", BRAND), ("fire", X)]),
    ("new: heard for 3 hours only: not judged yet, whatever the silence", steady(-3 * HOUR, 0, 5), 20 * HOUR, []),
    ("new and rare: one every 72 min for a day, silent for 12 hours: never enough to judge",
     steady(-DAY, 0, 72), 12 * HOUR, []),
    ("platform x goes deaf while facebook talks about the same brand",
     steady(-HISTORY - HOUR, 0, 10) + steady(-HISTORY - HOUR + 5, 60, 10, platform="facebook"), 60, [("fire", X)]),
    ("an outage is learned only up to its limit: after a 4-hour outage, 45 min silent pages again",
     DAY_OF_TEN + talk(5 * HOUR + 35) + steady(4 * HOUR, 5 * HOUR, 10), 5 * HOUR + 35,
     [("fire", BRAND), ("fire", X), ("clear", BRAND), ("clear", X), ("fire", BRAND), ("fire", X)]),
]


@pytest.mark.parametrize(("name", "stream", "now", "expected"), CASES, ids=[case[0] for case in CASES])
def test_pipeline_silence(name: str, stream: list[Observation], now: float, expected: list[tuple[str, str]]) -> None:
    assert keyed(decide(stream, now)) == expected, name


def test_the_usual_gap_is_time_weighted() -> None:
    sources: dict[deaf.SourceKey, deaf.Source] = {}
    for item in nights(3):
        deaf.observe(sources, item, CONFIG)
    source = sources[("brand", "coolblue")]
    assert deaf.usual_gap(source, CONFIG) == 90 * 60  # by count the night gaps are 3%, by time a third
    assert deaf.limit(source, CONFIG) == 3 * 90 * 60
    assert len(source.long_gaps) <= HISTORY / 10 and len(source.counts) <= HISTORY / HOUR + 2  # bounded


def test_the_page_says_what_is_deaf_and_goes_to_the_chat() -> None:
    firing = next(d for d in decide(DAY_OF_TEN, 35) if isinstance(d, Firing) and d.dedup_key == X)
    assert firing.severity == "warning" and firing.brand == "" and firing.rule == "pipeline_silence"
    assert firing.summary.startswith("platform x: no mentions for 45 min (usual gap 10 min, threshold 30 min)")
    assert firing.evidence["mentions_in_history"] >= CONFIG.min_mentions


def detector(rules: RulesConfig = RULES) -> Detector:
    found = Detector(rules, timedelta(minutes=5))
    for item in DAY_OF_TEN:
        found.observe(item)
    return found


def test_total_silence_is_noticed_by_the_idle_tick() -> None:
    """Nothing arrives at all: event time stands still, and the wall-clock tick judges the silence."""
    events = detector().tick(timedelta(minutes=60))
    assert sorted((e.action, e.dedup_key) for e in events) == [("trigger", BRAND), ("trigger", X)]
    assert events[0].event_time.isoformat() == (mention(-10).created_at + timedelta(minutes=55)).isoformat()


@pytest.mark.parametrize(("name", "idle", "rules"), [
    ("idle for less than idle_tick_minutes", 10, RULES),
    ("the tick turned off", 600, RULES.model_copy(update={"pipeline_silence": CONFIG.model_copy(
        update={"idle_tick_minutes": 0})})),
    ("the rule turned off", 600, RULES.model_copy(update={"pipeline_silence": CONFIG.model_copy(
        update={"enabled": False})})),
])
def test_the_idle_tick_stays_quiet(name: str, idle: float, rules: RulesConfig) -> None:
    assert detector(rules).tick(timedelta(minutes=idle)) == [], name


def test_the_tick_moves_no_watermark_and_the_next_mention_resolves() -> None:
    found = detector()
    watermark = found.watermark
    assert found.tick(timedelta(minutes=120))
    assert found.watermark == watermark
    events = found.observe(mention(5, id="late-but-not-too-late"))  # before watermark + 120 min
    assert found.late == 0
    assert sorted((e.action, e.dedup_key) for e in events) == [("resolve", BRAND), ("resolve", X)]


def classified(item: Observation) -> bytes:
    return json.dumps({"id": item.id, "platform": item.platform, "created_at": item.created_at.isoformat(),
                       "text": item.text, "brand": item.brand, "author": {"handle": item.author},
                       "classification": {"stance": item.stance, "sentiment": item.sentiment, "signals": []}}
                      ).encode()


def test_the_detect_stage_ticks_on_idle_polls() -> None:
    metrics = Metrics()
    stage = DetectStage(RULES, timedelta(minutes=5), Topics.with_prefix(""), metrics, lambda: [])
    records = [SimpleNamespace(value=classified(item), partition=0) for item in DAY_OF_TEN]
    assert stage.process(records).handled == len(records)
    assert stage.on_idle(time.monotonic()) == []  # just arrived
    outputs = stage.on_idle(time.monotonic() + 3600)
    assert sorted(output.key or b"" for output in outputs) == [BRAND.encode(), X.encode()]
    assert {json.loads(output.value)["rule"] for output in outputs} == {"pipeline_silence"}
    assert metrics.registry.get_sample_value("luisterpost_incidents_total",
                                             {"rule": "pipeline_silence", "action": "trigger"}) == 2


def test_one_brand_silent_for_6_hours_in_a_30_hour_stream_pages() -> None:
    """The red team's case (issue 17): two brands at 20 an hour; after 24 hours one goes silent for 6 hours
    while the other talks on. Before, nothing was judged in a source's first 48 hours."""
    stream = steady(-30 * HOUR, -6 * HOUR, 3, brand="coolblue") + steady(-30 * HOUR + 1, 0, 3, brand="bol")
    found = Detector(RULES, timedelta(minutes=5))
    events = [event for item in in_time(stream) for event in found.observe(item)]
    triggered = [event for event in events if event.action == "trigger"]
    assert [event.dedup_key for event in triggered] == [BRAND]
    silent_for = triggered[0].event_time - mention(-6 * HOUR).created_at
    assert silent_for <= timedelta(hours=2)  # 20 an hour: an hour and a bit, not the whole 6 hours
    assert triggered[0].evidence["hours_heard"] == pytest.approx(24, abs=0.2)
