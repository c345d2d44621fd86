"""Three sources at once, as they really arrive (issue 21): X streamed live, LinkedIn polled every 30
minutes (each poll delivers every thread that moved, whole, with replies that name no brand), and a review
site polled once a day. The seed-001 pile-on runs on LinkedIn, beside a calm day on all three.

`deliveries` gives each record with the moment a collector would have written it to `mentions.raw`;
the replay file is those records in that order, so replaying it plays the delays in event time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from luisterpost.demo.scenarios import AMSTERDAM_WINTER, DEMO_START, PILE_ON_START, calm_stream, pile_on_thread

MentionRecord = dict[str, Any]
LIVE_DELAY = timedelta(seconds=2)  # X's streaming API: seconds behind
POLL_EVERY = timedelta(minutes=30)  # the LinkedIn collector
REVIEW_POLL_AT = time(9, 0)  # the review site's daily export, Amsterdam time
SOURCES = ("x", "linkedin", "review")


@dataclass(frozen=True)
class Delivery:
    at: datetime
    record: MentionRecord


def created(record: MentionRecord) -> datetime:
    return datetime.fromisoformat(record["created_at"])


def root_id(record: MentionRecord) -> str:
    return str((record.get("thread") or {}).get("root_id") or record["id"])


def next_poll(moment: datetime, every: timedelta = POLL_EVERY) -> datetime:
    """The first poll strictly after `moment` (polls run on the clock: :00 and :30)."""
    epoch = datetime(2000, 1, 1, tzinfo=AMSTERDAM_WINTER)
    return epoch + every * ((moment - epoch) // every + 1)


def next_daily(moment: datetime) -> datetime:
    local = moment.astimezone(AMSTERDAM_WINTER)
    poll = datetime.combine(local.date(), REVIEW_POLL_AT, AMSTERDAM_WINTER)
    return poll if poll > local else poll + timedelta(days=1)


def untagged(record: MentionRecord) -> MentionRecord:
    """As a thread collector delivers a reply: without `brand`."""
    if root_id(record) == record["id"]:
        return record
    return {key: value for key, value in record.items() if key != "brand"}


def _linkedin_polls(records: list[MentionRecord]) -> list[Delivery]:
    """Each poll delivers every thread with something new since the last poll, whole (root and every reply
    so far): ingest drops the repeats by id, exactly as it must for a real collector."""
    threads: dict[str, list[MentionRecord]] = {}
    for record in sorted(records, key=created):
        threads.setdefault(root_id(record), []).append(untagged(record))
    polls = sorted({next_poll(created(record)) for record in records})
    out: list[Delivery] = []
    for poll in polls:
        for posts in threads.values():
            if any(poll - POLL_EVERY <= created(post) < poll for post in posts):
                out += [Delivery(poll, post) for post in posts if created(post) < poll]
    return out


def deliveries(seed: int = 7, hours: float = 24, per_hour: int = 80, pile_on: bool = True,
               linkedin_delay: timedelta | None = None) -> list[Delivery]:
    """The calm day on the three sources (and the pile-on on LinkedIn), in the order they are delivered.
    `linkedin_delay`: LinkedIn delivered that long after posting, each record tagged as it was written,
    instead of polled (the issue's first failing case: 20 minutes late beside live X)."""
    records = [record for record in calm_stream(DEMO_START, hours, seed, per_hour) if record["platform"] in SOURCES]
    linkedin = [record for record in records if record["platform"] == "linkedin"]
    linkedin += pile_on_thread(PILE_ON_START, seed) if pile_on else []
    out = [Delivery(created(record) + LIVE_DELAY, record) for record in records if record["platform"] == "x"]
    out += [Delivery(next_daily(created(record)), record) for record in records if record["platform"] == "review"]
    out += _linkedin_polls(linkedin) if linkedin_delay is None \
        else [Delivery(created(record) + linkedin_delay, record) for record in linkedin]
    return sorted(out, key=lambda delivery: delivery.at)  # stable: a poll keeps its threads whole


def three_sources(seed: int = 7, pile_on: bool = True, linkedin_delay: timedelta | None = None) -> list[MentionRecord]:
    """The replay file: the records in delivery order."""
    return [delivery.record for delivery in deliveries(seed, pile_on=pile_on, linkedin_delay=linkedin_delay)]


def main(argv: list[str] | None = None) -> None:
    """`python -m luisterpost.demo.sources OUT.jsonl [--late-minutes N] [--calm]`: a file to replay."""
    import argparse

    from luisterpost.demo.scenarios import write_jsonl

    parser = argparse.ArgumentParser(prog="python -m luisterpost.demo.sources", description=main.__doc__)
    parser.add_argument("out")
    parser.add_argument("--late-minutes", type=float, help="LinkedIn delivered this late instead of polled")
    parser.add_argument("--calm", action="store_true", help="without the pile-on")
    args = parser.parse_args(argv)
    delay = None if args.late_minutes is None else timedelta(minutes=args.late_minutes)
    write_jsonl(args.out, three_sources(pile_on=not args.calm, linkedin_delay=delay))


if __name__ == "__main__":
    main()
