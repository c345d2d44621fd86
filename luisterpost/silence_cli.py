"""`luisterpost silence add|list|expire`: the on-call's way to mute a known crisis for a while."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from alerts.notification.silences import Silence, SilenceError, new_silence, parse_duration
from luisterpost import kafka
from luisterpost.config import Config, ConfigError
from luisterpost.silence_store import read_silences, write_silence


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    silence = commands.add_parser("silence", help="mute matching incidents for a while (kept in Kafka)")
    actions = silence.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="a new silence; prints its id")
    add.add_argument("matchers", nargs="+", metavar="MATCHER",
                     help="brand=coolblue, rule=pile_on, severity!=critical, thread=li:7265312, rule=~pile_on|.*threat")
    add.add_argument("--duration", default="2h", help="how long, from now: 90m, 2h, 1d (default 2h, at most 30d)")
    add.add_argument("--author", required=True, help="who is muting (shown with every muted page)")
    add.add_argument("--comment", required=True, help="why, and until what")
    listing = actions.add_parser("list", help="the active silences (and with --all the expired ones)")
    listing.add_argument("--all", action="store_true")
    listing.add_argument("--json", action="store_true")
    expire = actions.add_parser("expire", help="end a silence now")
    expire.add_argument("id", help="the id, or a unique start of it, from `silence list`")
    for action in (add, listing, expire):
        action.add_argument("--bootstrap", help="Kafka bootstrap servers (or LUISTERPOST_BOOTSTRAP)")


def _row(silence: Silence, now: datetime) -> str:
    state = "active" if silence.active(now) else "pending" if now < silence.starts_at else "expired"
    return (f"{silence.id}  {state:8}  until {silence.ends_at.isoformat(timespec='minutes')}  "
            f"{' '.join(str(m) for m in silence.matchers)}  ({silence.created_by}: {silence.comment})")


def run(config: Config, args: argparse.Namespace, now: datetime | None = None) -> int:
    bootstrap = config.kafka.bootstrap
    if not bootstrap:
        raise ConfigError("kafka.bootstrap: silences live on the cluster's `silences` topic; "
                          "give --bootstrap or LUISTERPOST_BOOTSTRAP")
    now = now or datetime.now(UTC)
    topics = kafka.Topics.with_prefix(config.kafka.topic_prefix)
    try:
        if args.action == "add":
            silence = new_silence(args.matchers, parse_duration(args.duration), args.author, args.comment, now)
            kafka.ensure_topics(config.kafka, bootstrap, topics)
            write_silence(config.kafka, bootstrap, topics.silences, silence)
            print(silence.id)
            return 0
        book = read_silences(config.kafka, bootstrap, topics.silences)
        if args.action == "expire":
            ended = book.find(args.id).expired(now)
            write_silence(config.kafka, bootstrap, topics.silences, ended)
            print(f"expired {ended.id}")
            return 0
    except SilenceError as error:
        print(f"luisterpost silence: {error}", file=sys.stderr)
        return 2
    silences = book.listed(now, include_expired=args.all)
    if args.json:
        print(json.dumps([json.loads(silence.to_json()) for silence in silences], ensure_ascii=False, indent=2))
    else:
        print("\n".join(_row(silence, now) for silence in silences) or "no silences")
    return 0
