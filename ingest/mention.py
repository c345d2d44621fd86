"""Mention JSON v1 (docs/contracts.md): bytes become a Mention or an Invalid(reason), never an exception."""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from ingest.untrusted import MAX_LANG_CHARS, Limits, identity_problem, scrub, unsendable

Platform = Literal["linkedin", "x", "facebook", "instagram", "tiktok", "reddit", "youtube",
                   "trustpilot", "forum", "news", "review", "other"]


class _Author(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: StrictStr | None = None
    handle: StrictStr | None = None
    name: StrictStr | None = None
    followers: StrictInt | None = Field(default=None, ge=0)
    verified: StrictBool | None = None
    is_brand: StrictBool = False


class _Thread(BaseModel):
    model_config = ConfigDict(extra="allow")
    root_id: StrictStr | None = None
    parent_id: StrictStr | None = None


class _MentionV1(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: StrictStr = Field(min_length=1)
    platform: Platform
    created_at: StrictStr
    text: StrictStr
    lang: StrictStr | None = None
    url: StrictStr | None = None
    author: _Author = _Author()
    brand: StrictStr | None = None
    thread: _Thread = _Thread()


@dataclass(frozen=True)
class Invalid:
    """Why a record was refused: `reason` for a person, `kind` a bounded metric label."""

    reason: str
    kind: str = "invalid_field"


@dataclass(frozen=True)
class Mention:
    """A validated mention: `record` is the JSON object as it travels on, unknown fields kept."""

    record: dict[str, Any]
    created_at: datetime

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def text(self) -> str:
        return str(self.record["text"])

    @property
    def brand(self) -> str | None:
        brand = self.record.get("brand")
        return str(brand) if brand is not None else None

    @property
    def root_id(self) -> str:
        return str(self.record["thread"].get("root_id") or self.id)

    @property
    def parent_id(self) -> str | None:
        parent = self.record["thread"].get("parent_id")
        return str(parent) if parent is not None else None

    @property
    def followers(self) -> int:
        return int(self.record["author"].get("followers") or 0)

    @property
    def is_brand_account(self) -> bool:
        return bool(self.record["author"].get("is_brand"))

    @classmethod
    def parse(cls, value: bytes | None, limits: Limits | None = None) -> Mention | Invalid:
        """The module's `parse()`, spelled as the other records spell it; never raises."""
        return parse(value, limits=limits)

    def to_bytes(self) -> bytes:
        return json.dumps(self.record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_time(value: str) -> datetime | Invalid:
    """RFC 3339 with a UTC offset; a naive time is ambiguous and refused."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return Invalid(f"created_at: {value[:40]!r} is not an RFC 3339 date-time", "bad_date")
    if moment.tzinfo is None:
        return Invalid(f"created_at: {value[:40]!r} has no UTC offset (e.g. +01:00 or Z)", "bad_date")
    return moment


def normalise_text(text: str) -> str:
    """NFC, control characters out (newlines and tabs stay), outer whitespace trimmed."""
    text = unicodedata.normalize("NFC", text)
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return "".join(kept).strip()


class _NotFinite(ValueError):
    """NaN and Infinity: Python's json reads and writes them, but they are not JSON (RFC 8259)."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotFinite(f"{text[:20]} is too large for a JSON number")
    return number


def _no_constants(text: str) -> float:
    raise _NotFinite(f"{text} is not JSON")


def decode(value: bytes | None) -> dict[str, Any] | Invalid:
    if not value:
        return Invalid("empty message: expected one mention JSON object", "not_json")
    try:
        document = json.loads(value.decode("utf-8"), parse_float=_finite, parse_constant=_no_constants)
    except UnicodeDecodeError as error:
        return Invalid(f"not UTF-8: {error.reason} at byte {error.start}", "not_utf8")
    except _NotFinite as error:
        return Invalid(f"not JSON: {error}", "not_json")
    except (json.JSONDecodeError, RecursionError) as error:
        return Invalid(f"not JSON: {error}"[:200], "not_json")
    if not isinstance(document, dict):
        return Invalid(f"expected a JSON object, got a JSON {type(document).__name__}", "not_json")
    return document


Checked = TypeVar("Checked", bound=BaseModel)


def read_record(value: bytes | None, model: type[Checked], what: str, kind: str
                ) -> tuple[dict[str, Any], Checked] | Invalid:
    """A downstream topic's record: decoded, free of lone surrogates (UTF-8 cannot write them back) and
    checked against `model`; every refusal is an `Invalid` that starts with `what` and carries `kind`."""
    document = decode(value)
    if isinstance(document, Invalid):
        return Invalid(f"{what}: {document.reason}", kind)
    unfit = unsendable(document)
    if unfit is not None:
        return Invalid(f"{what}: {unfit}", kind)
    try:
        return document, model.model_validate(document)
    except ValidationError as error:
        problem = error.errors()[0]
        key = ".".join(str(part) for part in problem["loc"])
        return Invalid(f"{what}: {key}: {problem['msg']}"[:200], kind)


def _first_problem(error: ValidationError) -> Invalid:
    problem = error.errors()[0]
    key = ".".join(str(part) for part in problem["loc"])
    if problem["type"] == "missing":
        return Invalid(f"{key}: required field is missing", "missing_field")
    return Invalid(f"{key}: {problem['msg']}", "invalid_field")


# Windows, baselines and timers add and subtract up to this much; closer to the ends of the calendar
# (years 1 and 9999) that arithmetic overflows. Far-future dates are detect's to judge, not ingest's.
ARITHMETIC_MARGIN = timedelta(days=366)


def arithmetic_problem(moment: datetime) -> Invalid | None:
    try:
        in_utc = moment.astimezone(UTC)
        _ = (in_utc - ARITHMETIC_MARGIN, in_utc + ARITHMETIC_MARGIN)  # only whether it overflows
    except OverflowError:
        return Invalid(f"created_at: {moment.isoformat()} is too close to the end of the calendar "
                       f"for date arithmetic", "bad_date")
    return None


def _sized(checked: _MentionV1, limits: Limits) -> Invalid | list[str]:
    """Refuse what cannot be shortened without changing its meaning; shorten names, and say so."""
    if checked.url is not None and len(checked.url) > limits.max_url_chars:
        return Invalid(f"url: {len(checked.url)} characters, more than ingest.max_url_chars "
                       f"({limits.max_url_chars})", "too_long")
    if checked.lang is not None and len(checked.lang) > MAX_LANG_CHARS:
        return Invalid(f"lang: {len(checked.lang)} characters; a language tag has at most {MAX_LANG_CHARS}",
                       "too_long")
    flags = []
    for name in ("handle", "name"):
        value = getattr(checked.author, name)
        if value is not None and len(value) > limits.max_name_chars:
            setattr(checked.author, name, value[:limits.max_name_chars])
            flags.append("truncated")
    return flags


def _input_flags(record: dict[str, Any]) -> list[str] | Invalid:
    flags = record.get("flags", [])
    if not isinstance(flags, list):
        return Invalid(f"flags: expected a list of strings, got a JSON {type(flags).__name__}", "invalid_field")
    return [flag for flag in flags if isinstance(flag, str)]


def from_document(document: dict[str, Any], limits: Limits) -> Mention | Invalid:
    problem = identity_problem(document, limits.max_id_chars)
    if problem is not None:
        return Invalid(*problem)
    clean = scrub(document, limits.max_depth)
    if clean is None:
        return Invalid(f"nested more than {limits.max_depth} levels deep (ingest.max_depth)", "too_deep")
    try:
        checked = _MentionV1.model_validate(clean)
    except ValidationError as error:
        return _first_problem(error)
    moment = parse_time(checked.created_at)
    if isinstance(moment, Invalid):
        return moment
    trouble = arithmetic_problem(moment)
    if trouble is not None:
        return trouble
    text = normalise_text(checked.text)
    if not text:
        return Invalid("text: empty after normalisation", "empty_text")
    flags = _sized(checked, limits)
    if isinstance(flags, Invalid):
        return flags
    record = checked.model_dump(mode="json", exclude_none=False)
    kept = _input_flags(record)
    if isinstance(kept, Invalid):
        return kept
    flags += kept
    if len(text) > limits.max_text_chars:
        text = text[:limits.max_text_chars]
        flags.append("truncated")
    record.update(text=text, flags=sorted(set(flags)))
    return Mention(record=record, created_at=moment)


def parse(value: bytes | None, max_text_chars: int = 20_000, limits: Limits | None = None) -> Mention | Invalid:
    """Never raises: every input is either a Mention or an Invalid with a reason a person can act on."""
    try:
        document = decode(value)
        if isinstance(document, Invalid):
            return document
        return from_document(document, limits or Limits(max_text_chars=max_text_chars))
    except Exception as error:  # noqa: BLE001 - the contract is "never raises"; keep the record
        return Invalid(f"unreadable mention ({type(error).__name__})", "unreadable")
