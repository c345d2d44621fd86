"""Deliver one incident event to every receiver that takes its severity, retrying what is retryable."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_result, stop_when_event_set, wait_exponential_jitter

from alerts.receivers.base import Outcome, Receiver

log = logging.getLogger(__name__)


class Notifier:
    """Retries 429/5xx with capped, jittered backoff (or the pager's Retry-After) until delivered or
    until shutdown: a page is never dropped for a transient error. A 4xx rejection is final: counted,
    logged, not retried. Each send first waits for its receiver's rate budget, if it has one."""

    def __init__(self, receivers: list[Receiver], stopping: threading.Event,
                 backoff_initial_s: float, backoff_max_s: float,
                 on_outcome: Callable[[str, Outcome], None] = lambda name, outcome: None) -> None:
        self.receivers = receivers
        self._stopping = stopping
        self._backoff = wait_exponential_jitter(multiplier=backoff_initial_s, max=backoff_max_s)
        self._backoff_max_s = backoff_max_s
        self._on_outcome = on_outcome
        self._done: OrderedDict[tuple[str, str, str], None] = OrderedDict()  # bounded: recent events

    def deliver(self, event: dict[str, Any]) -> bool:
        """True when every receiver has accepted or finally rejected the event; False on shutdown."""
        for receiver in self.receivers:
            if event.get("severity") not in receiver.severities:
                continue
            mark = (receiver.name, event["dedup_key"], f"{event['action']}@{event['event_time']}")
            if mark in self._done:
                continue  # a retried batch: this receiver already has it
            outcome = self._send(receiver, event)
            if outcome.retryable:
                return False
            self._done[mark] = None
            if len(self._done) > 10_000:
                self._done.popitem(last=False)
        return True

    def _pause(self, seconds: float) -> None:
        self._stopping.wait(seconds)  # a shutdown cuts the backoff short

    def _wait(self, state: RetryCallState) -> float:
        """The pager's own Retry-After when it gave one (capped like the backoff), else the backoff."""
        asked = self._last_outcome(state).retry_after_s
        return min(asked, self._backoff_max_s) if asked is not None else self._backoff(state)

    def _paced(self, receiver: Receiver) -> bool:
        """Wait for the receiver's rate budget; False when a shutdown came first."""
        delay = receiver.budget.reserve() if receiver.budget is not None else 0.0
        return delay <= 0 or not self._stopping.wait(delay)

    @staticmethod
    def _last_outcome(state: RetryCallState) -> Outcome:
        assert state.outcome is not None
        result: Outcome = state.outcome.result()
        return result

    def _send(self, receiver: Receiver, event: dict[str, Any]) -> Outcome:
        retrying = Retrying(retry=retry_if_result(lambda outcome: outcome.retryable),
                            stop=stop_when_event_set(self._stopping), wait=self._wait,
                            sleep=self._pause, retry_error_callback=self._last_outcome)
        last_error: list[str | None] = [None]

        def attempt() -> Outcome:
            if not self._paced(receiver):
                return Outcome.retry("shutting down")  # not sent, so not counted
            outcome = receiver.send(event)
            self._on_outcome(receiver.name, outcome)
            if outcome.status == "rejected":
                log.error("receiver %s rejected %s %s: %s; not retried", receiver.name, event["action"],
                          event["dedup_key"], outcome.error)
            elif outcome.error != last_error[0] and outcome.error is not None:
                log.warning("receiver %s: %s (%s)", receiver.name, outcome.error, event["dedup_key"])
            last_error[0] = outcome.error
            return outcome

        return retrying(attempt)
