"""Longer deterministic streams for the escalation rules: a calm week with a day rhythm, and the
situations that must page (a complaint storm, seed 002's fan turned enemy, a negative news wave, a
brand gone silent) or must not (a busy but normal Black Friday, a praise spike, a complaint the
brand answered within the SLA). Each item is (Mention JSON v1 record, stance, sentiment): the labels
each text was written to have, so the rules can be tested without a model."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from luisterpost import scenario_texts as texts
from luisterpost import scenarios

Item = tuple[dict[str, Any], str, str]
SENTIMENT = {"complaint": "negative", "defense": "negative", "praise": "positive", "neutral": "neutral"}
WEEK_START = datetime.fromisoformat("2018-11-12T00:00:00+01:00")  # a Monday; Black Friday is the 23rd
# Share of the daytime rate per hour of the day: people post little at night, most in the evening.
DAY_RHYTHM = (0.15, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 0.9, 1.0, 1.0, 1.0,
              1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.3, 1.3, 1.2, 0.8, 0.4)

STORM = (  # an outage: the same complaint from many people at once
    "{b} app ligt er al een uur uit, kan mijn pakket nergens volgen. Niemand neemt op.",
    "Storing bij {b}? Al drie keer geprobeerd in te loggen, elke keer een foutmelding 😡",
    "Wat is er met {b} aan de hand vandaag, niks werkt en de klantenservice is onbereikbaar",
    "Dus {b} is gewoon plat en er staat nergens iets over op de site. Top communicatie.",
)
SEED_002 = (  # a loyal fan, insulted by one support sentence, cites the law
    "Tien jaar klant bij {b}, duizenden euro's uitgegeven. Koffiemachine na vijf maanden kapot en nu zegt "
    "jullie klantenservice dat het 'waarschijnlijk gebruikersschade' is. Binnen zes maanden geldt de "
    "wettelijke garantie: het gebrek wordt geacht er bij levering al te zijn. Ik stap naar de "
    "Geschillencommissie."
)
NEGATIVE_NEWS = (  # the brand in a bad news story: neutral in stance, negative in tone
    "Onderzoek: magazijnmedewerkers van {b} klagen over hoge werkdruk en onveilige situaties",
    "Toezichthouder start onderzoek naar misleidende kortingen bij {b}",
    "Datalek bij {b}: gegevens van duizenden klanten mogelijk op straat",
    "Vakbond dreigt met staking bij {b} na mislukte cao-onderhandelingen",
)


def _renamed(record: dict[str, Any], tag: str) -> dict[str, Any]:
    """The calm generator numbers its ids per call: give each hour's slice ids of its own."""
    def rename(value: str | None) -> str | None:
        return None if value is None else value.replace(":calm-", f":{tag}-")

    out = {**record, "id": rename(record["id"])}
    if "thread" in record:
        out["thread"] = {key: rename(value) for key, value in record["thread"].items()}
    return out


def calm_days(start: datetime, days: float, per_hour: int = 40, seed: int = 7,
              volume: Callable[[datetime], float] = lambda at: 1.0) -> list[Item]:
    """The demo's calm traffic, hour by hour with a day rhythm (and `volume` as an extra factor)."""
    items: list[Item] = []
    for hour in range(int(days * 24)):
        at = start + timedelta(hours=hour)
        count = round(per_hour * DAY_RHYTHM[at.hour] * volume(at))
        if count == 0:
            continue
        for record, stance in scenarios.labelled_calm_stream(at, 1, seed=seed * 10_000 + hour, per_hour=count):
            items.append((_renamed(record, f"h{hour:04d}"), stance, SENTIMENT[stance]))
    return items


def _posts(brand: str, at: datetime, minutes: float, templates: tuple[str, ...], stance: str, sentiment: str,
           count: int, seed: int, tag: str, followers: int = 300) -> list[Item]:
    rng = random.Random(seed)
    items = []
    for index in range(count):
        moment = at + timedelta(minutes=minutes * index / count)
        text = rng.choice(templates).format(b=rng.choice(texts.BRAND_REFS[brand]))
        record = {"id": f"x:{tag}-{index:04d}", "platform": "x", "created_at": moment.isoformat(), "text": text,
                  "lang": "nl", "url": f"https://x.com/u{index}/status/{seed}{index}",
                  "author": {"id": f"x:u:{tag}{index}", "handle": f"{tag}{index}", "followers": followers},
                  "brand": brand}
        items.append((record, stance, sentiment))
    return items


def by_time(*streams: list[Item]) -> list[Item]:
    return sorted((item for stream in streams for item in stream), key=lambda item: item[0]["created_at"])


def calm_week() -> list[Item]:
    return calm_days(WEEK_START, 7)


def black_friday() -> list[Item]:
    """Four calm days, then Black Friday: five times the traffic all day, complaints in proportion."""
    friday = WEEK_START + timedelta(days=11)
    return calm_days(friday - timedelta(days=4), 5, volume=lambda at: 5.0 if at >= friday else 1.0)


def praise_spike() -> list[Item]:
    """A viral ad: 150 happy posts about Coolblue in an hour, on top of a calm two days."""
    at = WEEK_START + timedelta(days=1, hours=20)
    praise = _posts("coolblue", at, 60, texts.CALM["coolblue"]["praise"], "praise", "positive", 150, 11, "fan")
    return by_time(calm_days(WEEK_START, 2), praise)


def answered_within_sla() -> list[Item]:
    """An influencer complaint that webcare answers after 20 minutes; a few readers chime in."""
    root_at = WEEK_START + timedelta(days=1, hours=22, minutes=45)
    root = _posts("coolblue", root_at, 1, (texts.PILE_ON_ROOT,), "complaint", "negative", 1, 5, "robb", 25_000)
    root_id = root[0][0]["id"]
    answer = dict(root[0][0], id="x:webcare-1", created_at=(root_at + timedelta(minutes=20)).isoformat(),
                  text=texts.WEBCARE[0].format(who="robb", sig="Lisa"),
                  author={"id": "x:u:coolblue", "handle": "coolblue", "followers": 90_000, "is_brand": True},
                  thread={"root_id": root_id, "parent_id": root_id})
    replies = [(dict(record, thread={"root_id": root_id, "parent_id": root_id}), stance, sentiment)
               for record, stance, sentiment in _posts("coolblue", root_at + timedelta(minutes=5), 120,
                                                       texts.THREAD_REPLIES, "neutral", "neutral", 4, 6, "reader")]
    return by_time(calm_days(WEEK_START, 3), root, [(answer, "neutral", "neutral")], replies)


def complaint_storm() -> list[Item]:
    """A PostNL outage on a Tuesday evening: 60 complaints in 40 minutes after a calm day and a half."""
    at = WEEK_START + timedelta(days=1, hours=19)
    storm = _posts("postnl", at, 40, STORM, "complaint", "negative", 60, 21, "outage")
    return by_time(calm_days(WEEK_START, 2), storm)


def fan_turned_enemy() -> list[Item]:
    """Seed 002: a customer who praised the brand last week now cites the legal warranty (300 followers)."""
    praise_at, threat_at = WEEK_START + timedelta(days=1, hours=10), WEEK_START + timedelta(days=2, hours=11)
    praise = _posts("coolblue", praise_at, 1, texts.CALM["coolblue"]["praise"], "praise", "positive", 1, 31, "fan")
    threat = _posts("coolblue", threat_at, 1, (SEED_002,), "complaint", "negative", 1, 32, "fan")
    threat[0][0]["id"] = "x:fan-threat"
    return by_time(calm_days(WEEK_START, 3), praise, threat)


def negative_news() -> list[Item]:
    """Bol in the news for a whole evening: 80 negative headlines and shares, none a complaint."""
    at = WEEK_START + timedelta(days=1, hours=18)
    news = _posts("bol", at, 90, NEGATIVE_NEWS, "neutral", "negative", 80, 41, "news")
    return by_time(calm_days(WEEK_START, 2), news)


def brand_gone_silent() -> list[Item]:
    """Two calm days, then no mention of KLM at all for a whole day while every other brand goes on."""
    quiet_from = WEEK_START + timedelta(days=2, hours=6)
    return [item for item in calm_days(WEEK_START, 3.5)
            if not (item[0].get("brand") == "klm" or "klm" in item[0]["text"].lower())
            or item[0]["created_at"] < quiet_from.isoformat()]


SCENARIOS: dict[str, Callable[[], list[Item]]] = {
    "calm week": calm_week, "busy but normal Black Friday": black_friday, "praise spike": praise_spike,
    "influencer answered within the SLA": answered_within_sla, "seed 001 pile-on": lambda: [
        (record, stance, SENTIMENT[stance]) for record, stance in scenarios.labelled_pile_on_thread(
            scenarios.PILE_ON_START)],
    "complaint storm": complaint_storm, "seed 002 fan turned enemy": fan_turned_enemy,
    "negative news wave": negative_news, "brand gone silent": brand_gone_silent,
}


def as_classified(items: list[Item]) -> list[bytes]:
    """`mentions.classified` records as ingest and a perfect classifier would write them: the brand
    matched where the record names none, the written labels, the signals from the real word lists."""
    from classify.signals import find_signals
    from ingest.brands import load_brands

    brands = load_brands(None)
    out = []
    for record, stance, sentiment in items:
        brand = record.get("brand") or brands.match(f"{record['text']} {record.get('url') or ''}")
        if brand is None:
            continue
        classification = {"stance": stance, "sentiment": sentiment, "signals": list(find_signals(record["text"]))}
        out.append(json.dumps({**record, "brand": brand, "classification": classification}).encode())
    return out
