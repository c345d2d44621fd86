"""The `detect` and `notify` sections of the configuration; `luisterpost.config` composes them into `Config`.

The rules file that `detect.rules_file` names has its own models in alerts/rules_config.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DetectConfig(_Section):
    rules_file: Path | None = None  # None: the bundled alerts/defaults/rules.yaml
    baseline_file: Path | None = None  # hour-of-week rates from `luisterpost baseline`; None: learned as it runs
    timezone: str = "Europe/Amsterdam"  # whose clock "Monday 09:00" is, for the hour-of-week baselines
    allowed_lateness_s: float = Field(default=300, ge=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Amsterdam") from None
        return value


class ReceiverConfig(_Section):
    """Which fields each type takes, and their defaults, are checked in alerts/notification/receivers/build.py."""

    name: str
    type: Literal["console", "webhook", "jsonl", "pagerduty", "opsgenie", "alertmanager", "slack"]
    url: SecretStr | None = None  # a webhook URL is often its own token (Slack's always is)
    url_from_env: str | None = None
    path: Path | None = None
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    # Header name -> environment variable holding its value (a mounted Secret): keeps keys out of files.
    headers_from_env: dict[str, str] = Field(default_factory=dict)
    routing_key: SecretStr | None = None  # PagerDuty integration key
    routing_key_from_env: str | None = None
    api_key: SecretStr | None = None  # Opsgenie API key (sent as "GenieKey <key>")
    api_key_from_env: str | None = None
    rate_per_minute: int | None = Field(default=None, ge=1)  # None: the pager's own limit, if it has one
    # None: critical and error for the pagers (pagerduty, opsgenie, alertmanager), everything elsewhere.
    severities: tuple[Literal["critical", "error", "warning", "info"], ...] | None = None
    timeout_s: float | None = Field(default=None, gt=0)  # None: notify.timeout_s


class NotifyConfig(_Section):
    receivers: tuple[ReceiverConfig, ...] = (ReceiverConfig(name="console", type="console"),)
    timeout_s: float = Field(default=10, gt=0)
    backoff_initial_s: float = Field(default=0.5, gt=0)
    backoff_max_s: float = Field(default=60, gt=0)
    # A receiver still failing this long after an event reached its lane gives the event up: counted,
    # alerted, dead-lettered (docs/receivers.md). Until then only that receiver's lane waits.
    give_up_after_s: float = Field(default=3600, gt=0)
    silences_refresh_s: float = Field(default=5, gt=0)  # how soon a new silence reaches a running notify
