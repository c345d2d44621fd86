"""A per-receiver rate budget, so a burst of incidents waits its turn instead of running into the
pager's own limit (PagerDuty: about 120 events a minute per routing key)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateBudget:
    """At most `per_minute` sends in any 60 seconds. A token bucket of that rate would allow its
    burst on top of the rate within one minute, over the pager's limit; a sliding window does not.

    `reserve()` books the next free slot and says how many seconds to wait for it: 0 when one is
    free now. Pages wait; none is dropped. One caller at a time (the notify stage's loop)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 window_s: float = 60.0) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute, self._clock, self._window_s = per_minute, clock, window_s
        self._booked: deque[float] = deque(maxlen=per_minute)  # only the last per_minute slots matter

    def reserve(self) -> float:
        now = self._clock()
        full = len(self._booked) == self.per_minute
        slot = max(now, self._booked[0] + self._window_s) if full else now
        self._booked.append(slot)
        return slot - now
