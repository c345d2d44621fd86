"""legal_or_media_threat: a complaint that names a lawyer, the press or an emergency, from someone who counts.

Someone counts when he has reach, or when he praised the brand before (seed 002: a loyal fan turned
"terrorist customer" citing the legal warranty). Each brand keeps a bounded map author -> last praise.
A thread fires once, at the threatening complaint, and resolves when the brand replies in it after the
threat, or when it has been quiet for `quiet_hours`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.rules.base import Context, Decision, Rule
from alerts.rules_config import ThreatConfig

RULE = "legal_or_media_threat"
_WHAT = {"legal": "legal action", "media": "the media", "emergency": "an emergency", "churn": "leaving",
         "abuse": "abuse"}


@dataclass
class ThreatThread:
    threats: list[Observation]  # the threatening complaints, the first one fired it
    praised_at: datetime | None  # the author's last praise before the first threat, if any
    last_activity: datetime
    answered_at: datetime | None = None
    firing: bool = False
    closed: bool = False


@dataclass
class ThreatState:
    praised: OrderedDict[str, datetime] = field(default_factory=OrderedDict)  # oldest praise first
    threads: dict[str, ThreatThread] = field(default_factory=dict)


def _remember_praise(state: ThreatState, mention: Observation, config: ThreatConfig) -> None:
    state.praised[mention.author] = max(mention.created_at, state.praised.get(mention.author, mention.created_at))
    state.praised.move_to_end(mention.author)
    horizon = mention.created_at - timedelta(days=config.praise_history_days)
    while state.praised and (len(state.praised) > config.max_praisers
                             or next(iter(state.praised.values())) < horizon):
        state.praised.popitem(last=False)  # bounded: the oldest praise goes first


def praised_before(state: ThreatState, mention: Observation, config: ThreatConfig) -> datetime | None:
    """When the author last praised the brand, if within the history window before this mention."""
    at = state.praised.get(mention.author)
    if at is None or at >= mention.created_at:
        return None
    return at if mention.created_at - at <= timedelta(days=config.praise_history_days) else None


def threatening(mention: Observation, config: ThreatConfig) -> bool:
    return (mention.stance == "complaint" and not mention.is_brand
            and any(signal in config.signals for signal in mention.signals))


def observe(state: ThreatState, mention: Observation, config: ThreatConfig) -> None:
    """Learn praise; open a thread for a threat from someone who counts; follow the threads open."""
    thread = state.threads.get(mention.root_id)
    if thread is not None:
        thread.last_activity = max(thread.last_activity, mention.created_at)
        if mention.is_brand and mention.created_at >= thread.threats[0].created_at:
            thread.answered_at = min(thread.answered_at or mention.created_at, mention.created_at)
        elif threatening(mention, config) and len(thread.threats) < 20:
            thread.threats.append(mention)
        return
    known = mention.author != "?"
    if mention.stance == "praise" and not mention.is_brand and known:
        _remember_praise(state, mention, config)
    if not threatening(mention, config):
        return
    praised_at = praised_before(state, mention, config) if known else None
    if mention.followers >= config.min_followers or praised_at is not None:
        state.threads[mention.root_id] = ThreatThread([mention], praised_at, mention.created_at)


def _firing(thread: ThreatThread, brand: str, root_id: str, config: ThreatConfig) -> Firing:
    first = thread.threats[0]
    signals = [signal for signal in first.signals if signal in config.signals]
    who = "a former fan" if thread.praised_at is not None else "an author with reach"
    headline = (f"{brand}: {who} threatens {' and '.join(_WHAT[s] for s in signals)} "
                f"({first.author}, {first.followers:,} followers"
                + (f", praised {brand} on {thread.praised_at:%Y-%m-%d})" if thread.praised_at else ")"))
    evidence = {"signals": signals, "followers": first.followers, "min_followers": config.min_followers,
                "praised_at": thread.praised_at.isoformat() if thread.praised_at else None,
                "praise_history_days": config.praise_history_days, "threats": len(thread.threats),
                "complaint_at": first.created_at.isoformat(), "root_id": root_id}
    return Firing(f"{brand}/{RULE}/{root_id}", RULE, config.severity, brand, f"{headline}: {first.text[:300]}",
                  len(thread.threats), evidence, [threat.top_mention() for threat in thread.threats[:5]])


def evaluate(state: ThreatState, brand: str, now: datetime, config: ThreatConfig) -> list[Firing | Clear]:
    """Fire each new threat thread once; clear on a brand reply or a quiet thread; forget closed ones."""
    decisions: list[Firing | Clear] = []
    quiet = timedelta(hours=config.quiet_hours)
    for root_id, thread in list(state.threads.items()):
        if not thread.firing and not thread.closed:
            thread.firing = True
            decisions.append(_firing(thread, brand, root_id, config))
        elif thread.firing:
            reason = ("the brand replied in the thread" if thread.answered_at is not None
                      else f"thread quiet for {config.quiet_hours:g} h" if now - thread.last_activity >= quiet
                      else None)
            if reason is None:
                decisions.append(_firing(thread, brand, root_id, config))
            else:
                thread.firing, thread.closed = False, True
                decisions.append(Clear(f"{brand}/{RULE}/{root_id}", reason))
        elif now - thread.last_activity >= 2 * quiet:
            del state.threads[root_id]  # closed long enough ago: forget it, bounding memory
    return decisions


class LegalOrMediaThreat(Rule[ThreatState]):
    """Per brand: who praised it, and the threat threads."""

    name = RULE

    def __init__(self, config: ThreatConfig) -> None:
        self.config = config

    def new_state(self) -> ThreatState:
        return ThreatState()

    def observe(self, state: ThreatState, mention: Observation, context: Context) -> list[Decision]:
        observe(state, mention, self.config)
        return evaluate(state, mention.brand, mention.created_at, self.config)

    def advance(self, state: ThreatState, brand: str, now: datetime, context: Context) -> list[Decision]:
        return context.time.per_source(
            state.threads, lambda thread: thread.threats[0].platform, now,
            lambda threads, at: evaluate(ThreatState(state.praised, threads), brand, at, self.config))
