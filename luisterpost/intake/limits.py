"""Per-client token buckets: a pure decision of (bucket, cost, now), the clock injected."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass
class TokenBucket:
    rate_per_s: float
    depth: float
    tokens: float
    updated: float

    def take(self, cost: float, now: float) -> float:
        """0 when `cost` tokens were taken; otherwise the seconds until they will be there (none taken)."""
        self.tokens = min(self.depth, self.tokens + max(0.0, now - self.updated) * self.rate_per_s)
        self.updated = max(self.updated, now)
        if cost <= self.tokens:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate_per_s


class RateLimiter:
    """One bucket per client name. Clients come from the configuration, so the map is bounded by it."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self._rate, self._burst = rate_per_s, float(burst)
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str, cost: int, now: float) -> int:
        """0: go ahead. Otherwise whole seconds to wait, for the Retry-After header (at least 1)."""
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = self._buckets[client] = TokenBucket(self._rate, self._burst, self._burst, now)
            wait = bucket.take(cost, now)
        return 0 if wait == 0 else max(1, math.ceil(wait))
