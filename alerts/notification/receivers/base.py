"""The receiver contract, after Alertmanager's notifiers: say whether a failure is worth retrying."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from alerts.notification.page import Page
from alerts.notification.receivers.rate import RateBudget


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retryable: bool = False
    error: str | None = None
    status: str = "delivered"  # a bounded label value: delivered, rejected, retry, error
    retry_after_s: float | None = None  # the pager's own Retry-After, when it sent one

    @staticmethod
    def ok() -> Outcome:
        return Outcome(True)

    @staticmethod
    def retry(error: str, retry_after_s: float | None = None) -> Outcome:
        return Outcome(False, True, error, "retry", retry_after_s)

    @staticmethod
    def reject(error: str) -> Outcome:
        return Outcome(False, False, error, "rejected")


class Receiver(Protocol):
    name: str
    severities: frozenset[str]
    budget: RateBudget | None  # None: no rate limit of its own

    def send(self, page: Page) -> Outcome: ...

    def close(self) -> None: ...
