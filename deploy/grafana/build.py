"""Grafana dashboards as code (grafanalib), built into the JSON files beside this script.

    .venv/bin/python deploy/grafana/build.py          # rewrites crisis-overview.json and pipeline.json
    .venv/bin/python deploy/grafana/build.py --check  # exit 1 when the committed JSON is stale

tests/unit/test_deploy_monitoring.py checks that the committed JSON equals a fresh build and that every
query names a metric luisterpost/metrics.py registers. The kustomization beside this script turns the
JSON into ConfigMaps labelled for Grafana's dashboard sidecar."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from grafanalib._gen import DashboardEncoder
from grafanalib.core import (
    Dashboard,
    GridPos,
    Heatmap,
    RowPanel,
    Stat,
    Table,
    Target,
    Template,
    Templating,
    Text,
    Time,
    TimeSeries,
)

HERE = Path(__file__).resolve().parent
DATASOURCE = "${datasource}"
NS = 'namespace=~"$namespace"'
LP = f'job="luisterpost", {NS}'


def target(expr: str, legend: str = "", ref: str = "A", instant: bool = False, fmt: str = "time_series") -> Target:
    return Target(expr=expr, legendFormat=legend, refId=ref, instant=instant, format=fmt, datasource=DATASOURCE)


def variables(*extra: Template) -> Templating:
    return Templating(list=[
        Template(name="datasource", label="Prometheus", type="datasource", query="prometheus"),
        Template(name="namespace", label="Namespace", dataSource=DATASOURCE, type="query", includeAll=True,
                 multi=True, allValue=".*", query="label_values(luisterpost_records_consumed_total, namespace)"),
        *extra,
    ])


def row(title: str, y: int) -> RowPanel:
    return RowPanel(title=title, gridPos=GridPos(h=1, w=24, x=0, y=y))


def series(title: str, targets: list[Target], unit: str, pos: GridPos, description: str = "") -> TimeSeries:
    return TimeSeries(title=title, dataSource=DATASOURCE, targets=targets, unit=unit, gridPos=pos,
                      description=description, legendDisplayMode="table", legendPlacement="right")


def crisis_overview() -> Dashboard:
    brand = f'{NS}, brand=~"$brand"'
    return Dashboard(
        title="Luisterpost: crisis overview", uid="luisterpost-crisis", tags=["luisterpost"],
        description="For the webcare lead: what people say about each brand, and what is open now.",
        timezone="browser", refresh="1m", time=Time("now-24h", "now"),
        templating=variables(Template(
            name="brand", label="Brand", dataSource=DATASOURCE, type="query", includeAll=True, multi=True,
            allValue=".*", query="label_values(luisterpost_mentions_classified_total, brand)")),
        panels=[
            Stat(title="Open incidents", dataSource=DATASOURCE, gridPos=GridPos(h=5, w=6, x=0, y=0),
                 description="Triggered and not yet resolved, over all detect pods.",
                 targets=[target(f"sum(luisterpost_open_incidents{{{brand}}}) or vector(0)")],
                 thresholds=[{"color": "green", "value": None}, {"color": "red", "value": 1}]),
            Table(title="Open incidents by brand and rule", dataSource=DATASOURCE,
                  gridPos=GridPos(h=5, w=18, x=6, y=0),
                  targets=[target(f"sum by (brand, rule, severity) (luisterpost_open_incidents{{{brand}}}) > 0",
                                  instant=True, fmt="table")]),
            row("Mentions", 5),
            series("Mentions by stance per brand (per hour)", [target(
                f"sum by (brand, stance) (rate(luisterpost_mentions_classified_total{{{brand}}}"
                f"[$__rate_interval])) * 3600", "{{brand}} {{stance}}")], "short", GridPos(h=9, w=24, x=0, y=6),
                "Complaints, defenders, praise and neutral mentions, as classified."),
            series("Complaints per hour against the same hour last week", [
                target(f'sum by (brand) (rate(luisterpost_mentions_classified_total{{{brand}, stance="complaint"}}'
                       f"[1h])) * 3600", "{{brand}} now"),
                target(f'sum by (brand) (rate(luisterpost_mentions_classified_total{{{brand}, stance="complaint"}}'
                       f"[1h] offset 1w)) * 3600", "{{brand}} baseline (a week ago)", ref="B"),
            ], "short", GridPos(h=9, w=12, x=0, y=15),
                "The baseline is the same hour of the week before, as complaint_spike compares."),
            series("Complaint share of mentions", [target(
                f'sum by (brand) (rate(luisterpost_mentions_classified_total{{{brand}, stance="complaint"}}[1h]))'
                f" / sum by (brand) (rate(luisterpost_mentions_classified_total{{{brand}}}[1h]))", "{{brand}}")],
                "percentunit", GridPos(h=9, w=12, x=12, y=15)),
            row("Threads and incidents", 24),
            Table(title="Top brands by complaints and defenders (last hour)", dataSource=DATASOURCE,
                  gridPos=GridPos(h=8, w=12, x=0, y=25),
                  description="A defender wave on a complaint is a pile-on in the making.",
                  targets=[target(f"topk(10, sum by (brand, stance) (increase(luisterpost_mentions_classified_total"
                                  f'{{{brand}, stance=~"complaint|defense"}}[1h])))', instant=True, fmt="table")]),
            Text(title="Top threads", gridPos=GridPos(h=8, w=12, x=12, y=25), mode="markdown", content=(
                "A thread id would be an unbounded metric label, so threads are not in Prometheus. Each "
                "incident names its thread and its top mentions with links, reach and labels: in the page "
                "itself, and on the `incidents` topic (`luisterpost` replays and receivers show them).")),
            series("Incident events by rule", [target(
                "sum by (rule, action) (increase(luisterpost_incidents_total{"
                f"{NS}}}[$__rate_interval]))", "{{rule}} {{action}}")], "short", GridPos(h=8, w=24, x=0, y=33)),
            *review_panels(41),
        ],
    ).auto_panel_ids()


def review_panels(y: int) -> list[Any]:
    """The review page's corrections: how often the person on call agrees with the model, per label."""
    corrections = "luisterpost_label_corrections_total"
    return [
        row("Review: the team against the model", y),
        series("Agreement with the model per label (last 24 h)", [target(
            f'sum by (head, model_label) (increase({corrections}{{{NS}, agreed="true"}}[1d]))'
            f" / sum by (head, model_label) (increase({corrections}{{{NS}}}[1d]))", "{{head}} {{model_label}}")],
            "percentunit", GridPos(h=8, w=12, x=0, y=y + 1),
            "Of the labels a person set on the review page where the model said X, the share that kept X. "
            "A falling line is a label the model gets wrong on this brand's own stream: export the labels "
            "(`luisterpost labels export`) and train on them (`luisterpost train --extra-csv`)."),
        Table(title="Corrections by label pair (last 7 days)", dataSource=DATASOURCE,
              gridPos=GridPos(h=8, w=12, x=12, y=y + 1),
              description="Model said X, the person said Y.",
              targets=[target(f"sum by (head, model_label, person_label) (increase({corrections}{{{NS}}}[7d])) > 0",
                              instant=True, fmt="table")]),
    ]


def pipeline() -> Dashboard:
    return Dashboard(
        title="Luisterpost: pipeline", uid="luisterpost-pipeline", tags=["luisterpost"],
        description="For the SRE: is every stage keeping up, and is anything being dropped.",
        timezone="browser", refresh="30s", time=Time("now-6h", "now"),
        templating=variables(),
        panels=[
            series("Consumer lag (records)", [target(
                f"sum by (stage) (luisterpost_consumer_lag_records{{{NS}}})", "{{stage}}")], "short",
                GridPos(h=8, w=12, x=0, y=0), "From the fetch's high watermark, summed over a stage's pods."),
            series("Consumer lag (seconds)", [target(
                f"max by (stage) (luisterpost_consumer_lag_seconds{{{NS}}})", "{{stage}}")], "s",
                GridPos(h=8, w=12, x=12, y=0), "Age of the newest consumed record while behind; alerts at 120 s."),
            series("Throughput (records/s)", [
                target(f"sum by (stage) (rate(luisterpost_records_consumed_total{{{NS}}}[$__rate_interval]))",
                       "{{stage}} in"),
                target(f"sum by (topic) (rate(luisterpost_records_produced_total{{{NS}}}[$__rate_interval]))",
                       "to {{topic}}", ref="B"),
            ], "ops", GridPos(h=8, w=12, x=0, y=8)),
            series("Classification batch latency", [
                target(f"histogram_quantile({q}, sum by (le) (rate("
                       f"luisterpost_classify_batch_duration_seconds_bucket{{{NS}}}[$__rate_interval])))",
                       f"p{round(q * 100)}", ref=ref) for q, ref in ((0.5, "A"), (0.95, "B"), (0.99, "C"))
            ] + [target(f"sum(rate(luisterpost_classify_batch_size_sum{{{NS}}}[$__rate_interval])) / "
                        f"sum(rate(luisterpost_classify_batch_size_count{{{NS}}}[$__rate_interval]))",
                        "mean batch size", ref="D")], "s", GridPos(h=8, w=12, x=12, y=8)),
            Heatmap(title="End-to-end latency (created_at to incident decision)", dataSource=DATASOURCE,
                    gridPos=GridPos(h=8, w=12, x=0, y=16), dataFormat="tsbuckets", hideZeroBuckets=True,
                    targets=[target(f"sum by (le) (increase(luisterpost_end_to_end_latency_seconds_bucket"
                                    f"{{{NS}}}[$__rate_interval]))", "{{le}}", fmt="heatmap")]),
            series("Dead letters by stage and reason (records/s)", [target(
                f"sum by (stage, reason) (rate(luisterpost_dlq_records_total{{{NS}}}[$__rate_interval]))",
                "{{stage}} {{reason}}")], "ops", GridPos(h=8, w=12, x=12, y=16)),
            Table(title="Model", dataSource=DATASOURCE, gridPos=GridPos(h=6, w=12, x=0, y=24),
                  targets=[target(f"count by (name, version) (luisterpost_model_info{{{NS}}})", instant=True,
                                  fmt="table")],
                  description="The classifier each classify pod loaded (the value counts pods)."),
            series("Pager deliveries by receiver and outcome", [target(
                f"sum by (receiver, outcome) (increase(luisterpost_pager_deliveries_total{{{NS}}}"
                "[$__rate_interval]))", "{{receiver}} {{outcome}}")], "short", GridPos(h=6, w=12, x=12, y=24)),
            row("Pods", 30),
            series("Partitions assigned per stage", [target(
                f"sum by (stage) (luisterpost_assigned_partitions{{{NS}}})", "{{stage}}")], "short",
                GridPos(h=8, w=8, x=0, y=31)),
            series("Resident memory per pod", [target(
                f"process_resident_memory_bytes{{{LP}}}", "{{pod}}")], "bytes", GridPos(h=8, w=8, x=8, y=31)),
            series("CPU per pod (cores)", [target(
                f"rate(process_cpu_seconds_total{{{LP}}}[$__rate_interval])", "{{pod}}")], "short",
                GridPos(h=8, w=8, x=16, y=31)),
            series("Restarts (last hour)", [target(
                f"changes(process_start_time_seconds{{{LP}}}[1h])", "{{pod}}")], "short",
                GridPos(h=6, w=12, x=0, y=39)),
            Table(title="Luisterpost alerts firing", dataSource=DATASOURCE, gridPos=GridPos(h=6, w=12, x=12, y=39),
                  targets=[target('ALERTS{alertname=~"Luisterpost.*", alertstate="firing"}', instant=True,
                                  fmt="table")]),
        ],
    ).auto_panel_ids()


DASHBOARDS = {"crisis-overview.json": crisis_overview, "pipeline.json": pipeline}


def render(dashboard: Dashboard) -> str:
    data: dict[str, Any] = json.loads(json.dumps(dashboard.to_json_data(), cls=DashboardEncoder))
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def built() -> dict[str, str]:
    return {name: render(make()) for name, make in DASHBOARDS.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare with the committed JSON")
    args = parser.parse_args()
    stale = []
    for name, text in built().items():
        path = HERE / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"stale: {', '.join(stale)}; run {Path(__file__).name} to rebuild", file=sys.stderr)
        return 1
    print(f"{'stale' if args.check else 'rebuilt'}: {', '.join(stale) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
