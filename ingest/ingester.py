"""The pure core of the ingest stage: one raw message in, one verdict out."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.brands import BrandMatcher
from ingest.dedup import SeenIds
from ingest.language import detect
from ingest.mention import Invalid, Mention, parse
from luisterpost.config import IngestConfig


@dataclass(frozen=True)
class Accepted:
    mention: Mention


@dataclass(frozen=True)
class Skipped:
    """Valid, but not passed on: a duplicate id, or no brand of ours."""

    why: str  # "duplicate" | "no_brand"


Verdict = Accepted | Skipped | Invalid


class Ingester:
    def __init__(self, config: IngestConfig, brands: BrandMatcher) -> None:
        self._config = config
        self._brands = brands
        self._seen = SeenIds(config.dedup_capacity)

    def ingest(self, value: bytes | None) -> Verdict:
        parsed = parse(value, self._config.max_text_chars)
        if isinstance(parsed, Invalid):
            return parsed
        record = parsed.record
        brand = record.get("brand")
        if brand is not None and brand not in self._brands.ids:
            return Invalid(f"brand: {brand[:40]!r} is not in the brand file", "unknown_brand")
        if brand is None:
            record["brand"] = self._brands.match(self._searchable(record))
            if record["brand"] is None and parsed.root_id == parsed.id:
                return Skipped("no_brand")  # a reply goes on: classify gives it its thread root's brand
        if not self._seen.first_time(parsed.id):
            return Skipped("duplicate")
        if not record.get("lang"):
            record["lang"] = detect(parsed.text, self._config.languages)
        record["thread"] = {"root_id": parsed.root_id, "parent_id": parsed.parent_id}
        return Accepted(parsed)

    @staticmethod
    def _searchable(record: dict[str, object]) -> str:
        """Text plus URL: a link to coolblue.nl names the brand as surely as the word does."""
        return f"{record.get('text', '')} {record.get('url') or ''}"
