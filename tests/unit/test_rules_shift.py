"""negative_shift as a table: (mentions, now) -> what the rule decides."""

from __future__ import annotations

import pytest

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.rules import negative_shift as shift
from alerts.rules_config import NegativeShiftConfig, load_rules
from tests.unit.rule_streams import at, in_time, last_firing, mention, transitions

CONFIG = load_rules(None).negative_shift


def hours(start: float, count_per_hour: int, negative_per_hour: int, span_hours: float = 1, *,
          other: str = "neutral", negative: str = "complaint", tag: str = "") -> list[Observation]:
    """Mentions evenly spread from minute `start`, with exactly `negative_per_hour` negative ones an hour."""
    total = round(count_per_hour * span_hours)
    step = 60 / count_per_hour
    return [mention(start + i * step, negative if _negative(i % count_per_hour, count_per_hour, negative_per_hour)
                    else other, id=f"{tag}{start:g}-{i}", sentiment="negative"
                    if _negative(i % count_per_hour, count_per_hour, negative_per_hour) else None)
            for i in range(total)]


def _negative(index: int, count: int, negative: int) -> bool:
    return (index * negative) // count != ((index + 1) * negative) // count  # spread evenly, exactly `negative`


USUAL = hours(-25 * 60, 30, 4, span_hours=25, tag="usual")  # a day of 30 an hour, 13% negative


def decide(stream: list[Observation], now: float, config: NegativeShiftConfig = CONFIG) -> list[Firing | Clear]:
    """What the detector does: observe each mention and judge at its time, then once more at `now`."""
    state = shift.ShiftState()
    decisions: list[Firing | Clear | None] = []
    for item in in_time(stream):
        shift.observe(state, item, config)
        decisions.append(shift.evaluate(state, item.brand, item.created_at, config))
    decisions.append(shift.evaluate(state, "coolblue", at(now), config))
    return [decision for decision in decisions if decision is not None]


CASES: list[tuple[str, list[Observation], float, list[str]]] = [
    ("negative share jumps from 13% to 60%", USUAL + hours(0, 30, 18), 60, ["fire"]),
    ("praise spike: 100 positive mentions and the usual 4 negative",
     USUAL + hours(0, 104, 4, other="praise"), 60, []),
    ("busy but normal day: three times the mentions, the same 13% negative", USUAL + hours(0, 90, 12), 60, []),
    ("a quiet hour: 6 of 8 negative is too few to judge", USUAL + hours(0, 8, 6), 60, []),
    ("angry defenders are on the brand's side: 40 negative defense replies",
     USUAL + hours(0, 40, 40, negative="defense"), 60, []),
    ("no baseline yet: a brand's first hour, all negative", hours(0, 30, 30), 60, []),
    ("a mild rise from 13% to 27%: under baseline + 20 points", USUAL + hours(0, 30, 8), 60, []),
    ("a brand that is always 40% negative, at 65%: not twice its usual",
     hours(-25 * 60, 30, 12, span_hours=25) + hours(0, 30, 20), 60, []),
    ("the shift, then two normal hours: resolved", USUAL + hours(0, 30, 18) + hours(60, 30, 4, 2.5), 210,
     ["fire", "clear"]),
    ("hysteresis: after the shift it stays at 30%, between the clear and fire shares: still open",
     USUAL + hours(0, 30, 18) + hours(60, 30, 9, 3), 240, ["fire"]),
]


@pytest.mark.parametrize(("name", "stream", "now", "expected"), CASES, ids=[case[0] for case in CASES])
def test_negative_shift(name: str, stream: list[Observation], now: float, expected: list[str]) -> None:
    assert transitions(decide(stream, now)) == expected, name


def test_the_shift_explains_itself_and_goes_to_the_chat() -> None:
    firing = last_firing(decide(USUAL + hours(0, 30, 18), 59.9))
    assert firing.dedup_key == "coolblue/negative_shift" and firing.severity == "warning"
    assert firing.summary == "coolblue: 60% of mentions negative in 60 min (18 of 30), baseline 13%"
    assert firing.evidence["baseline_mentions"] == 24 * 30 and firing.size == 18
    assert all(top["sentiment"] == "negative" for top in firing.top_mentions)


def test_the_baseline_is_one_function_over_the_windows_before_the_current_one() -> None:
    state = shift.ShiftState()
    for item in USUAL + hours(0, 30, 30):
        shift.observe(state, item, CONFIG)
    base = shift.baseline(state.buckets, at(60), CONFIG)
    assert base is not None and base.mentions == 24 * 30 and base.share == pytest.approx(4 / 30)


def test_the_windows_are_bounded() -> None:
    state = shift.ShiftState()
    for item in hours(0, 30, 4, span_hours=72):
        shift.observe(state, item, CONFIG)
        shift.evaluate(state, item.brand, item.created_at, CONFIG)
    assert len(state.buckets) <= CONFIG.baseline_hours + 3 and len(state.recent) <= 2 * 30 + 1


def test_clear_delta_must_not_exceed_delta() -> None:
    with pytest.raises(ValueError, match="hysteresis"):
        NegativeShiftConfig(delta=0.1, clear_delta=0.2)
