"""Records per second through `luisterpost run intake` (signed HTTP, 202 after acks=all) on the embedded
broker, per batch size, against the baseline of the same records produced straight to Kafka with the
same producer settings and waited for, in the same command. Medians over --runs.

    python bench/intake.py [--runs 5] [--records 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from luisterpost.broker import EmbeddedBroker
from luisterpost.config import build
from luisterpost.intake.client import jsonl, post_signed
from luisterpost.intake.server import serving
from luisterpost.kafka import producer
from luisterpost.metrics import Metrics

SECRET = "bench-secret-" + "b" * 32
MENTION = {"platform": "x", "created_at": "2026-03-02T21:15:00+01:00", "brand": "coolblue",
           "text": "Coolblue, mijn bestelling is al twee dagen te laat en niemand reageert op mijn berichten."}


def bodies(records: int, batch: int) -> list[bytes]:
    mentions = [{**MENTION, "id": f"x:{uuid.uuid4().hex}"} for _ in range(records)]
    return [jsonl(mentions[start:start + batch]) for start in range(0, records, batch)]


def through_intake(url: str, records: int, batch: int) -> float:
    payloads = bodies(records, batch)
    with httpx.Client(timeout=60) as http:
        began = time.perf_counter()
        for body in payloads:
            response = post_signed(http, url, SECRET, body)
            assert response.status_code == 202, response.text
        return records / (time.perf_counter() - began)


def straight_to_kafka(config: object, bootstrap: str, topic: str, records: int, batch: int) -> float:
    client = producer(config.kafka, bootstrap)  # type: ignore[attr-defined]
    lines = [line for body in bodies(records, batch) for line in body.splitlines()]
    try:
        began = time.perf_counter()
        for start in range(0, records, batch):  # the same unit of acknowledgement as one request
            futures = [client.send(topic, value=line) for line in lines[start:start + batch]]
            for future in futures:
                future.get(timeout=60)
        return records / (time.perf_counter() - began)
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir, EmbeddedBroker(workdir=Path(workdir)) as broker:
        config = build({"kafka": {"bootstrap": broker.bootstrap, "topic_prefix": "bench.", "partitions": 1},
                        "http": {"address": "127.0.0.1:0"},
                        "intake": {"address": "127.0.0.1:0", "rate_per_s": 1e9, "burst": 10**9,
                                   "clients": [{"name": "bench", "hmac_secret_from_env": "S"}]}}, environ={})
        with serving(config, broker.bootstrap, Metrics(), health=False, environ={"S": SECRET}) as server:
            print(f"{args.records} records a run, medians of {args.runs} runs (records/s)")
            print(f"{'batch':>6} {'intake':>10} {'kafka':>10} {'ratio':>7}")
            for batch in (1, 10, 100, 1000):
                records = min(args.records, 300) if batch == 1 else args.records
                intake, direct = [], []
                for _ in range(args.runs):  # interleaved, so that drift hits both alike
                    intake.append(through_intake(server.url, records, batch))
                    direct.append(straight_to_kafka(config, broker.bootstrap, "bench.mentions.raw", records, batch))
                ratio = statistics.median(i / d for i, d in zip(intake, direct, strict=True))
                print(f"{batch:>6} {statistics.median(intake):>10.0f} {statistics.median(direct):>10.0f} "
                      f"{ratio:>7.2f}")


if __name__ == "__main__":
    main()
