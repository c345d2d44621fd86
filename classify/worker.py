"""The pure core of the classify stage: mentions in, classified records out, replies with parent text."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from classify.model import Classifier, Post


class ParentTexts:
    """Texts of recent mentions by id. `mentions` is keyed by thread root, so a thread's posts
    all arrive at the same worker and a reply finds its parent here."""

    def __init__(self, capacity: int) -> None:
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def remember(self, mention_id: str, text: str) -> None:
        self._texts[mention_id] = text
        self._texts.move_to_end(mention_id)
        if len(self._texts) > self._capacity:
            self._texts.popitem(last=False)

    def get(self, mention_id: str | None) -> str | None:
        return self._texts.get(mention_id) if mention_id else None


class ClassifyWorker:
    def __init__(self, classifier: Classifier, parent_capacity: int) -> None:
        self.classifier = classifier
        self._parents = ParentTexts(parent_capacity)

    def classify(self, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each record gains a `classification`; a reply whose parent was never seen is flagged."""
        posts = []
        for record in records:
            self._parents.remember(record["id"], record["text"])
        for record in records:
            parent_id = record.get("thread", {}).get("parent_id")
            parent_text = self._parents.get(parent_id)
            if parent_id and parent_text is None:
                # Still a reply, only without its context: the classifier must not read it as a post.
                record.setdefault("flags", []).append("parent_unseen")
                parent_text = ""
            posts.append(Post(text=record["text"], parent_text=parent_text))
        results = self.classifier.classify(posts)
        return [{**record, "classification": result.to_json()}
                for record, result in zip(records, results, strict=True)]
