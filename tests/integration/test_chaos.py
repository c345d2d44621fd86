"""A bounded chaos run in `make test`: the stages as separate processes on the real broker, SIGKILLs of
every stage, a rebalance with pending offsets, poison records and a pager that never answers.
Nothing may be lost, nothing triggered twice, and no stage may go down for good.
The long version (20,000 records, 20 kills, a broker kill, a pager storm) is `bench/chaos.py`."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from luisterpost.broker import EmbeddedBroker
from luisterpost.demo import scenarios
from tests.chaos import STAGES, ChaosRun, Stream, hung_receiver, poison_records, wait_for

pytestmark = pytest.mark.integration

PILE_ON = "coolblue/pile_on/li:7265312"
INFLUENCER = "coolblue/influencer_complaint/li:7265312"
# (seconds after the feed starts, what happens): every stage is killed once, and a second classify
# member joins and leaves, so the first is revoked while it holds offsets it has not committed.
SCHEDULE = ((6, "kill classify"), (10, "join classify#2"), (16, "kill detect"), (22, "kill ingest"),
            (28, "leave classify#2"), (32, "kill notify"), (38, "kill classify"))


def act(run: ChaosRun, action: str) -> None:
    verb, member = action.split(" ")
    if verb == "kill":
        run.kill(member)
    elif verb == "join":
        run.start(member)
    else:
        assert run.stop(member) == 0, f"{member} did not leave cleanly"


def test_chaos_loses_nothing_pages_once_and_keeps_every_stage_up(broker: EmbeddedBroker, tmp_path: Path) -> None:
    garbage = [value for value, defect in scenarios.garbage_records(400, 0.15) if defect]
    stream = Stream.of(scenarios.demo_stream(), garbage + poison_records())
    with hung_receiver() as hung_url:
        run = ChaosRun(broker.bootstrap, "chaos.", tmp_path, hung_url, partitions=1)
        try:
            for stage in STAGES:
                run.start(stage)
            wait_for(lambda: all(run.ready(stage) for stage in STAGES), 180, "every stage ready")
            run.watch()
            feeder = threading.Thread(target=run.feed, args=(stream.interleaved(seed=5), 25.0), daemon=True)
            feeder.start()
            elapsed = 0.0
            for at, action in SCHEDULE:
                threading.Event().wait(at - elapsed)
                elapsed = at
                act(run, action)
            feeder.join(300)
            wait_for(lambda: run.classified_ids() >= stream.expected_ids, 300, "every valid mention classified")
            wait_for(lambda: {PILE_ON, INFLUENCER} <= set(run.pager_triggers()), 240,
                     "both seed-001 pages at the pager while another receiver hangs")
            report = run.finish(stream)
        finally:
            run.close()

    assert report.unexpected_exits == [], f"stages exited on their own: {report.unexpected_exits}"
    assert all(code == 0 for code in report.sigterm_codes.values()), report.sigterm_codes
    assert report.missing == set(), f"{len(report.missing)} valid mentions lost"
    # the poison records may be valid or dead letters, by design choice; at least the one that is not JSON
    assert report.dead_letters >= len(garbage) + 1, "garbage missing from the DLQ"
    assert report.twice() == {}, f"triggered twice on the incidents topic: {report.twice()}"
    assert report.triggers_at_pager[PILE_ON] == report.triggers_at_pager[INFLUENCER] == 1
