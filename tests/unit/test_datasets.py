"""The real Dutch sets mapped onto our labels, read from a small copy in their own formats."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from classify.training.datasets import dev_by_hash, real_sets
from luisterpost.config import ConfigError


@pytest.fixture
def data(tmp_path: Path) -> Path:
    semeval = tmp_path / "semeval2016-absa-nl-restaurants-train"
    semeval.mkdir()
    pd.DataFrame({"review_id": ["r1"] * 5, "sentence_id": [f"r1:{i}" for i in range(5)],
                  "text": ["Lange wachttijd.", "Heerlijk gegeten!", "We kwamen om acht uur.", "Lekker maar duur.",
                           "Geen mening."],
                  "sentence_polarity": ["negative", "positive", "none", "mixed", "neutral"],
                  "opinions": [""] * 5}).to_csv(semeval / "train_sentences.tsv", sep="\t", index=False)
    tweets = tmp_path / "political-tweets-nl-polarity-train"
    tweets.mkdir()
    pd.DataFrame({"content": [" Mooi debat vandaag ", "Schandalig besluit"],
                  "polarity": ["positive", "negative"]}).to_csv(tweets / "gold-polarity.tsv", sep="\t", index=False)
    headlines = tmp_path / "ecosent-nl-econ-headlines"
    headlines.mkdir()
    pd.DataFrame({"id": range(3000), "headline": [f"Bedrijf {i} meldt cijfers" for i in range(3000)],
                  "value": [-1, 0, 1] * 1000}).to_csv(headlines / "headlines_tone.csv", index=False)
    hate = tmp_path / "imsypp-nl-hate-speech-half"
    hate.mkdir()
    pd.DataFrame({"uri": ["a", "b", "c"], "doc": ["Wat een sukkel ben jij", "Mooie video", "Die partij is tuig"],
                  "type": ["2. offensive", "0. appropriate", "2. offensive"],
                  "target": ["11. individual", "", "10. politics"]}).to_csv(hate / "imsypp_nl_half.csv", index=False)
    return tmp_path


def test_review_sentences_become_complaints_and_praise_and_mixed_is_left_out(data: Path) -> None:
    frame = real_sets(data, ("semeval2016-restaurants",)).set_index("text")
    assert frame.loc["Lange wachttijd.", ["stance", "sentiment"]].tolist() == ["complaint", "negative"]
    assert frame.loc["Heerlijk gegeten!", ["stance", "sentiment"]].tolist() == ["praise", "positive"]
    assert frame.loc["We kwamen om acht uur.", ["stance", "sentiment"]].tolist() == ["neutral", "neutral"]
    assert "Lekker maar duur." not in frame.index


def test_tweets_train_only_sentiment_and_headlines_are_neutral_stance_with_their_tone(data: Path) -> None:
    tweets = real_sets(data, ("political-tweets",))
    assert set(tweets["stance"]) == {""} and set(tweets["sentiment"]) == {"positive", "negative"}
    assert "Mooi debat vandaag" in set(tweets["text"])  # stripped
    headlines = real_sets(data, ("ecosent-headlines",))
    assert len(headlines) == 1500  # a seeded sample, so the noisy headlines do not drown the corpus
    assert set(headlines["stance"]) == {"neutral"}
    assert set(headlines["sentiment"]) == {"negative", "neutral", "positive"}


def test_abuse_is_an_insult_aimed_at_a_person_not_at_a_group(data: Path) -> None:
    frame = real_sets(data, ("imsypp-hate-speech",)).set_index("text")
    assert frame.loc["Wat een sukkel ben jij", "abuse"] == 1
    assert frame.loc["Die partij is tuig", "abuse"] == 0
    assert frame.loc["Mooie video", "abuse"] == 0
    assert frame.loc["Mooie video", "sentiment"] == ""  # appropriate says nothing about tone


def test_development_split_is_a_stable_share_of_each_set() -> None:
    keys = [f"tekst {i}" for i in range(4000)]
    assert [dev_by_hash(key) for key in keys] == [dev_by_hash(key) for key in keys]
    assert 0.12 < sum(dev_by_hash(key) == "dev" for key in keys) / len(keys) < 0.18


def test_missing_shared_data_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--corpus-only"):
        real_sets(tmp_path / "absent")


def test_hand_labels_give_social_posts_and_subtitles_a_stance_and_a_tone(data: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import classify.training.datasets as datasets

    annotations = tmp_path / "annotations"
    annotations.mkdir()
    pd.DataFrame({"key": [datasets.text_key("Mooie video")], "stance": ["praise"], "sentiment": ["positive"],
                  "annotator": ["A"]}).to_csv(annotations / "imsypp_labels.csv", index=False)
    lines = [f"Wat fijn dat je er bent, {i}" for i in range(200)] + ["Ik haat die winkel", "Onbekend label"]
    pd.DataFrame({"key": [datasets.text_key(line) for line in lines], "text": lines,
                  "stance": ["neutral"] * 200 + ["complaint", "angry"], "sentiment": ["positive"] * 200 +
                  ["negative", "negative"], "annotator": ["A"] * 202}).to_csv(annotations / "xed_labels.csv",
                                                                             index=False)
    monkeypatch.setattr(datasets, "ANNOTATIONS_DIR", annotations)
    posts = real_sets(data, ("imsypp-hate-speech",)).set_index("text")
    assert posts.loc["Mooie video", ["stance", "sentiment"]].tolist() == ["praise", "positive"]
    assert posts.loc["Wat een sukkel ben jij", ["stance", "sentiment"]].tolist() == ["", "negative"]  # unlabelled
    subtitles = real_sets(data, ("xed-subtitles",)).set_index("text")
    assert subtitles.loc["Ik haat die winkel", ["stance", "sentiment"]].tolist() == ["complaint", "negative"]
    assert "Onbekend label" not in subtitles.index  # a label outside the heads' is left out, not guessed
    assert 0.05 < (subtitles["split"] == "dev").mean() < 0.3


def test_every_real_source_has_train_and_dev_rows() -> None:
    from classify.training.datasets import REAL_SETS, shared_data_dir

    if not shared_data_dir().is_dir():
        pytest.skip("../shared/data is not here")
    frame = real_sets()
    for source in REAL_SETS:
        splits = set(frame.loc[frame["source"] == source, "split"])
        # the shared sets' test splits are in heldout/; the app reviews keep theirs beside them
        assert splits == ({"train", "dev", "test"} if source == "app-reviews" else {"train", "dev"}), source


def test_balanced_sources_each_bring_as_many_train_rows_and_keep_their_dev_rows() -> None:
    from classify.training.datasets import balance_sources

    frame = pd.DataFrame({"text": [f"t{i}" for i in range(130)],
                          "source": ["corpus"] * 100 + ["tweets"] * 20 + ["corpus"] * 10,
                          "split": ["train"] * 120 + ["dev"] * 10})
    balanced = balance_sources(frame, per_source=50)
    train = balanced[balanced["split"] == "train"]
    assert train.groupby("source").size().to_dict() == {"corpus": 50, "tweets": 50}
    assert set(train.loc[train["source"] == "tweets", "text"]) == {f"t{i}" for i in range(100, 120)}  # repeated
    assert train.loc[train["source"] == "corpus", "text"].is_unique  # thinned, not repeated
    assert sorted(balanced.loc[balanced["split"] == "dev", "text"]) == sorted(f"t{i}" for i in range(120, 130))


def test_headlines_can_be_left_without_a_stance(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from classify.training import datasets

    monkeypatch.setattr(datasets, "corpus", lambda: pd.DataFrame(columns=list(datasets.COLUMNS)))
    monkeypatch.setattr(datasets, "written_posts", lambda: pd.DataFrame(columns=list(datasets.COLUMNS)))
    with_stance = datasets.training_data(data=data)
    without = datasets.training_data(data=data, headline_stance=False)
    headlines = with_stance["source"] == "ecosent-headlines"
    assert set(with_stance.loc[headlines, "stance"]) == {"neutral"}
    assert set(without.loc[without["source"] == "ecosent-headlines", "stance"]) == {""}
    assert (without.loc[without["source"] == "ecosent-headlines", "sentiment"] != "").all()  # the tone stays


def _review(rid: str, sentences: list[str], polarities: list[str]) -> str:
    texts = "".join(f'<sentence id="{rid}:{i}"><text>{text}</text></sentence>' for i, text in enumerate(sentences))
    opinions = "".join(f'<Opinion category="FOOD#QUALITY" polarity="{polarity}"/>' for polarity in polarities)
    return f'<Review rid="{rid}"><sentences>{texts}</sentences><Opinions>{opinions}</Opinions></Review>'


def test_whole_reviews_train_their_verdict_without_a_development_sentence(data: Path) -> None:
    in_dev = next(f"Het toetje nummer {i} was op." for i in range(200)
                  if dev_by_hash(f"Het toetje nummer {i} was op.") == "dev")
    reviews = [_review("praised", ["Heerlijk gegeten.", in_dev, "Wij komen terug!"], ["positive", "positive"]),
               _review("blamed", ["Koud eten.", "Nooit meer."], ["negative", "neutral"]),
               _review("mixed", ["Lekker eten.", "Trage bediening."], ["positive", "negative"])]
    xml = f"<Reviews>{''.join(reviews)}</Reviews>"
    (data / "semeval2016-absa-nl-restaurants-train" / "restaurants_dutch_training_textlevel.xml").write_text(xml)
    frame = real_sets(data, ("semeval2016-restaurants",)).set_index("text")
    assert frame.loc["Heerlijk gegeten. Wij komen terug!", ["stance", "sentiment", "split"]].tolist() == [
        "praise", "positive", "train"]
    assert frame.loc["Koud eten. Nooit meer.", ["stance", "sentiment", "split"]].tolist() == [
        "complaint", "negative", "train"]
    assert not frame.index.str.contains("Trage bediening").any()  # mixed: its verdict is not annotated
    assert not frame.index.str.contains(in_dev, regex=False).any()


def test_app_reviews_train_their_hand_labels_and_keep_a_test_split(tmp_path: Path) -> None:
    from classify.training.datasets import app_reviews, split_three_ways

    ids = [f"gp:review{i}" for i in range(400)]
    pd.DataFrame({"id": ids, "app_id": "nl.app", "rating": "1",
                  "text": [f"De app crasht na update {i}" for i in range(400)]}).to_csv(tmp_path / "reviews.csv",
                                                                                        index=False)
    labelled = ids[:300]  # a review without hand labels is not trained on: its stars alone are too noisy
    pd.DataFrame({"id": labelled, "stance": "complaint", "sentiment": "negative",
                  "abuse": "0"}).to_csv(tmp_path / "labels.csv", index=False)
    frame = app_reviews(tmp_path, tmp_path)
    assert len(frame) == 300
    assert set(frame["stance"]) == {"complaint"} and set(frame["abuse"]) == {0}
    assert frame["split"].value_counts().to_dict().keys() == {"train", "dev", "test"}
    # the split follows the review id, so a review stays in its split whatever else is added
    assert frame["split"].tolist() == [split_three_ways(i) for i in labelled]


def test_missing_app_reviews_name_the_folder(tmp_path: Path) -> None:
    from classify.training.datasets import app_reviews

    with pytest.raises(ConfigError, match="app reviews are missing"):
        app_reviews(tmp_path, tmp_path / "app-reviews")


def test_a_source_kept_whole_is_neither_thinned_nor_repeated() -> None:
    from classify.training.datasets import balance_sources

    frame = pd.DataFrame({"text": [f"t{i}" for i in range(120)], "source": ["corpus"] * 100 + ["tweets"] * 20,
                          "split": "train"})
    balanced = balance_sources(frame, per_source=50, whole=("corpus",))
    assert balanced.groupby("source").size().to_dict() == {"corpus": 100, "tweets": 50}
    assert sorted(balanced.loc[balanced["source"] == "corpus", "text"]) == sorted(f"t{i}" for i in range(100))
