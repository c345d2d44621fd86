"""Measures what each stage needs, to size the Deployments' requests and limits.

    .venv/bin/python bench/deploy_sizing.py [--copies 3] [--precision fp32]

Starts the embedded broker and one `luisterpost run STAGE` process per stage (as in a cluster), feeds
the bundled demo stream (1,014 mentions; `--copies N` feeds it N times with fresh ids), waits until
every stage has handled everything, then reads each process's peak resident memory (VmHWM in
/proc/PID/status) and its CPU time (utime + stime in /proc/PID/stat) before and after the stream.
Prints a Markdown table for deploy/README.md. Linux only; needs no psutil."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from luisterpost import kafka
from luisterpost.broker import EmbeddedBroker, free_port
from luisterpost.config import build
from luisterpost.demo import scenarios

STAGES = ("ingest", "classify", "detect", "notify")
TICKS = os.sysconf("SC_CLK_TCK")


def proc_status(pid: int, field: str) -> int:
    """A memory field of /proc/PID/status, in bytes."""
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match[1]) * 1024 if match else 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def sample(port: int, name: str, **labels: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    total = 0.0
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric.startswith(name + "{") and all(part in metric for part in wanted.split(",")):
            total += float(value)
    return total


def mentions(copies: int) -> list[bytes]:
    stream = scenarios.demo_stream()
    lines = []
    for copy in range(copies):
        for mention in stream:
            record = json.loads(json.dumps(mention))
            if copy:
                record["id"] = f"{record['id']}#{copy}"
                thread = record.get("thread") or {}
                for key in ("root_id", "parent_id"):
                    if thread.get(key):
                        thread[key] = f"{thread[key]}#{copy}"
            lines.append(json.dumps(record, ensure_ascii=False).encode())
    return lines


def wait(condition: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if callable(condition) and condition():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--precision", choices=("fp32", "int8"), default="fp32")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="luisterpost-measure-"))
    with EmbeddedBroker(workdir=folder / "broker") as broker:
        prefix = "measure."
        ports = {stage: free_port() for stage in STAGES}
        raw = {"kafka": {"bootstrap": broker.bootstrap, "topic_prefix": prefix, "group_prefix": "measure",
                         "partitions": 1},
               "classify": {"precision": args.precision},
               "notify": {"receivers": [{"name": "out", "type": "jsonl", "path": str(folder / "pages.jsonl")}]}}
        (folder / "config.yaml").write_text(yaml.safe_dump(raw))
        config = build(raw, environ={})
        topics = kafka.Topics.with_prefix(prefix)
        kafka.ensure_topics(config.kafka, broker.bootstrap, topics)
        processes = {stage: subprocess.Popen(
            [sys.executable, "-m", "luisterpost", "run", stage],
            env={**os.environ, "LUISTERPOST_CONFIG": str(folder / "config.yaml"),
                 "LUISTERPOST_HTTP_ADDRESS": f"127.0.0.1:{ports[stage]}"},
            stdout=(folder / f"{stage}.log").open("wb"), stderr=subprocess.STDOUT) for stage in STAGES}
        try:
            for stage in STAGES:
                wait(lambda stage=stage: urllib.request.urlopen(
                    f"http://127.0.0.1:{ports[stage]}/readyz", timeout=5).status == 200, 300, f"{stage} ready")
            idle = {stage: proc_status(processes[stage].pid, "VmRSS") for stage in STAGES}
            cpu_before = {stage: cpu_seconds(processes[stage].pid) for stage in STAGES}
            lines = mentions(args.copies)
            began = time.monotonic()
            producer = kafka.producer(config.kafka, broker.bootstrap)
            for line in lines:
                producer.send(topics.raw, value=line)
            producer.flush()
            producer.close()

            def done() -> bool:
                upstream = {"ingest": float(len(lines)),
                            "classify": sample(ports["ingest"], "luisterpost_records_produced_total",
                                               topic=topics.mentions),
                            "detect": sample(ports["classify"], "luisterpost_records_produced_total",
                                             topic=topics.classified),
                            "notify": sample(ports["detect"], "luisterpost_records_produced_total",
                                             topic=topics.incidents)}
                return all(sample(ports[s], "luisterpost_records_consumed_total") >= upstream[s] for s in STAGES)

            wait(done, 1800, "the stream through every stage")
            wall = time.monotonic() - began
            print(f"{len(lines)} mentions through 4 stage processes in {wall:.1f} s "
                  f"(classify.precision={args.precision}, {os.cpu_count()} CPUs)\n")
            print("| stage | RSS idle, ready | peak RSS (VmHWM) | CPU seconds for the stream | mean cores |")
            print("|---|---|---|---|---|")
            for stage in STAGES:
                pid = processes[stage].pid
                cpu = cpu_seconds(pid) - cpu_before[stage]
                print(f"| {stage} | {idle[stage] / 2**20:.0f} MiB | {proc_status(pid, 'VmHWM') / 2**20:.0f} MiB "
                      f"| {cpu:.1f} | {cpu / wall:.2f} |")
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                process.wait(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
