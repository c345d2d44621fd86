"""docs/configuration.md is generated from the models: it must say what the code accepts, every key."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from luisterpost import config_docs
from luisterpost.config import ENV_OVERRIDES, Config

FIX = "run `python -m luisterpost.config_docs --write` and commit docs/configuration.md"


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, info in model.model_fields.items():
        child = config_docs._nested_model(info.annotation)
        if child is None:
            keys.append(f"{prefix}{name}")
        elif isinstance(info.default, BaseModel):
            keys += _keys(child, f"{prefix}{name}.")
        else:
            keys += [f"{prefix}{name}"] + _keys(child, f"{prefix}{name}[].")
    return keys


def test_the_committed_file_is_what_the_models_generate() -> None:
    assert config_docs.DOC.read_text(encoding="utf-8") == config_docs.render(), FIX


def test_every_key_and_every_variable_is_documented() -> None:
    text = config_docs.render()
    keys = _keys(Config)
    assert {"kafka.heartbeat_interval_ms", "notify.receivers[].routing_key_from_env", "review.token"} <= set(keys)
    missing = [key for key in keys if f"| `{key}` |" not in text]
    assert not missing
    assert all(f"| `{variable}` | `{'.'.join(key)}` |" in text for variable, key in ENV_OVERRIDES.items())
    assert "| `LUISTERPOST_MODEL_CACHE` |" in text  # read outside the configuration, documented too


class Section(BaseModel):
    limit: int = Field(default=7, ge=2, description="how many at most")
    # None: decided at start
    mode: Literal["fast", "safe"] | None = None  # (not "|" in a table)


class Root(BaseModel):
    section: Section = Section()


def test_descriptions_defaults_and_ranges_come_from_the_models_and_their_comments() -> None:
    text = "\n".join(config_docs._sections(Root, "", Root()))
    assert "| `section.limit` | integer | `7` | ≥ 2 | how many at most |" in text
    assert ("| `section.mode` | one of `fast`, `safe`, or null | `null` |  "
            '| null: decided at start (not "\\|" in a table) |') in text
