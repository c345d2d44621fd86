"""pile_on: a complaint thread gathers many defenders fast; the brand's own fans shame a customer in public.

Defenders are counted per author (ten replies by one troll are one defender) in a sliding event-time
window under a complaint root we saw; an abusive defender weighs `abuse_weight`. A complainer with reach
needs fewer: the humiliation plays out before a larger audience. A thread fires once, updates while it
grows, and resolves after the weighted count has stayed below `clear_threshold` for `quiet_minutes`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.detection.windows import sliding
from alerts.rules.base import Context, Decision, Rule
from alerts.rules_config import PileOnConfig

RULE = "pile_on"


@dataclass
class PileThread:
    root: Observation
    last_activity: datetime
    defenders: deque[Observation] = field(default_factory=deque)  # defense replies, pruned to the window
    stances: dict[str, int] = field(default_factory=dict)  # every non-brand reply in the thread
    weight_total: float = 0.0  # weighted defense replies over the whole thread: what "grows" means
    firing: bool = False
    closed: bool = False  # resolved once: a thread pages at most once
    above_until: datetime | None = None  # while firing: when the window falls below clear_threshold unless fed


@dataclass(frozen=True)
class Count:
    weighted: float
    defenders: int
    abusive: int


def weight(reply: Observation, config: PileOnConfig) -> float:
    return config.abuse_weight if "abuse" in reply.signals else 1.0


def _who(reply: Observation) -> str:
    """The defender a reply counts for; an unnamed author counts per reply."""
    return reply.author if reply.author != "?" else reply.id


def count(replies: list[Observation], config: PileOnConfig) -> Count:
    """Distinct defenders; each weighs as his heaviest reply."""
    weights: dict[str, float] = {}
    abusive: set[str] = set()
    for reply in replies:
        who = _who(reply)
        weights[who] = max(weights.get(who, 0.0), weight(reply, config))
        if "abuse" in reply.signals:
            abusive.add(who)
    return Count(sum(weights.values()), len(weights), len(abusive))


def threshold(root: Observation, config: PileOnConfig) -> float:
    return config.reach_threshold if root.followers >= config.reach_followers else config.threshold


def observe(threads: dict[str, PileThread], mention: Observation, config: PileOnConfig) -> None:
    """Remember complaint roots; count the replies under the roots we remember, ignore the rest."""
    if mention.parent_id is None:
        if mention.stance == "complaint" and not mention.is_brand and mention.id not in threads:
            threads[mention.id] = PileThread(mention, mention.created_at)
        return
    thread = threads.get(mention.root_id)
    if thread is None or mention.is_brand:
        return
    thread.last_activity = max(thread.last_activity, mention.created_at)
    thread.stances[mention.stance] = thread.stances.get(mention.stance, 0) + 1
    if mention.stance == "defense" and mention.author != thread.root.author:
        thread.defenders.append(mention)
        thread.weight_total += weight(mention, config)


def _in_window(thread: PileThread, now: datetime, config: PileOnConfig) -> list[Observation]:
    return sliding(thread.defenders, now, timedelta(minutes=config.window_minutes))


def _firing(thread: PileThread, brand: str, now: datetime, config: PileOnConfig) -> Firing:
    root, replies = thread.root, _in_window(thread, now, config)
    counted = count(replies, config)
    fans = f"{counted.defenders} fans attack" if counted.defenders != 1 else "1 fan attacks"
    headline = (f"{brand}: {fans} a complainer ({root.followers:,} followers) "
                f"in {config.window_minutes:g} min" + (f", {counted.abusive} abusive" if counted.abusive else ""))
    evidence = {"defenders": counted.defenders, "abusive_defenders": counted.abusive,
                "weighted_defenders": round(counted.weighted, 2), "window_minutes": config.window_minutes,
                "complainer_followers": root.followers, "threshold": threshold(root, config),
                "min_defenders": config.min_defenders, "clear_threshold": config.clear_threshold,
                "abuse_weight": config.abuse_weight, "reply_stances": dict(thread.stances),
                "thread_weighted_defenders": round(thread.weight_total, 2),
                "complaint_at": root.created_at.isoformat()}
    loudest = sorted(replies, key=lambda r: ("abuse" in r.signals, r.followers), reverse=True)
    top = [root.top_mention()] + [reply.top_mention() for reply in _distinct(loudest)[:4]]
    return Firing(f"{brand}/{RULE}/{root.id}", RULE, config.severity, brand, f"{headline}: {root.text[:300]}",
                  int(thread.weight_total), evidence, top)


def _distinct(replies: list[Observation]) -> list[Observation]:
    seen: set[str] = set()
    first: list[Observation] = []
    for reply in replies:
        if reply.author not in seen:
            seen.add(reply.author)
            first.append(reply)
    return first


def above_until(replies: list[Observation], config: PileOnConfig) -> datetime | None:
    """When the window, fed no more, falls below `clear_threshold`: when the oldest reply of the newest
    group that still reaches it leaves the window. None if the window is below it already."""
    weights: dict[str, float] = {}
    for reply in sorted(replies, key=lambda r: r.created_at, reverse=True):
        who = _who(reply)
        weights[who] = max(weights.get(who, 0.0), weight(reply, config))
        if sum(weights.values()) >= config.clear_threshold:
            return reply.created_at + timedelta(minutes=config.window_minutes)
    return None


def evaluate_thread(thread: PileThread, brand: str, now: datetime, config: PileOnConfig) -> Firing | Clear | None:
    """Fire at or above the threshold; once firing, clear when the window has stayed below
    `clear_threshold` for `quiet_minutes` (measured from the moment it fell below, not from when we looked)."""
    replies = _in_window(thread, now, config)
    counted = count(replies, config)
    if (not thread.firing and not thread.closed and counted.defenders >= config.min_defenders
            and counted.weighted >= threshold(thread.root, config)):
        thread.firing = True
    if not thread.firing:
        return None
    until = above_until(replies, config)
    if until is not None:
        thread.above_until = max(thread.above_until or until, until)
        return _firing(thread, brand, now, config)
    below_since = thread.above_until or now
    if now - below_since >= timedelta(minutes=config.quiet_minutes):
        thread.firing, thread.closed = False, True
        return Clear(f"{brand}/{RULE}/{thread.root.id}",
                     f"fewer than {config.clear_threshold:g} weighted defenders per {config.window_minutes:g} min "
                     f"for {config.quiet_minutes:g} min")
    return _firing(thread, brand, now, config)


def evaluate(threads: dict[str, PileThread], brand: str, now: datetime, config: PileOnConfig) -> list[Firing | Clear]:
    """At watermark `now`: the quiet periods of firing threads; forget threads quiet for `forget_hours`."""
    decisions: list[Firing | Clear] = []
    forget = timedelta(hours=config.forget_hours)
    for root_id, thread in list(threads.items()):
        if thread.firing:
            decision = evaluate_thread(thread, brand, now, config)
            decisions += [decision] if decision is not None else []
        elif now - thread.last_activity >= forget:
            del threads[root_id]  # bounded memory: a later reply to it is ignored, as for a root never seen
    return decisions


class PileOn(Rule[dict[str, PileThread]]):
    """Per brand: complaint threads by root id."""

    name = RULE

    def __init__(self, config: PileOnConfig) -> None:
        self.config = config

    def new_state(self) -> dict[str, PileThread]:
        return {}

    def observe(self, state: dict[str, PileThread], mention: Observation, context: Context) -> list[Decision]:
        observe(state, mention, self.config)
        thread = state.get(mention.root_id)
        decision = evaluate_thread(thread, mention.brand, mention.created_at, self.config) if thread else None
        return [decision] if decision is not None else []

    def advance(self, state: dict[str, PileThread], brand: str, now: datetime, context: Context) -> list[Decision]:
        return context.time.per_source(state, lambda thread: thread.root.platform, now,
                                       lambda threads, at: evaluate(threads, brand, at, self.config))
