"""Drop mentions already seen, by id, within a bounded memory."""

from __future__ import annotations

from collections import OrderedDict


class SeenIds:
    """An LRU set: after a restart it starts empty, and downstream stages absorb repeats by id."""

    def __init__(self, capacity: int) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def first_time(self, mention_id: str) -> bool:
        if mention_id in self._ids:
            self._ids.move_to_end(mention_id)
            return False
        self._ids[mention_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._ids)
