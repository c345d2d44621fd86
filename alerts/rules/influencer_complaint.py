"""influencer_complaint: a complaint from an author with reach, unanswered by the brand within the SLA."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.detection.incidents import Clear, Firing
from alerts.detection.observation import Observation
from alerts.rules.base import Context, Decision, Rule
from alerts.rules_config import InfluencerComplaintConfig

RULE = "influencer_complaint"


@dataclass
class Thread:
    root: Observation
    deadline: datetime
    last_activity: datetime
    answered_at: datetime | None = None
    replies: int = 0
    stances: dict[str, int] = field(default_factory=dict)
    abusive: int = 0
    firing: bool = False
    closed: bool = False  # resolved once: a thread pages at most once


def observe(threads: dict[str, Thread], mention: Observation, config: InfluencerComplaintConfig) -> None:
    """Open a thread for a complaint with reach; follow the replies of threads already open."""
    if mention.parent_id is None:
        if (mention.stance == "complaint" and not mention.is_brand
                and mention.followers >= config.min_followers and mention.id not in threads):
            sla = timedelta(minutes=config.sla_minutes)
            threads[mention.id] = Thread(mention, mention.created_at + sla, mention.created_at)
        return
    thread = threads.get(mention.root_id)
    if thread is None:
        return
    thread.last_activity = max(thread.last_activity, mention.created_at)
    if mention.is_brand:
        thread.answered_at = min(thread.answered_at or mention.created_at, mention.created_at)
        return
    thread.replies += 1
    thread.stances[mention.stance] = thread.stances.get(mention.stance, 0) + 1
    thread.abusive += "abuse" in mention.signals


def _firing(thread: Thread, brand: str, now: datetime, config: InfluencerComplaintConfig) -> Firing:
    root = thread.root
    waited = int((now - root.created_at).total_seconds() // 60)
    summary = (f"{brand}: complaint by {root.author} ({root.followers:,} followers) unanswered for "
               f"{waited} min (SLA {config.sla_minutes:g} min), {thread.replies} replies: {root.text[:300]}")
    evidence = {"followers": root.followers, "complaint_at": root.created_at.isoformat(),
                "sla_minutes": config.sla_minutes, "minutes_unanswered": waited,
                "replies": thread.replies, "reply_stances": dict(thread.stances),
                "abusive_replies": thread.abusive}
    return Firing(f"{brand}/{RULE}/{root.id}", RULE, config.severity, brand, summary,
                  thread.replies, evidence, [root.top_mention()])


def evaluate(threads: dict[str, Thread], brand: str, now: datetime,
             config: InfluencerComplaintConfig) -> list[Firing | Clear]:
    """At watermark `now`: fire past the deadline if unanswered; clear on an answer or a quiet thread."""
    decisions: list[Firing | Clear] = []
    quiet = timedelta(hours=config.quiet_hours)
    for root_id, thread in list(threads.items()):
        if thread.firing:
            reason = ("the brand replied in the thread" if thread.answered_at is not None
                      else f"thread quiet for {config.quiet_hours:g} h"
                      if now - thread.last_activity >= quiet else None)
            if reason:
                thread.firing, thread.closed = False, True
                decisions.append(Clear(f"{brand}/{RULE}/{root_id}", reason))
            else:
                decisions.append(_firing(thread, brand, now, config))  # an update once it has grown
        elif not thread.closed and thread.answered_at is None and now >= thread.deadline:
            thread.firing = True
            decisions.append(_firing(thread, brand, now, config))
        if not thread.firing and now - thread.last_activity >= 2 * quiet:
            del threads[root_id]  # closed long enough ago: forget it, bounding memory
    return decisions


class InfluencerComplaint(Rule[dict[str, Thread]]):
    """Per brand: complaint threads with reach, by root id. Judged only on the watermark (the SLA)."""

    name = RULE

    def __init__(self, config: InfluencerComplaintConfig) -> None:
        self.config = config

    def new_state(self) -> dict[str, Thread]:
        return {}

    def observe(self, state: dict[str, Thread], mention: Observation, context: Context) -> list[Decision]:
        observe(state, mention, self.config)
        return []

    def advance(self, state: dict[str, Thread], brand: str, now: datetime, context: Context) -> list[Decision]:
        return context.time.per_source(state, lambda thread: thread.root.platform, now,
                                       lambda threads, at: evaluate(threads, brand, at, self.config))
