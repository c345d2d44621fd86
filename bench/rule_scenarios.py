"""The escalation rules on every scenario stream: which incidents each produced, and when.

    python bench/rule_scenarios.py          # a Markdown table, as in the closing note of issue 4

Labels are the ones the texts were written with (a perfect classifier), so this measures the rules."""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.detection.detector import Detector  # noqa: E402
from alerts.detection.observation import observe  # noqa: E402
from alerts.rules_config import load_rules  # noqa: E402
from ingest.mention import Invalid  # noqa: E402
from tests.fixtures.scenario_weeks import SCENARIOS, as_classified  # noqa: E402


def main() -> None:
    print("| scenario | mentions | incidents (trigger at, event time) | updates | resolves | seconds |")
    print("|---|---|---|---|---|---|")
    for name, make in SCENARIOS.items():
        values = as_classified(make())
        detector, events, started = Detector(load_rules(None), timedelta(minutes=5)), [], time.perf_counter()
        for value in values:
            mention = observe(value)
            if not isinstance(mention, Invalid):
                events += detector.observe(mention)
        took = time.perf_counter() - started
        actions = Counter(event.action for event in events)
        fired = ", ".join(f"`{e.dedup_key}` {e.severity} {e.event_time.isoformat()[5:16]}"
                          for e in events if e.action == "trigger") or "none"
        print(f"| {name} | {len(values):,} | {fired} | {actions['update']} | {actions['resolve']} | {took:.2f} |")


if __name__ == "__main__":
    main()
