"""The pure core of the classify stage: mentions in, classified records out, replies with parent text."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cachetools import LRUCache

from classify.classified import ClassifiedMention
from classify.serving.model import Classifier, Post
from ingest.mention import Mention

# The cache's own bookkeeping per entry (dict entries and a linked-list node), on top of the strings.
ENTRY_OVERHEAD_BYTES = 300


def _entry_bytes(entry: tuple[str, str]) -> int:
    mention_id, text = entry
    return sys.getsizeof(mention_id) + sys.getsizeof(text) + ENTRY_OVERHEAD_BYTES


class _Entries(LRUCache[str, tuple[str, str]]):
    """cachetools' LRU bounded by size, and by count as well."""

    def __init__(self, capacity: int, max_bytes: int) -> None:
        super().__init__(maxsize=max_bytes, getsizeof=_entry_bytes)
        self.capacity = capacity

    def __setitem__(self, key: str, value: tuple[str, str]) -> None:
        super().__setitem__(key, value)
        while len(self) > self.capacity:
            self.popitem()


class ParentTexts:
    """Texts of recent mentions by id. `mentions` is keyed by thread root, so a thread's posts
    all arrive at the same worker and a reply finds its parent here. Bounded by bytes as well as by
    count, since a text may be short or 20,000 emoji (80 kB in memory)."""

    def __init__(self, capacity: int, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._texts = _Entries(capacity, max_bytes)

    def remember(self, mention_id: str, text: str) -> None:
        try:
            self._texts[mention_id] = (mention_id, text)
        except ValueError:  # one text larger than the whole budget: not worth remembering
            self._texts.pop(mention_id, None)

    def get(self, mention_id: str | None) -> str | None:
        entry = self._texts.get(mention_id) if mention_id else None
        return entry[1] if entry else None

    @property
    def size_bytes(self) -> int:
        return int(self._texts.currsize)

    def __len__(self) -> int:
        return len(self._texts)


class ClassifyWorker:
    def __init__(self, classifier: Classifier, parent_capacity: int,
                 parent_max_bytes: int = 64 * 1024 * 1024) -> None:
        self.classifier = classifier
        self._parents = ParentTexts(parent_capacity, parent_max_bytes)

    def remember(self, mentions: Sequence[Mention]) -> None:
        """Keep these texts as parents for later replies (the posts before a restart, re-read)."""
        for mention in mentions:
            self._parents.remember(mention.id, mention.text)

    def classify(self, mentions: Sequence[Mention]) -> list[ClassifiedMention]:
        """Each mention gains a `classification`; a reply whose parent was never seen is flagged."""
        posts = []
        self.remember(mentions)
        for mention in mentions:
            parent_id = mention.parent_id
            parent_text = self._parents.get(parent_id)
            if parent_id and parent_text is None:
                # Still a reply, only without its context: the classifier must not read it as a post.
                mention.record.setdefault("flags", []).append("parent_unseen")
                parent_text = ""
            posts.append(Post(text=mention.text, parent_text=parent_text))
        results = self.classifier.classify(posts)
        return [ClassifiedMention.of(mention, result) for mention, result in zip(mentions, results, strict=True)]
