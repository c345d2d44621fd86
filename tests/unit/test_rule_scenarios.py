"""Every rule on the streams an on-call engineer would judge it by: what must page, once, and what
must not (a calm week, a busy but normal Black Friday, a praise spike, a complaint answered in time).
The streams carry the labels their texts were written with, so this tests the rules, not the model."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import cache

import pytest

from alerts.detection.detector import Detector
from alerts.detection.observation import observe
from alerts.incident_event import IncidentEvent
from alerts.rules_config import load_rules
from ingest.mention import Invalid
from tests.fixtures.scenario_weeks import SCENARIOS, as_classified

EXPECTED_TRIGGERS: dict[str, set[str]] = {
    "calm week": set(),
    "busy but normal Black Friday": set(),
    "praise spike": set(),
    "influencer answered within the SLA": set(),
    "seed 001 pile-on": {"coolblue/pile_on/li:7265312", "coolblue/influencer_complaint/li:7265312"},
    "complaint storm": {"postnl/complaint_spike", "postnl/negative_shift"},
    "seed 002 fan turned enemy": {"coolblue/legal_or_media_threat/x:fan-threat"},
    "negative news wave": {"bol/negative_shift"},
    "brand gone silent": {"klm/pipeline_silence"},
}
SEVERITY = {"complaint_spike": "critical", "influencer_complaint": "critical", "pile_on": "critical",
            "legal_or_media_threat": "critical", "negative_shift": "warning", "pipeline_silence": "warning"}


@cache
def incidents(name: str) -> tuple[IncidentEvent, ...]:
    detector = Detector(load_rules(None), timedelta(minutes=5))
    events: list[IncidentEvent] = []
    for value in as_classified(SCENARIOS[name]()):
        mention = observe(value)
        assert not isinstance(mention, Invalid), mention
        events += detector.observe(mention)
    return tuple(events)


def test_every_scenario_has_an_expectation() -> None:
    assert set(EXPECTED_TRIGGERS) == set(SCENARIOS)


@pytest.mark.parametrize("name", list(EXPECTED_TRIGGERS))
def test_what_pages_and_what_does_not(name: str) -> None:
    triggers = Counter(e.dedup_key for e in incidents(name) if e.action == "trigger")
    assert set(triggers) == EXPECTED_TRIGGERS[name]
    assert all(count == 1 for count in triggers.values()), f"paged twice: {triggers}"


@pytest.mark.parametrize("name", [name for name, keys in EXPECTED_TRIGGERS.items() if keys])
def test_each_page_has_the_rule_severity_and_explains_itself(name: str) -> None:
    for event in incidents(name):
        assert event.severity == SEVERITY[event.rule]
        assert event.summary and event.evidence, event
        if event.rule != "pipeline_silence":  # a silence has no mention to show
            assert event.top_mentions and all("excerpt" in m for m in event.top_mentions)


@pytest.mark.parametrize(("name", "key"), [
    ("complaint storm", "postnl/complaint_spike"), ("negative news wave", "bol/negative_shift"),
    ("seed 001 pile-on", "coolblue/influencer_complaint/li:7265312")])
def test_it_resolves_once_the_storm_is_over(name: str, key: str) -> None:
    actions = [e.action for e in incidents(name) if e.dedup_key == key]
    assert actions[0] == "trigger" and actions[-1] == "resolve" and actions.count("resolve") == 1
