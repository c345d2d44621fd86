"""Hour-of-week baselines: computed from history with pandas, read back by detect, learned as the
stream runs, and used by complaint_spike so that a brand's ordinary Monday morning does not page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.detection.baseline import HourOfWeek, from_history, hour_of_week, load_baseline
from alerts.detection.detector import Detector
from alerts.detection.observation import Observation
from alerts.rules import complaint_spike as spike
from alerts.rules_config import load_rules
from luisterpost import cli

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime(2026, 11, 2, 0, 0, tzinfo=AMS)  # a Monday, winter time
RULES = load_rules(None)


def history(weeks: int, busy_complaints: int) -> list[tuple[str, datetime, bool, bool]]:
    """Every weekday 09:00-10:00 `busy_complaints` complaints, and one neutral mention every other hour."""
    rows = []
    for hour in range(weeks * 168):
        start = MONDAY + timedelta(hours=hour)
        if start.weekday() < 5 and start.hour == 9:
            rows += [("coolblue", start + timedelta(minutes=2 * i), True, True) for i in range(busy_complaints)]
        else:
            rows.append(("coolblue", start + timedelta(minutes=30), False, False))
    return rows


def test_hour_of_week_is_local_time() -> None:
    assert hour_of_week(MONDAY + timedelta(hours=9), AMS) == 9
    assert hour_of_week(datetime(2026, 11, 2, 8, 0, tzinfo=UTC), AMS) == 9  # 09:00 in Amsterdam
    assert hour_of_week(datetime(2026, 11, 8, 23, 30, tzinfo=AMS), AMS) == 167


def test_rates_from_history_count_silent_hours_as_zero() -> None:
    table, weeks = from_history(history(weeks=2, busy_complaints=20), AMS)
    assert weeks == pytest.approx(2, abs=0.01)
    complaints = table.rates["coolblue"]["complaints"]
    assert complaints[9] == 20 and complaints[24 + 9] == 20  # Monday and Tuesday 09:00
    assert complaints[5 * 24 + 9] == 0  # Saturday 09:00
    assert table.rates["coolblue"]["mentions"][3] == 1


def test_expected_sums_the_hours_a_window_covers() -> None:
    table, _ = from_history(history(weeks=2, busy_complaints=20), AMS)
    monday = MONDAY + timedelta(weeks=2)
    assert table.expected("coolblue", "complaints", monday + timedelta(hours=9, minutes=30),
                          timedelta(minutes=30)) == pytest.approx(10)
    assert table.expected("coolblue", "complaints", monday + timedelta(hours=10, minutes=15),
                          timedelta(minutes=30)) == pytest.approx(5)  # a quarter of 09:00's, a quarter of 10:00's
    assert table.expected("bol", "complaints", monday, timedelta(minutes=30)) is None


def test_written_and_read_back(tmp_path: Path) -> None:
    table, weeks = from_history(history(weeks=1, busy_complaints=5), AMS)
    path = tmp_path / "baseline.json"
    path.write_text(table.to_json(weeks))
    assert load_baseline(path).rates == table.rates
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="not a baseline"):
        load_baseline(path)


def complaint(at: datetime, index: int, stance: str = "complaint") -> Observation:
    return Observation(id=f"m{index}", brand="coolblue", created_at=at, stance=stance,
                       sentiment="negative" if stance == "complaint" else "neutral", signals=(),
                       root_id=f"m{index}", parent_id=None, followers=100, is_brand=False, author="someone",
                       url=None, text="tekst")


def monday_morning(start: datetime) -> list[Observation]:
    """A quiet night, then the usual Monday 09:00 wave of 20 complaints among 30 mentions."""
    night = [complaint(start + timedelta(minutes=20 * i), i, "neutral") for i in range(27)]
    wave = [complaint(start + timedelta(hours=9, minutes=1.5 * i), 100 + i, "complaint" if i % 3 else "neutral")
            for i in range(30)]
    return night + wave


def triggers(detector: Detector, stream: list[Observation]) -> list[str]:
    return [e.dedup_key for m in stream for e in detector.observe(m) if e.action == "trigger"]


def test_the_usual_monday_morning_pages_without_history_and_not_with_it() -> None:
    start = MONDAY + timedelta(weeks=2)
    assert triggers(Detector(RULES, timedelta(minutes=5)), monday_morning(start)) == ["coolblue/complaint_spike"]
    seeded, _ = from_history(history(weeks=2, busy_complaints=20), AMS)
    assert triggers(Detector(RULES, timedelta(minutes=5), baseline=seeded), monday_morning(start)) == []


def test_detect_learns_the_week_as_it_runs() -> None:
    detector = Detector(RULES, timedelta(minutes=5))
    for week in range(2):
        detector.observe(complaint(MONDAY + timedelta(weeks=week, hours=9, minutes=10), week))
        detector.observe(complaint(MONDAY + timedelta(weeks=week, hours=9, minutes=20), 10 + week))
        detector.observe(complaint(MONDAY + timedelta(weeks=week, days=1), 20 + week, "neutral"))
    assert detector.baseline.rate("coolblue", "complaints", MONDAY + timedelta(hours=9)) == 2
    assert detector.baseline.rate("coolblue", "complaints", MONDAY + timedelta(hours=10)) == 0


def test_black_friday_volume_with_the_usual_complaint_share_does_not_page() -> None:
    state, config = spike.SpikeState(), RULES.complaint_spike
    at = MONDAY + timedelta(hours=12)
    calm = [complaint(at + timedelta(minutes=10 * i), i, "complaint" if i % 8 == 0 else "neutral") for i in range(72)]
    busy_start = at + timedelta(hours=12, minutes=2)  # ten times the traffic, inside one half hour
    busy = [complaint(busy_start + timedelta(seconds=16 * i), 1000 + i, "complaint" if i % 8 == 0 else "neutral")
            for i in range(90)]
    for mention in calm + busy:
        spike.observe(state, mention, config)
    now = busy[-1].created_at
    assert spike.evaluate(state, "coolblue", now, config) is None  # 12 complaints in 30 min, but 1 in 8 as always
    for index in range(12):
        spike.observe(state, complaint(now + timedelta(seconds=5 + index), 5000 + index), config)
    fired = spike.evaluate(state, "coolblue", now + timedelta(seconds=20), config)  # now 1 in 4 is a complaint
    assert isinstance(fired, spike.Firing) and fired.evidence["complaint_share"] > 0.2


def test_the_baseline_command_reads_classified_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, out = tmp_path / "classified.jsonl", tmp_path / "baseline.json"
    lines = []
    for index, (brand, at, is_complaint, negative) in enumerate(history(weeks=1, busy_complaints=4)):
        lines.append(json.dumps({"id": f"m{index}", "brand": brand, "created_at": at.isoformat(), "text": "t",
                                 "classification": {"stance": "complaint" if is_complaint else "neutral",
                                                    "sentiment": "negative" if negative else "neutral"}}))
    source.write_text("\n".join(lines + ["not json"]))
    assert cli.main(["baseline", str(source), "--out", str(out)]) == 0
    assert "1 lines not used" in capsys.readouterr().out
    assert load_baseline(out).rates["coolblue"]["complaints"][9] == 4


def test_the_baseline_command_classifies_raw_mentions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from luisterpost.demo import scenarios

    source, out, config = tmp_path / "raw.jsonl", tmp_path / "baseline.json", tmp_path / "config.yaml"
    scenarios.write_jsonl(source, scenarios.calm_stream(scenarios.DEMO_START, hours=6))
    config.write_text("classify:\n  model: lexicon\n")
    assert cli.main(["--config", str(config), "baseline", str(source), "--out", str(out)]) == 0
    table = load_baseline(out)
    assert {"coolblue", "bol"} <= set(table.rates)
    assert sum(v or 0 for v in table.rates["coolblue"]["mentions"]) > 0


def test_a_bad_baseline_file_names_the_key(tmp_path: Path) -> None:
    from luisterpost.app import hour_of_week as load_for_detect
    from luisterpost.config import ConfigError, DetectConfig

    with pytest.raises(ConfigError, match="detect.baseline_file"):
        load_for_detect(DetectConfig(baseline_file=tmp_path / "missing.json"))
    assert isinstance(load_for_detect(DetectConfig()), HourOfWeek)
