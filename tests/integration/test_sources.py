"""Sources as they really arrive, through every stage on the real broker with the default model: X live,
LinkedIn polled every 30 minutes with untagged replies, reviews daily (luisterpost/demo/sources.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from luisterpost.broker import EmbeddedBroker
from luisterpost.demo import scenarios
from luisterpost.demo.scenarios import PILE_ON_ROOT_ID
from luisterpost.demo.sources import POLL_EVERY, three_sources
from luisterpost.replay import replay
from tests.integration.conftest import config_for, jsonl

PILE_ON = f"coolblue/pile_on/{PILE_ON_ROOT_ID}"
THREAD_KEYS = [f"coolblue/influencer_complaint/{PILE_ON_ROOT_ID}", PILE_ON]


def replayed(broker: EmbeddedBroker, prefix: str, tmp_path: Path, name: str,
             records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    source, out = tmp_path / f"{name}.jsonl", tmp_path / f"{name}-incidents.jsonl"
    scenarios.write_jsonl(source, records)
    replay(config_for(broker, f"{prefix}{name}."), source, out)
    return jsonl(out)


def trigger_times(events: list[dict[str, Any]]) -> dict[str, datetime]:
    return {e["dedup_key"]: datetime.fromisoformat(e["event_time"]) for e in events if e["action"] == "trigger"}


def test_the_polled_pile_on_pages_within_one_poll_and_the_calm_day_beside_it_nothing(
        broker: EmbeddedBroker, prefix: str, tmp_path: Path) -> None:
    polled = trigger_times(replayed(broker, prefix, tmp_path, "polled", three_sources()))
    live = trigger_times(replayed(broker, prefix, tmp_path, "live",
                                  three_sources(linkedin_delay=timedelta(seconds=2))))
    assert sorted(polled) == THREAD_KEYS and sorted(live) == THREAD_KEYS  # nothing from the calm day
    assert timedelta(0) <= polled[PILE_ON] - live[PILE_ON] <= POLL_EVERY + timedelta(seconds=10)


@pytest.mark.parametrize("delay", [timedelta(minutes=20)])
def test_the_pile_on_delivered_late_beside_live_x_pages(broker: EmbeddedBroker, prefix: str, tmp_path: Path,
                                                        delay: timedelta) -> None:
    events = replayed(broker, prefix, tmp_path, "late", three_sources(linkedin_delay=delay))
    trigger = next(e for e in events if e["action"] == "trigger" and e["dedup_key"] == PILE_ON)
    assert trigger["severity"] == "critical"
    assert sorted(trigger_times(events)) == THREAD_KEYS
    late = trigger["evidence"]["late_data"]  # the page says when it was posted and when it was seen
    assert late["delay_minutes"] >= 15 and f"posted {late['posted_at'][:10]}" in trigger["summary"]
