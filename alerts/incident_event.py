"""A record on `incidents`: what detect decided (trigger, update, resolve) and notify delivers.

The bytes are one JSON object with the keys in this order: dedup_key, action, rule, severity, brand,
event_time, summary, evidence, top_mentions (docs/contracts.md). The same object is what `replay`
writes and what the receivers render.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from ingest.mention import Invalid, parse_time, read_record

Action = Literal["trigger", "update", "resolve"]
Severity = Literal["critical", "error", "warning", "info"]  # PagerDuty's four
ACTIONS: tuple[Action, ...] = ("trigger", "update", "resolve")
KIND = "not_an_incident"  # the DLQ reason label notify has always used for these
KNOWN = ("dedup_key", "action", "rule", "severity", "brand", "event_time", "summary", "evidence", "top_mentions")


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow")
    dedup_key: StrictStr = Field(min_length=1)
    action: Action
    rule: StrictStr
    severity: Severity
    brand: StrictStr | None = None
    event_time: StrictStr
    summary: StrictStr
    evidence: dict[StrictStr, Any] = {}
    top_mentions: list[dict[StrictStr, Any]] = []


@dataclass(frozen=True)
class IncidentEvent:
    """One pager event. `extra` keeps keys this version does not know, after the known ones."""

    dedup_key: str
    action: Action
    rule: str
    severity: str
    brand: str | None
    event_time: datetime
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    top_mentions: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: bytes | None) -> IncidentEvent | Invalid:
        """Never raises: a list as severity must not fail deep in a receiver, on every re-read."""
        try:
            read = read_record(value, _Event, "not an incident event", KIND)
            return read if isinstance(read, Invalid) else cls._checked(*read)
        except Exception as error:  # noqa: BLE001 - the contract is "never raises"; keep the record
            return Invalid(f"not an incident event: unreadable ({type(error).__name__})", KIND)

    @classmethod
    def _checked(cls, document: dict[str, Any], checked: _Event) -> IncidentEvent | Invalid:
        moment = parse_time(checked.event_time)
        if isinstance(moment, Invalid):
            return Invalid(f"not an incident event: event_time: {checked.event_time[:40]!r} is not an "
                           f"RFC 3339 date-time with a UTC offset", KIND)
        return cls(checked.dedup_key, checked.action, checked.rule, checked.severity, checked.brand, moment,
                   checked.summary, document.get("evidence", {}), document.get("top_mentions", []),
                   {key: value for key, value in document.items() if key not in KNOWN})

    def to_json(self) -> dict[str, Any]:
        """The JSON object as it travels; the receivers render it."""
        return {"dedup_key": self.dedup_key, "action": self.action, "rule": self.rule,
                "severity": self.severity, "brand": self.brand, "event_time": self.event_time.isoformat(),
                "summary": self.summary, "evidence": self.evidence, "top_mentions": self.top_mentions,
                **self.extra}

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
