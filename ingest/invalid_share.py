"""How much of what ingest reads is garbage: the share of recent records that went to the DLQ."""

from __future__ import annotations

from collections import Counter, deque


class InvalidShare:
    """The share of the last `window` records that were invalid, with the kinds of those that were.
    `add` says when the share has moved into another tenth, so a flood is logged when it changes,
    not once per record."""

    def __init__(self, window: int) -> None:
        self._recent: deque[str | None] = deque(maxlen=window)  # the invalid kind, or None if valid
        self._invalid = 0
        self.tenth: int | None = None  # the share in tenths (0-10) once the window is full
        self.previous_tenth: int | None = None

    def add(self, invalid_kind: str | None) -> bool:
        if self.full and self._recent[0] is not None:
            self._invalid -= 1
        self._recent.append(invalid_kind)
        self._invalid += invalid_kind is not None
        if not self.full:
            return False
        tenth = int(self.ratio * 10)
        if tenth == self.tenth:
            return False
        self.previous_tenth, self.tenth = self.tenth, tenth
        return True

    @property
    def full(self) -> bool:
        return len(self._recent) == self._recent.maxlen

    @property
    def window(self) -> int:
        return len(self._recent)

    @property
    def invalid(self) -> int:
        return self._invalid

    @property
    def ratio(self) -> float:
        return self._invalid / len(self._recent) if self._recent else 0.0

    def commonest(self) -> str:
        kinds = Counter(kind for kind in self._recent if kind is not None)
        return ", ".join(f"{kind} {count}" for kind, count in kinds.most_common(3))
