"""Which brand a mention is about, from names, handles, hashtags and domains in the brand file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.errors import ConfigError, problems

BUNDLED_BRANDS = resources.files("ingest") / "defaults" / "brands.yaml"  # ingest.brands_file: None


class Brand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(min_length=1, pattern=r"^[a-z0-9_-]+$")
    names: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class BrandFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    brands: tuple[Brand, ...] = Field(min_length=1)


def _name_pattern(name: str) -> re.Pattern[str]:
    # Short all-caps names (AH, KPN, KLM) only match in capitals: "ah" is a Dutch interjection.
    case_sensitive = name.isupper() and len(name) <= 4
    body = rf"(?<![\w@#.]){re.escape(name)}(?!\w)"
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE)


@dataclass(frozen=True)
class _CompiledBrand:
    id: str
    exclude: re.Pattern[str] | None
    exact: tuple[re.Pattern[str], ...]


def _compile(brand: Brand) -> _CompiledBrand:
    patterns = [_name_pattern(name) for name in brand.names]
    patterns += [re.compile(rf"(?i)@{re.escape(h)}(?![\w])") for h in brand.handles]
    patterns += [re.compile(rf"(?i)#{re.escape(t)}(?![\w])") for t in brand.hashtags]
    patterns += [re.compile(rf"(?i)(?<![\w-]){re.escape(d)}(?![\w-])") for d in brand.domains]
    exclude = re.compile("|".join(re.escape(p) for p in brand.exclude), re.IGNORECASE) \
        if brand.exclude else None
    return _CompiledBrand(brand.id, exclude, tuple(patterns))


class BrandMatcher:
    def __init__(self, brands: tuple[Brand, ...]) -> None:
        self._brands = tuple(_compile(brand) for brand in brands)
        self.ids = frozenset(brand.id for brand in brands)

    def match(self, text: str) -> str | None:
        """The brand named earliest in the text, after removing its excluded phrases."""
        best: tuple[int, str] | None = None
        for brand in self._brands:
            cleaned = brand.exclude.sub(" ", text) if brand.exclude else text
            for pattern in brand.exact:
                found = pattern.search(cleaned)
                if found and (best is None or found.start() < best[0]):
                    best = (found.start(), brand.id)
        return best[1] if best else None


def load_brands(path: Path | None) -> BrandMatcher:
    source = str(path) if path else "bundled brands.yaml"
    try:
        raw: Any = yaml.safe_load((path or BUNDLED_BRANDS).read_text(encoding="utf-8"))
        return BrandMatcher(BrandFile.model_validate(raw).brands)
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"ingest.brands_file: cannot read {source}: {error}") from None
    except ValidationError as error:
        raise ConfigError(f"ingest.brands_file ({source}): {problems(error)}") from None
