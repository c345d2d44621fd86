"""`luisterpost baseline FILE.jsonl --out FILE.json`: each brand's hour-of-week rates from history.

FILE holds `mentions.classified` records (a dump of the topic), or raw Mention JSON v1, which is
ingested and classified here with the configured model first. Detect reads the result through
`detect.baseline_file`, so a new deployment knows Monday morning from Sunday night on its first day."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tqdm import tqdm

from alerts.detection.baseline import from_history
from alerts.detection.observation import observe
from ingest.mention import Invalid
from luisterpost.config import Config

Row = tuple[str, datetime, bool, bool]


def _classified(config: Config, raw: list[bytes]) -> list[bytes]:
    from classify.network.registry import load_classifier
    from classify.serving.worker import ClassifyWorker
    from ingest.brands import load_brands
    from ingest.ingester import Accepted, Ingester

    ingester = Ingester(config.ingest, load_brands(config.ingest.brands_file))
    mentions = [verdict.mention for verdict in map(ingester.ingest, raw) if isinstance(verdict, Accepted)]
    worker = ClassifyWorker(load_classifier(config.classify.model, config.classify.precision),
                            config.classify.parent_cache)
    size, out = config.classify.batch_size, []
    for start in tqdm(range(0, len(mentions), size), desc="classifying", unit="batch", file=sys.stderr):
        out += [classified.to_bytes() for classified in worker.classify(mentions[start:start + size])]
    return out


def rows(config: Config, path: Path) -> tuple[list[Row], int]:
    """The rows, and how many lines were neither a classified record nor a valid mention of our brands."""
    lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    seen = [observe(line) for line in lines]
    raw = [line for line, mention in zip(lines, seen, strict=True) if isinstance(mention, Invalid)]
    seen += [observe(line) for line in _classified(config, raw)] if raw else []
    found: list[Row] = [(m.brand, m.created_at, m.stance == "complaint", m.sentiment == "negative")
                        for m in seen if not isinstance(m, Invalid) and not m.is_brand]
    return found, len(lines) - len(found)


def run(config: Config, source: Path, out: Path) -> int:
    found, unused = rows(config, source)
    if not found:
        print(f"luisterpost baseline: {source} has no mention of a configured brand", file=sys.stderr)
        return 2
    table, weeks = from_history(found, ZoneInfo(config.detect.timezone))
    out.write_text(table.to_json(weeks), encoding="utf-8")
    print(f"baseline of {len(table.rates)} brands over {weeks:.1f} weeks from {len(found)} mentions "
          f"({unused} lines not used) written to {out}")
    if weeks < 1:
        print("note: less than a week of history: hours of the week it does not cover stay unknown "
              "until detect has seen them", file=sys.stderr)
    return 0
