"""One frozen, typed configuration, validated at start. Unknown keys are errors that name the key."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the file."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KafkaConfig(_Section):
    bootstrap: str | None = None  # None: start the embedded broker
    topic_prefix: str = ""
    group_prefix: str = "luisterpost"
    partitions: int = Field(default=6, ge=1)
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    # Mounted Secret files, read when the clients are built, so a rotated Secret takes effect on restart
    # and never sits in a ConfigMap. Strimzi: the KafkaUser Secret's `password`, `user.crt`, `user.key`,
    # and the cluster CA Secret's `ca.crt`.
    sasl_password_file: Path | None = None
    ssl_cafile: Path | None = None  # None: the system trust store
    ssl_certfile: Path | None = None  # mutual TLS: the client certificate ...
    ssl_keyfile: Path | None = None  # ... and its unencrypted private key
    ssl_check_hostname: bool = True
    session_timeout_ms: int = Field(default=6000, ge=1000)
    heartbeat_interval_ms: int = Field(default=1000, ge=100)
    commit_interval_s: float = Field(default=1.0, ge=0)
    max_poll_records: int = Field(default=256, ge=1)
    max_message_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # Lifecycle (docs/operations-lifecycle.md): not ready after this long without the broker ...
    broker_timeout_s: float = Field(default=10, gt=0)
    # ... or without partitions while the group's input waits and nobody commits (then it rejoins);
    starved_after_s: float = Field(default=60, gt=0)
    reconnect_backoff_max_s: float = Field(default=30, gt=0)
    reconnect_give_up_s: float = Field(default=900, ge=0)  # no broker this long: exit 1 (0: never)

    @model_validator(mode="after")
    def _security_is_consistent(self) -> KafkaConfig:
        sasl = self.security_protocol.startswith("SASL_")
        if sasl and (not self.sasl_mechanism or not self.sasl_username):
            raise _bad(f"security_protocol {self.security_protocol} needs sasl_mechanism and sasl_username")
        if self.sasl_mechanism and not sasl:
            raise _bad(f"sasl_mechanism {self.sasl_mechanism} needs security_protocol SASL_SSL "
                       f"(or SASL_PLAINTEXT), not {self.security_protocol}")
        if self.sasl_password is not None and self.sasl_password_file is not None:
            raise _bad("set sasl_password or sasl_password_file, not both")
        if sasl and self.sasl_password is None and self.sasl_password_file is None:
            raise _bad("sasl_password_file (or sasl_password) is required with a SASL security_protocol")
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise _bad("ssl_certfile and ssl_keyfile go together (mutual TLS needs both)")
        tls_files = self.ssl_cafile or self.ssl_certfile
        if tls_files and self.security_protocol not in ("SSL", "SASL_SSL"):
            raise _bad(f"ssl_* files need security_protocol SSL or SASL_SSL, not {self.security_protocol}")
        return self


def _bad(message: str) -> PydanticCustomError:
    return PydanticCustomError("kafka_security", message)


class IngestConfig(_Section):
    brands_file: Path | None = None  # None: the bundled brands.yaml
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


class ClassifyConfig(_Section):
    model: str = "luisterpost-e5-small"  # or "lexicon", or a directory written by `luisterpost train`
    precision: Literal["fp32", "int8"] = "fp32"  # int8: ONNX Runtime, about 1.8x faster, 0.1 points of macro-F1 lower
    batch_size: int = Field(default=32, ge=1)
    parent_cache: int = Field(default=100_000, ge=1)
    parent_cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)  # texts and ids, counted by size


class DetectConfig(_Section):
    rules_file: Path | None = None  # None: the bundled rules.yaml
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


class HttpConfig(_Section):
    address: str = "127.0.0.1:9464"
    liveness_timeout_s: float = Field(default=120, gt=0)


class IntakeClientConfig(_Section):
    """One sender of `luisterpost run intake`: an HMAC secret (signed requests), a bearer token, or both."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")  # a metric label: keep it short
    hmac_secret: SecretStr | None = None
    hmac_secret_from_env: str | None = None  # the variable a Secret is mounted in
    token: SecretStr | None = None
    token_from_env: str | None = None


class IntakeConfig(_Section):
    address: str = "127.0.0.1:8080"  # the front door; /metrics, /healthz and /readyz stay on http.address
    clients: tuple[IntakeClientConfig, ...] = ()
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_records: int = Field(default=1000, ge=1)  # per request (a JSON-lines batch)
    rate_per_s: float = Field(default=200, gt=0)  # records per second per client, refilled continuously ...
    burst: int = Field(default=2000, ge=1)  # ... into a bucket this deep; a batch costs one token per record
    signature_tolerance_s: float = Field(default=300, gt=0)  # how old (or new) a signed timestamp may be
    broker_timeout_s: float = Field(default=10, gt=0)  # waiting for the broker's acknowledgement, then 503
    body_timeout_s: float = Field(default=30, gt=0)  # a body that trickles in slower is cut off with 408

    @model_validator(mode="after")
    def _a_full_batch_fits_the_bucket(self) -> IntakeConfig:
        names = [client.name for client in self.clients]
        if len(set(names)) < len(names):  # a name is a client's rate bucket and metric label
            raise PydanticCustomError("intake_clients", "clients: each name once ({names})", {"names": names})
        if self.burst < self.max_records:
            raise PydanticCustomError("intake_burst", f"burst ({self.burst}) must be at least max_records "
                                                      f"({self.max_records}), or a full batch is never accepted")
        return self


class ReviewConfig(_Section):
    """`luisterpost review`, the incident page (docs/review.md)."""

    address: str = "127.0.0.1:9465"  # loopback by default: corrections are writes
    base_url: str | None = None  # what pages link to; None: http://<address>
    token_file: Path | None = None  # a mounted Secret: the bearer token the page asks for
    token: SecretStr | None = None
    user_header: str | None = None  # set by a trusted auth proxy in front (X-Auth-Request-Email): who corrects
    secure_cookies: bool = False  # true when the page is served over https
    max_mentions: int = Field(default=100_000, ge=1)  # the in-memory index of mentions.classified

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError(f"{value!r} is not an http(s) URL such as https://review.example.com")
        return value

    def page_base(self) -> str:
        return (self.base_url or f"http://{self.address}").rstrip("/")


class Config(_Section):
    kafka: KafkaConfig = KafkaConfig()
    ingest: IngestConfig = IngestConfig()
    classify: ClassifyConfig = ClassifyConfig()
    detect: DetectConfig = DetectConfig()
    notify: NotifyConfig = NotifyConfig()
    http: HttpConfig = HttpConfig()
    intake: IntakeConfig = IntakeConfig()
    review: ReviewConfig = ReviewConfig()


ENV_OVERRIDES = {
    "LUISTERPOST_BOOTSTRAP": ("kafka", "bootstrap"),
    "LUISTERPOST_HTTP_ADDRESS": ("http", "address"),
    "LUISTERPOST_TOPIC_PREFIX": ("kafka", "topic_prefix"),
    "LUISTERPOST_MODEL": ("classify", "model"),
    "LUISTERPOST_KAFKA_SASL_PASSWORD": ("kafka", "sasl_password"),
    "LUISTERPOST_INTAKE_ADDRESS": ("intake", "address"),
    "LUISTERPOST_REVIEW_ADDRESS": ("review", "address"),
    "LUISTERPOST_REVIEW_BASE_URL": ("review", "base_url"),
    "LUISTERPOST_REVIEW_TOKEN_FILE": ("review", "token_file"),
}


def problems(error: ValidationError) -> str:
    """Name every bad key as a dotted path, the way a person looks it up in the file."""
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        message = "unknown key" if problem["type"] == "extra_forbidden" else problem["msg"]
        lines.append(f"{key}: {message}")
    return "; ".join(lines)


def describe(error: ValidationError) -> str:
    return "invalid configuration: " + problems(error)


def build(raw: dict[str, Any], environ: dict[str, str] | None = None) -> Config:
    merged: dict[str, Any] = {section: dict(values) if isinstance(values, dict) else values
                              for section, values in raw.items()}
    for variable, (section, key) in ENV_OVERRIDES.items():
        value = (os.environ if environ is None else environ).get(variable)
        if value:
            target = merged.setdefault(section, {})
            if isinstance(target, dict):
                target[key] = value
    try:
        return Config.model_validate(merged)
    except ValidationError as error:
        raise ConfigError(describe(error)) from None


def load(path: Path | None, environ: dict[str, str] | None = None) -> Config:
    raw: Any = {}
    if path is not None:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read configuration {path}: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"configuration {path} must be a mapping of sections, not {type(raw).__name__}")
    return build(raw, environ)


def bundled(name: str) -> str:
    """The text of a file shipped in luisterpost/defaults."""
    return resources.files("luisterpost.defaults").joinpath(name).read_text(encoding="utf-8")
