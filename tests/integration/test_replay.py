"""`luisterpost replay` through every stage on the real broker: the pile-on pages once, a calm day never."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from luisterpost.broker import EmbeddedBroker
from luisterpost.demo import scenarios
from luisterpost.replay import replay
from tests.integration.conftest import config_for, jsonl

START = datetime.fromisoformat("2018-11-26T12:00:00+01:00")
PILE_ON = "coolblue/influencer_complaint/li:7265312"
DEFENDERS = "coolblue/pile_on/li:7265312"  # the same thread seen by the pile_on rule: the fans shaming him


def test_pile_on_gives_the_expected_incident_once(broker: EmbeddedBroker, prefix: str, tmp_path: Path) -> None:
    source, out = tmp_path / "demo.jsonl", tmp_path / "incidents.jsonl"
    scenarios.write_jsonl(source, scenarios.demo_stream())
    replay(config_for(broker, prefix), source, out)
    events = jsonl(out)
    triggers = [e["dedup_key"] for e in events if e["action"] == "trigger"]
    assert sorted(triggers) == [PILE_ON, DEFENDERS]  # one page per rule, each once; no other rule fires
    trigger = next(e for e in events if e["action"] == "trigger" and e["dedup_key"] == PILE_ON)
    assert trigger["severity"] == "critical" and trigger["rule"] == "influencer_complaint"
    assert trigger["top_mentions"][0]["followers"] == 25_000
    fired = datetime.fromisoformat(trigger["event_time"])
    assert fired >= datetime.fromisoformat("2018-11-26T23:45:00+01:00")  # 60 min SLA, in event time
    assert "complaint_spike" not in {e["rule"] for e in events}  # defenders are not complaints
    assert [e["action"] for e in events if e["dedup_key"] == PILE_ON][-1] == "resolve"
    shaming = next(e for e in events if e["action"] == "trigger" and e["dedup_key"] == DEFENDERS)
    assert shaming["rule"] == "pile_on" and shaming["severity"] == "critical"
    assert shaming["top_mentions"][0]["followers"] == 25_000 and shaming["evidence"]["defenders"] >= 5
    assert datetime.fromisoformat(shaming["event_time"]) <= datetime.fromisoformat("2018-11-27T00:45:00+01:00")
    assert [e["action"] for e in events if e["dedup_key"] == DEFENDERS][-1] == "resolve"


def test_calm_stream_gives_no_incident(broker: EmbeddedBroker, prefix: str, tmp_path: Path) -> None:
    source, out = tmp_path / "calm.jsonl", tmp_path / "incidents.jsonl"
    scenarios.write_jsonl(source, scenarios.calm_stream(START, hours=24))
    assert replay(config_for(broker, prefix), source, out) > 500
    assert jsonl(out) == []
