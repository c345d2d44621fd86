"""Defaults for the loop's hooks, for stages that keep no per-partition state."""

from __future__ import annotations

from typing import Any


class Stage:
    def on_assigned(self, consumer: Any, partitions: list[Any]) -> None:
        return None

    def on_revoked(self, partitions: list[Any]) -> None:
        return None

    def ready(self) -> bool:
        return True

    def close(self) -> None:
        return None
