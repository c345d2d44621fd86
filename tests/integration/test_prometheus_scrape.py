"""A real scrape: Debian's Prometheus on loopback scrapes `luisterpost run all` during a replay of the
demo stream and evaluates the deployed PrometheusRule. Healthy: every rule evaluates and none fires.
Stopped: the pipeline's own alerts fire.

The rule file is the PrometheusRule's spec with every `for:` cut to 2 s (the expressions, their
ranges and thresholds are untouched), so the test sees in seconds what a cluster sees in minutes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from luisterpost import kafka
from luisterpost.broker import EmbeddedBroker, free_port
from luisterpost.demo import scenarios
from tests.integration.conftest import config_for, produce, read_topic, wait_for

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "components" / "monitoring" / "prometheusrule.yaml"
ROUNDS = 5  # evaluations at 1 s: past every `for`, which is cut to 2 s


def deployed_rules() -> int:
    spec = yaml.safe_load(RULES.read_text(encoding="utf-8"))["spec"]
    return sum(len(group["rules"]) for group in spec["groups"])


def short_rules(path: Path) -> int:
    spec = yaml.safe_load(RULES.read_text(encoding="utf-8"))["spec"]
    count = 0
    for group in spec["groups"]:
        group["interval"] = "1s"
        for rule in group["rules"]:
            count += 1
            if "for" in rule:
                rule["for"] = "2s"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return count


def start_prometheus(folder: Path, target: str) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("prometheus")
    assert binary, "Debian's prometheus is missing: `make tools` installs it"
    short_rules(folder / "rules.yaml")
    config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "900ms"},
              "rule_files": [str(folder / "rules.yaml")],
              "scrape_configs": [{"job_name": "luisterpost", "static_configs": [{"targets": [target]}]}]}
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=(folder / "prometheus.log").open("wb"), stderr=subprocess.STDOUT, cwd=folder)
    return process, f"http://127.0.0.1:{port}"


def ready(process: subprocess.Popen[bytes], base: str, log: Path) -> bool:
    """Prometheus answers /-/ready; until it listens a refused connection is "not yet", not a failure."""
    assert process.poll() is None, f"prometheus exited: {log.read_text()[-2000:]}"
    try:
        return httpx.get(f"{base}/-/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def api(base: str, path: str, **params: str) -> Any:
    answer = httpx.get(f"{base}/api/v1/{path}", params=params, timeout=5).json()
    assert answer["status"] == "success", answer
    return answer["data"]


def firing(base: str) -> set[str]:
    return {alert["labels"]["alertname"] for alert in api(base, "alerts")["alerts"] if alert["state"] == "firing"}


def value(base: str, query: str) -> float:
    result = api(base, "query", query=query)["result"]
    return float(result[0]["value"][1]) if result else 0.0


def evaluations(base: str) -> dict[str, float]:
    """How often Prometheus has evaluated each rule group so far, by its own counter."""
    text = httpx.get(f"{base}/metrics", timeout=5).text
    return {sample.labels["rule_group"]: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name == "prometheus_rule_group_iterations_total"}


def rounds_since(base: str, before: dict[str, float]) -> float:
    """The evaluation rounds since `before` that every group has had (0 while Prometheus reports none)."""
    now = evaluations(base)
    return min((now.get(group, 0) - count for group, count in before.items()), default=0)


def stop(process: subprocess.Popen[bytes]) -> int | None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    return process.returncode


@pytest.mark.timeout(420)
def test_prometheus_scrapes_a_replay_and_the_rules_fire_only_when_it_stops(
        broker: EmbeddedBroker, prefix: str, tmp_path: Path) -> None:
    metrics_port = free_port()
    pages = tmp_path / "pages.jsonl"
    config = {"kafka": {"bootstrap": broker.bootstrap, "topic_prefix": prefix, "group_prefix": f"{prefix}g",
                        "partitions": 1, "commit_interval_s": 0.2},
              "http": {"address": f"127.0.0.1:{metrics_port}"},
              "notify": {"receivers": [{"name": "out", "type": "jsonl", "path": str(pages)}]}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    topics = kafka.Topics.with_prefix(prefix)
    kafka.ensure_topics(config_for(broker, prefix).kafka, broker.bootstrap, topics)
    mentions = scenarios.demo_stream()
    produce(broker.bootstrap, topics.raw, [json.dumps(m).encode() for m in mentions])

    env = {**os.environ, "LUISTERPOST_CONFIG": str(tmp_path / "config.yaml")}
    env.pop("LUISTERPOST_HTTP_ADDRESS", None)
    env.pop("LUISTERPOST_BOOTSTRAP", None)
    daemon = subprocess.Popen([sys.executable, "-m", "luisterpost", "run", "all"], env=env,
                              stdout=(tmp_path / "daemon.log").open("wb"), stderr=subprocess.STDOUT)
    prometheus, base = start_prometheus(tmp_path, f"127.0.0.1:{metrics_port}")
    try:
        wait_for(lambda: ready(prometheus, base, tmp_path / "prometheus.log"), 60, "Prometheus ready")
        wait_for(lambda: value(base, 'up{job="luisterpost"}') == 1, 120, "the first successful scrape")
        wait_for(lambda: len(read_topic(broker.bootstrap, topics.classified)) > 0
                 and value(base, 'sum(luisterpost_records_consumed_total{stage="detect"})') > 0,
                 240, "the replay scraped through detect")
        wait_for(lambda: pages.exists() and '"trigger"' in pages.read_text(), 240, "the demo's page")
        wait_for(lambda: value(base, 'sum(luisterpost_consumer_lag_records)') == 0
                 and value(base, 'luisterpost_records_consumed_total{stage="ingest"}') >= len(mentions),
                 240, "the replay caught up")
        before = evaluations(base)  # then several evaluation rounds of every group, past every shortened `for`
        wait_for(lambda: rounds_since(base, before) >= ROUNDS, 120, f"{ROUNDS} evaluations of every rule group")
        rules = [rule for group in api(base, "rules")["groups"] for rule in group["rules"]]
        assert len(rules) == deployed_rules(), "Prometheus did not load every deployed rule"
        broken = {rule["name"]: rule.get("lastError") for rule in rules if rule["health"] != "ok"}
        assert not broken, f"rules that do not evaluate: {broken}"
        assert firing(base) == set(), f"a healthy replay fires {firing(base)}"
        assert value(base, "luisterpost_model_info") == 1
        assert value(base, "sum(luisterpost_mentions_classified_total)") > 0

        assert stop(daemon) == 0, (tmp_path / "daemon.log").read_text()[-3000:]
        wait_for(lambda: {"LuisterpostStageDown", "LuisterpostNoMentions", "LuisterpostModelNotLoaded"}
                 <= firing(base), 60, "the pipeline's alerts to fire after it stopped")
    finally:
        stop(daemon)
        stop(prometheus)
