"""The only validation the intake does itself: framing. A body is one JSON object, or JSON lines of
objects; each becomes one Kafka message with its bytes unchanged. Whether a record is a valid Mention
JSON v1 (fields, dates, brand) is ingest's decision, with its reason in the DLQ (docs/intake.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass

SINGLE = ("application/json",)
BATCH = ("application/x-ndjson", "application/jsonl", "application/json-lines")


@dataclass(frozen=True)
class Refused:
    """400 (or 415): what is wrong, in words the sender can act on."""

    reason: str
    status: int = 400


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def records(body: bytes, content_type: str, max_records: int) -> list[bytes] | Refused:
    kind = media_type(content_type)
    if kind in SINGLE:
        refused = _object(body.strip(), "the body")
        return refused if refused else [body.strip()]
    if kind not in BATCH:
        return Refused(f"Content-Type {kind[:60]!r} is not accepted: send application/json (one mention) or "
                       "application/x-ndjson (one mention per line)", 415)
    lines = [(number, line.strip()) for number, line in enumerate(body.split(b"\n"), 1) if line.strip()]
    if not lines:
        return Refused("empty batch: expected one mention JSON object per line")
    if len(lines) > max_records:
        return Refused(f"{len(lines)} records in one request; at most {max_records}: split the batch")
    for number, line in lines:
        refused = _object(line, f"line {number}")
        if refused:
            return refused
    return [line for _, line in lines]


def _object(value: bytes, where: str) -> Refused | None:
    if not value:
        return Refused(f"{where} is empty: expected a mention JSON object")
    try:
        document = json.loads(value.decode("utf-8"))
    except UnicodeDecodeError as error:
        return Refused(f"{where} is not UTF-8 (byte {error.start}); nothing was accepted")
    except ValueError as error:
        return Refused(f"{where} is not JSON ({str(error)[:120]}); nothing was accepted")
    except RecursionError:
        return Refused(f"{where} is nested too deeply; nothing was accepted")
    if not isinstance(document, dict):
        return Refused(f"{where} is a JSON {type(document).__name__}, not an object; nothing was accepted")
    return None
