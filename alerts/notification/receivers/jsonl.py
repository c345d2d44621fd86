"""Appends each incident event as one JSON line: what `luisterpost replay --incidents-out` writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alerts.notification.page import Page
from alerts.notification.receivers.base import Outcome
from alerts.notification.receivers.rate import RateBudget


def _identity(event: dict[str, Any]) -> tuple[str, str, str]:
    return (str(event.get("dedup_key")), str(event.get("action")), str(event.get("event_time")))


class JsonlReceiver:
    """Like a pager, it deduplicates: an event redelivered after a restart is not written twice."""

    def __init__(self, name: str, severities: frozenset[str], path: Path) -> None:
        self.name = name
        self.severities = severities
        self.budget: RateBudget | None = None
        self._written = {_identity(json.loads(line)) for line in self._lines(path)}
        self._file = path.open("a", encoding="utf-8")

    @staticmethod
    def _lines(path: Path) -> list[str]:
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] \
            if path.exists() else []

    def send(self, page: Page) -> Outcome:
        if page.identity in self._written:
            return Outcome.ok()
        self._written.add(page.identity)
        try:
            self._file.write(json.dumps(page.to_json(), ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as error:
            return Outcome.retry(f"cannot write: {error.strerror}")
        return Outcome.ok()

    def close(self) -> None:
        self._file.close()
