"""`luisterpost import FILE`: a JSON-lines or CSV export from a listening tool into `mentions.raw`, on the
live topics, at its own pace (not a replay). Records are not judged here: ingest does that, and sends a
record that breaks Mention JSON v1 to the DLQ with its reason. The CSV mapping is in docs/intake.md."""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kafka.errors import KafkaError

from luisterpost import kafka
from luisterpost.config import Config, ConfigError

log = logging.getLogger(__name__)

# Column names (compared lower-case, with spaces and dashes as underscores) -> Mention JSON v1 fields.
# The design's own names, dotted for nested fields, plus the plain names exports commonly use.
COLUMNS: dict[str, str] = {
    **{name: name for name in ("id", "platform", "created_at", "text", "lang", "url", "brand")},
    **{f"author.{name}": f"author.{name}" for name in ("id", "handle", "name", "followers", "verified", "is_brand")},
    **{f"thread.{name}": f"thread.{name}" for name in ("root_id", "parent_id")},
    **{f"engagement.{name}": f"engagement.{name}" for name in ("likes", "replies", "shares")},
    "mention_id": "id", "post_id": "id",
    "network": "platform",
    "date": "created_at", "published": "created_at", "published_at": "created_at", "timestamp": "created_at",
    "content": "text", "message": "text", "body": "text", "full_text": "text",
    "language": "lang",
    "link": "url", "permalink": "url",
    "author": "author.handle", "username": "author.handle", "screen_name": "author.handle", "handle": "author.handle",
    "author_name": "author.name", "display_name": "author.name", "author_id": "author.id",
    "followers": "author.followers", "followers_count": "author.followers",
    "verified": "author.verified", "is_brand": "author.is_brand",
    "root_id": "thread.root_id", "parent_id": "thread.parent_id", "in_reply_to": "thread.parent_id",
    "likes": "engagement.likes", "replies": "engagement.replies", "shares": "engagement.shares",
}
COUNTS = {"author.followers", "engagement.likes", "engagement.replies", "engagement.shares"}
FLAGS = {"author.verified", "author.is_brand"}
TRUE, FALSE = {"true", "1", "yes", "ja", "y"}, {"false", "0", "no", "nee", "n"}


def column_key(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def _value(field: str, cell: str, timezone: ZoneInfo | None) -> Any:
    """Counts and flags typed when they are plainly so; anything else stays text for ingest to judge."""
    if field in COUNTS and cell.isdigit():
        return int(cell)
    if field in FLAGS and cell.lower() in TRUE | FALSE:
        return cell.lower() in TRUE
    if field == "created_at" and timezone is not None:
        return _with_zone(cell, timezone)
    return cell


def _with_zone(cell: str, timezone: ZoneInfo) -> str:
    """A naive date-time read in the export's time zone; one with an offset, or no date, left as it is."""
    try:
        moment = datetime.fromisoformat(cell)
    except ValueError:
        return cell
    return moment.replace(tzinfo=timezone).isoformat() if moment.tzinfo is None else cell


def mention_from_row(row: Mapping[str, str], mapping: Mapping[str, str],
                     timezone: ZoneInfo | None = None) -> dict[str, Any]:
    """One CSV row as Mention JSON v1. Mapped columns go to their fields; every other column is kept
    under its own header (design: anything else is ignored and kept); an empty cell is an absent field."""
    mention: dict[str, Any] = {}
    unmapped: dict[str, Any] = {}
    for header, cell in row.items():
        if cell is None or not str(cell).strip():
            continue
        field = mapping.get(column_key(header))
        if field is None:
            unmapped[header] = cell
            continue
        parent, _, leaf = field.rpartition(".")
        target = mention.setdefault(parent, {}) if parent else mention
        if leaf not in target:  # the first mapped column wins
            target[leaf] = _value(field, str(cell).strip(), timezone)
    for header, cell in unmapped.items():  # after the fields, so that a clash cannot hide one
        mention[header if header not in mention else f"csv:{header}"] = cell
    return mention


def read_csv(path: Path, mapping: Mapping[str, str], timezone: ZoneInfo | None) -> Iterator[bytes]:
    with path.open(encoding="utf-8-sig", newline="") as file:  # -sig: spreadsheet exports start with a BOM
        sample = file.read(64 * 1024)
        file.seek(0)
        try:  # Dutch spreadsheets write ';'
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        for row in csv.DictReader(file, dialect=dialect, restkey="_extra_cells"):
            yield json.dumps(mention_from_row(row, mapping, timezone), ensure_ascii=False).encode("utf-8")


def read_jsonl(path: Path) -> Iterator[bytes]:
    """Each non-blank line as it is: its bytes reach ingest unchanged, even when they are not JSON."""
    with path.open("rb") as file:
        for line in file:
            if line.strip():
                yield line.rstrip(b"\r\n")


def read_json_array(path: Path) -> Iterator[bytes]:
    """A `.json` export: an array of mentions (each sent as one record), or JSON lines after all."""
    with path.open("rb") as file:
        head = file.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"["):
        return read_jsonl(path)
    try:
        items = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"import: {path.name} starts like a JSON array but is not one: {str(error)[:120]}") \
            from None
    return (json.dumps(item, ensure_ascii=False).encode("utf-8") for item in items)


def records(path: Path, mapping_overrides: Mapping[str, str], timezone: str | None) -> Iterator[bytes]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        zone = _zone(timezone)
        overrides = {column_key(column): _field(field) for column, field in mapping_overrides.items()}
        return read_csv(path, {**COLUMNS, **overrides}, zone)
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    if suffix == ".json":
        return read_json_array(path)
    raise ConfigError(f"import: {path.name}: expected a .jsonl, .ndjson, .json or .csv file")


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        raise ConfigError(f"import --timezone: {name!r} is not an IANA time zone such as Europe/Amsterdam") \
            from None


def _field(field: str) -> str:
    known = set(COLUMNS.values())
    if field not in known:
        raise ConfigError(f"import --map: {field!r} is not a Mention JSON v1 field; one of {', '.join(sorted(known))}")
    return field


def feed(config: Config, bootstrap: str, values: Iterator[bytes], rate_per_s: float | None) -> int:
    """Send at most `rate_per_s` records a second (None: as fast as the broker acknowledges)."""
    topic = kafka.Topics.with_prefix(config.kafka.topic_prefix).raw
    producer = kafka.producer(config.kafka, bootstrap)
    began, sent = time.monotonic(), 0
    try:
        for value in values:
            if rate_per_s:
                time.sleep(max(0.0, began + sent / rate_per_s - time.monotonic()))
            producer.send(topic, value=value)
            sent += 1
        producer.flush()
    except KafkaError as error:
        raise RuntimeError(f"import: the broker did not take record {sent + 1} ({type(error).__name__}); "
                           f"{sent} were sent before it") from None
    finally:
        producer.close()
    return sent


def run(config: Config, path: Path, mapping: Mapping[str, str], timezone: str | None,
        rate_per_s: float | None) -> int:
    if not config.kafka.bootstrap:
        raise ConfigError("import writes to the live topics: give --bootstrap (or LUISTERPOST_BOOTSTRAP); "
                          "to run a file through an embedded pipeline, use `luisterpost replay`")
    if not path.is_file():
        raise ConfigError(f"import: no such file: {path}")
    kafka.ensure_topics(config.kafka, config.kafka.bootstrap, kafka.Topics.with_prefix(config.kafka.topic_prefix))
    try:
        sent = feed(config, config.kafka.bootstrap, records(path, mapping, timezone), rate_per_s)
    except (RuntimeError, OSError, UnicodeDecodeError, csv.Error) as error:
        print(f"luisterpost: {error}", flush=True)
        return 1
    topic = kafka.Topics.with_prefix(config.kafka.topic_prefix).raw
    print(f"imported {sent} records from {path.name} into {topic}", flush=True)
    log.info("import: %d records from %s into %s", sent, path, topic)
    return 0


def parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise ConfigError(f"import --map: {pair!r} is not COLUMN=FIELD (e.g. 'Bericht=text')")
        mapping[column.strip()] = field.strip()
    return mapping

