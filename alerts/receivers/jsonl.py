"""Appends each incident event as one JSON line: what `luisterpost replay --incidents-out` writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alerts.receivers.base import Outcome


class JsonlReceiver:
    def __init__(self, name: str, severities: frozenset[str], path: Path) -> None:
        self.name = name
        self.severities = severities
        self._file = path.open("a", encoding="utf-8")

    def send(self, event: dict[str, Any]) -> Outcome:
        try:
            self._file.write(json.dumps(event, ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as error:
            return Outcome.retry(f"cannot write: {error.strerror}")
        return Outcome.ok()

    def close(self) -> None:
        self._file.close()
