"""The lexicon baseline on the posts a social-care team would see, and on hostile input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify.serving.labels import HEADS, SENTIMENTS, STANCES
from classify.serving.lexicon import MAX_CHARS, LexiconClassifier
from classify.serving.model import Classification, Post

SEED = (
    "Extra betaald voor levering voor 22:00. Om 22:40 kwam de bezorger, zonder excuus. "
    "Om middernacht nog steeds geen reactie van Coolblue."
)
PRAISE = "Wat een warme douche van Coolblue, binnen een uur een nieuwe wasmachine!"

CLASSIFIER = LexiconClassifier()  # loading Pattern's lexicon once is the slow part


def classify_one(text: str, parent: str | None = None) -> Classification:
    return CLASSIFIER.classify([Post(text, parent)])[0]


@pytest.mark.parametrize(
    ("text", "parent", "stance", "sentiment"),
    [
        (SEED, None, "complaint", "negative"),
        ("Wat een zeurpiet. 40 minuten?! Ga lekker huilen.", SEED, "defense", "negative"),
        ("Verwend nest. Andere mensen wachten dagen op hun wasmachine.", SEED, "defense", "negative"),
        ("Jij bent echt verwend zeg.", SEED, "defense", "negative"),
        ("Wat een sukkel ben jij.", SEED, "defense", "negative"),
        ("Herkenbaar, bij mij ook twee uur te laat en geen excuses.", SEED, "complaint", "negative"),
        ("Klopt, echt belachelijk dit.", SEED, "complaint", "negative"),
        (PRAISE, None, "praise", "positive"),
        ("Super snel geleverd en netjes geïnstalleerd, top service 👍", None, "praise", "positive"),
        ("Dankjewel Coolblue! 🙏", None, "praise", "positive"),
        ("Ik word altijd zo verwend door Coolblue.", None, "praise", "positive"),
        ("Weet iemand of Coolblue ook op zondag bezorgt?", None, "neutral", "neutral"),
        ("Heeft iemand ervaring met de installatieservice van Coolblue?", None, "neutral", "neutral"),
        ("Hoe laat komt de bezorger vandaag?", None, "neutral", "neutral"),
        ("Coolblue opent een nieuwe winkel in Gent.", None, "neutral", "neutral"),
        ("Nooit meer Coolblue. Drie keer gebeld en niemand neemt op 😡", None, "complaint", "negative"),
        ("Waarom is mijn pakket nog steeds niet geleverd?", None, "complaint", "negative"),
        ("Bedankt voor niks, Coolblue.", None, "complaint", "negative"),
        ("Ik wil niet zeuren, maar de bezorger was wel erg laat.", None, "complaint", "negative"),
        ("😡😡😡", None, "complaint", "negative"),
    ],
)
def test_labels(text: str, parent: str | None, stance: str, sentiment: str) -> None:
    result = classify_one(text, parent)
    assert (result.stance, result.sentiment) == (stance, sentiment)


@pytest.mark.parametrize(
    "text",
    [
        "Geef ze eerst de kans om te reageren, het is middernacht.",
        "Eerste wereldprobleem.",
        "Stel je niet aan, het is maar een wasmachine.",
        "Ik heb nooit problemen met Coolblue gehad, ze doen het altijd goed.",
    ],
)
def test_defenders_of_the_seed_complaint(text: str) -> None:
    assert classify_one(text, SEED).stance == "defense"


def test_own_good_experience_is_praise_alone_and_defense_as_a_reply() -> None:
    text = "Ik heb nooit problemen met Coolblue gehad, ze doen het altijd goed."
    assert classify_one(text).stance == "praise"
    assert classify_one(text, SEED).stance == "defense"


def test_an_insult_aimed_at_a_praiser_is_no_defense() -> None:
    assert classify_one("Wat een sukkel ben jij.", PRAISE).stance != "defense"


@pytest.mark.parametrize(
    ("text", "signals"),
    [
        (SEED, ()),
        ("Kapot geleverd, ik stap naar de Geschillencommissie en naar Radar.", ("legal", "media")),
        ("Mijn vader heeft insuline en de koelkast is al 3 dagen kapot.", ("emergency",)),
        ("Wat een zeurpiet.", ("abuse",)),
    ],
)
def test_signals_ride_along(text: str, signals: tuple[str, ...]) -> None:
    assert classify_one(text).signals == signals


@pytest.mark.parametrize(
    ("text", "parent"),
    [
        ("Fantastisch, mijn pakket staat al een week op 'onderweg'. Echt top service.", None),
        ("Lekker dan, Coolblue. Super service weer.", None),
        ("Zo, dat ging snel. Not.", None),
    ],
)
@pytest.mark.xfail(strict=True, reason="baseline weakness: sarcasm reads as praise")
def test_sarcasm_is_a_complaint(text: str, parent: str | None) -> None:
    assert classify_one(text, parent).stance == "complaint"


@pytest.mark.xfail(strict=True, reason="baseline weakness: no cue words, no defense")
def test_defense_without_cue_words() -> None:
    assert classify_one("Ze hebben het toch opgelost? Wat wil je nog meer.", SEED).stance == "defense"


@pytest.mark.xfail(strict=True, reason="baseline weakness: tone has no target; the rain is blamed")
def test_bad_weather_is_not_the_brands_fault() -> None:
    text = "Het regent al de hele dag, echt balen. Gelukkig komt Coolblue vandaag mijn nieuwe tv brengen!"
    assert classify_one(text).stance == "praise"


def assert_well_formed(result: Classification) -> None:
    assert result.stance in STANCES
    assert result.sentiment in SENTIMENTS
    for head, labels in HEADS.items():
        scores = result.scores[head]
        assert set(scores) == set(labels)
        assert all(0.0 <= p <= 1.0 for p in scores.values())
        assert math.isclose(sum(scores.values()), 1.0, abs_tol=1e-9)
    assert result.stance == max(result.scores["stance"], key=result.scores["stance"].__getitem__)
    assert result.sentiment == max(
        result.scores["sentiment"], key=result.scores["sentiment"].__getitem__
    )


@pytest.mark.parametrize("text", [SEED, PRAISE, "Wat een zeurpiet.", "", "?"])
def test_scores_cover_every_label_and_sum_to_one(text: str) -> None:
    assert_well_formed(classify_one(text, SEED))


def test_batch_keeps_order_and_names_the_model() -> None:
    results = CLASSIFIER.classify([Post(SEED), Post(PRAISE), Post("Wat een zeurpiet.", SEED)])
    assert [r.stance for r in results] == ["complaint", "praise", "defense"]
    assert {(r.model, r.model_version) for r in results} == {("lexicon", "1.0")}


def test_empty_batch() -> None:
    assert CLASSIFIER.classify([]) == []


@pytest.mark.parametrize(
    "text",
    ["", " ", "😡", "\x00\x01\x1b[31m", "\ud800", "\u202eeulbloC", "?" * 10_000, "zeur" * 250_000],
)
def test_hostile_text_is_classified(text: str) -> None:
    assert_well_formed(classify_one(text, text))


def test_long_text_is_truncated_and_says_so() -> None:
    result = classify_one("Nooit meer Coolblue! " + "bla " * 250_000)
    assert result.notes == ("truncated",)
    assert "churn" in result.signals
    assert classify_one("x" * MAX_CHARS).notes == ()


@settings(max_examples=200, deadline=None)
@given(st.text(), st.none() | st.text())
def test_classify_never_raises(text: str, parent: str | None) -> None:
    assert_well_formed(classify_one(text, parent))
