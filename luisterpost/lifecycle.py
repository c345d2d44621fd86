"""Is a stage's consumer healthy? Broker contact, starvation and the reconnect backoff, decided as pure
functions of (state, observation, now) so that tests are tables. The loop feeds in what it saw."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WatchSettings:
    broker_timeout_s: float = 10  # no broker contact for this long: not ready
    starved_after_s: float = 60  # no partitions this long while the group's input waits: not ready, rejoin
    probe_interval_s: float = 5  # how often an idle or unassigned stage asks the broker itself
    backoff_initial_s: float = 1
    backoff_max_s: float = 30
    give_up_s: float = 900  # no broker for this long: exit 1 and let the orchestrator restart us


@dataclass(frozen=True)
class GroupView:
    """One probe of the group's input: its committed offsets and what waits beyond them."""

    committed: tuple[int, ...]
    backlog: int


class Watch:
    def __init__(self, settings: WatchSettings, now: float) -> None:
        self.settings = settings
        self.last_contact = now
        self.broker_error: str | None = None
        self.unassigned_since: float | None = now  # a new member holds nothing until it joins
        self.stuck_since: float | None = None  # unassigned while the group's committed offsets stand still
        self.view: GroupView | None = None
        self.reconnects = 0  # in a row, since the last contact

    @property
    def probe_every_s(self) -> float:
        """Often enough that a healthy broker is asked several times before `broker_timeout_s` runs out."""
        return min(self.settings.probe_interval_s, self.settings.broker_timeout_s / 3)

    def contact(self, now: float) -> None:
        self.last_contact, self.broker_error, self.reconnects = now, None, 0

    def lost(self, error: str) -> None:
        self.broker_error = error

    def partitions(self, count: int, now: float) -> None:
        if count:
            self.unassigned_since = self.stuck_since = None
        elif self.unassigned_since is None:
            self.unassigned_since = now

    def group(self, view: GroupView, now: float) -> None:
        """A spare member of a busy group sees the others commit: only a group that has input waiting
        and commits nothing is stuck (the case seen on Tansu after many quick restarts)."""
        moving = self.view is not None and view.committed != self.view.committed
        self.view = view
        if self.unassigned_since is None or view.backlog == 0 or moving:
            self.stuck_since = None
        elif self.stuck_since is None:
            self.stuck_since = max(now, self.unassigned_since)

    def starved(self, now: float) -> bool:
        return self.stuck_since is not None and now - self.stuck_since >= self.settings.starved_after_s

    def rejoined(self, now: float) -> None:
        """A fresh consumer starts its wait anew (and the next verdict waits for a full period)."""
        self.unassigned_since, self.stuck_since, self.view = now, None, None

    def unreachable(self, now: float) -> bool:
        return now - self.last_contact >= self.settings.broker_timeout_s

    def reason(self, now: float) -> str | None:
        """Why the stage is not ready, in words for /readyz; None when nothing is wrong here."""
        if self.unreachable(now):
            why = f": {self.broker_error}" if self.broker_error else ""
            return f"no contact with the Kafka broker for {now - self.last_contact:.0f} s{why}"
        if self.starved(now) and self.view is not None and self.unassigned_since is not None:
            return (f"no partitions assigned for {now - self.unassigned_since:.0f} s while "
                    f"{self.view.backlog} records wait on the input topic and the group commits nothing")
        return None

    def backoff_s(self) -> float:
        """Capped exponential: 1, 2, 4 ... up to backoff_max_s."""
        return min(self.settings.backoff_max_s, self.settings.backoff_initial_s * 2.0 ** self.reconnects)

    def give_up(self, now: float) -> bool:
        return self.settings.give_up_s > 0 and now - self.last_contact >= self.settings.give_up_s
