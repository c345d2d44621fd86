"""Deterministic Dutch mention streams (Mention JSON v1, docs/contracts.md) for the demo and the tests.

Everything comes from `random.Random(seed)`: the same seed gives the same records, byte for byte.
The `labelled_*` functions pair each mention with the stance its text was written to have, so that
tests can count complaints and defenders without putting labels into the records themselves.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from luisterpost.demo import texts

MentionRecord = dict[str, Any]
Labelled = tuple[MentionRecord, str]

AMSTERDAM_WINTER = timezone(timedelta(hours=1))
DEMO_START = datetime(2018, 11, 26, 12, 0, tzinfo=AMSTERDAM_WINTER)
PILE_ON_START = datetime(2018, 11, 26, 22, 45, tzinfo=AMSTERDAM_WINTER)
PILE_ON_ROOT_ID = "li:7265312"
PLATFORMS = ("linkedin", "x", "facebook", "instagram", "tiktok", "reddit", "youtube", "trustpilot",
             "forum", "news", "review", "other")
DEFECTS = ("broken_json", "missing_field", "bad_date", "invalid_utf8", "not_an_object", "empty_text",
           "bad_platform", "negative_followers")
CALM_MAX_FOLLOWERS = 5_000
PILE_ON_MAX_FOLLOWERS = 3_000

# Calm traffic by platform, in the order of PLATFORMS.
_PLATFORM_WEIGHTS = (5, 30, 15, 10, 5, 6, 3, 8, 6, 4, 5, 3)
_STANCE_WEIGHTS = {"neutral": 70, "praise": 18, "complaint": 12}
_DECOY_SHARE, _REPLY_SHARE, _ENGLISH_SHARE = 0.02, 0.15, 0.04
_COMPLAINT_GAP = timedelta(minutes=75)  # per brand: ordinary complaints never cluster
_THREAD_AGE = (timedelta(minutes=2), timedelta(hours=2))


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    followers: int
    is_brand: bool = False
    author_id: str | None = None  # None: made from the platform and the handle


@dataclass
class _Thread:
    root_id: str
    brand: str
    platform: str
    at: datetime
    author: Person
    wants_webcare: bool
    last_id: str


def _people(rng: random.Random, count: int, max_followers: int) -> list[Person]:
    """Ordinary people: most reach a few hundred, a tail reaches a few thousand."""
    people: list[Person] = []
    taken: set[str] = set()
    while len(people) < count:
        first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
        compact = last.replace(" ", "").lower()
        handle = rng.choice((f"{first}_{compact}", f"{first}{rng.randint(70, 99)}", f"{first}.{compact}"))
        handle = handle.lower().replace("-", "")
        if handle in taken:
            continue
        taken.add(handle)
        name = rng.choice((f"{first} {last}", f"{first} {last[0].upper()}."))
        followers = min(max_followers, int(rng.lognormvariate(5.0, 1.3)))
        people.append(Person(handle, name, followers))
    return people


def _webcare(brand: str) -> Person:
    handle, name, followers = texts.WEBCARE_ACCOUNTS[brand]
    return Person(handle, name, followers, is_brand=True)


def _stamp(at: datetime) -> str:
    return at.astimezone(AMSTERDAM_WINTER).isoformat(timespec="seconds")


def _record(mention_id: str, platform: str, at: datetime, text: str, person: Person, rng: random.Random, *,
            lang: str | None = None, brand: str | None = None, thread: dict[str, str | None] | None = None,
            url: str | None = None) -> MentionRecord:
    """A Mention JSON v1 record in the design's field order; optional fields left out when None."""
    fields: MentionRecord = {
        "id": mention_id, "platform": platform, "created_at": _stamp(at), "text": text, "lang": lang,
        "url": url or texts.URL[platform].format(h=person.handle, n=rng.randint(10**9, 10**10)),
        "author": {"id": person.author_id or f"{texts.ID_PREFIX[platform]}:u:{person.handle}",
                   "handle": person.handle, "name": person.name, "followers": person.followers,
                   "verified": person.is_brand, "is_brand": person.is_brand},
        "brand": brand, "thread": thread,
        "engagement": {"likes": int(rng.expovariate(1 / 4)), "replies": 0, "shares": rng.randint(0, 1)},
    }
    return {key: value for key, value in fields.items() if value is not None}


def _calm_id(platform: str, index: int) -> str:
    return f"{texts.ID_PREFIX[platform]}:calm-{index:06d}"


class _CalmDay:
    """Builds a calm stream slot by slot, in time order, remembering open threads and complaints."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people = _people(rng, 300, CALM_MAX_FOLLOWERS)
        self.threads: list[_Thread] = []
        self.last_complaint: dict[str, datetime] = {}
        self.out: list[Labelled] = []

    def add(self, index: int, at: datetime) -> None:
        self.threads = [t for t in self.threads if at - t.at <= _THREAD_AGE[1]]
        open_threads = [t for t in self.threads if at - t.at >= _THREAD_AGE[0]]
        roll = self.rng.random()
        if roll < _DECOY_SHARE:
            self._decoy(index, at)
        elif roll < _DECOY_SHARE + _REPLY_SHARE and open_threads:
            self._reply(index, at, self.rng.choice(open_threads))
        else:
            self._post(index, at)

    def _platform(self) -> str:
        return self.rng.choices(PLATFORMS, weights=_PLATFORM_WEIGHTS)[0]

    def _lang(self, lang: str) -> str | None:
        return None if self.rng.random() < 0.35 else lang  # absent: ingest detects it

    def _ref_text(self, template: str, brand: str) -> str:
        text = template.format(b=self.rng.choice(texts.BRAND_REFS[brand]))
        return f"{text} {self.rng.choice(texts.EMOJI)}" if self.rng.random() < 0.12 else text

    def _pick(self, brand: str, at: datetime) -> tuple[str, str, str]:
        """(stance, template, lang) for a top-level post about `brand`."""
        rng = self.rng
        english = [(stance, template) for of, stance, template in texts.ENGLISH if of == brand]
        if english and rng.random() < _ENGLISH_SHARE:
            stance, template = rng.choice(english)
            return stance, template, "en"
        stance = rng.choices(list(_STANCE_WEIGHTS), weights=list(_STANCE_WEIGHTS.values()))[0]
        last = self.last_complaint.get(brand)
        if stance == "complaint" and last is not None and at - last < _COMPLAINT_GAP:
            stance = "neutral"
        if stance == "complaint":
            self.last_complaint[brand] = at
        pool = texts.CALM[brand][stance]
        if stance == "neutral" and rng.random() < 0.2:
            pool = texts.GENERIC_NEUTRAL
        return stance, rng.choice(pool), "nl"

    def _post(self, index: int, at: datetime) -> None:
        rng, platform, brand = self.rng, self._platform(), self.rng.choice(texts.BRANDS)
        stance, template, lang = self._pick(brand, at)
        person, text = rng.choice(self.people), self._ref_text(template, brand)
        mention_id = _calm_id(platform, index)
        record = _record(mention_id, platform, at, text, person, rng, lang=self._lang(lang),
                         brand=brand if rng.random() < 0.5 else None)
        wants_webcare = stance == "complaint" or (stance == "neutral" and "?" in text)
        if platform != "news" and rng.random() < (0.9 if stance == "complaint" else 0.3):
            self.threads.append(_Thread(mention_id, brand, platform, at, person, wants_webcare, mention_id))
        self.out.append((record, stance))

    def _reply(self, index: int, at: datetime, thread: _Thread) -> None:
        rng = self.rng
        mention_id = _calm_id(thread.platform, index)
        links: dict[str, str | None] = {"root_id": thread.root_id, "parent_id": thread.last_id}
        if thread.wants_webcare and rng.random() < 0.75:
            thread.wants_webcare = False
            signer = rng.choice(texts.WEBCARE_SIGNERS)
            text = rng.choice(texts.WEBCARE).format(who=thread.author.handle, sig=signer)
            record = _record(mention_id, thread.platform, at, text, _webcare(thread.brand), rng,
                             lang=self._lang("nl"), brand=thread.brand, thread=links)
        else:
            text = self._ref_text(rng.choice(texts.THREAD_REPLIES), thread.brand)
            record = _record(mention_id, thread.platform, at, text, rng.choice(self.people), rng,
                             lang=self._lang("nl"), brand=thread.brand if rng.random() < 0.5 else None,
                             thread=links)
        thread.last_id = mention_id
        self.out.append((record, "neutral"))

    def _decoy(self, index: int, at: datetime) -> None:
        rng, platform = self.rng, self._platform()
        text, person = rng.choice(texts.DECOYS), rng.choice(self.people)
        self.out.append((_record(_calm_id(platform, index), platform, at, text, person, rng), "neutral"))


def _calm(start: datetime, count: int, span: timedelta, seed: int) -> list[Labelled]:
    """`count` mentions, one per equal slice of `span`, at a random moment inside its slice."""
    day = _CalmDay(random.Random(seed))
    for index in range(count):
        day.add(index, start + span * ((index + day.rng.random()) / count))
    return day.out


def labelled_calm_stream(start: datetime, hours: float, seed: int = 7, per_hour: int = 40) -> list[Labelled]:
    """A quiet day for the eight brands, with the stance each text was written to have."""
    return _calm(_aware(start), round(hours * per_hour), timedelta(hours=hours), seed)


def calm_stream(start: datetime, hours: float, seed: int = 7, per_hour: int = 40) -> list[MentionRecord]:
    return [record for record, _ in labelled_calm_stream(start, hours, seed, per_hour)]


def _plan_replies(rng: random.Random, complainer: Person) -> list[tuple[float, str, str, Person]]:
    """(minutes after the root, stance, text, author) for every reply, in time order."""
    people = _people(rng, 150, PILE_ON_MAX_FOLLOWERS)
    count = rng.randint(36, 46)
    defenders = zip(rng.sample(texts.DEFENSE, count), rng.sample(people, count), strict=True)
    planned = [(_defender_minutes(rng, number < 0.7 * count), "defense", text, person)
               for number, (text, person) in enumerate(defenders)]
    planned += [(rng.triangular(10, 300, 30), "complaint", text, rng.choice(people))
                for text in rng.sample(texts.SUPPORT, rng.randint(3, 5))]
    planned += [(rng.uniform(10, 600), "neutral", text, rng.choice(people))
                for text in rng.sample(texts.PILE_NEUTRAL, rng.randint(3, 5))]
    planned.append((rng.uniform(76, 95), "complaint", texts.PILE_ON_FOLLOWUP, complainer))
    webcare_text = texts.PILE_ON_WEBCARE.format(first="Rob", sig=rng.choice(texts.WEBCARE_SIGNERS))
    planned.append((rng.uniform(540, 590), "neutral", webcare_text, _webcare("coolblue")))  # next morning
    return sorted(planned, key=lambda reply: reply[0])


def _defender_minutes(rng: random.Random, early: bool) -> float:
    """Most defenders answer within four hours of the root; the rest trickle in until morning."""
    return rng.triangular(10, 240, 40) if early else rng.uniform(240, 600)


def labelled_pile_on_thread(start: datetime, seed: int = 1) -> list[Labelled]:
    """Seed 001: a 25,000-follower complaint about Coolblue on LinkedIn, then a wave of defenders."""
    rng, start = random.Random(seed), _aware(start)
    complainer = Person("robb", "Rob B.", 25_000, author_id="li:u:881")
    planned = _plan_replies(rng, complainer)
    root_url = texts.URL["linkedin"].format(n=PILE_ON_ROOT_ID.split(":")[1])
    root = _record(PILE_ON_ROOT_ID, "linkedin", start, texts.PILE_ON_ROOT, complainer, rng, lang="nl",
                   brand="coolblue", thread={"root_id": PILE_ON_ROOT_ID, "parent_id": None}, url=root_url)
    root["engagement"].update(likes=rng.randint(150, 400), replies=len(planned), shares=rng.randint(5, 30))
    out: list[Labelled] = [(root, "complaint")]
    supporters: list[str] = []
    for number, (minutes, stance, text, person) in enumerate(planned, start=1):
        reply_id = f"{PILE_ON_ROOT_ID}-c{number:02d}"
        parent = PILE_ON_ROOT_ID
        if stance == "defense" and supporters and rng.random() < 0.35:
            parent = rng.choice(supporters)  # defenders turn on the complainer's supporters too
        elif stance == "complaint" and person is not complainer:
            supporters.append(reply_id)
        record = _record(reply_id, "linkedin", start + timedelta(minutes=minutes), text, person, rng,
                         lang="nl", brand="coolblue", url=f"{root_url}#comment-{number:02d}",
                         thread={"root_id": PILE_ON_ROOT_ID, "parent_id": parent})
        if stance == "defense":
            record["engagement"]["likes"] = rng.randint(0, 60)
        out.append((record, stance))
    return out


def pile_on_thread(start: datetime, seed: int = 1) -> list[MentionRecord]:
    return [record for record, _ in labelled_pile_on_thread(start, seed)]


def demo_stream(seed: int = 7) -> list[MentionRecord]:
    """The bundled demo: a calm day with the seed-001 pile-on starting at 22:45."""
    merged = calm_stream(DEMO_START, 24, seed) + pile_on_thread(PILE_ON_START, seed)
    return sorted(merged, key=lambda record: datetime.fromisoformat(record["created_at"]))


def garbage_records(count: int, garbage_ratio: float = 0.1, seed: int = 3) -> list[tuple[bytes, str | None]]:
    """Kafka message values, each with None when valid or the tag of its defect (see DEFECTS)."""
    if count < 0 or not 0.0 <= garbage_ratio <= 1.0:
        raise ValueError("count must be >= 0 and garbage_ratio within [0, 1]")
    rng = random.Random(seed)
    broken = round(count * garbage_ratio)
    tags = [DEFECTS[number % len(DEFECTS)] for number in range(broken)]
    rng.shuffle(tags)
    defect_at = dict(zip(rng.sample(range(count), broken), tags, strict=True))
    mentions = _calm(DEMO_START, count, timedelta(hours=max(count, 1) / 40), seed)
    return [(_break(record, defect_at[index], rng), defect_at[index]) if index in defect_at
            else (_encode(record), None) for index, (record, _) in enumerate(mentions)]


def _encode(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _break(record: MentionRecord, defect: str, rng: random.Random) -> bytes:
    broken = json.loads(json.dumps(record))
    if defect == "broken_json":
        serialised = json.dumps(record, ensure_ascii=False)
        cut = serialised[: rng.randint(1, len(serialised) - 1)]  # cut on a character, not a byte
        return rng.choice((cut, serialised.replace('"id"', "id", 1))).encode("utf-8")
    if defect == "invalid_utf8":
        broken["text"] += "@@BYTES@@"
        return _encode(broken).replace(b"@@BYTES@@", rng.choice((b"\xff\xfe", b"\xc3\x28", b" \x80 ")))
    if defect == "not_an_object":
        return _encode(rng.choice(([record], record["text"], 42, None, True)))
    if defect == "missing_field":
        del broken[rng.choice(("id", "platform", "created_at", "text"))]
    elif defect == "bad_date":
        broken["created_at"] = rng.choice(("26-11-2018 22:45", "2018-11-26T22:45:00", "gisteren om tien uur",
                                           "2018-13-45T25:61:00+01:00"))
    elif defect == "empty_text":
        broken["text"] = rng.choice(("", "   ", "\n\t "))
    elif defect == "bad_platform":
        broken["platform"] = rng.choice(("hyves", "myspace", "friendster", "orkut"))
    elif defect == "negative_followers":
        broken["author"]["followers"] = -rng.randint(1, 5_000)
    return _encode(broken)


def huge_text_mention(chars: int = 1_000_000) -> MentionRecord:
    """A valid mention whose text is `chars` long: ingest truncates and flags it, never drops it."""
    if chars < 1:
        raise ValueError("chars must be at least 1")
    repeated = texts.LONG_POST * (chars // len(texts.LONG_POST) + 1)
    text = repeated[:chars]
    text = text[:-1] + "." if text[-1].isspace() else text
    person = Person("wasmachineleed", "Wim W.", 120)
    return _record("fo:huge-000001", "forum", PILE_ON_START + timedelta(minutes=40), text, person,
                   random.Random(chars), lang="nl", brand="coolblue")


def to_jsonl(mentions: list[MentionRecord]) -> str:
    return "".join(json.dumps(mention, ensure_ascii=False) + "\n" for mention in mentions)


def write_jsonl(path: str | os.PathLike[str], mentions: list[MentionRecord]) -> None:
    Path(path).write_text(to_jsonl(mentions), encoding="utf-8")


def _aware(moment: datetime) -> datetime:
    """A naive start is read as Amsterdam winter time, the zone of every generated timestamp."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM_WINTER)
