"""The rules behind one interface: a module per section of the rules file, and a detector that judges
whatever rules it is given, in order, with no code of its own for any of them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.detection.detector import Detector
from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.rules import build_rules
from alerts.rules.base import Context, Decision, Rule
from alerts.rules_config import RulesConfig, load_rules
from tests.unit.rule_streams import at, mention

RULES = load_rules(None)
SECTIONS = [name for name in RulesConfig.model_fields if hasattr(getattr(RULES, name), "enabled")]


def test_each_section_of_the_rules_file_is_a_rule_module_of_its_name_judged_in_file_order() -> None:
    assert SECTIONS == ["complaint_spike", "influencer_complaint", "pile_on", "legal_or_media_threat",
                        "negative_shift", "pipeline_silence"]
    for name in SECTIONS:
        module = importlib.import_module(f"alerts.rules.{name}")
        assert name == module.RULE
    assert [rule.name for rule in build_rules(RULES)] == SECTIONS


def test_a_disabled_section_is_not_judged() -> None:
    quiet = RULES.model_copy(update={"pile_on": RULES.pile_on.model_copy(update={"enabled": False})})
    assert [rule.name for rule in build_rules(quiet)] == [name for name in SECTIONS if name != "pile_on"]


@dataclass
class Heard:
    complaints: list[str] = field(default_factory=list)
    last: datetime | None = None


class LoudComplaint(Rule[Heard]):
    """A rule the detector has never heard of: fires per brand on a complaint, clears 10 min after the last."""

    name = "loud_complaint"

    def new_state(self) -> Heard:
        return Heard()

    def observe(self, state: Heard, mention: Observation, context: Context) -> list[Decision]:
        if mention.stance != "complaint":
            return []
        state.complaints.append(mention.id)
        state.last = mention.created_at
        return [Firing(f"{mention.brand}/{self.name}", self.name, "warning", mention.brand,
                       f"{mention.brand}: {len(state.complaints)} complaints", len(state.complaints), {}, [])]

    def advance(self, state: Heard, brand: str, now: datetime, context: Context) -> list[Decision]:
        if state.last is None or now - state.last < timedelta(minutes=10):
            return []
        state.last = None
        return [Clear(f"{brand}/{self.name}", "quiet for 10 min")]


class BrandsHeard(Rule[set[str]]):
    """One state for the partition: sees the mentions of every brand."""

    name = "brands_heard"
    per_brand = False

    def new_state(self) -> set[str]:
        return set()

    def observe(self, state: set[str], mention: Observation, context: Context) -> list[Decision]:
        state.add(mention.brand)
        return []

    def advance(self, state: set[str], brand: str, now: datetime, context: Context) -> list[Decision]:
        assert brand == ""
        return []


def test_the_detector_pages_for_any_rule_it_is_given_and_keeps_each_rules_state() -> None:
    loud, heard = LoudComplaint(), BrandsHeard()
    detector = Detector(RULES, timedelta(minutes=5), judges=[loud, heard])
    stream = [mention(0, "complaint", id="a"), mention(1, "complaint", id="b", brand="bol"),
              mention(2, "neutral", id="c"), mention(30, "neutral", id="d", brand="bol")]
    events = [event for item in stream for event in detector.observe(item)]
    assert [(event["action"], event["dedup_key"], event["event_time"]) for event in (e.to_json() for e in events)] == [
        ("trigger", "coolblue/loud_complaint", at(0).isoformat()),
        ("trigger", "bol/loud_complaint", at(1).isoformat()),
        ("resolve", "coolblue/loud_complaint", at(25).isoformat()),  # at the watermark, 5 min behind
        ("resolve", "bol/loud_complaint", at(25).isoformat()),
    ]
    assert detector.brands["coolblue"].states["loud_complaint"].complaints == ["a"]
    assert detector.partition["brands_heard"] == {"coolblue", "bol"}
