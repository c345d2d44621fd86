"""The rules file: thresholds with documented defaults (luisterpost/defaults/rules.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from luisterpost.config import ConfigError, bundled, problems

Severity = Literal["critical", "error", "warning", "info"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True
    severity: Severity = "critical"


class ComplaintSpikeConfig(_Rule):
    window_minutes: float = Field(default=30, gt=0)
    baseline_hours: float = Field(default=12, gt=0)
    min_count: int = Field(default=8, ge=1)
    factor: float = Field(default=4.0, ge=1)
    k: float = Field(default=3.0, ge=0)
    quiet_minutes: float = Field(default=60, ge=0)


class InfluencerComplaintConfig(_Rule):
    min_followers: int = Field(default=10_000, ge=0)
    sla_minutes: float = Field(default=60, gt=0)
    quiet_hours: float = Field(default=6, gt=0)


class RulesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    complaint_spike: ComplaintSpikeConfig = ComplaintSpikeConfig()
    influencer_complaint: InfluencerComplaintConfig = InfluencerComplaintConfig()


def load_rules(path: Path | None) -> RulesConfig:
    source = str(path) if path else "bundled rules.yaml"
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8") if path else bundled("rules.yaml"))
        return RulesConfig.model_validate(raw or {})
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"detect.rules_file: cannot read {source}: {error}") from None
    except ValidationError as error:
        raise ConfigError(f"detect.rules_file ({source}): {problems(error)}") from None
