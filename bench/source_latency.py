"""Delivery-to-page latency for a live and a polled source (issue 21.4), on the embedded broker with every
stage in one process (as `luisterpost run all`), the configured model, and live X traffic at 10 a second.

Each trial plays the seed-001 pile-on (its own ids and brand) with its timeline compressed `--speed` times:
- live: each post written to `mentions.raw` as it is posted (created_at = now);
- late20: the same, every post dated 20 minutes before it is written (a slow collector beside live X);
- polled: posts collected and written as whole threads every 30 minutes / speed, replies without brand.
The page time is when its line appears in the notify stage's JSON-lines receiver. Which post made the
rule true is found afterwards, by running the rules over `mentions.classified` exactly as detect read it.
Printed per mode: the median (and range) of page minus that post's delivery (acknowledged by the broker),
and for polled also page minus its posting (which includes the wait for the poll).

    .venv/bin/python bench/source_latency.py --trials 3
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from alerts.detection.detector import Detector
from alerts.detection.observation import observe
from alerts.rules_config import load_rules
from ingest.mention import Invalid
from luisterpost import kafka
from luisterpost.app import STAGES
from luisterpost.config import Config, build
from luisterpost.demo import scenarios
from luisterpost.demo.sources import POLL_EVERY, untagged
from luisterpost.demo.texts import BRANDS
from luisterpost.metrics import Metrics
from luisterpost.runner import bootstrap_for, running

Record = dict[str, Any]


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def send(producer: KafkaProducer, topic: str, records: list[Record]) -> float:
    """Write and wait for the broker's acknowledgement: the moment of delivery."""
    for record in records:
        producer.send(topic, json.dumps(record, ensure_ascii=False).encode())
    producer.flush()
    return time.time()


def live_x(producer: KafkaProducer, topic: str, stop: threading.Event) -> None:
    """X traffic about coolblue at 10 a second, created now: it keeps detect's clock at the wall clock."""
    calm = [record for record, stance in scenarios.labelled_calm_stream(scenarios.DEMO_START, 6, per_hour=200)
            if record["platform"] == "x" and stance == "neutral"]  # complaints at 10/s would be a spike
    for number, record in enumerate(itertools.cycle(calm)):
        if stop.wait(0.1):
            return
        send(producer, topic, [{**record, "id": f"x:bench-{number}", "brand": "coolblue",
                                "created_at": stamp(now() - timedelta(seconds=1))}])


def thread(trial: int, brand: str) -> list[tuple[float, Record]]:
    """(minutes after the root, record) of the pile-on, with this trial's ids and brand."""
    records = scenarios.pile_on_thread(scenarios.PILE_ON_START, seed=1 + trial)
    suffix = f"-b{trial}"
    out = []
    for record in records:
        links = record["thread"]
        offset = (datetime.fromisoformat(record["created_at"]) - scenarios.PILE_ON_START) / timedelta(minutes=1)
        out.append((offset, {**record, "id": record["id"] + suffix, "brand": brand,
                             "thread": {"root_id": links["root_id"] + suffix,
                                        "parent_id": links["parent_id"] and links["parent_id"] + suffix}}))
    return out


def play(mode: str, producer: KafkaProducer, topic: str, posts: list[tuple[float, Record]], speed: float,
         page_seen: threading.Event) -> tuple[dict[str, float], dict[str, float]]:
    """Plays the thread until it pages; (post id -> delivery time, post id -> posting time), wall seconds."""
    began = time.time()
    delivered: dict[str, float] = {}
    posted: dict[str, float] = {}
    poll_every = POLL_EVERY.total_seconds() / speed
    pending: list[Record] = []
    next_poll = began + poll_every
    for offset, record in posts:
        due = began + offset * 60 / speed
        while mode == "polled" and next_poll <= due and not page_seen.is_set():
            next_poll = _poll(producer, topic, pending, delivered, next_poll) + poll_every
        if page_seen.is_set():
            break
        _sleep_until(due)
        late = timedelta(minutes=20) if mode == "late20" else timedelta(0)
        posted[record["id"]] = time.time() - late.total_seconds()
        dated = {**record, "created_at": stamp(now() - late)}
        if mode == "polled":
            pending.append(untagged(dated))
        else:
            delivered[record["id"]] = send(producer, topic, [dated])
    if mode == "polled" and not page_seen.is_set():
        _poll(producer, topic, pending, delivered, next_poll)
    return delivered, posted


def _poll(producer: KafkaProducer, topic: str, thread_so_far: list[Record], delivered: dict[str, float],
          at: float) -> float:
    """A poll writes the whole thread again (ingest drops the repeats by id); a post is delivered once."""
    _sleep_until(at)
    acknowledged = send(producer, topic, thread_so_far)
    for record in thread_so_far:
        delivered.setdefault(record["id"], acknowledged)
    return at


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def watch_pages(path: Path, pages: dict[str, float], stop: threading.Event) -> None:
    """The first time each trigger's line appears in the receiver's file."""
    seen_lines = 0
    while not stop.wait(0.01):
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        for line in lines[seen_lines:]:
            event = json.loads(line)
            if event.action == "trigger":
                pages.setdefault(event["dedup_key"], time.time())
        seen_lines = len(lines)


def deciding_post(bootstrap: str, topic: str, dedup_key: str) -> str | None:
    """The post whose arrival made the rule fire, by the rules over the classified topic as detect read it."""
    reader = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        records = kafka.read_to_end(reader, kafka.partitions_of(reader, topic))
    finally:
        reader.close()
    detector = Detector(load_rules(None), timedelta(minutes=5))
    for record in records:
        mention = observe(record.value, record.timestamp)
        if isinstance(mention, Invalid) or detector.refusal(mention) is not None:
            continue
        if any(e.dedup_key == dedup_key and e.action == "trigger" for e in detector.observe(mention)):
            return mention.id
    return None


def config(out: Path, model: str) -> Config:
    prefix = f"bench-{uuid.uuid4().hex[:6]}."
    return build({"kafka": {"topic_prefix": prefix, "group_prefix": f"{prefix}group", "partitions": 1},
                  "classify": {"model": model},
                  "notify": {"receivers": [{"name": "file", "type": "jsonl", "path": str(out)}]},
                  "http": {"address": "127.0.0.1:0"}}, environ={})


def trials(modes: list[str], count: int, speed: float, model: str) -> Iterator[tuple[str, float, float]]:
    out = Path(tempfile.mkdtemp()) / "incidents.jsonl"
    settings, stopping, stop = config(out, model), threading.Event(), threading.Event()
    topics = kafka.Topics.with_prefix(settings.kafka.topic_prefix)
    pages: dict[str, float] = {}
    with bootstrap_for(settings) as bootstrap, running(settings, bootstrap, STAGES, Metrics(), stopping, False):
        producer = kafka.producer(settings.kafka, bootstrap)
        background = [threading.Thread(target=live_x, args=(kafka.producer(settings.kafka, bootstrap), topics.raw,
                                                             stop), daemon=True),
                      threading.Thread(target=watch_pages, args=(out, pages, stop), daemon=True)]
        for worker in background:
            worker.start()
        time.sleep(20)  # every group joined, the model loaded, the clock running
        for number, mode in enumerate(m for _ in range(count) for m in modes):
            brand = BRANDS[1 + number % (len(BRANDS) - 1)]  # not coolblue, whose X traffic runs beside
            posts = thread(number, brand)
            key = f"{brand}/pile_on/{posts[0][1]['id']}"
            page_seen = threading.Event()
            waiter = threading.Thread(target=lambda k=key, e=page_seen: _wait_for(pages, k, e), daemon=True)
            waiter.start()
            delivered, posted = play(mode, producer, topics.raw, posts, speed, page_seen)
            page_seen.wait(60)
            decider = deciding_post(bootstrap, topics.classified, key)
            if key not in pages or decider is None or decider not in delivered:
                print(f"{mode}: no page within the trial (key {key})")
                continue
            yield mode, pages[key] - delivered[decider], pages[key] - posted[decider]
        stop.set()


def _wait_for(pages: dict[str, float], key: str, seen: threading.Event) -> None:
    deadline = time.time() + 600
    while key not in pages and time.time() < deadline:
        time.sleep(0.01)
    seen.set()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=2,
                        help="trials per mode; each trial has its own brand (a brand's second pile-on within "
                             "30 min would be a complaint_spike, which inhibits pile_on), so at most 7 in all")
    parser.add_argument("--speed", type=float, default=120, help="how many times faster than the real thread")
    parser.add_argument("--model", default="luisterpost-e5-small")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {}
    for mode, from_delivery, from_posting in trials(["live", "late20", "polled"], args.trials, args.speed,
                                                    args.model):
        results.setdefault(mode, []).append((from_delivery, from_posting))
        print(f"{mode}: page {from_delivery:.2f} s after delivery, {from_posting:.2f} s after posting", flush=True)
    poll_s = POLL_EVERY.total_seconds() / args.speed
    print(f"\nmodel {args.model}, speed {args.speed:g}x (a poll every {poll_s:.1f} s of wall time), "
          f"X at 10/s beside; medians over {args.trials} trials (min-max)")
    for mode, values in results.items():
        delivery, posting = [v[0] for v in values], [v[1] for v in values]
        print(f"  {mode:7s} delivery->page {statistics.median(delivery):6.2f} s ({min(delivery):.2f}-"
              f"{max(delivery):.2f})   posting->page {statistics.median(posting):6.2f} s "
              f"({min(posting):.2f}-{max(posting):.2f})")


if __name__ == "__main__":
    main()
