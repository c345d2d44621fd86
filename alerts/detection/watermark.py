"""Event time of one detect partition: its clock, and each source's watermark behind it (docs/event-time.md).

The clock is the newest `created_at` admitted. A source (platform) is judged at the clock minus its own
allowed lateness, so a thread on a polled platform waits for the poll that may still bring the brand's
answer; a brand is judged as far behind as its freshest platform."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.rules_config import EventTimeConfig

T = TypeVar("T")


class Watermarks:
    def __init__(self, event_time: EventTimeConfig, lateness: timedelta) -> None:
        self.event_time = event_time
        self.lateness = lateness  # for a platform without its own event_time.allowed_lateness_minutes
        self.clock: datetime | None = None  # the newest created_at admitted
        self._lateness: dict[str, timedelta] = {}  # per platform, from the rules
        self._platforms: dict[str, set[str]] = {}  # per brand: where it was heard
        self._brand_behind: dict[str, timedelta] = {}  # per brand: its freshest platform's lateness past the live one

    @property
    def watermark(self) -> datetime | None:
        """The watermark of a source with the default lateness (a live stream): brand-wide timers run here."""
        return None if self.clock is None else self.clock - self.lateness

    def admit(self, mention: Observation) -> datetime:
        """Move the clock to this mention (never back) and note where its brand was heard; the new clock."""
        self.clock = max(self.clock or mention.created_at, mention.created_at)
        heard = self._platforms.setdefault(mention.brand, set())
        if mention.platform not in heard:
            heard.add(mention.platform)
            self._brand_behind[mention.brand] = min(self.platform_behind(platform) for platform in heard)
        return self.clock

    def lateness_of(self, platform: str) -> timedelta:
        known = self._lateness.get(platform)
        if known is None:
            known = self._lateness[platform] = self.event_time.lateness(platform, self.lateness)
        return known

    def platform_behind(self, platform: str) -> timedelta:
        """How far behind the live watermark a platform is judged: by its own lateness."""
        return max(timedelta(0), self.lateness_of(platform) - self.lateness)

    def brand_behind(self, brand: str) -> timedelta:
        """How far behind the live watermark a brand is judged: by its freshest platform's lateness."""
        return self._brand_behind.get(brand, timedelta(0))

    def per_source(self, threads: dict[str, T], platform_of: Callable[[T], str], now: datetime,
                   evaluate: Callable[[dict[str, T], datetime], list[Firing | Clear]]) -> list[Firing | Clear]:
        """Thread rules in the thread's own time: each platform's threads at that platform's watermark, for
        live watermark `now`. `evaluate` may forget threads (delete them from the dict it is given)."""
        if not threads:
            return []
        groups: dict[str, dict[str, T]] = {}
        for key, thread in threads.items():
            groups.setdefault(platform_of(thread), {})[key] = thread
        if len(groups) <= 1:  # the usual case: no copies, the rule forgets in `threads` itself
            return [decision for platform in groups
                    for decision in evaluate(threads, now + self.lateness - self.lateness_of(platform))]
        decisions: list[Firing | Clear] = []
        for platform, subset in groups.items():
            kept = set(subset)
            decisions += evaluate(subset, now + self.lateness - self.lateness_of(platform))
            for forgotten in kept - subset.keys():
                del threads[forgotten]
        return decisions
