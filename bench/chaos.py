"""The long chaos run: 20,000 records with 5% garbage and the seed-001 pile-on, the four stages as
separate processes on the embedded broker, 20 SIGKILLs of random stages, a pager storm (429 and 503
for two minutes) beside the pager, then a broker loss with the stages running.

`python bench/chaos.py [--records 20000] [--kills 20] [--storm-s 120] [--out var/bench/chaos]` prints
one table and writes `report.json`. The bounded version runs in `make test`
(`tests/integration/test_chaos.py`). Phase 1 counts lost mentions, dead letters and triggers; phase 2
stops the broker for `--broker-down-s`, starts a new one on the same port (memory storage: what the old
one held is gone, as the README says) and measures how long the stages take to be ready again and to
carry fresh mentions through."""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from luisterpost import kafka  # noqa: E402
from luisterpost.broker import EmbeddedBroker  # noqa: E402
from luisterpost.config import build  # noqa: E402
from luisterpost.demo import scenarios  # noqa: E402
from tests.chaos import STAGES, ChaosRun, Stream, poison_records, storm_receiver, wait_for  # noqa: E402

PAGES = ("coolblue/pile_on/li:7265312", "coolblue/influencer_complaint/li:7265312")


def long_stream(records: int) -> Stream:
    hours = records / 40
    calm = scenarios.calm_stream(scenarios.DEMO_START, hours)
    pile_on = scenarios.pile_on_thread(scenarios.DEMO_START + timedelta(hours=hours / 2, minutes=45))
    mentions = sorted(calm + pile_on, key=lambda m: str(m["created_at"]))
    garbage = [value for value, defect in scenarios.garbage_records(records, 0.05) if defect]
    return Stream.of(mentions, garbage + poison_records())


def kill_randomly(run: ChaosRun, kills: int, rng: random.Random) -> None:
    for _ in range(kills):
        time.sleep(rng.uniform(5, 15))
        run.kill(rng.choice(STAGES))


def broker_loss(run: ChaosRun, broker: EmbeddedBroker, down_s: float,
                folder: Path) -> tuple[dict[str, Any], EmbeddedBroker]:
    """Stop the broker under running stages, start a new one on its port, feed fresh mentions."""
    broker.stop()
    time.sleep(down_s)
    not_ready = [m for m in run.members if not run.ready(m)]
    restarted = EmbeddedBroker(port=broker.port, workdir=folder / "broker").start()
    back = time.monotonic()
    config = build({"kafka": {"bootstrap": restarted.bootstrap, "topic_prefix": run.prefix, "partitions": 1}},
                   environ={})
    kafka.ensure_topics(config.kafka, restarted.bootstrap, run.topics)
    wait_for(lambda: all(run.ready(m) for m in run.members), 300, "every stage ready after the broker loss")
    ready_s = time.monotonic() - back
    fresh = scenarios.calm_stream(scenarios.DEMO_START + timedelta(days=60), 5)
    stream = Stream.of(fresh, [])
    run.feed(stream.valid, 50.0)
    wait_for(lambda: run.classified_ids() >= stream.expected_ids, 300, "fresh mentions after the broker loss")
    return {"not_ready_while_down": not_ready, "ready_after_s": round(ready_s, 1),
            "fresh_through_s": round(time.monotonic() - back, 1), "fresh": len(stream.expected_ids)}, restarted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--rate", type=float, default=150.0, help="records per second fed into mentions.raw")
    parser.add_argument("--storm-s", type=float, default=120.0)
    parser.add_argument("--broker-down-s", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("var/bench/chaos"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    stream = long_stream(args.records)
    broker = EmbeddedBroker(workdir=args.out / "broker").start()
    with storm_receiver(args.storm_s) as (url, answers):
        run = ChaosRun(broker.bootstrap, f"bench{int(time.time())}.", args.out, url)
        try:
            for stage in STAGES:
                run.start(stage)
            wait_for(lambda: all(run.ready(s) for s in STAGES), 300, "every stage ready")
            run.watch()
            fed = time.monotonic()
            feeder = threading.Thread(target=run.feed, args=(stream.interleaved(args.seed), args.rate), daemon=True)
            feeder.start()
            kill_randomly(run, args.kills, random.Random(args.seed))
            feeder.join()
            wait_for(lambda: run.classified_ids() >= stream.expected_ids, 900, "every valid mention classified")
            wait_for(lambda: set(PAGES) <= set(run.pager_triggers()), 600, "both seed-001 pages")
            drained_s = time.monotonic() - fed
            report = run.count(stream)
            loss, broker = broker_loss(run, broker, args.broker_down_s, args.out)
            run.stop_all()  # after the broker loss the old topics are gone: the counts above stand
        finally:
            run.close()
            broker.stop()
    summary = {"records": len(stream.valid) + len(stream.garbage), "garbage": len(stream.garbage),
               "kills": len(report.kills), "lost": len(report.missing), "dead_letters": report.dead_letters,
               "triggered_twice": report.twice(), "pages": dict(report.triggers_at_pager),
               "unexpected_exits": report.unexpected_exits, "sigterm_codes": report.sigterm_codes,
               "drained_after_s": round(drained_s, 1), "storm_answers": dict(answers), "broker_loss": loss}
    (args.out / "report.json").write_text(json.dumps(summary, indent=2))
    for key, value in summary.items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
