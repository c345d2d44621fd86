"""The incident book: trigger once, update on growth, remind on the repeat interval, inhibit thread
incidents while a brand-wide spike is open. Tables of (step, finding, minute) -> what the pager sees."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alerts.detection.incidents import Clear, Firing, IncidentBook, Published
from alerts.rules_config import IncidentsConfig

T0 = datetime(2018, 11, 26, 22, 0, tzinfo=timezone(timedelta(hours=1)))
SPIKE = "coolblue/complaint_spike"
THREAD = "coolblue/pile_on/li:1"
OTHER_BRAND_THREAD = "bol/pile_on/x:9"
POLICY = IncidentsConfig().policy()  # the defaults: what a rules file without `incidents` gives


def finding(key: str, size: int) -> Firing:
    brand, rule = key.split("/")[:2]
    return Firing(key, rule, "critical", brand, f"{key} size {size}", size, {"size": size}, [])


def run(book: IncidentBook, steps: list[tuple[str, int | None, float]]) -> list[tuple[str, str]]:
    """Each step: (dedup_key, size or None for a clear, minutes after T0) -> (action, dedup_key) seen."""
    seen: list[tuple[str, str]] = []
    for key, size, minute in steps:
        now = T0 + timedelta(minutes=minute)
        events = book.clear(Clear(key, "quiet"), now) if size is None else book.fire(finding(key, size), now)
        seen += [(event.action, event.dedup_key) for event in events]
    return seen


CASES = {
    "one trigger, however often the rule still holds": (
        [(THREAD, 10, 0), (THREAD, 11, 1), (THREAD, 12, 2), (THREAD, 13, 3)],
        [("trigger", THREAD)]),
    "an update when it grew by the growth step, not before": (
        [(THREAD, 10, 0), (THREAD, 14, 1), (THREAD, 15, 2), (THREAD, 19, 3), (THREAD, 20, 4)],
        [("trigger", THREAD), ("update", THREAD), ("update", THREAD)]),
    "a reminder after the repeat interval while it still holds": (
        [(THREAD, 10, 0), (THREAD, 10, 239), (THREAD, 10, 240), (THREAD, 10, 300), (THREAD, 10, 480)],
        [("trigger", THREAD), ("update", THREAD), ("update", THREAD)]),
    "resolve once; a clear of what never fired is nothing": (
        [(THREAD, None, 0), (THREAD, 10, 1), (THREAD, None, 2), (THREAD, None, 3)],
        [("trigger", THREAD), ("resolve", THREAD)]),
    "a new thread incident during a spike is held, then pages when the spike resolves": (
        [(SPIKE, 20, 0), (THREAD, 10, 5), (THREAD, 30, 6), (SPIKE, None, 60)],
        [("trigger", SPIKE), ("resolve", SPIKE), ("trigger", THREAD)]),
    "a held thread that cleared during the spike never pages": (
        [(SPIKE, 20, 0), (THREAD, 10, 5), (THREAD, None, 30), (SPIKE, None, 60)],
        [("trigger", SPIKE), ("resolve", SPIKE)]),
    "an open thread incident gets no updates during a spike, but still resolves": (
        [(THREAD, 10, 0), (SPIKE, 20, 1), (THREAD, 40, 2), (THREAD, 40, 400), (THREAD, None, 500)],
        [("trigger", THREAD), ("trigger", SPIKE), ("resolve", THREAD)]),
    "a spike mutes only its own brand": (
        [(SPIKE, 20, 0), (OTHER_BRAND_THREAD, 10, 1)],
        [("trigger", SPIKE), ("trigger", OTHER_BRAND_THREAD)]),
}


@pytest.mark.parametrize("name", CASES)
def test_life_cycle(name: str) -> None:
    steps, expected = CASES[name]
    assert run(IncidentBook(POLICY), steps) == expected


def test_the_spike_page_names_the_thread_incidents_it_mutes() -> None:
    book = IncidentBook(POLICY)
    run(book, [(THREAD, 10, 0), (SPIKE, 20, 1), ("coolblue/influencer_complaint/li:2", 1, 2)])
    event = book.fire(finding(SPIKE, 30), T0 + timedelta(minutes=3))[0]
    assert event.action == "update"
    assert event.evidence["inhibits"] == ["coolblue/influencer_complaint/li:2", THREAD]


def test_update_says_why() -> None:
    book = IncidentBook(POLICY)
    run(book, [(THREAD, 10, 0)])
    grew = book.fire(finding(THREAD, 15), T0 + timedelta(minutes=1))[0]
    reminder = book.fire(finding(THREAD, 15), T0 + timedelta(hours=5))[0]
    assert (grew.evidence["update_reason"], reminder.evidence["update_reason"]) == ("grew", "repeat")


def test_policy_from_the_rules_file_changes_the_repeat_interval() -> None:
    book = IncidentBook(IncidentsConfig(repeat_hours=0.5).policy())
    assert run(book, [(THREAD, 10, 0), (THREAD, 10, 30)]) == [("trigger", THREAD), ("update", THREAD)]


def test_a_rebuild_does_not_publish_again_what_the_topic_already_has() -> None:
    published = {THREAD: Published("update", T0 + timedelta(minutes=1))}
    book = IncidentBook(POLICY, published=published)
    assert run(book, [(THREAD, 10, 0), (THREAD, 15, 1), (THREAD, 20, 2), (THREAD, None, 3)]) == [
        ("update", THREAD), ("resolve", THREAD)]
