"""The PrometheusRule and the Grafana dashboards: promtool checks and unit-tests exactly the deployed
rules, the committed dashboard JSON is what build.py builds, and every query names a metric the code
registers (luisterpost/metrics.py, collected from a fresh registry)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from luisterpost.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "components" / "monitoring"
GRAFANA = ROOT / "deploy" / "grafana"
# Series that Prometheus itself makes; every other name in a query must be ours.
PROMETHEUS_OWN = {"up", "ALERTS"}
PROMQL_WORDS = {"sum", "max", "min", "count", "avg", "rate", "increase", "changes", "absent", "by", "without",
                "histogram_quantile", "topk", "vector", "offset", "or", "and", "unless", "on", "ignoring"}


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool is missing: `make tools` installs Debian's prometheus package"
    return found


def rule_spec() -> dict[str, Any]:
    document = yaml.safe_load((MONITORING / "prometheusrule.yaml").read_text(encoding="utf-8"))
    assert document["kind"] == "PrometheusRule"
    spec: dict[str, Any] = document["spec"]
    return spec


def write_rules(folder: Path, spec: dict[str, Any] | None = None) -> Path:
    path = folder / "luisterpost-rules.yaml"
    path.write_text(yaml.safe_dump(spec or rule_spec(), sort_keys=False), encoding="utf-8")
    return path


def registered() -> set[str]:
    """Every sample name the code can export, suffixes included (_total, _bucket, _sum, _count...)."""
    names: set[str] = set()
    for family in Metrics(CollectorRegistry()).registry.collect():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names.update(family.name + suffix for suffix in ("_bucket", "_sum", "_count", "_created"))
    return names


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (label values, strings and template variables dropped)."""
    bare = re.sub(r'"[^"]*"', '""', expr)
    bare = re.sub(r"\{[^}]*\}", "{}", bare)
    bare = re.sub(r"\$\{?\w+\}?", "", bare)
    names = set(re.findall(r"\b([a-zA-Z_:][\w:]*)\b(?=\s*[{\[)]|\s*$|\s+(?:offset|or|and|unless|[<>=/*+-]))", bare))
    grouping = set(re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", bare))
    labels = {label.strip() for group in grouping for label in group.split(",")}
    return {name for name in names if name not in PROMQL_WORDS and name not in labels and not name.isdigit()}


def dashboard_exprs() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def walk(node: Any, into: list[str]) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("expr"), str) and node["expr"]:
                into.append(node["expr"])
            for value in node.values():
                walk(value, into)
        elif isinstance(node, list):
            for value in node:
                walk(value, into)

    for path in sorted(GRAFANA.glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")), found.setdefault(path.name, []))
    return found


# --- promtool -----------------------------------------------------------------------------------


@pytest.mark.tools
def test_promtool_accepts_the_deployed_rules(tmp_path: Path) -> None:
    done = subprocess.run([promtool(), "check", "rules", str(write_rules(tmp_path))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    rules = sum(len(group["rules"]) for group in rule_spec()["groups"])  # every rule, whoever adds one
    assert f"SUCCESS: {rules} rules found" in done.stdout


@pytest.mark.tools
def test_promtool_unit_tests_pass_on_the_deployed_rules(tmp_path: Path) -> None:
    write_rules(tmp_path)
    shutil.copy(MONITORING / "rules-test.yaml", tmp_path / "rules-test.yaml")
    done = subprocess.run([promtool(), "test", "rules", str(tmp_path / "rules-test.yaml")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.tools
def test_the_rule_unit_tests_can_fail(tmp_path: Path) -> None:
    """A lag threshold raised tenfold must break the unit tests: they look at the thresholds."""
    spec = rule_spec()
    for group in spec["groups"]:
        for rule in group["rules"]:
            rule["expr"] = rule["expr"].replace("> 120", "> 1200")
    write_rules(tmp_path, spec)
    shutil.copy(MONITORING / "rules-test.yaml", tmp_path / "rules-test.yaml")
    done = subprocess.run([promtool(), "test", "rules", str(tmp_path / "rules-test.yaml")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode != 0 and "LuisterpostConsumerLagHigh" in done.stdout + done.stderr


def test_every_alert_is_unit_tested_and_has_a_severity() -> None:
    tests = (MONITORING / "rules-test.yaml").read_text(encoding="utf-8")
    for group in rule_spec()["groups"]:
        for rule in group["rules"]:
            assert f"alertname: {rule['alert']}" in tests, f"{rule['alert']} has no promtool unit test"
            assert rule["labels"]["severity"] in ("critical", "warning"), f"{rule['alert']}: severity"
            assert {"summary", "description"} <= rule["annotations"].keys(), f"{rule['alert']}: annotations"


# --- metric names -------------------------------------------------------------------------------


def test_the_name_parser_finds_names_and_skips_labels() -> None:
    expr = ('histogram_quantile(0.9, sum by (le, stage) (rate(luisterpost_x_bucket{stage="a"}[5m]))) '
            "/ on (pod) process_start_time_seconds or absent(up) > 0")
    assert metric_names(expr) == {"luisterpost_x_bucket", "process_start_time_seconds", "up"}


def test_every_rule_names_an_exported_metric() -> None:
    known = registered() | PROMETHEUS_OWN
    for group in rule_spec()["groups"]:
        for rule in group["rules"]:
            names = metric_names(rule["expr"])
            assert names, f"{rule['alert']}: no metric found in {rule['expr']!r}"
            unknown = names - known
            assert not unknown, f"{rule['alert']} queries {unknown}, which luisterpost/metrics.py does not export"


def test_every_dashboard_query_names_an_exported_metric() -> None:
    known = registered() | PROMETHEUS_OWN
    found = dashboard_exprs()
    assert set(found) == {"crisis-overview.json", "pipeline.json"}
    for name, exprs in found.items():
        assert len(exprs) >= 8, f"{name}: only {len(exprs)} queries"
        for expr in exprs:
            names = metric_names(expr)
            assert names and not names - known, f"{name}: {expr!r} names {names - known or 'no metric'}"


def test_the_dashboards_cover_what_the_issue_asks() -> None:
    text = {name: " ".join(exprs) for name, exprs in dashboard_exprs().items()}
    for metric in ("luisterpost_mentions_classified_total", "luisterpost_open_incidents", "offset 1w"):
        assert metric in text["crisis-overview.json"], f"crisis overview lacks {metric}"
    for metric in ("luisterpost_consumer_lag_records", "luisterpost_consumer_lag_seconds",
                   "luisterpost_records_consumed_total", "luisterpost_classify_batch_duration_seconds_bucket",
                   "luisterpost_end_to_end_latency_seconds_bucket", "luisterpost_dlq_records_total",
                   "luisterpost_model_info"):
        assert metric in text["pipeline.json"], f"pipeline dashboard lacks {metric}"


def test_new_metrics_are_registered() -> None:
    names = registered()
    for name in ("luisterpost_open_incidents", "process_start_time_seconds", "process_resident_memory_bytes"):
        assert name in names, f"{name} is not registered"


# --- dashboards as code -------------------------------------------------------------------------


def build_module() -> ModuleType:
    pytest.importorskip("grafanalib")
    spec = importlib.util.spec_from_file_location("luisterpost_grafana_build", GRAFANA / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_dashboards_equal_a_fresh_build() -> None:
    for name, text in build_module().built().items():
        committed = (GRAFANA / name).read_text(encoding="utf-8")
        assert committed == text, f"deploy/grafana/{name} is stale: run .venv/bin/python deploy/grafana/build.py"


def test_dashboards_are_valid_grafana_json() -> None:
    for name in ("crisis-overview.json", "pipeline.json"):
        dashboard = json.loads((GRAFANA / name).read_text(encoding="utf-8"))
        assert dashboard["uid"].startswith("luisterpost-") and dashboard["title"].startswith("Luisterpost")
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        variables = {item["name"] for item in dashboard["templating"]["list"]}
        assert {"datasource", "namespace"} <= variables
        for panel in dashboard["panels"]:
            if panel.get("targets"):
                assert panel["datasource"] == "${datasource}", f"{name}: {panel['title']} has a fixed data source"
