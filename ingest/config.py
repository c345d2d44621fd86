"""The `ingest` section of the configuration; `luisterpost.config` composes it into `Config`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class IngestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    brands_file: Path | None = None  # None: the bundled ingest/defaults/brands.yaml
    max_text_chars: int = Field(default=20_000, ge=1)
    dedup_capacity: int = Field(default=200_000, ge=1)
    dedup_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)  # ids are kept as 16-byte digests
    languages: tuple[str, ...] = ("nl", "en", "de", "fr", "es", "it", "pl", "tr", "ar")
    # Sizes of untrusted fields (docs/bad-input.md). Ids are dedup keys, Kafka keys and part of an
    # incident's dedup_key (PagerDuty takes 255 characters): longer ones go to the DLQ.
    max_id_chars: int = Field(default=200, ge=1)
    max_name_chars: int = Field(default=200, ge=1)  # author.handle, author.name: cut and flagged
    max_url_chars: int = Field(default=4096, ge=1)  # longer than any browser or sitemap takes: DLQ
    max_depth: int = Field(default=32, ge=4)  # nesting of unknown fields; deeper: DLQ
    max_record_bytes: int = Field(default=1024 * 1024, ge=1024)  # a mention passed on, as JSON; larger: DLQ
    # The share of the last `halt_window` records that went to the DLQ is a gauge, and logged at ERROR
    # when it changes. None (the default): never halt; a number: stop at that share (not committed).
    halt_invalid_ratio: float | None = Field(default=None, gt=0, le=1)
    halt_window: int = Field(default=200, ge=10)
