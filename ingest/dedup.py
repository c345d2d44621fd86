"""Drop mentions already seen, by id, within a bounded memory."""

from __future__ import annotations

import hashlib

from cachetools import LRUCache

# What one remembered id costs: its 16-byte digest (a 49-byte bytes object) plus the cache's own
# bookkeeping (dict entries and a linked-list node): about 210 bytes measured by bench/hostile_caches.py,
# counted as 320 to leave room for other Python builds.
ENTRY_BYTES = 320


def digest(mention_id: str) -> bytes:
    """A fixed-size stand-in for an id of any length; 128 bits make a collision practically impossible."""
    return hashlib.blake2b(mention_id.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class SeenIds:
    """An LRU set: after a restart it starts empty, and downstream stages absorb repeats by id. Bounded
    by count and by bytes, whatever the ids' sizes, since it keeps digests, not ids."""

    def __init__(self, capacity: int, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._digests: LRUCache[bytes, None] = LRUCache(maxsize=max(1, min(capacity, max_bytes // ENTRY_BYTES)))

    @property
    def capacity(self) -> int:
        return int(self._digests.maxsize)

    def first_time(self, mention_id: str) -> bool:
        key = digest(mention_id)
        if key in self._digests:
            self._digests[key] = None  # an assignment refreshes its place in the LRU order
            return False
        self._digests[key] = None
        return True

    def __len__(self) -> int:
        return len(self._digests)
