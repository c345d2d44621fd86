"""The receiver contract, after Alertmanager's notifiers: say whether a failure is worth retrying."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retryable: bool = False
    error: str | None = None
    status: str = "delivered"  # a bounded label value: delivered, rejected, retry, error

    @staticmethod
    def ok() -> Outcome:
        return Outcome(True)

    @staticmethod
    def retry(error: str) -> Outcome:
        return Outcome(False, True, error, "retry")

    @staticmethod
    def reject(error: str) -> Outcome:
        return Outcome(False, False, error, "rejected")


class Receiver(Protocol):
    name: str
    severities: frozenset[str]

    def send(self, event: dict[str, Any]) -> Outcome: ...

    def close(self) -> None: ...
