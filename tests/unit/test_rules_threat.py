"""legal_or_media_threat as a table: (mentions, now) -> what the rule decides."""

from __future__ import annotations

import pytest

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.rules import legal_or_media_threat as threat
from alerts.rules_config import ThreatConfig, load_rules
from tests.unit.rule_streams import at, in_time, last_firing, mention, transitions

CONFIG = load_rules(None).legal_or_media_threat
DAY = 24 * 60
FAN = "pnd"  # seed 002: a loyal, big-spending customer who praised the brand in articles


def threat_post(minute: float, signals: tuple[str, ...] = ("legal",), followers: int = 50, author: str = FAN,
                stance: str = "complaint", root: str | None = None, is_brand: bool = False) -> Observation:
    return mention(minute, stance, id=f"t{minute:g}-{author}", followers=followers, author=author,
                   signals=signals, root=root, is_brand=is_brand)


def praise(minute: float, author: str = FAN) -> Observation:
    return mention(minute, "praise", id=f"p{minute:g}-{author}", author=author)


def brand_reply(minute: float, root: str) -> Observation:
    return mention(minute, "neutral", id=f"webcare{minute:g}", root=root, is_brand=True, author="coolblue")


def decide(stream: list[Observation], now: float, config: ThreatConfig = CONFIG) -> list[Firing | Clear]:
    """What the detector does: observe each mention and judge at its time, then once more at `now`."""
    state = threat.ThreatState()
    decisions: list[Firing | Clear] = []
    for item in in_time(stream):
        threat.observe(state, item, config)
        decisions += threat.evaluate(state, item.brand, item.created_at, config)
    return decisions + threat.evaluate(state, "coolblue", at(now), config)


ROOT = "t0-pnd"
CASES: list[tuple[str, list[Observation], float, list[str]]] = [
    ("legal complaint from an author with 25,000 followers", [threat_post(0, followers=25_000)], 10, ["fire"]),
    ("legal words from a 50-follower first-time author", [threat_post(0)], 10, []),
    ("seed 002: a fan who praised the brand in autumn cites the legal warranty in spring (50 followers)",
     [praise(-150 * DAY), threat_post(0)], 10, ["fire"]),
    ("praise more than 180 days ago is forgotten", [praise(-200 * DAY), threat_post(0)], 10, []),
    ("media threat (Radar) from 3,000 followers", [threat_post(0, ("media",), followers=3_000)], 10, ["fire"]),
    ("emergency from a former fan", [praise(-DAY), threat_post(0, ("emergency",))], 10, ["fire"]),
    ("someone else's praise does not make this author a fan",
     [praise(-DAY, author="someone"), threat_post(0)], 10, []),
    ("a complaint without signals is influencer_complaint's business", [threat_post(0, (), 25_000)], 10, []),
    ("churn alone is not a threat", [threat_post(0, ("churn",), 25_000)], 10, []),
    ("praise that names the Geschillencommissie is no threat",
     [threat_post(0, followers=25_000, stance="praise")], 10, []),
    ("the brand's own account saying 'wettelijke garantie' is no threat",
     [threat_post(0, followers=25_000, is_brand=True)], 10, []),
    ("the brand replies after the threat: resolved",
     [threat_post(0, followers=25_000), brand_reply(30, ROOT)], 60, ["fire", "clear"]),
    ("seed 002: the brand's reply that angered him came first: still a threat",
     [praise(-DAY), mention(-60, "complaint", id="r0", author=FAN), brand_reply(-30, "r0"),
      threat_post(0, root="r0")], 10, ["fire"]),
    ("no brand reply, a quiet day: resolved",
     [threat_post(0, followers=25_000)], DAY + 1, ["fire", "clear"]),
    ("still busy after a day: not resolved",
     [threat_post(0, followers=25_000), mention(DAY - 60, "complaint", root=ROOT)], DAY + 1, ["fire"]),
    ("a second threat in the same thread is the same incident",
     [threat_post(0, followers=25_000), threat_post(20, ("media",), 25_000, author="other", root=ROOT)], 30,
     ["fire"]),
    ("fires once per thread: a new threat after the resolve does not page again",
     [threat_post(0, followers=25_000), brand_reply(30, ROOT),
      threat_post(90, ("media",), 25_000, author="other", root=ROOT)], 120, ["fire", "clear"]),
]


@pytest.mark.parametrize(("name", "stream", "now", "expected"), CASES, ids=[case[0] for case in CASES])
def test_legal_or_media_threat(name: str, stream: list[Observation], now: float, expected: list[str]) -> None:
    assert transitions(decide(stream, now)) == expected, name


def test_it_pages_at_the_threat_and_explains_why() -> None:
    firing = last_firing(decide([praise(-150 * DAY), threat_post(0)], 0))
    assert firing.dedup_key == f"coolblue/legal_or_media_threat/{ROOT}" and firing.severity == "critical"
    assert firing.summary.startswith("coolblue: a former fan threatens legal action (pnd, 50 followers, praised")
    assert firing.evidence["praised_at"] == at(-150 * DAY).isoformat()
    assert firing.evidence["signals"] == ["legal"] and firing.top_mentions[0]["id"] == ROOT


def test_the_praise_memory_is_bounded() -> None:
    config = CONFIG.model_copy(update={"max_praisers": 2})
    state = threat.ThreatState()
    for minute, author in enumerate(("a", "b", "c")):
        threat.observe(state, praise(minute, author), config)
    assert list(state.praised) == ["b", "c"]


def test_a_resolved_thread_is_forgotten_after_twice_the_quiet_period() -> None:
    state = threat.ThreatState()
    threat.observe(state, threat_post(0, followers=25_000), CONFIG)
    threat.evaluate(state, "coolblue", at(0), CONFIG)
    assert [type(d) for d in threat.evaluate(state, "coolblue", at(60 * CONFIG.quiet_hours), CONFIG)] == [Clear]
    threat.evaluate(state, "coolblue", at(2 * 60 * CONFIG.quiet_hours), CONFIG)
    assert state.threads == {}
