"""The generated mention streams: deterministic, valid Mention JSON v1, and shaped like their story."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from luisterpost.demo import scenarios, texts
from luisterpost.demo.scenarios import DEMO_START, PILE_ON_ROOT_ID, PILE_ON_START, PLATFORMS

BRANDS_FILE = Path(__file__).parents[2] / "ingest" / "defaults" / "brands.yaml"
STANCES = {"complaint", "defense", "praise", "neutral"}


@cache
def calm_day() -> list[tuple[dict[str, Any], str]]:
    return scenarios.labelled_calm_stream(DEMO_START, 24)


@cache
def pile_on(seed: int = 1) -> list[tuple[dict[str, Any], str]]:
    return scenarios.labelled_pile_on_thread(PILE_ON_START, seed)


PILE_ON_SEEDS = pytest.mark.parametrize("seed", [1, 7, 96])  # 1: the default, 7: the demo's


@cache
def brand_terms() -> dict[str, tuple[list[str], list[str]]]:
    """Per brand: (terms that name it, excluded phrases), as brands.yaml writes them."""
    brands = yaml.safe_load(BRANDS_FILE.read_text(encoding="utf-8"))["brands"]
    return {
        brand["id"]: (
            brand.get("names", []) + ["@" + h for h in brand.get("handles", [])]
            + ["#" + t for t in brand.get("hashtags", [])] + brand.get("domains", []),
            brand.get("exclude", []),
        )
        for brand in brands
    }


def brands_named(text: str) -> set[str]:
    """Every brand the text names as a whole word, case-insensitively, after removing its exclusions.

    Stricter than ingest's matcher (which needs AH, KPN, KLM in capitals), so a text that names no
    brand here names none there either.
    """
    found = set()
    for brand, (terms, excluded) in brand_terms().items():
        cleaned = text.lower()
        for phrase in excluded:
            cleaned = cleaned.replace(phrase.lower(), " ")
        if any(re.search(rf"(?<![\w@#.]){re.escape(t.lower())}(?![\w])", cleaned) for t in terms):
            found.add(brand)
    return found


def defect_of(value: bytes) -> str | None:
    """An independent reading of Mention JSON v1: the defect of a Kafka message value, or None."""
    try:
        document = json.loads(value.decode("utf-8"))
    except UnicodeDecodeError:
        return "invalid_utf8"
    except json.JSONDecodeError:
        return "broken_json"
    if not isinstance(document, dict):
        return "not_an_object"
    return record_defect(document)


def record_defect(record: dict[str, Any]) -> str | None:
    if any(not isinstance(record.get(key), str) for key in ("id", "platform", "created_at", "text")):
        return "missing_field"
    if not record["id"] or record["platform"] not in PLATFORMS:
        return "missing_field" if not record["id"] else "bad_platform"
    try:
        if datetime.fromisoformat(record["created_at"]).tzinfo is None:
            return "bad_date"
    except ValueError:
        return "bad_date"
    if not record["text"].strip():
        return "empty_text"
    followers = record.get("author", {}).get("followers", 0)
    if not isinstance(followers, int) or followers < 0:
        return "negative_followers"
    return None


def assert_valid_stream(records: list[dict[str, Any]]) -> None:
    assert records
    for record in records:
        assert record_defect(record) is None, record
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", record["created_at"])
        assert record.get("brand", "coolblue") in brand_terms()
        assert isinstance(record["author"]["is_brand"], bool)
        assert json.loads(json.dumps(record, ensure_ascii=False)) == record
    ids = [record["id"] for record in records]
    assert len(set(ids)) == len(ids)
    times = [datetime.fromisoformat(record["created_at"]) for record in records]
    assert times == sorted(times)


def assert_threads_point_back(records: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for record in records:
        thread = record.get("thread")
        if thread and thread["parent_id"] is not None:
            assert thread["root_id"] in seen and thread["parent_id"] in seen, record["id"]
        seen.add(record["id"])


@pytest.mark.parametrize("generate", [
    lambda seed: scenarios.calm_stream(DEMO_START, 3, seed),
    lambda seed: scenarios.pile_on_thread(PILE_ON_START, seed),
    lambda seed: scenarios.garbage_records(60, 0.2, seed),
    lambda seed: scenarios.demo_stream(seed),
])
def test_a_seed_gives_the_same_stream_and_another_seed_another(generate: Any) -> None:
    assert generate(11) == generate(11)
    assert generate(11) != generate(12)


def test_calm_stream_is_valid_sorted_and_sized_by_the_hour() -> None:
    records = [record for record, _ in calm_day()]
    assert len(records) == 24 * 40
    assert_valid_stream(records)
    assert_threads_point_back(records)
    assert len(scenarios.calm_stream(DEMO_START, 2.5, per_hour=10)) == 25
    assert datetime.fromisoformat(records[0]["created_at"]) >= DEMO_START
    assert datetime.fromisoformat(records[-1]["created_at"]) < DEMO_START + timedelta(hours=24)
    assert all(record["created_at"].endswith("+01:00") for record in records)


def test_calm_stream_has_small_authors_only() -> None:
    followers = [record["author"]["followers"] for record, _ in calm_day()]
    assert max(followers) <= 5_000
    assert sum(count < 2_000 for count in followers) / len(followers) > 0.9


def test_calm_complaints_are_few_and_never_clustered() -> None:
    complaints: dict[str, list[datetime]] = defaultdict(list)
    for record, stance in calm_day():
        if stance == "complaint":
            (brand,) = {record["brand"]} if "brand" in record else brands_named(record["text"])
            complaints[brand].append(datetime.fromisoformat(record["created_at"]))
    assert set(complaints) == set(brand_terms())
    for times in complaints.values():
        assert len(times) / 24 <= 1.0
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        assert all(gap >= timedelta(hours=1) for gap in gaps)


def test_calm_stance_mix_is_mostly_neutral_with_some_praise() -> None:
    stances = Counter(stance for _, stance in calm_day())
    assert set(stances) == {"neutral", "praise", "complaint"}
    assert stances["neutral"] > stances["praise"] > stances["complaint"] > 0


def test_about_half_the_calm_mentions_carry_a_brand_and_the_rest_name_one() -> None:
    records = [record for record, _ in calm_day()]
    assert 0.4 < sum("brand" in record for record in records) / len(records) < 0.65
    for record in records:
        named = brands_named(record["text"])
        if record["text"] in texts.DECOYS:
            assert "brand" not in record and named == set(), record["text"]
        elif "brand" in record:
            assert named <= {record["brand"]}, record["text"]
        else:
            assert len(named) == 1, record["text"]
    assert {record["text"] for record in records} & set(texts.DECOYS)


def test_every_template_names_its_own_brand_with_every_reference() -> None:
    for brand, stances in texts.CALM.items():
        templates = [t for pool in stances.values() for t in pool] + list(texts.GENERIC_NEUTRAL)
        templates += list(texts.THREAD_REPLIES) + [t for of, _, t in texts.ENGLISH if of == brand]
        for template in templates:
            for reference in texts.BRAND_REFS[brand]:
                assert brands_named(template.format(b=reference)) == {brand}, (template, reference)
    for decoy in texts.DECOYS + texts.WEBCARE:
        assert brands_named(decoy) == set(), decoy


def test_calm_stream_has_webcare_replies_in_threads() -> None:
    records = [record for record, _ in calm_day()]
    webcare = [record for record in records if record["author"]["is_brand"]]
    assert len(webcare) >= 20
    for record in webcare:
        assert record["thread"]["parent_id"] is not None
        handles = brand_terms()[record["brand"]][0]
        assert "@" + record["author"]["handle"] in handles
    customer_replies = [r for r in records if "thread" in r and not r["author"]["is_brand"]]
    assert len(customer_replies) >= 20


def test_calm_stream_is_varied() -> None:
    records = [record for record, _ in calm_day()]
    pool = [t for brand in texts.CALM.values() for stance in brand.values() for t in stance]
    assert len(set(pool) | set(texts.GENERIC_NEUTRAL)) >= 60
    assert len({record["text"] for record in records}) >= 60
    assert len({record["platform"] for record in records}) >= 10
    langs = Counter(record.get("lang") for record in records)
    assert langs["nl"] and langs["en"] and langs[None]
    assert any("http" in record["text"] for record in records)
    assert len({record["author"]["handle"] for record in records}) >= 100


@PILE_ON_SEEDS
def test_pile_on_root_is_the_influencer_complaint(seed: int) -> None:
    root, stance = pile_on(seed)[0]
    assert stance == "complaint"
    assert root["id"] == PILE_ON_ROOT_ID and root["platform"] == "linkedin"
    assert root["author"]["followers"] == 25_000 and not root["author"]["is_brand"]
    assert root["created_at"] == "2018-11-26T22:45:00+01:00"
    assert root["brand"] == "coolblue"
    assert re.search(r"22:00.*22:40", root["text"])


@PILE_ON_SEEDS
def test_pile_on_replies_are_mostly_defenders_arriving_within_hours(seed: int) -> None:
    records = [record for record, _ in pile_on(seed)]
    assert_valid_stream(records)
    assert_threads_point_back(records)
    replies = pile_on(seed)[1:]
    stances = Counter(stance for _, stance in replies)
    assert 40 <= len(replies) <= 60
    assert stances["defense"] >= 30 and stances["defense"] > len(replies) / 2
    assert stances["complaint"] >= 3 and stances["neutral"] >= 3
    times = [datetime.fromisoformat(reply["created_at"]) - PILE_ON_START for reply, _ in replies]
    assert min(times) >= timedelta(minutes=10) and max(times) <= timedelta(hours=10)
    stances_in_time = zip(times, (stance for _, stance in replies), strict=True)
    early = [t for t, stance in stances_in_time if stance == "defense" and t <= timedelta(hours=4)]
    assert len(early) >= 20  # "within hours dozens of readers defended the brand"
    assert len({reply["text"] for reply, _ in replies}) >= 40


@PILE_ON_SEEDS
def test_pile_on_replies_belong_to_the_thread_and_come_from_small_accounts(seed: int) -> None:
    for reply, _ in pile_on(seed)[1:]:
        assert reply["id"].startswith(PILE_ON_ROOT_ID + "-c")
        assert reply["thread"]["root_id"] == PILE_ON_ROOT_ID
        if reply["author"]["handle"] != "robb":
            assert reply["author"]["followers"] < 5_000


@PILE_ON_SEEDS
def test_the_brand_stays_silent_for_the_first_three_hours(seed: int) -> None:
    replies = [reply for reply, _ in pile_on(seed)[1:]]
    brand_replies = [reply for reply in replies if reply["author"]["is_brand"]]
    assert len(brand_replies) <= 2 < len(replies)
    for reply in brand_replies:
        assert datetime.fromisoformat(reply["created_at"]) - PILE_ON_START > timedelta(hours=3)


@PILE_ON_SEEDS
def test_defenders_use_the_words_of_the_seed_and_more(seed: int) -> None:
    phrases = ("zeurpiet", "verwend", "geef ze eerst de kans", "eerste wereldprobleem", "40 minuten, echt",
               "stel je niet", "wat een gezeur")
    pool = " ".join(texts.DEFENSE).lower()
    assert all(phrase in pool for phrase in phrases)
    words = " ".join(reply["text"].lower() for reply, stance in pile_on(seed) if stance == "defense")
    assert sum(phrase in words for phrase in phrases) >= 4
    assert len(set(texts.DEFENSE)) == len(texts.DEFENSE) >= 46


def test_demo_stream_merges_the_calm_day_and_the_pile_on() -> None:
    demo = scenarios.demo_stream()
    assert_valid_stream(demo)
    assert_threads_point_back(demo)
    ids = {record["id"] for record in demo}
    assert PILE_ON_ROOT_ID in ids
    parts = scenarios.calm_stream(DEMO_START, 24), scenarios.pile_on_thread(PILE_ON_START, 7)
    assert len(demo) == sum(len(part) for part in parts)
    assert demo[0]["created_at"].startswith("2018-11-26T12:")


@pytest.mark.parametrize(("count", "ratio"),
                         [(100, 0.1), (1000, 0.25), (7, 0.5), (0, 0.1), (50, 0.0), (9, 1.0)])
def test_garbage_records_hold_exactly_the_asked_defects(count: int, ratio: float) -> None:
    values = scenarios.garbage_records(count, ratio)
    assert len(values) == count
    assert sum(tag is not None for _, tag in values) == round(count * ratio)
    for value, tag in values:
        assert defect_of(value) == tag, (tag, value[:120])


def test_garbage_covers_every_defect_and_interleaves_it() -> None:
    values = scenarios.garbage_records(400, 0.1)
    assert {tag for _, tag in values} == set(scenarios.DEFECTS) | {None}
    positions = [index for index, (_, tag) in enumerate(values) if tag]
    assert positions[0] < 100 and positions[-1] > 300
    ids = [json.loads(value)["id"] for value, tag in values if tag is None]
    assert len(ids) == len(set(ids)) == 360


@settings(max_examples=40, deadline=None)
@given(count=st.integers(0, 200), ratio=st.floats(0.0, 1.0))
def test_garbage_count_is_exact_for_any_ratio(count: int, ratio: float) -> None:
    values = scenarios.garbage_records(count, ratio, seed=5)
    assert len(values) == count
    assert sum(tag is not None for _, tag in values) == round(count * ratio)


def test_garbage_refuses_impossible_arguments() -> None:
    with pytest.raises(ValueError):
        scenarios.garbage_records(10, 1.5)
    with pytest.raises(ValueError):
        scenarios.garbage_records(-1)


@pytest.mark.parametrize("chars", [1, 20_001, 1_000_000])
def test_huge_text_mention_is_valid_and_exactly_that_long(chars: int) -> None:
    mention = scenarios.huge_text_mention(chars)
    assert len(mention["text"]) == chars
    assert record_defect(mention) is None
    assert defect_of(json.dumps(mention).encode("utf-8")) is None


def test_jsonl_round_trips_and_keeps_dutch_characters(tmp_path: Path) -> None:
    records = scenarios.pile_on_thread(PILE_ON_START)
    text = scenarios.to_jsonl(records)
    assert "vóór" in text and text.endswith("\n") and text.count("\n") == len(records)
    assert [json.loads(line) for line in text.splitlines()] == records
    path = tmp_path / "demo.jsonl"
    scenarios.write_jsonl(path, records)
    assert path.read_text(encoding="utf-8") == text
    assert scenarios.to_jsonl([]) == ""
