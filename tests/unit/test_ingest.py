"""The ingest core: brand matching that ignores common words, dedup by id, a language tag."""

import json

import pytest

from ingest.brands import load_brands
from ingest.ingester import Accepted, Ingester, Skipped
from ingest.mention import Invalid
from luisterpost.config import IngestConfig

BRANDS = load_brands(None)


@pytest.mark.parametrize(("text", "brand"), [
    ("Nooit meer Coolblue, wat een drama", "coolblue"),
    ("@coolblue waar blijft mijn pakket?", "coolblue"),
    ("Besteld via bol.com en nog niks binnen", "bol"),
    ("#postnl heeft mijn pakket kwijt", "postnl"),
    ("Boodschappen gedaan bij de AH, top", "albertheijn"),
    ("ah zo, dat wist ik niet", None),
    ("Ik kocht een jumbo pak chips voor het feest", None),
    ("Retour via https://www.coolblue.nl/retourneren geregeld", "coolblue"),
    ("Mijn KPN internet ligt er al twee dagen uit", "kpn"),
    ("een bol wol en een bolletje ijs", None),
    ("Vlucht met KLM vertraagd, en dan ook nog via bol.com besteld", "klm"),
])
def test_brand_is_matched_from_text_but_not_from_common_words(text: str, brand: str | None) -> None:
    assert BRANDS.match(text) == brand


def raw(**changes: object) -> bytes:
    mention = {"id": "x:1", "platform": "x", "created_at": "2018-11-26T22:45:00+01:00",
               "text": "Mijn pakket van Coolblue is nog steeds niet bezorgd, echt balen dit"}
    return json.dumps({**mention, **changes}).encode()


def test_duplicates_are_dropped_by_id() -> None:
    ingester = Ingester(IngestConfig(), BRANDS)
    assert isinstance(ingester.ingest(raw()), Accepted)
    assert ingester.ingest(raw(text="zelfde id, andere tekst over Coolblue")) == Skipped("duplicate")


def test_language_is_tagged_when_absent_and_kept_when_given() -> None:
    ingester = Ingester(IngestConfig(), BRANDS)
    tagged = ingester.ingest(raw(id="x:2"))
    given = ingester.ingest(raw(id="x:3", lang="fr"))
    assert isinstance(tagged, Accepted) and tagged.mention.record["lang"] == "nl"
    assert isinstance(given, Accepted) and given.mention.record["lang"] == "fr"


def test_mention_without_any_brand_of_ours_is_skipped_and_unknown_brand_is_invalid() -> None:
    ingester = Ingester(IngestConfig(), BRANDS)
    assert ingester.ingest(raw(id="x:4", text="Wat een mooi weer vandaag")) == Skipped("no_brand")
    unknown = ingester.ingest(raw(id="x:5", brand="mediamarkt"))
    assert isinstance(unknown, Invalid) and "mediamarkt" in unknown.reason


def test_ingest_stops_loudly_when_nearly_everything_is_invalid() -> None:
    from types import SimpleNamespace

    from luisterpost.kafka import Topics
    from luisterpost.loop import Halt
    from luisterpost.metrics import Metrics
    from luisterpost.stages.ingest import IngestStage

    config = IngestConfig(halt_window=20, halt_invalid_ratio=0.9)
    stage = IngestStage(Ingester(config, BRANDS), Topics.with_prefix(""), config, Metrics())
    record = SimpleNamespace(topic="mentions.raw", partition=0, offset=0, value=b"{broken")
    mixed = [record if i % 5 else SimpleNamespace(**{**vars(record), "value": raw(id=f"x:{i}")})
             for i in range(40)]
    assert len(stage.process(mixed).outputs) == 40  # 80% invalid: sent to the DLQ, the stage goes on
    with pytest.raises(Halt, match="invalid"):
        stage.process([record] * 20)
