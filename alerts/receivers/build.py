"""Receivers from the `notify.receivers` configuration."""

from __future__ import annotations

import os

from alerts.receivers.base import Receiver
from alerts.receivers.console import ConsoleReceiver
from alerts.receivers.jsonl import JsonlReceiver
from alerts.receivers.webhook import WebhookReceiver
from luisterpost.config import ConfigError, NotifyConfig


def build_receivers(config: NotifyConfig) -> list[Receiver]:
    receivers: list[Receiver] = []
    for index, spec in enumerate(config.receivers):
        severities = frozenset(spec.severities)
        if spec.type == "console":
            receivers.append(ConsoleReceiver(spec.name, severities))
        elif spec.type == "jsonl":
            if spec.path is None:
                raise ConfigError(f"notify.receivers.{index}.path: required for a jsonl receiver")
            receivers.append(JsonlReceiver(spec.name, severities, spec.path))
        else:
            if not spec.url:
                raise ConfigError(f"notify.receivers.{index}.url: required for a webhook receiver")
            headers = {key: value.get_secret_value() for key, value in spec.headers.items()}
            for header, variable in spec.headers_from_env.items():
                if variable not in os.environ:
                    raise ConfigError(f"notify.receivers.{index}.headers_from_env.{header}: "
                                      f"environment variable {variable} is not set")
                headers[header] = os.environ[variable]
            receivers.append(WebhookReceiver(spec.name, severities, spec.url, headers, config.timeout_s))
    return receivers
