"""A person's correction of one head of one mention: the record on the compacted `labels` topic.

Keyed by mention id and head, so compaction keeps the latest correction per mention and head. The
record carries the text and the parent text as the model read them: `labels export` then needs
nothing else, and a correction outlives the retention of `mentions.classified`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from classify.serving.labels import HEADS
from ingest.mention import Invalid

MAX_WHO = 120


@dataclass(frozen=True)
class Correction:
    mention_id: str
    head: str  # stance or sentiment
    model_label: str  # what the model said
    model: str  # the model's name and version, "luisterpost-e5-small 3.0"
    label: str  # what the person says
    who: str
    at: datetime
    brand: str = ""
    text: str = ""
    parent_text: str = ""

    @property
    def key(self) -> str:
        return correction_key(self.mention_id, self.head)

    @property
    def agrees(self) -> bool:
        return self.label == self.model_label

    def to_json(self) -> bytes:
        record = {**asdict(self), "at": self.at.isoformat()}
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def correction_key(mention_id: str, head: str) -> str:
    """`<mention id>#<head>`: the head never holds a '#', so the key splits back from the right."""
    return f"{mention_id}#{head}"


def check_label(head: str, label: str) -> str | None:
    """None when `label` is one of the head's labels; else why not, for a person."""
    if head not in HEADS:
        return f"head must be one of {', '.join(HEADS)}, not {head[:40]!r}"
    if label not in HEADS[head]:
        return f"{head} must be one of {', '.join(HEADS[head])}, not {label[:40]!r}"
    return None


def clean_who(who: str) -> str:
    """A name for the record: printable, one line, bounded; never empty."""
    printable = "".join(ch for ch in who if ch.isprintable()).strip()
    return printable[:MAX_WHO] or "anonymous"


def _field(record: dict[str, Any], name: str, required: bool = True) -> str:
    value = record.get(name, None if required else "")
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"{name} must be a non-empty string")
    return value


def parse_correction(value: bytes | None) -> Correction | Invalid:
    """A record from the `labels` topic, or why it is not one; never raises."""
    try:
        record = json.loads(value or b"")
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
        head, label = _field(record, "head"), _field(record, "label")
        problem = check_label(head, label)
        if problem:
            raise ValueError(problem)
        at = datetime.fromisoformat(_field(record, "at"))
        if at.tzinfo is None:
            raise ValueError("at needs a UTC offset")
        return Correction(mention_id=_field(record, "mention_id"), head=head,
                          model_label=_field(record, "model_label", False), model=_field(record, "model", False),
                          label=label, who=clean_who(_field(record, "who", False)), at=at,
                          brand=_field(record, "brand", False), text=_field(record, "text", False),
                          parent_text=_field(record, "parent_text", False))
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        return Invalid(f"not a correction: {str(error)[:160]}", "not_a_correction")


class LabelBook:
    """The latest correction per mention and head, as compaction keeps it."""

    def __init__(self) -> None:
        self._latest: dict[str, Correction] = {}

    def apply(self, correction: Correction) -> None:
        known = self._latest.get(correction.key)
        if known is None or known.at <= correction.at:
            self._latest[correction.key] = correction

    def get(self, mention_id: str, head: str) -> Correction | None:
        return self._latest.get(correction_key(mention_id, head))

    def all(self) -> list[Correction]:
        return sorted(self._latest.values(), key=lambda c: (c.at, c.key))

    def __len__(self) -> int:
        return len(self._latest)


def export_rows(book: LabelBook) -> list[dict[str, str]]:
    """One row per corrected mention, in the eval/training contract: text, parent_text, stance,
    sentiment. A head nobody corrected stays empty: `luisterpost eval` and `train` skip it."""
    rows: dict[str, dict[str, str]] = {}
    for correction in book.all():
        row = rows.setdefault(correction.mention_id, {"text": correction.text, "parent_text": correction.parent_text,
                                                      "stance": "", "sentiment": ""})
        row[correction.head] = correction.label
    return [row for row in rows.values() if row["text"]]
