"""Receivers from the `notify.receivers` configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from alerts.config import NotifyConfig, ReceiverConfig
from alerts.notification.receivers import opsgenie, pagerduty
from alerts.notification.receivers.alertmanager import AlertmanagerReceiver
from alerts.notification.receivers.base import Receiver
from alerts.notification.receivers.console import ConsoleReceiver
from alerts.notification.receivers.jsonl import JsonlReceiver
from alerts.notification.receivers.opsgenie import OpsgenieReceiver
from alerts.notification.receivers.pagerduty import PagerDutyReceiver
from alerts.notification.receivers.rate import RateBudget
from alerts.notification.receivers.slack import SlackReceiver
from alerts.notification.receivers.webhook import WebhookReceiver
from ingest.errors import ConfigError

PAGERS = frozenset({"pagerduty", "opsgenie", "alertmanager"})
# What each type takes besides name, type and severities: anything else set is a mistake to report.
_HTTP = frozenset({"url", "url_from_env", "rate_per_minute", "timeout_s"})
FIELDS = {"console": frozenset(), "jsonl": frozenset({"path"}),
          "webhook": _HTTP | {"headers", "headers_from_env"},
          "pagerduty": _HTTP | {"routing_key", "routing_key_from_env"},
          "opsgenie": _HTTP | {"api_key", "api_key_from_env"},
          "alertmanager": _HTTP | {"headers", "headers_from_env"},
          "slack": _HTTP}
DEFAULT_RATE = {"pagerduty": pagerduty.RATE_PER_MINUTE}


class _Spec:
    """One receiver's configuration, read with errors that name the key."""

    def __init__(self, spec: ReceiverConfig, index: int, environ: Mapping[str, str], timeout_s: float) -> None:
        self.spec, self.index, self.environ = spec, index, environ
        self.timeout_s = spec.timeout_s or timeout_s  # each receiver's own, else notify.timeout_s
        unused = sorted(spec.model_fields_set - FIELDS[spec.type] - {"name", "type", "severities"})
        if unused:
            raise ConfigError(f"{self.key(unused[0])}: not used by {self.kind}")
        default = ("critical", "error") if spec.type in PAGERS else ("critical", "error", "warning", "info")
        self.severities = frozenset(spec.severities if spec.severities is not None else default)
        rate = spec.rate_per_minute or DEFAULT_RATE.get(spec.type)
        self.budget = RateBudget(rate) if rate else None

    @property
    def kind(self) -> str:
        return f"{'an' if self.spec.type[0] in 'aeiou' else 'a'} {self.spec.type} receiver"

    def key(self, field: str) -> str:
        return f"notify.receivers.{self.index}.{field}"

    def secret(self, field: str, required: bool = True) -> str | None:
        """`field` from the file, or from the environment variable that `field_from_env` names."""
        direct, variable = getattr(self.spec, field), getattr(self.spec, f"{field}_from_env")
        if direct is not None and variable is not None:
            raise ConfigError(f"{self.key(field)}: give {field} or {field}_from_env, not both")
        if variable is not None:
            if not self.environ.get(variable):
                raise ConfigError(f"{self.key(field + '_from_env')}: environment variable {variable} is not set")
            return self.environ[variable]
        if direct is None and required:
            raise ConfigError(f"{self.key(field)}: required for {self.kind} (or {field}_from_env)")
        return None if direct is None else str(direct.get_secret_value())

    def url(self, default: str | None = None) -> str:
        url = self.secret("url", required=default is None) or default or ""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            parsed = httpx.URL("")
        if parsed.scheme not in ("http", "https") or not parsed.host:
            field = "url_from_env" if self.spec.url_from_env else "url"
            raise ConfigError(f"{self.key(field)}: not an http(s) URL")  # never echoed: it may hold a token
        return url

    def headers(self) -> dict[str, str]:
        headers = {key: value.get_secret_value() for key, value in self.spec.headers.items()}
        for header, variable in self.spec.headers_from_env.items():
            if variable not in self.environ:
                raise ConfigError(f"{self.key('headers_from_env.' + header)}: "
                                  f"environment variable {variable} is not set")
            headers[header] = self.environ[variable]
        return headers


def _console(s: _Spec) -> Receiver:
    return ConsoleReceiver(s.spec.name, s.severities)


def _jsonl(s: _Spec) -> Receiver:
    if s.spec.path is None:
        raise ConfigError(f"{s.key('path')}: required for a jsonl receiver")
    return JsonlReceiver(s.spec.name, s.severities, s.spec.path)


def _webhook(s: _Spec) -> Receiver:
    return WebhookReceiver(s.spec.name, s.severities, s.url(), s.headers(), s.timeout_s, budget=s.budget)


def _pagerduty(s: _Spec) -> Receiver:
    return PagerDutyReceiver(s.spec.name, s.severities, str(s.secret("routing_key")), s.timeout_s,
                             s.url(pagerduty.DEFAULT_URL), s.budget)


def _opsgenie(s: _Spec) -> Receiver:
    return OpsgenieReceiver(s.spec.name, s.severities, str(s.secret("api_key")), s.timeout_s,
                            s.url(opsgenie.DEFAULT_URL), s.budget)


def _alertmanager(s: _Spec) -> Receiver:
    return AlertmanagerReceiver(s.spec.name, s.severities, s.url(), s.timeout_s, s.headers(), s.budget)


def _slack(s: _Spec) -> Receiver:
    return SlackReceiver(s.spec.name, s.severities, s.url(), s.timeout_s, s.budget)


BUILDERS: dict[str, Callable[[_Spec], Receiver]] = {
    "console": _console, "jsonl": _jsonl, "webhook": _webhook, "pagerduty": _pagerduty,
    "opsgenie": _opsgenie, "alertmanager": _alertmanager, "slack": _slack}


def build_receivers(config: NotifyConfig, environ: Mapping[str, str]) -> list[Receiver]:
    """Every receiver, checked at start: a missing key or variable stops the daemon before it reads.
    `environ` holds the variables that `*_from_env` keys name (the runtime passes the process's)."""
    return [BUILDERS[spec.type](_Spec(spec, index, environ, config.timeout_s))
            for index, spec in enumerate(config.receivers)]
