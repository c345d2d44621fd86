"""A record on `mentions.classified`: the ingested mention, brand set, plus its `classification`.

classify writes it (`ClassifiedMention.of`), detect and `luisterpost baseline` read it (`parse`).
The bytes are the mention's JSON object with one more key, `classification`:
`{"stance", "sentiment", "scores", "signals", "model": {"name", "version"}}` (docs/contracts.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from classify.serving.model import Classification
from ingest.mention import Invalid, Mention, arithmetic_problem, parse_time, read_record

KIND = "not_classified"  # the DLQ reason label detect has always used for these


class _Labels(BaseModel):
    model_config = ConfigDict(extra="allow")
    stance: StrictStr
    sentiment: StrictStr
    signals: list[StrictStr] = []
    # scores and model are written by classify but read by no stage; records from other writers
    # (a baseline history, a hand-made test stream) may leave them out.
    scores: dict[StrictStr, dict[StrictStr, float]] | None = None


class _Author(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: StrictStr | None = None
    handle: StrictStr | None = None
    name: StrictStr | None = None
    followers: StrictInt | None = Field(default=None, ge=0)
    is_brand: StrictBool | None = None


class _Thread(BaseModel):
    model_config = ConfigDict(extra="allow")
    root_id: StrictStr | None = None
    parent_id: StrictStr | None = None


class _Classified(BaseModel):
    """What a reader relies on; everything else in the record travels on untouched."""

    model_config = ConfigDict(extra="allow")
    id: StrictStr = Field(min_length=1)
    brand: StrictStr
    created_at: StrictStr
    text: StrictStr
    platform: StrictStr | None = None
    url: StrictStr | None = None
    author: _Author | None = None
    thread: _Thread | None = None
    classification: _Labels


@dataclass(frozen=True)
class ClassifiedMention:
    """`record` is the JSON object exactly as it travels; the typed fields are read from it once."""

    record: dict[str, Any]
    created_at: datetime
    stance: str
    sentiment: str
    signals: tuple[str, ...]

    @classmethod
    def of(cls, mention: Mention, classification: Classification) -> ClassifiedMention:
        """What classify writes: the mention as ingest passed it on, plus the classification."""
        record = {**mention.record, "classification": classification.to_json()}
        return cls(record, mention.created_at, classification.stance, classification.sentiment,
                   tuple(classification.signals))

    @classmethod
    def parse(cls, value: bytes | None) -> ClassifiedMention | Invalid:
        """Never raises: anyone who can write to `mentions.classified` can write anything there."""
        try:
            read = read_record(value, _Classified, "not a classified mention", KIND)
            return read if isinstance(read, Invalid) else cls._checked(*read)
        except Exception as error:  # noqa: BLE001 - the contract is "never raises"; keep the record
            return Invalid(f"not a classified mention: unreadable ({type(error).__name__})", KIND)

    @classmethod
    def _checked(cls, document: dict[str, Any], checked: _Classified) -> ClassifiedMention | Invalid:
        moment = parse_time(checked.created_at)
        if isinstance(moment, Invalid):
            return moment
        trouble = arithmetic_problem(moment)
        if trouble is not None:
            return trouble
        labels = checked.classification
        return cls(document, moment, labels.stance, labels.sentiment, tuple(labels.signals))

    def to_bytes(self) -> bytes:
        return json.dumps(self.record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def brand(self) -> str:
        return str(self.record["brand"])

    @property
    def text(self) -> str:
        return str(self.record["text"])

    @property
    def platform(self) -> str:
        return str(self.record.get("platform") or "other")

    @property
    def url(self) -> str | None:
        url = self.record.get("url")
        return str(url) if url is not None else None

    @property
    def root_id(self) -> str:
        return str(self._thread.get("root_id") or self.id)

    @property
    def parent_id(self) -> str | None:
        parent = self._thread.get("parent_id")
        return str(parent) if parent is not None else None

    @property
    def followers(self) -> int:
        return int(self._author.get("followers") or 0)

    @property
    def is_brand_account(self) -> bool:
        return bool(self._author.get("is_brand"))

    @property
    def author(self) -> str:
        """The name a page shows: the handle, else the display name, else the account id."""
        author = self._author
        return str(author.get("handle") or author.get("name") or author.get("id") or "?")

    @property
    def _author(self) -> dict[str, Any]:
        return self.record.get("author") or {}

    @property
    def _thread(self) -> dict[str, Any]:
        return self.record.get("thread") or {}
