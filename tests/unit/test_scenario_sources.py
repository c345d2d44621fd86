"""Three sources at once (X live, LinkedIn polled with untagged replies, reviews daily) through the cores:
ingest, the thread's brand, the rules. The stances are the ones the texts were written to have; the
integration test runs the same scenario through the real model on the real broker."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.detection.detector import Detector
from alerts.rules_config import load_rules
from classify.serving.threads import ThreadBrands
from ingest.brands import load_brands
from ingest.ingester import Accepted, Ingester
from luisterpost.config import IngestConfig
from luisterpost.demo import scenarios
from luisterpost.demo.scenarios import PILE_ON_ROOT_ID, PILE_ON_START
from luisterpost.demo.sources import POLL_EVERY, Delivery, created, deliveries, main, root_id
from tests.unit.test_rules_pile_on import demo_observations

SEED = 7
PILE_ON = f"coolblue/pile_on/{PILE_ON_ROOT_ID}"
THREAD_KEYS = {PILE_ON, f"coolblue/influencer_complaint/{PILE_ON_ROOT_ID}"}
STANCES = {record["id"]: stance for record, stance in
           scenarios.labelled_calm_stream(scenarios.DEMO_START, 24, SEED, 80)
           + scenarios.labelled_pile_on_thread(PILE_ON_START, SEED)}


def triggers(schedule: list[Delivery]) -> dict[str, datetime]:
    """Each delivered record through ingest, the thread's brand and the rules: the first trigger per key."""
    ingester, threads = Ingester(IngestConfig(), load_brands(None)), ThreadBrands(10_000)
    labelled: list[tuple[dict[str, Any], str]] = []
    for delivery in schedule:
        verdict = ingester.ingest(json.dumps(delivery.record).encode())
        if isinstance(verdict, Accepted):
            threads.learn(verdict.mention)
            record = json.loads(verdict.mention.to_bytes())
            record["brand"] = record["brand"] or threads.brand_of(verdict.mention)
            assert record["brand"] is not None, "a reply whose root was never delivered"
            labelled.append((record, STANCES[record["id"]]))
    detector = Detector(load_rules(None), timedelta(minutes=5))
    fired: dict[str, datetime] = {}
    for item in demo_observations(labelled):
        for event in detector.observe(item):
            if event.action == "trigger":
                fired.setdefault(event.dedup_key, event.event_time)
    assert detector.late == 0
    return fired


def test_each_source_delivers_as_it_would_live() -> None:
    schedule = deliveries(SEED)
    by_platform = {platform: [d for d in schedule if d.record["platform"] == platform]
                   for platform in ("x", "linkedin", "review")}
    assert all(d.at - created(d.record) == timedelta(seconds=2) for d in by_platform["x"])
    assert all(d.at.minute in (0, 30) and d.at.second == 0 and timedelta(0) < d.at - created(d.record)
               for d in by_platform["linkedin"])
    assert all(d.at.hour == 9 and d.at.minute == 0 for d in by_platform["review"])
    replies = [d.record for d in by_platform["linkedin"] if root_id(d.record) != d.record["id"]]
    assert replies and all("brand" not in reply for reply in replies)
    ids = [d.record["id"] for d in by_platform["linkedin"]]
    assert len(ids) > len(set(ids))  # whole threads: every poll repeats the replies seen before
    pile_on = [d for d in by_platform["linkedin"] if root_id(d.record) == PILE_ON_ROOT_ID]
    assert {d.record["id"] for d in pile_on} == {r["id"] for r in scenarios.pile_on_thread(PILE_ON_START, SEED)}


def test_the_polled_pile_on_pages_within_one_poll_and_the_calm_day_pages_nothing() -> None:
    polled = triggers(deliveries(SEED))
    live = triggers(deliveries(SEED, linkedin_delay=timedelta(seconds=2)))
    assert set(polled) == THREAD_KEYS and set(live) == THREAD_KEYS
    assert timedelta(0) <= polled[PILE_ON] - live[PILE_ON] <= POLL_EVERY + timedelta(seconds=10)


def test_the_calm_day_on_three_sources_pages_nothing() -> None:
    assert triggers(deliveries(SEED, pile_on=False)) == {}


@pytest.mark.parametrize("delay", [timedelta(minutes=20), timedelta(hours=3)])
def test_the_pile_on_delivered_late_beside_live_x_pages(delay: timedelta) -> None:
    assert PILE_ON in triggers(deliveries(SEED, linkedin_delay=delay))


def test_the_scenario_is_written_for_replay(tmp_path: Path) -> None:
    out = tmp_path / "three.jsonl"
    main([str(out), "--late-minutes", "20"])
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = deliveries(SEED, linkedin_delay=timedelta(minutes=20))
    assert [line["id"] for line in lines] == [delivery.record["id"] for delivery in expected]
