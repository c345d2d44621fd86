"""A chaos run: the four stages as separate processes on a real broker, a stream of mentions with
garbage and poison records, SIGKILLs, a second classify member (a rebalance with pending offsets) and
a receiver that never answers. Used by the bounded test in `tests/integration/test_chaos.py` and by
the long version in `bench/chaos.py`; both judge the run with `ChaosReport`.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml
from kafka import KafkaConsumer, KafkaProducer

from ingest.brands import load_brands
from luisterpost import kafka
from luisterpost.config import build

STAGES = ("ingest", "classify", "detect", "notify")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def hung_receiver() -> Iterator[str]:
    """A webhook that accepts every connection and never answers: a pager that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    held: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    finally:
        stopping.set()
        thread.join(2)
        for connection in held:
            connection.close()
        server.close()


def poison_records() -> list[bytes]:
    """Records that once stopped ingest for good (each is followed by valid ones in the stream)."""
    base = {"id": "poison:1", "platform": "x", "created_at": "2018-11-26T13:00:00+01:00",
            "text": "Coolblue bezorgt snel", "brand": "coolblue"}
    surrogate = json.dumps({**base, "author": {"handle": "\udc80"}}).encode()  # a lone surrogate, escaped
    long_id = json.dumps({**base, "id": "x" * 2_100_000}).encode()
    future = json.dumps({**base, "id": "poison:future", "created_at": "9999-12-31T23:00:00+00:00"}).encode()
    return [surrogate, b"\xff\xfe not json", long_id, future]


@contextmanager
def storm_receiver(seconds: float) -> Iterator[tuple[str, Counter[int]]]:
    """A webhook that answers 429 and 503 (with Retry-After) for `seconds`, then 202: a pager outage."""
    answers: Counter[int] = Counter()
    until = time.monotonic() + seconds

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            code = (429 if answers[429] <= answers[503] else 503) if time.monotonic() < until else 202
            answers[code] += 1
            self.send_response(code)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", answers
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Stream:
    valid: list[bytes]
    garbage: list[bytes]
    expected_ids: set[str]  # valid mentions that name a brand: each must reach mentions.classified

    @classmethod
    def of(cls, mentions: list[dict[str, Any]], garbage: list[bytes]) -> Stream:
        brands = load_brands(None)
        expected = {str(m["id"]) for m in mentions if m.get("brand") or brands.match(str(m["text"]))}
        return cls([json.dumps(m).encode() for m in mentions], garbage, expected)

    def interleaved(self, seed: int) -> list[bytes]:
        rng, records = random.Random(seed), list(self.valid)
        for bad in self.garbage:
            records.insert(rng.randrange(len(records) + 1), bad)
        return records


@dataclass
class ChaosReport:
    kills: list[str] = field(default_factory=list)
    unexpected_exits: list[tuple[str, int]] = field(default_factory=list)
    sigterm_codes: dict[str, int] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    dead_letters: int = 0
    triggers_on_topic: Counter[str] = field(default_factory=Counter)
    triggers_at_pager: Counter[str] = field(default_factory=Counter)

    def twice(self) -> dict[str, int]:
        return {key: n for key, n in self.triggers_on_topic.items() if n > 1}


class ChaosRun:
    """Owns the stage processes of one run; every process and server stops when the block ends."""

    def __init__(self, bootstrap: str, prefix: str, folder: Path, other_receiver: str, partitions: int = 1) -> None:
        self.bootstrap, self.prefix, self.folder = bootstrap, prefix, folder
        self.topics = kafka.Topics.with_prefix(prefix)
        self.pager = folder / "pages.jsonl"
        self.config_file = folder / "config.yaml"
        self.report = ChaosReport()
        self._members: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
        self._expected_exit: set[int] = set()
        self._lock = threading.Lock()
        self._watching = threading.Event()
        self._write_config(other_receiver, partitions)
        config = build({"kafka": {"bootstrap": bootstrap, "topic_prefix": prefix, "partitions": partitions}},
                       environ={})
        kafka.ensure_topics(config.kafka, bootstrap, self.topics)

    def _write_config(self, other_receiver: str, partitions: int) -> None:
        """Two receivers: the pager (a JSON-lines file, which deduplicates like PagerDuty) and a webhook
        that misbehaves; the pager must not wait for it."""
        # Offsets are committed every 30 s (and on revoke and SIGTERM), so a rebalance always finds some pending.
        config = {
            "kafka": {"bootstrap": self.bootstrap, "topic_prefix": self.prefix, "group_prefix": f"{self.prefix}g",
                      "partitions": partitions, "max_poll_records": 32, "commit_interval_s": 30.0},
            "classify": {"model": "lexicon", "batch_size": 16},
            "notify": {"timeout_s": 2, "backoff_max_s": 2,
                       "receivers": [{"name": "pager", "type": "jsonl", "path": str(self.pager)},
                                     {"name": "other", "type": "webhook", "url": other_receiver}]},
        }
        self.config_file.write_text(yaml.safe_dump(config))

    def start(self, member: str) -> None:
        """`member` is a stage name, or `stage#n` for a further member of the same group."""
        port = free_port()
        env = {**os.environ, "LUISTERPOST_CONFIG": str(self.config_file),
               "LUISTERPOST_HTTP_ADDRESS": f"127.0.0.1:{port}"}
        log = (self.folder / f"{member}.log").open("ab")
        process = subprocess.Popen([sys.executable, "-m", "luisterpost", "run", member.split("#")[0]], env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        with self._lock:
            self._members[member] = (process, port)

    @property
    def members(self) -> list[str]:
        with self._lock:
            return list(self._members)

    def ready(self, member: str) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self._members[member][1]}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self, member: str) -> None:
        """SIGKILL, then start it again at once, as Kubernetes would."""
        with self._lock:
            process = self._members[member][0]
            self._expected_exit.add(process.pid)
            process.kill()
        process.wait(30)
        self.report.kills.append(member)
        self.start(member)

    def stop(self, member: str, timeout_s: float = 90) -> int:
        with self._lock:
            process = self._members.pop(member)[0]
            self._expected_exit.add(process.pid)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout_s)
        self.report.sigterm_codes[member] = code
        return code

    def watch(self) -> None:
        """A stage that exits on its own is a fault: recorded, and restarted as Kubernetes would."""
        self._watching.set()

        def loop() -> None:
            while self._watching.is_set():
                with self._lock:
                    crashed = [(m, p.returncode) for m, (p, _) in self._members.items()
                               if p.poll() is not None and p.pid not in self._expected_exit]
                for member, code in crashed:
                    self.report.unexpected_exits.append((member, code))
                    self.start(member)
                time.sleep(0.5)

        threading.Thread(target=loop, daemon=True).start()

    def feed(self, records: list[bytes], per_second: float) -> None:
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", max_request_size=8 * 1024 * 1024)
        started = time.monotonic()
        for index, value in enumerate(records):
            producer.send(self.topics.raw, value=value)
            pause = started + (index + 1) / per_second - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        producer.flush()
        producer.close()

    def classified_ids(self) -> set[str]:
        return {json.loads(r.value)["id"] for r in self.read(self.topics.classified)}

    def pager_triggers(self) -> Counter[str]:
        lines = self.pager.read_text(encoding="utf-8").splitlines() if self.pager.exists() else []
        return Counter(json.loads(line)["dedup_key"] for line in lines
                       if line.strip() and json.loads(line)["action"] == "trigger")

    def read(self, topic: str) -> list[Any]:
        reader = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                               max_partition_fetch_bytes=12 * 1024 * 1024)
        try:
            # a loaded machine can take seconds for the first fetch: wait 20 s before calling a topic empty
            return kafka.read_to_end(reader, kafka.partitions_of(reader, topic), idle_s=4.0, limit_s=120)
        finally:
            reader.close()

    def finish(self, stream: Stream) -> ChaosReport:
        """SIGTERM every member, then count what got through."""
        self.stop_all()
        return self.count(stream)

    def stop_all(self) -> None:
        self._watching.clear()
        for member in list(self._members):
            self.stop(member)

    def count(self, stream: Stream) -> ChaosReport:
        report = self.report
        report.missing = stream.expected_ids - self.classified_ids()
        report.dead_letters = len(self.read(self.topics.dlq))
        report.triggers_on_topic = Counter(json.loads(r.value)["dedup_key"] for r in self.read(self.topics.incidents)
                                           if json.loads(r.value)["action"] == "trigger")
        report.triggers_at_pager = self.pager_triggers()
        return report

    def close(self) -> None:
        self._watching.clear()
        for process, _ in self._members.values():
            process.kill()
            process.wait(30)
        self._members.clear()


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
