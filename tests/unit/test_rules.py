"""The rules as tables: what pages, what must not, and each incident's life cycle."""

from datetime import datetime, timedelta

import pytest

from alerts.detection.detector import Detector
from alerts.detection.incidents import Published
from alerts.detection.observation import Observation
from alerts.rules_config import RulesConfig, load_rules

T0 = datetime.fromisoformat("2018-11-26T22:45:00+01:00")
RULES = load_rules(None)


def mention(minute: float, stance: str = "neutral", *, id: str | None = None, brand: str = "coolblue",
            followers: int = 100, root: str | None = None, parent: str | None = None,
            is_brand: bool = False, signals: tuple[str, ...] = ()) -> Observation:
    mention_id = id or f"m{minute}-{stance}-{followers}-{is_brand}"
    return Observation(id=mention_id, brand=brand, created_at=T0 + timedelta(minutes=minute), stance=stance,
                       sentiment="negative" if stance in ("complaint", "defense") else "neutral",
                       signals=signals, root_id=root or mention_id, parent_id=parent, followers=followers,
                       is_brand=is_brand, author="someone", url=None, text="tekst")


def run(stream: list[Observation], rules: RulesConfig = RULES, **kwargs: object) -> list[dict[str, object]]:
    detector = Detector(rules, timedelta(minutes=5), **kwargs)  # type: ignore[arg-type]
    return [event for item in stream for event in detector.observe(item)]


def actions(events: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(event.action, event.dedup_key) for event in events]


def background(hours: float, every_minutes: float = 10) -> list[Observation]:
    return [mention(m, "neutral") for m in range(0, int(hours * 60), int(every_minutes))]


def thread(replies: int, brand_reply_minute: float | None = None, followers: int = 25_000,
           until_minute: float = 600) -> list[Observation]:
    root = mention(0, "complaint", id="li:1", followers=followers)
    step = until_minute / replies
    items = [root] + [mention(10 + i * step, "defense", id=f"li:1-c{i}", root="li:1", parent="li:1")
                      for i in range(replies)]
    if brand_reply_minute is not None:
        items.append(mention(brand_reply_minute, "neutral", id="li:1-brand", root="li:1", parent="li:1",
                             is_brand=True))
    return sorted(items, key=lambda m: m.created_at)


KEY = "coolblue/influencer_complaint/li:1"


@pytest.mark.parametrize(("name", "stream", "expected"), [
    ("unanswered influencer complaint pages once, resolves when quiet",
     thread(40) + [mention(1400, id="late-calm")], [("trigger", KEY), ("update", KEY), ("resolve", KEY)]),
    ("the brand replied within the SLA: no page", thread(40, brand_reply_minute=30), []),
    ("small reach: no page", thread(40, followers=900), []),
    ("the brand replied after the page: resolved", thread(20, brand_reply_minute=200)[:-5],
     [("trigger", KEY), ("resolve", KEY)]),
    ("calm day: nothing", background(24), []),
])
def test_influencer_complaint(name: str, stream: list[Observation], expected: list[tuple[str, str]]) -> None:
    """Updates come and go with the thread's growth; triggers and resolves are what a pager sees."""
    got = [a for a in actions(run(stream)) if a[1] == KEY]
    assert [a for a in got if a[0] != "update"] == [e for e in expected if e[0] != "update"], name
    assert (("update", KEY) in got) == (("update", KEY) in expected), name


def test_influencer_page_waits_for_the_sla_in_event_time() -> None:
    events = run(thread(40))
    trigger = next(e for e in events if e.action == "trigger")
    fired_at = trigger.event_time
    assert fired_at - T0 >= timedelta(minutes=RULES.influencer_complaint.sla_minutes)
    assert trigger.severity == "critical" and trigger.top_mentions[0]["followers"] == 25_000


SPIKE = "coolblue/complaint_spike"


def complaints(start: float, count: int, spacing: float = 1.0, brand: str = "coolblue") -> list[Observation]:
    return [mention(start + i * spacing, "complaint", id=f"{brand}-c{start}-{i}", brand=brand)
            for i in range(count)]


@pytest.mark.parametrize(("name", "stream", "expected"), [
    ("12 complaints in 12 minutes after a quiet day", background(12) + complaints(720, 12), ["trigger"]),
    ("3 instead of 1 does not page", background(12) + complaints(720, 3), []),
    ("a steady trickle of 1 per 10 minutes never pages", [m for i in range(0, 1440, 10)
                                                          for m in complaints(i, 1)], []),
    ("defenders are not complaints", background(12) + [mention(720 + i, "defense", id=f"d{i}")
                                                       for i in range(30)], []),
    ("spike, then 2 hours calm: resolved", background(12) + complaints(720, 12)
     + [mention(720 + m, id=f"after{m}") for m in range(15, 200, 5)], ["trigger", "resolve"]),
])
def test_complaint_spike(name: str, stream: list[Observation], expected: list[str]) -> None:
    stream = sorted(stream, key=lambda m: m.created_at)
    got = [action for action, key in actions(run(stream)) if key == SPIKE and action != "update"]
    assert got == expected, name


def test_complaint_spike_of_another_brand_is_its_own_incident() -> None:
    stream = sorted(background(12) + complaints(720, 12, brand="bol"), key=lambda m: m.created_at)
    assert [key for action, key in actions(run(stream)) if action == "trigger"] == ["bol/complaint_spike"]


def test_events_already_published_are_not_published_again_after_a_restart() -> None:
    stream = thread(40)
    first = run(stream)
    trigger = next(e for e in first if e.action == "trigger")
    published = {KEY: Published("trigger", trigger.event_time)}
    again = run(stream, published=published)
    assert ("trigger", KEY) not in actions(again)
    assert actions(again) == [a for a in actions(first) if a != ("trigger", KEY)]


def test_a_mention_seen_twice_counts_once() -> None:
    stream = background(12) + complaints(720, 7)
    doubled = sorted(stream + complaints(720, 7), key=lambda m: m.created_at)
    assert actions(run(doubled)) == []  # 7 distinct complaints stay under the minimum of 8
