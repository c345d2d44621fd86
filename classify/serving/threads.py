"""The brand of a thread: a reply that names no brand belongs to its thread root's brand.

`mentions` is keyed by thread root, so every post of a thread reaches the same classify worker, root
first when the source delivers it so. A thread collector delivers the replies as they are, and most
never name the brand ("Zeurpiet."); ingest passes them on with `brand: null` and this remembers, per
root id, the brand its root was tagged with. Bounded like the parent-text cache: the least recently
used roots go first, and an id too long to be a real one is not remembered.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

MAX_ID_CHARS = 512  # real ids are short (li:7265312, a URN of some 60 characters); a hostile one is not kept


def root_of(record: dict[str, Any]) -> str:
    thread = record.get("thread")
    root = thread.get("root_id") if isinstance(thread, dict) else None
    return root if isinstance(root, str) and root else str(record["id"])


class ThreadBrands:
    def __init__(self, capacity: int) -> None:
        self._brands: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def learn(self, record: dict[str, Any]) -> None:
        """A root tagged with a brand (by its source or by ingest's matcher) names its thread's brand."""
        mention_id, brand = record["id"], record.get("brand")
        if root_of(record) != mention_id or not isinstance(brand, str) or len(mention_id) > MAX_ID_CHARS:
            return
        self._brands[mention_id] = brand
        self._brands.move_to_end(mention_id)
        if len(self._brands) > self._capacity:
            self._brands.popitem(last=False)

    def brand_of(self, record: dict[str, Any]) -> str | None:
        """The brand of the record's thread root, if that root was seen (and is still remembered)."""
        brand = self._brands.get(root_of(record))
        if brand is not None:
            self._brands.move_to_end(root_of(record))
        return brand
