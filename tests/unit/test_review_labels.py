"""Corrections as records: parsed without ever raising, the latest per mention and head kept, and
exported in the eval/training contract; pages link to the incident page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.notification.receivers import alertmanager, console, opsgenie, pagerduty, slack
from ingest.mention import Invalid
from luisterpost.config import ConfigError, ReviewConfig, build
from luisterpost.review.labels import Correction, LabelBook, export_rows, parse_correction
from luisterpost.review.links import with_incident_page
from luisterpost.review.server import bearer_token
from luisterpost.review.view import ReviewView
from tests.support.pages import event_of
from tests.unit.review_fixtures import KEY, classified, incident

AT = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


def correction(mention_id: str = "li:2", head: str = "stance", label: str = "praise", minutes: int = 0,
               **extra: str) -> Correction:
    model_label = "defense" if head == "stance" else "negative"
    return Correction(mention_id, head, model_label, "luisterpost-e5-small 3.0", label, "eva",
                      AT + timedelta(minutes=minutes), "coolblue", extra.get("text", "Verwend kind"),
                      extra.get("parent_text", "Te laat geleverd"))


def test_a_correction_survives_the_topic() -> None:
    original = correction()
    assert parse_correction(original.to_json()) == original
    assert original.key == "li:2#stance" and not original.agrees


@given(st.binary())
def test_any_bytes_give_a_correction_or_a_reason(value: bytes) -> None:
    assert isinstance(parse_correction(value), Correction | Invalid)


def test_records_that_are_not_corrections_say_why() -> None:
    good = correction().to_json().decode()
    for bad, why in ((good.replace('"praise"', '"angry"'), "stance must be one of"),
                     (good.replace('"stance"', '"mood"', 1), "head must be one of"),
                     (good.replace('"2026-12-05T01:00:00+00:00"', '"2026-12-05T01:00:00"'), "UTC offset"),
                     ('{"head": "stance"}', "label"), ("[]", "JSON object")):
        result = parse_correction(bad.encode())
        assert isinstance(result, Invalid) and why in result.reason, (bad, result)


def test_the_latest_correction_per_mention_and_head_wins_and_exports_as_one_row() -> None:
    book = LabelBook()
    book.apply(correction(label="neutral", minutes=5))
    book.apply(correction(label="praise", minutes=1))  # older, read later: compaction order is not arrival
    book.apply(correction(head="sentiment", label="negative", minutes=2))
    book.apply(correction(mention_id="li:3", label="complaint", text="Nooit meer", parent_text=""))
    assert book.get("li:2", "stance") is not None and book.get("li:2", "stance").label == "neutral"  # type: ignore[union-attr]
    assert export_rows(book) == [  # in the order of each mention's first correction
        {"text": "Nooit meer", "parent_text": "", "stance": "complaint", "sentiment": ""},
        {"text": "Verwend kind", "parent_text": "Te laat geleverd", "stance": "neutral", "sentiment": "negative"}]


def test_the_view_reads_the_pipeline_topics_and_skips_what_it_cannot_read() -> None:
    view = ReviewView(max_mentions=2)
    for value in (classified("li:1", "klacht", "complaint"), classified("li:2", "fan", "defense", parent="li:1"),
                  b"\xff not json", b'{"id": 3}'):
        view.add_mention(value)
    for value in (incident(), incident(), b"[]"):
        view.add_incident(value)
    [seen] = view.incidents()
    assert len(seen.events) == 1 and seen.is_open  # a redelivered event is the same event
    assert [m.id for m in view.timeline(seen)] == ["li:1", "li:2"] and view.ignored == 3
    view.add_mention(classified("li:4", "later", "neutral", minute=30))
    assert view.mention("li:1") is None  # bounded: the oldest is forgotten first
    view.add_incident(incident("resolve", minute=50))
    assert not view.incidents()[0].is_open


def test_the_view_skips_and_counts_what_the_typed_records_refuse() -> None:
    """One idea of a valid record: a brand-less mention or an event no receiver takes is not shown either."""
    view = ReviewView()
    view.add_mention(json.dumps({**json.loads(classified("li:1", "klacht", "complaint")), "brand": None}).encode())
    view.add_incident(json.dumps({**json.loads(incident()), "severity": "urgent"}).encode())
    view.add_incident(json.dumps({**json.loads(incident()), "event_time": "2018-11-26T23:20:00"}).encode())
    assert view.mention("li:1") is None and view.incidents() == [] and view.ignored == 3


def test_every_page_links_to_its_incident_page() -> None:
    event = event_of({"dedup_key": KEY + "?#x", "action": "trigger", "rule": "pile_on", "severity": "critical",
                      "brand": "coolblue", "event_time": "2018-11-26T23:20:00+01:00", "summary": "5 fans",
                      "top_mentions": [{"id": "li:1", "url": "https://www.linkedin.com/feed/update/1"}]})
    paged = with_incident_page(event, "https://review.example.com/")
    url = "https://review.example.com/incidents/coolblue/pile_on/li:1%3F%23x"
    assert paged.to_json()["links"][0] == {"href": url, "text": "Incident page"} and "links" not in event.to_json()
    assert url in console.render(paged)
    assert pagerduty.enqueue_body(paged, "key")["links"][0]["href"] == url
    assert url in slack.message(paged)["text"]
    assert alertmanager.annotations_of(paged)["links"].splitlines()[0] == url
    assert url in opsgenie.create_body(paged)["description"]
    assert with_incident_page(event, None).to_json() == event.to_json()


def test_the_page_binds_to_loopback_unless_told_otherwise() -> None:
    assert ReviewConfig().address.startswith("127.0.0.1:")
    assert ReviewConfig().page_base() == "http://127.0.0.1:9465"
    config = build({"review": {"base_url": "https://review.example.com"}}, environ={})
    assert config.review.page_base() == "https://review.example.com"
    try:
        build({"review": {"base_url": "javascript:alert(1)"}}, environ={})
    except Exception as error:
        assert "review.base_url" in str(error)
    else:
        raise AssertionError("a javascript: base_url was accepted")


def test_a_missing_or_empty_token_file_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    empty = tmp_path / "token"
    empty.write_text("\n")
    for path in (tmp_path / "absent", empty):
        with pytest.raises(ConfigError, match="review.token_file"):
            bearer_token(ReviewConfig(token_file=path))
    empty.write_text("s3cret\n")
    assert bearer_token(ReviewConfig(token_file=empty)) == "s3cret"
    assert "s3cret" not in repr(ReviewConfig(token="s3cret"))


def test_a_brand_wide_incident_shows_the_brand_window_not_one_thread() -> None:
    view = ReviewView()
    spike = {"dedup_key": "coolblue/complaint_spike", "action": "trigger", "rule": "complaint_spike",
             "severity": "critical", "brand": "coolblue", "event_time": "2018-11-26T23:30:00+01:00",
             "summary": "12 complaints", "evidence": {"window_minutes": 20}, "top_mentions": []}
    view.add_incident(json.dumps(spike).encode())
    for mention_id, minute in (("early", 0), ("in", 15), ("late", 59)):
        view.add_mention(classified(mention_id, mention_id, "complaint", minute=minute))
    [seen] = view.incidents()
    assert seen.root_id is None and [m.id for m in view.timeline(seen)] == ["in"]  # 23:10-23:30
