"""The pure core of the ingest stage: one raw message in, one verdict out."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.brands import BrandMatcher
from ingest.config import IngestConfig
from ingest.dedup import SeenIds
from ingest.language import detect
from ingest.mention import Invalid, Mention, parse
from ingest.untrusted import Limits


@dataclass(frozen=True)
class Accepted:
    mention: Mention
    value: bytes  # the mention as it is passed on: UTF-8 JSON within ingest.max_record_bytes


@dataclass(frozen=True)
class Skipped:
    """Valid, but not passed on: a duplicate id, or no brand of ours."""

    why: str  # "duplicate" | "no_brand"


Verdict = Accepted | Skipped | Invalid


class Ingester:
    def __init__(self, config: IngestConfig, brands: BrandMatcher) -> None:
        self._config = config
        self._brands = brands
        self._seen = SeenIds(config.dedup_capacity, config.dedup_max_bytes)
        self._limits = Limits(config.max_text_chars, config.max_id_chars, config.max_name_chars,
                              config.max_url_chars, config.max_depth)

    def ingest(self, value: bytes | None) -> Verdict:
        parsed = parse(value, limits=self._limits)
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
        if not record.get("lang"):
            record["lang"] = detect(parsed.text, self._config.languages)
        record["thread"] = {"root_id": parsed.root_id, "parent_id": parsed.parent_id}
        encoded = parsed.to_bytes()
        if len(encoded) > self._config.max_record_bytes:  # before dedup: a smaller resend must still pass
            return Invalid(f"the mention is {len(encoded)} bytes as JSON, more than ingest.max_record_bytes "
                           f"({self._config.max_record_bytes}); its unknown fields are too large", "too_large")
        if not self._seen.first_time(parsed.id):
            return Skipped("duplicate")
        return Accepted(parsed, encoded)

    @staticmethod
    def _searchable(record: dict[str, object]) -> str:
        """Text plus URL: a link to coolblue.nl names the brand as surely as the word does."""
        return f"{record.get('text', '')} {record.get('url') or ''}"
