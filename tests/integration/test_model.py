"""The bundled trained model, on the real rebuilt encoder, reads the seed-001 pile-on as a person would."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from classify.network.registry import DEFAULT_MODEL, load_classifier
from classify.serving.model import Classifier, Post
from luisterpost.demo.scenarios import labelled_pile_on_thread

pytestmark = pytest.mark.integration

COMPLAINT = ("Extra betaald om mijn bestelling voor 22:00 te laten bezorgen. Om 22:40 stond de bezorger van de "
             "partner pas voor de deur, zonder excuus. Klacht gemeld bij Coolblue en om middernacht nog steeds "
             "niets gehoord. Dit ondermijnt jullie hele merk.")
# What the seed article says the readers answered: he is spoiled, a whiner, and gave them no chance.
DEFENDERS = ("Meneer is verwend. 40 minuten te laat en dan meteen op LinkedIn gaan klagen.",
             "Zeurpiet.",
             "Je hebt ze niet eens de gelegenheid gegeven om het op te lossen, kom op zeg.",
             "Wat een aanstelleritis. Coolblue is juist de beste webshop die er is.")


@pytest.fixture(scope="module", params=["fp32", "int8"])
def model(request: pytest.FixtureRequest) -> Classifier:
    return load_classifier(DEFAULT_MODEL, request.param)


def test_the_complaint_is_a_complaint(model: Classifier) -> None:
    result = model.classify([Post(COMPLAINT)])[0]
    assert (result.stance, result.sentiment) == ("complaint", "negative")


def assert_defenders_read_as_defense(model: Classifier) -> None:
    results = model.classify([Post(text, COMPLAINT) for text in DEFENDERS])
    assert [r.stance for r in results] == ["defense"] * len(DEFENDERS)
    assert "negative" in {r.sentiment for r in results}  # angry in tone, on the brand's side


def test_angry_readers_who_call_him_spoiled_are_defenders_not_complainers() -> None:
    assert_defenders_read_as_defense(load_classifier(DEFAULT_MODEL, "fp32"))  # the default precision


def test_int8_reads_the_defenders_as_fp32_does() -> None:
    assert_defenders_read_as_defense(load_classifier(DEFAULT_MODEL, "int8"))


def defense_recall_in_the_pile_on(classifier: Classifier) -> float:
    """The root must read as a complaint; returns the share of the written defenders read as `defense`."""
    thread = labelled_pile_on_thread(datetime(2018, 11, 26, 22, 45, tzinfo=timezone(timedelta(hours=1))))
    texts = {record["id"]: record["text"] for record, _ in thread}
    posts = [Post(record["text"], texts.get(record.get("thread", {}).get("parent_id") or "")) for record, _ in thread]
    results = classifier.classify(posts)
    root = [r for (record, _), r in zip(thread, results, strict=True) if not record.get("thread", {}).get("parent_id")]
    assert [r.stance for r in root] == ["complaint"]
    defenders = [r.stance for (_, stance), r in zip(thread, results, strict=True) if stance == "defense"]
    assert len(defenders) >= 36
    return defenders.count("defense") / len(defenders)


def test_the_pile_on_is_seen_far_better_than_by_the_lexicon(model: Classifier) -> None:
    # Measured: of the 43 written defenders the lexicon reads 18 (42%) as defense, the model 37 (86%) in
    # fp32 and 38 (88%) in int8 (ONNX Runtime).
    assert defense_recall_in_the_pile_on(model) >= defense_recall_in_the_pile_on(load_classifier("lexicon")) + 0.2


def test_the_pile_on_thread_is_seen_as_defenders_answering_a_complaint(model: Classifier) -> None:
    assert defense_recall_in_the_pile_on(model) >= 0.85
