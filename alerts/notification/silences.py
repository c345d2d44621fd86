"""Silences, after Alertmanager's: time-bounded, matcher-based, with an author and a comment.

A silence mutes the pages of the incidents it matches while it is active (wall-clock time: a person
silences "for the next two hours"). It never mutes a resolve: a pager that was woken must hear that
it is over, and a resolve for an incident it never saw is harmless (the pagers ignore an unknown
dedup_key). Silences live on the compacted `silences` topic, keyed by id: the last record per id is
the silence, so expiring one is writing it again with an earlier end.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from alerts.incident_event import IncidentEvent
from ingest.mention import Invalid, parse_time

FIELDS = ("brand", "rule", "severity", "dedup_key", "thread")
MAX_DURATION = timedelta(days=30)  # a forgotten silence must not mute a brand for ever
_DURATION = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")
_MATCHER = re.compile(r"^(?P<name>[a-z_]+)(?P<op>=~|!=|=)(?P<value>.*)$")


class SilenceError(ValueError):
    """A silence a person asked for that cannot be made; the message says what to change."""


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # "=", "!=", "=~" (a regular expression matching the whole value)
    value: str

    def matches(self, event: IncidentEvent) -> bool:
        actual = _field(event, self.name)
        if self.op == "=~":
            return re.fullmatch(self.value, actual) is not None
        return (actual == self.value) == (self.op == "=")

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value}"


def _field(event: IncidentEvent, name: str) -> str:
    """A field as a matcher reads it; a missing brand reads "None", as it always has."""
    if name == "thread":  # the thread root of a thread rule's dedup key: brand/rule/root
        parts = event.dedup_key.split("/", 2)
        return parts[2] if len(parts) == 3 else ""
    known = {"brand": event.brand, "rule": event.rule, "severity": event.severity, "dedup_key": event.dedup_key}
    return str(known[name])


def parse_duration(text: str) -> timedelta:
    """"90m", "2h", "1h30m", "3d", as amtool writes them."""
    found = _DURATION.match(text.strip())
    if not text.strip() or found is None:
        raise SilenceError(f"duration {text!r}: write it as 90m, 2h, 1h30m or 3d")
    return timedelta(days=int(found["d"] or 0), hours=int(found["h"] or 0), minutes=int(found["m"] or 0))


def parse_matcher(text: str) -> Matcher:
    found = _MATCHER.match(text.strip())
    if found is None:
        raise SilenceError(f"matcher {text!r}: write NAME=VALUE, NAME!=VALUE or NAME=~REGEX")
    name, op, value = found["name"], found["op"], found["value"]
    if name not in FIELDS:
        raise SilenceError(f"matcher {text!r}: {name!r} is not one of {', '.join(FIELDS)}")
    if op == "=~":
        try:
            re.compile(value)
        except re.error as error:
            raise SilenceError(f"matcher {text!r}: not a regular expression ({error})") from None
    return Matcher(name, op, value)


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    updated_at: datetime = field(compare=False)

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def mutes(self, event: IncidentEvent, now: datetime) -> bool:
        return (event.action != "resolve" and self.active(now)
                and all(matcher.matches(event) for matcher in self.matchers))

    def expired(self, now: datetime) -> Silence:
        return Silence(self.id, self.matchers, self.starts_at, min(self.ends_at, now), self.created_by,
                       self.comment, now)

    def to_json(self) -> bytes:
        record = asdict(self)
        record["matchers"] = [str(matcher) for matcher in self.matchers]
        for key in ("starts_at", "ends_at", "updated_at"):
            record[key] = getattr(self, key).isoformat()
        return json.dumps(record, ensure_ascii=False).encode("utf-8")


def new_silence(matchers: list[str], duration: timedelta, created_by: str, comment: str, now: datetime,
                starts_at: datetime | None = None) -> Silence:
    """Validated as Alertmanager does: at least one matcher, an author, a comment, a bounded duration."""
    if not matchers:
        raise SilenceError("a silence needs at least one matcher, e.g. brand=coolblue rule=pile_on")
    if not created_by.strip():
        raise SilenceError("a silence needs an author (--author): the next on-call asks who muted this")
    if not comment.strip():
        raise SilenceError("a silence needs a comment (--comment): why it is muted, and until what")
    if not timedelta(0) < duration <= MAX_DURATION:
        raise SilenceError(f"duration {duration}: must be more than 0 and at most {MAX_DURATION.days} days")
    start = starts_at or now
    return Silence(str(uuid.uuid4()), tuple(parse_matcher(text) for text in matchers), start, start + duration,
                   created_by.strip(), comment.strip(), now)


def _moment(record: dict[str, Any], key: str) -> datetime:
    moment = parse_time(record[key])
    if isinstance(moment, Invalid):
        raise ValueError(f"{key}: {moment.reason}")
    return moment


def parse_silence(value: bytes | None) -> Silence | Invalid:
    """A record of the `silences` topic; never raises (someone may write there by hand)."""
    try:
        record = json.loads(value or b"")
        return Silence(str(record["id"]), tuple(parse_matcher(text) for text in record["matchers"]),
                       _moment(record, "starts_at"), _moment(record, "ends_at"), str(record["created_by"]),
                       str(record["comment"]), _moment(record, "updated_at"))
    except (ValueError, KeyError, TypeError) as error:  # SilenceError is a ValueError
        return Invalid(f"not a silence: {type(error).__name__}: {str(error)[:120]}", "not_a_silence")


@dataclass
class SilenceBook:
    """The silences as the compacted topic holds them: the last record per id."""

    silences: dict[str, Silence] = field(default_factory=dict)

    def apply(self, silence: Silence) -> None:
        known = self.silences.get(silence.id)
        if known is None or silence.updated_at >= known.updated_at:
            self.silences[silence.id] = silence

    def muting(self, event: IncidentEvent, now: datetime) -> Silence | None:
        return next((silence for silence in self.silences.values() if silence.mutes(event, now)), None)

    def listed(self, now: datetime, include_expired: bool = False) -> list[Silence]:
        chosen = [s for s in self.silences.values() if include_expired or now < s.ends_at]
        return sorted(chosen, key=lambda silence: (silence.ends_at, silence.id))

    def find(self, prefix: str) -> Silence:
        """By id or a unique start of it, as a person types it from `silence list`."""
        found = [silence for key, silence in self.silences.items() if key.startswith(prefix)]
        if len(found) != 1:
            raise SilenceError(f"silence {prefix!r}: {'no' if not found else 'more than one'} silence with that id")
        return found[0]


class SilenceSource(Protocol):
    """Where notify gets the current silences from, and the wall clock they are judged by."""

    def current(self) -> SilenceBook: ...

    def clock(self) -> datetime: ...

    def close(self) -> None: ...
