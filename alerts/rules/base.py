"""The one interface of an escalation rule. The detector holds a list of rules and no code of its own for
any of them: it keeps each rule's state (one per brand, or one for the partition), hands it every admitted
mention, moves its timers on with the watermark, and books the decisions the rule returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Generic, TypeVar

from alerts.detection.baseline import HourOfWeek
from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.detection.watermark import Watermarks

Decision = Firing | Clear
State = TypeVar("State")


@dataclass(frozen=True)
class Context:
    """What a rule may read besides its own state: the partition's event time and the hour-of-week rates."""

    time: Watermarks
    baseline: HourOfWeek


class Rule(ABC, Generic[State]):
    """A section of the rules file as a decision: a pure function of (state, mention or watermark, context).

    The detector calls `observe` for every admitted mention (decisions at the mention's own time), then
    `advance` for every brand at the watermark (timers, quiet periods); `idle` when nothing has arrived
    for a while of wall-clock time. Rules are judged in the order of the rules file, and a rule's
    decisions are booked in the order it returns them: that order is the order of the pages."""

    name: ClassVar[str]  # the rule's section in rules.yaml, and the `rule` of its incidents
    per_brand: ClassVar[bool] = True  # False: one state for the partition, judged after every brand's

    @abstractmethod
    def new_state(self) -> State:
        """The state of a brand (or partition) not heard before."""

    @abstractmethod
    def observe(self, state: State, mention: Observation, context: Context) -> list[Decision]:
        """Take in one admitted mention (of any brand, when not `per_brand`)."""

    @abstractmethod
    def advance(self, state: State, brand: str, now: datetime, context: Context) -> list[Decision]:
        """Timers and quiet periods at watermark `now`; `brand` is "" when not `per_brand`."""

    def idle(self, state: State, brand: str, now: datetime, idle_for: timedelta, context: Context) -> list[Decision]:
        """Nothing at all has arrived for `idle_for` of wall-clock time; `now` is the watermark plus that.
        Most rules wait for event time instead."""
        return []
