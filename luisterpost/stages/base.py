"""Defaults for the loop's hooks, for stages that keep no per-partition state."""

from __future__ import annotations

from typing import Any

from luisterpost.loop import Output


class Stage:
    def on_assigned(self, consumer: Any, partitions: list[Any]) -> None:
        return None

    def on_revoked(self, partitions: list[Any]) -> None:
        return None

    def ready(self) -> bool:
        return True

    def on_idle(self, now: float) -> list[Output]:
        return []

    def close(self) -> None:
        return None
