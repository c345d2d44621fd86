"""The `classify` section of the configuration; `luisterpost.config` composes it into `Config`.

Also where the model cache lives (rebuilt base encoders, int8 exports): a process-wide place, as a
cache is, set by the runtime at start from LUISTERPOST_MODEL_CACHE. The core never reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClassifyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    model: str = "luisterpost-e5-small"  # or "lexicon", or a directory written by `luisterpost train`
    precision: Literal["fp32", "int8"] = "fp32"  # int8: ONNX Runtime, about 1.8x faster, 0.1 points of macro-F1 lower
    batch_size: int = Field(default=32, ge=1)
    parent_cache: int = Field(default=100_000, ge=1)
    parent_cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)  # texts and ids, counted by size
    # earlier mentions per partition re-read when classify starts or takes a partition over, so a reply
    # still finds its parent's text and its thread's brand after a restart; 0: none
    context_records: int = Field(default=50_000, ge=0)


_model_cache: Path | None = None  # None: ~/.cache/luisterpost/models


def use_model_cache(directory: Path | None) -> None:
    """The runtime's LUISTERPOST_MODEL_CACHE (None: the default under the home directory)."""
    global _model_cache
    _model_cache = directory


def model_cache_dir() -> Path:
    return _model_cache or Path.home() / ".cache" / "luisterpost" / "models"
