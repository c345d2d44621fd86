"""One frozen, typed configuration, validated at start. Unknown keys are errors that name the key.

This is also the one module that reads the process environment: the LUISTERPOST_* variables (the
overrides of configuration keys, and `environment()`), and the variables that `*_from_env` keys name
(`process_environment()`). Everything else, the cores above all, gets the values passed in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

# Each core owns its section (and ingest the error every core raises); this module composes them.
from alerts.config import DetectConfig, NotifyConfig, ReceiverConfig
from classify.config import ClassifyConfig
from ingest.config import IngestConfig
from ingest.errors import ConfigError, problems

__all__ = ["ClassifyConfig", "Config", "ConfigError", "DetectConfig", "Environment", "HttpConfig", "IngestConfig",
           "IntakeClientConfig", "IntakeConfig", "KafkaConfig", "NotifyConfig", "ReceiverConfig", "ReviewConfig",
           "build", "describe", "environment", "load", "problems", "process_environment"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KafkaConfig(_Section):
    bootstrap: str | None = None  # None: start the embedded broker
    topic_prefix: str = Field(default="", description="prepended to every topic name (mentions.raw, mentions, ...)")
    group_prefix: str = Field(default="luisterpost", description="consumer groups are <prefix>.<stage>")
    partitions: int = Field(default=6, ge=1, description="for the topics Luisterpost creates itself")
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
    session_timeout_ms: int = Field(default=6000, ge=1000, description="the first group join takes about half of it")
    heartbeat_interval_ms: int = Field(default=1000, ge=100)
    commit_interval_s: float = Field(default=1.0, ge=0, description="how often handled offsets are committed")
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


class HttpConfig(_Section):
    address: str = Field(default="127.0.0.1:9464", description="/metrics, /healthz, /readyz; 0.0.0.0:9464 in a pod")
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


@dataclass(frozen=True)
class Environment:
    """The LUISTERPOST_* variables that are not configuration keys (those are ENV_OVERRIDES above)."""

    config: Path | None  # LUISTERPOST_CONFIG: the configuration file when --config is not given
    log_level: str  # LUISTERPOST_LOG_LEVEL
    broker_port: str  # LUISTERPOST_BROKER_PORT: `luisterpost broker` listens here
    model_cache: Path | None  # LUISTERPOST_MODEL_CACHE: base encoders, int8 exports; None: ~/.cache/luisterpost/models
    shared_data: Path | None  # LUISTERPOST_SHARED_DATA: the real Dutch training sets; None: ../shared/data


def environment(environ: Mapping[str, str] | None = None) -> Environment:
    env = process_environment() if environ is None else environ
    return Environment(config=Path(env["LUISTERPOST_CONFIG"]) if env.get("LUISTERPOST_CONFIG") else None,
                       log_level=env.get("LUISTERPOST_LOG_LEVEL", "INFO"),
                       broker_port=env.get("LUISTERPOST_BROKER_PORT", "9092"),
                       model_cache=_path(env.get("LUISTERPOST_MODEL_CACHE")),
                       shared_data=Path(env["LUISTERPOST_SHARED_DATA"]) if env.get("LUISTERPOST_SHARED_DATA") else None)


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def process_environment() -> Mapping[str, str]:
    """The process environment, for the variables that `*_from_env` keys name (receivers' and intake
    clients' secrets, mounted from Kubernetes Secrets)."""
    return os.environ


def describe(error: ValidationError) -> str:
    return "invalid configuration: " + problems(error)


def build(raw: dict[str, Any], environ: dict[str, str] | None = None) -> Config:
    merged: dict[str, Any] = {section: dict(values) if isinstance(values, dict) else values
                              for section, values in raw.items()}
    for variable, (section, key) in ENV_OVERRIDES.items():
        value = (process_environment() if environ is None else environ).get(variable)
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

