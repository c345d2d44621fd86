"""The rules file: thresholds with documented defaults (alerts/defaults/rules.yaml, equal to these models' defaults)."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from alerts.detection.incidents import Policy
from ingest.errors import ConfigError, problems
from ingest.mention import Platform

BUNDLED_RULES = resources.files("alerts") / "defaults" / "rules.yaml"  # detect.rules_file: None
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
    min_share_ratio: float = Field(default=1.5, ge=1)
    quiet_minutes: float = Field(default=60, ge=0)


class InfluencerComplaintConfig(_Rule):
    min_followers: int = Field(default=10_000, ge=0)
    sla_minutes: float = Field(default=60, gt=0)
    quiet_hours: float = Field(default=6, gt=0)


class PileOnConfig(_Rule):
    window_minutes: float = Field(default=60, gt=0)
    threshold: float = Field(default=10, gt=0)
    reach_followers: int = Field(default=10_000, ge=0)
    reach_threshold: float = Field(default=6, gt=0)
    abuse_weight: float = Field(default=2.0, ge=1)
    min_defenders: int = Field(default=5, ge=1)
    clear_threshold: float = Field(default=3, ge=0)
    quiet_minutes: float = Field(default=120, ge=0)
    forget_hours: float = Field(default=48, gt=0)

    @model_validator(mode="after")
    def _clear_below_fire(self) -> PileOnConfig:
        if self.clear_threshold >= min(self.threshold, self.reach_threshold):
            raise ValueError("clear_threshold must be below threshold and reach_threshold (hysteresis)")
        return self


class ThreatConfig(_Rule):
    signals: tuple[Literal["legal", "media", "emergency", "churn", "abuse"], ...] = ("legal", "media", "emergency")
    min_followers: int = Field(default=2_000, ge=0)
    praise_history_days: float = Field(default=180, ge=0)
    max_praisers: int = Field(default=100_000, ge=0)
    quiet_hours: float = Field(default=24, gt=0)


class NegativeShiftConfig(_Rule):
    severity: Severity = "warning"
    window_minutes: float = Field(default=60, gt=0)
    baseline_hours: float = Field(default=24, gt=0)
    min_baseline_mentions: int = Field(default=50, ge=1)
    min_mentions: int = Field(default=20, ge=1)
    min_negative: int = Field(default=8, ge=1)
    delta: float = Field(default=0.20, ge=0, le=1)
    ratio: float = Field(default=2.0, ge=1)
    clear_delta: float = Field(default=0.10, ge=0, le=1)
    quiet_minutes: float = Field(default=60, ge=0)

    @model_validator(mode="after")
    def _clear_below_fire(self) -> NegativeShiftConfig:
        if self.clear_delta > self.delta:
            raise ValueError("clear_delta must not exceed delta (hysteresis)")
        return self


class PipelineSilenceWarmup(BaseModel):
    """How a source with a short history is judged (see alerts/rules/pipeline_silence.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min_history_hours: float = Field(default=6, gt=0)
    first_day_hours: float = Field(default=20, gt=0)
    first_day_min_silence_hours: float = Field(default=8, ge=0)


class PipelineSilenceConfig(_Rule):
    severity: Severity = "warning"
    brands: bool = True
    platforms: bool = True
    history_hours: float = Field(default=48, gt=0)
    quantile: float = Field(default=0.95, gt=0, lt=1)
    factor: float = Field(default=3.0, ge=1)
    min_silence_minutes: float = Field(default=30, gt=0)
    min_mentions: int = Field(default=96, ge=1)
    idle_tick_minutes: float = Field(default=15, ge=0)
    warmup: PipelineSilenceWarmup = PipelineSilenceWarmup()


# The polled sources' delays (reasons in rules.yaml); every other platform waits detect.allowed_lateness_s.
POLLED_LATENESS_MINUTES: dict[Platform, float] = {"linkedin": 45, "facebook": 45, "instagram": 45, "youtube": 45,
                                                  "reddit": 45, "forum": 90, "news": 90, "trustpilot": 1500,
                                                  "review": 1500}


class EventTimeConfig(BaseModel):
    """Mixed delays (docs/event-time.md): how late each source may deliver, and what is too old or too new."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    allowed_lateness_minutes: dict[Platform, float] = Field(default_factory=lambda: dict(POLLED_LATENESS_MINUTES))
    stale_hours: float = Field(default=48, gt=0)
    max_future_minutes: float = Field(default=10, ge=0)
    late_note_minutes: float = Field(default=5, ge=0)

    @model_validator(mode="after")
    def _lateness_not_negative(self) -> EventTimeConfig:
        for platform, minutes in self.allowed_lateness_minutes.items():
            if not 0 <= minutes < self.stale_hours * 60:
                raise ValueError(f"allowed_lateness_minutes.{platform} must be at least 0 and below stale_hours")
        return self

    def lateness(self, platform: str, default: timedelta) -> timedelta:
        minutes = self.allowed_lateness_minutes.get(platform)  # type: ignore[call-overload]
        return default if minutes is None else timedelta(minutes=minutes)


class IncidentsConfig(BaseModel):
    """The life cycle shared by all rules; Alertmanager's defaults where they carry over."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    growth_step: int = Field(default=5, ge=1)
    repeat_hours: float = Field(default=4, gt=0)
    inhibitor: str = "complaint_spike"
    inhibited: tuple[str, ...] = ("influencer_complaint", "pile_on", "legal_or_media_threat")

    def policy(self) -> Policy:
        return Policy(self.growth_step, timedelta(hours=self.repeat_hours), self.inhibitor, frozenset(self.inhibited))


class RulesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    incidents: IncidentsConfig = IncidentsConfig()
    complaint_spike: ComplaintSpikeConfig = ComplaintSpikeConfig()
    influencer_complaint: InfluencerComplaintConfig = InfluencerComplaintConfig()
    pile_on: PileOnConfig = PileOnConfig()
    legal_or_media_threat: ThreatConfig = ThreatConfig()
    negative_shift: NegativeShiftConfig = NegativeShiftConfig()
    pipeline_silence: PipelineSilenceConfig = PipelineSilenceConfig()
    event_time: EventTimeConfig = EventTimeConfig()


def load_rules(path: Path | None) -> RulesConfig:
    source = str(path) if path else "bundled rules.yaml"
    try:
        raw: Any = yaml.safe_load((path or BUNDLED_RULES).read_text(encoding="utf-8"))
        return RulesConfig.model_validate(raw or {})
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"detect.rules_file: cannot read {source}: {error}") from None
    except ValidationError as error:
        raise ConfigError(f"detect.rules_file ({source}): {problems(error)}") from None
