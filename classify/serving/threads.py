"""The brand of a thread: a reply that names no brand belongs to its thread root's brand.

`mentions` is keyed by thread root, so every post of a thread reaches the same classify worker, root
first when the source delivers it so. A thread collector delivers the replies as they are, and most
never name the brand ("Zeurpiet."); ingest passes them on with `brand: null` and this remembers, per
root id, the brand its root was tagged with. Bounded like the parent-text cache: the least recently
used roots go first, and an id too long to be a real one is not remembered.
"""

from __future__ import annotations

from collections import OrderedDict

from ingest.mention import Mention

MAX_ID_CHARS = 512  # real ids are short (li:7265312, a URN of some 60 characters); a hostile one is not kept


class ThreadBrands:
    def __init__(self, capacity: int) -> None:
        self._brands: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def learn(self, mention: Mention) -> None:
        """A root tagged with a brand (by its source or by ingest's matcher) names its thread's brand."""
        if mention.root_id != mention.id or mention.brand is None or len(mention.id) > MAX_ID_CHARS:
            return
        self._brands[mention.id] = mention.brand
        self._brands.move_to_end(mention.id)
        if len(self._brands) > self._capacity:
            self._brands.popitem(last=False)

    def brand_of(self, mention: Mention) -> str | None:
        """The brand of the mention's thread root, if that root was seen (and is still remembered)."""
        brand = self._brands.get(mention.root_id)
        if brand is not None:
            self._brands.move_to_end(mention.root_id)
        return brand
