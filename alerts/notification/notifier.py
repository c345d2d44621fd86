"""Deliver incident events to the receivers, each receiver in its own lane: a queue and a thread
that sends in order, with the receiver's own timeout, rate budget, retries and backoff. A receiver
that hangs or is down holds up only its own lane: a Slack outage never delays the crisis line.

The caller (the notify stage) submits events and asks which are settled: accepted or finally
rejected by every receiver that takes them, or given up. Only a settled event's offset may be
committed, so delivery stays at least once; a submitted event that is submitted again (the stage
re-reads what it has not committed) is not sent twice."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tenacity import RetryCallState, Retrying, retry_if_result, wait_exponential_jitter

from alerts.notification.page import Identity, Page
from alerts.notification.receivers.base import Outcome, Receiver
from alerts.notification.receivers.text import printable

log = logging.getLogger(__name__)

Clock = Callable[[], float]
REMEMBERED = 10_000  # settled deliveries kept per lane, so a re-read event is not sent again
IDLE_CHECK_S = 0.5  # how often an idle lane looks at the shutdown flag


@dataclass
class Delivery:
    """One event in one lane."""

    page: Page
    submitted: float  # on the lane's clock
    deadline: float  # a receiver still failing after this gives the event up
    outcome: Outcome | None = None  # None while pending
    attempts: int = 0
    given_up: bool = False

    @property
    def settled(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class GivenUp:
    receiver: str
    attempts: int
    seconds: float
    error: str


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_s: float  # how long the oldest pending event has waited; 0 when none


class Lane:
    """One receiver's deliveries, in order, on a thread of their own.

    Retries 408, 429, 5xx and transport errors with capped, jittered backoff (or the receiver's
    Retry-After), a 4xx is final. An event still failing `give_up_after_s` after it was submitted
    is given up: counted, logged and reported to the caller (who dead-letters it). Once the
    receiver has failed past an event's deadline, the queued events past theirs are given up
    without another attempt: a receiver that stays down does not cost one timeout per event."""

    def __init__(self, receiver: Receiver, stopping: threading.Event, changed: threading.Condition,
                 backoff: Callable[[RetryCallState], float], backoff_max_s: float, give_up_after_s: float,
                 clock: Clock, on_outcome: Callable[[str, Outcome], None]) -> None:
        self.receiver = receiver
        self._stopping, self._changed, self._clock = stopping, changed, clock
        self._backoff, self._backoff_max_s, self._give_up_after_s = backoff, backoff_max_s, give_up_after_s
        self._on_outcome = on_outcome
        self._queue: deque[Delivery] = deque()
        self._deliveries: OrderedDict[Identity, Delivery] = OrderedDict()
        self._failing: str | None = None  # the last error while the receiver fails, else None
        self._closed = False
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.receiver.name

    def submit(self, key: Identity, page: Page) -> None:
        with self._changed:
            if key in self._deliveries:
                return  # queued, in flight or settled already: a re-read, not a new event
            now = self._clock()
            delivery = Delivery(page, now, now + self._give_up_after_s)
            self._deliveries[key] = delivery
            self._queue.append(delivery)
            self._forget_settled()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"notify-{self.name}", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def delivery(self, key: Identity) -> Delivery | None:
        with self._changed:
            return self._deliveries.get(key)

    def backlog(self) -> Backlog:
        with self._changed:
            pending = [d for d in self._deliveries.values() if not d.settled]
            oldest = min((d.submitted for d in pending), default=None)
        return Backlog(len(pending), 0.0 if oldest is None else max(0.0, self._clock() - oldest))

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _forget_settled(self) -> None:
        while len(self._deliveries) > REMEMBERED and next(iter(self._deliveries.values())).settled:
            self._deliveries.popitem(last=False)

    def _next(self) -> Delivery | None:
        with self._changed:
            while not self._queue:
                if self._ending():
                    return None
                self._changed.wait(IDLE_CHECK_S)
            return self._queue[0]

    def _run(self) -> None:
        while (delivery := self._next()) is not None:
            outcome = self._deliver(delivery)
            if outcome is None:
                return  # shutting down: left pending, so never committed and sent again after a restart
            with self._changed:
                delivery.outcome = outcome
                self._queue.popleft()
                self._changed.notify_all()

    def _deliver(self, delivery: Delivery) -> Outcome | None:
        if self._failing is not None and self._clock() >= delivery.deadline:
            return self._give_up(delivery, self._failing)
        retrying = Retrying(retry=retry_if_result(lambda outcome: outcome.retryable),
                            stop=lambda state: self._ending() or self._clock() >= delivery.deadline,
                            wait=self._wait, sleep=self._pause, retry_error_callback=_last_outcome)
        outcome: Outcome = retrying(self._attempt, delivery)
        if not outcome.retryable:
            return outcome
        if self._ending():
            return None
        return self._give_up(delivery, outcome.error or "failed")

    def _attempt(self, delivery: Delivery) -> Outcome:
        if not self._paced():
            return Outcome.retry("shutting down")  # not sent, so not counted
        try:
            outcome = self.receiver.send(delivery.page)
        except Exception as error:  # a receiver's bug must not end its lane; its message may hold a URL
            outcome = Outcome.retry(f"{type(error).__name__} in the receiver")
        delivery.attempts += 1
        self._on_outcome(self.name, outcome)
        self._log(delivery, outcome)
        self._failing = outcome.error if outcome.retryable else None
        return outcome

    def _log(self, delivery: Delivery, outcome: Outcome) -> None:
        """Each change of state once, not each attempt: a long outage is one warning, not thousands."""
        what = f"{delivery.page.event.action} {printable(delivery.page.event.dedup_key)}"
        if outcome.status == "rejected":
            log.error("receiver %s rejected %s: %s; not retried", self.name, what, outcome.error)
        elif outcome.retryable and outcome.error != self._failing:
            log.warning("receiver %s: %s (%s); retrying in its own lane", self.name, outcome.error, what)
        elif not outcome.retryable and self._failing is not None:
            log.info("receiver %s delivers again (%s)", self.name, what)

    def _give_up(self, delivery: Delivery, error: str) -> Outcome:
        delivery.given_up = True
        waited = self._clock() - delivery.submitted
        log.error("receiver %s gave up on %s %s after %d attempts in %.0f s: %s; sent to the dead-letter topic",
                  self.name, delivery.page.event.action, printable(delivery.page.event.dedup_key),
                  delivery.attempts, waited, error)
        outcome = Outcome(False, False, error, "given_up")
        self._on_outcome(self.name, outcome)  # counted once, as luisterpost_pager_deliveries_total{outcome="given_up"}
        return outcome

    def _ending(self) -> bool:
        return self._stopping.is_set() or self._closed

    def _pause(self, seconds: float) -> None:
        self._stopping.wait(seconds)  # a shutdown cuts the backoff short

    def _wait(self, state: RetryCallState) -> float:
        """The receiver's own Retry-After when it gave one (capped like the backoff), else the backoff."""
        asked = _last_outcome(state).retry_after_s
        return min(asked, self._backoff_max_s) if asked is not None else self._backoff(state)

    def _paced(self) -> bool:
        """Wait for the receiver's rate budget; False when a shutdown came first."""
        budget = self.receiver.budget
        delay = budget.reserve() if budget is not None else 0.0
        return delay <= 0 or not self._stopping.wait(delay)


def _last_outcome(state: RetryCallState) -> Outcome:
    assert state.outcome is not None
    result: Outcome = state.outcome.result()
    return result


class Notifier:
    """The lanes of every receiver. `submit` and `settled` never wait for a receiver."""

    def __init__(self, receivers: list[Receiver], stopping: threading.Event,
                 backoff_initial_s: float, backoff_max_s: float,
                 on_outcome: Callable[[str, Outcome], None] = lambda name, outcome: None,
                 give_up_after_s: float = 3600.0, clock: Clock = time.monotonic) -> None:
        self.receivers = receivers
        self._stopping = stopping
        self._changed = threading.Condition()
        backoff = wait_exponential_jitter(multiplier=backoff_initial_s, max=backoff_max_s)
        self._lanes = [Lane(receiver, stopping, self._changed, backoff, backoff_max_s, give_up_after_s, clock,
                            on_outcome) for receiver in receivers]

    def submit(self, page: Page) -> Identity:
        """Queue the page in the lane of every receiver that takes its severity; returns at once."""
        key = page.identity
        for lane in self._lanes_for(page):
            lane.submit(key, page)
        return key

    def settled(self, page: Page) -> list[GivenUp] | None:
        """None while a receiver still has the page; else the receivers that gave it up (often none)."""
        key, given_up = page.identity, []
        for lane in self._lanes_for(page):
            delivery = lane.delivery(key)
            if delivery is None or not delivery.settled:
                return None
            if delivery.given_up:
                error = (delivery.outcome.error if delivery.outcome else None) or "failed"
                given_up.append(GivenUp(lane.name, delivery.attempts, delivery.deadline - delivery.submitted, error))
        return given_up

    def wait_settled(self, pages: Iterable[Page], timeout_s: float) -> bool:
        """Wait up to timeout_s (real time) for every page to settle; True when they all did."""
        pending = list(pages)
        with self._changed:
            return self._changed.wait_for(
                lambda: self._stopping.is_set() or all(self.settled(e) is not None for e in pending), timeout_s) \
                and all(self.settled(e) is not None for e in pending)

    def deliver(self, page: Page) -> bool:
        """Submit and wait until settled: True when every receiver accepted, rejected or gave it up;
        False on shutdown first (then it must not be committed)."""
        self.submit(page)
        while not self.wait_settled([page], IDLE_CHECK_S):
            if self._stopping.is_set():
                return self.settled(page) is not None
        return True

    def backlog(self) -> dict[str, Backlog]:
        return {lane.name: lane.backlog() for lane in self._lanes}

    def close(self) -> None:
        for lane in self._lanes:
            lane.close()

    def _lanes_for(self, page: Page) -> list[Lane]:
        return [lane for lane in self._lanes if page.event.severity in lane.receiver.severities]
