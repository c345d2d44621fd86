"""Training data: the project's own corpus plus the real Dutch sets in `../shared/data`, on our labels.

Every loader returns the same frame: `text`, `parent_text`, `stance`, `sentiment`, `abuse`, `source`,
`split`. An empty label (or `abuse` of -1) means "not labelled for that head" and is not trained on.
The shared real sets are split train/dev by a hash of the text; their test splits live in `heldout/` and
are never read here. The app reviews (`corpus/real/app-reviews/`) keep a test split of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from classify.serving.labels import SENTIMENTS, STANCES
from classify.serving.model import Post
from ingest.errors import ConfigError

COLUMNS = ("text", "parent_text", "stance", "sentiment", "abuse", "source", "split")
WRITTEN = ("corpus", "posts")  # the sources the team wrote: trained on, never the measure of real text
CORPUS_DIR = Path(__file__).parents[1] / "corpus"
ANNOTATIONS_DIR = CORPUS_DIR / "annotations"
DEV_SHARE = 0.15
ECOSENT_SAMPLE = 1500  # 6,038 noisy student-coded headlines would drown the corpus' neutral class
SEED = 13


def shared_data_dir(configured: Path | None = None) -> Path:
    """`configured` (the runtime passes $LUISTERPOST_SHARED_DATA), else `../shared/data` beside the checkout
    (where CI puts it)."""
    return configured or Path(__file__).resolve().parents[3] / "shared" / "data"


def _bucket(key: str) -> float:
    """Where `key` falls in [0, 1): the first four bytes of its SHA-256, stable across runs and machines."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "big") / 2**32


def dev_by_hash(key: str, share: float = DEV_SHARE) -> str:
    return "dev" if _bucket(key) < share else "train"


def _frame(texts: pd.Series, *, stance: pd.Series | str = "", sentiment: pd.Series | str = "",
           abuse: pd.Series | int = -1, source: str, salt: str = "") -> pd.DataFrame:
    frame = pd.DataFrame({"text": texts.astype(str).str.strip()})
    frame["parent_text"] = ""
    frame["stance"] = stance
    frame["sentiment"] = sentiment
    frame["abuse"] = abuse
    frame["source"] = source
    frame = frame[frame["text"] != ""]
    frame["split"] = [dev_by_hash(salt + text) for text in frame["text"]]
    return frame.drop_duplicates("text").reset_index(drop=True)


def corpus(directory: Path = CORPUS_DIR) -> pd.DataFrame:
    """The written corpus with its own thread-wise train/dev/test split."""
    path = directory / "corpus.csv"
    if not path.exists():
        raise ConfigError(f"the labelled corpus is missing: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["abuse"] = frame["abuse"].map(lambda value: int(value) if value in ("0", "1") else -1)
    frame["source"] = "corpus"
    return frame[list(COLUMNS)]


def semeval_restaurants(data: Path) -> pd.DataFrame:
    """Review sentences about a business: negative = complaint, positive = praise; `mixed` left out."""
    raw = pd.read_csv(data / "semeval2016-absa-nl-restaurants-train" / "train_sentences.tsv", sep="\t",
                      dtype=str, keep_default_na=False)
    raw = raw[raw["sentence_polarity"].isin(["negative", "positive", "neutral", "none"])]  # not mixed, conflict
    stance = raw["sentence_polarity"].map({"negative": "complaint", "positive": "praise",
                                           "neutral": "neutral", "none": "neutral"})
    sentiment = raw["sentence_polarity"].map({"negative": "negative", "positive": "positive",
                                              "neutral": "neutral", "none": "neutral"})
    sentences = _frame(raw["text"], stance=stance, sentiment=sentiment, source="semeval2016-restaurants")
    return pd.concat([sentences, semeval_reviews(data)], ignore_index=True)


def semeval_reviews(data: Path) -> pd.DataFrame:
    """The same reviews read whole (the text-level file): a review whose every opinion is positive is
    praise, every opinion negative a complaint; mixed ones are left out, since their verdict is not
    annotated. Only the sentences in the train split are kept, so no development sentence is trained on
    inside a review; every whole review is a train row."""
    path = data / "semeval2016-absa-nl-restaurants-train" / "restaurants_dutch_training_textlevel.xml"
    if not path.is_file():
        return pd.DataFrame(columns=list(COLUMNS))
    rows = []
    for review in ElementTree.parse(path).getroot().iter("Review"):
        polarities = {opinion.get("polarity") for opinion in review.iter("Opinion")} & {"positive", "negative"}
        if len(polarities) != 1:
            continue
        kept = [text for text in ((sentence.findtext("text") or "").strip() for sentence in review.iter("sentence"))
                if text and dev_by_hash(text) == "train"]
        if kept:
            positive = polarities == {"positive"}
            rows.append({"text": " ".join(kept), "parent_text": "", "stance": "praise" if positive else "complaint",
                         "sentiment": "positive" if positive else "negative", "abuse": -1,
                         "source": "semeval2016-restaurants", "split": "train"})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def political_tweets(data: Path) -> pd.DataFrame:
    """Tweets by politicians: tone only; they are not about a brand, so no stance."""
    raw = pd.read_csv(data / "political-tweets-nl-polarity-train" / "gold-polarity.tsv", sep="\t",
                      dtype=str, keep_default_na=False)
    raw = raw[raw["polarity"].isin(["positive", "negative", "neutral"])]
    return _frame(raw["content"], sentiment=raw["polarity"], source="political-tweets")


def econ_headlines(data: Path) -> pd.DataFrame:
    """News headlines about companies: a neutral stance with its own tone (a seeded sample)."""
    raw = pd.read_csv(data / "ecosent-nl-econ-headlines" / "headlines_tone.csv", dtype=str,
                      keep_default_na=False)
    raw = raw[raw["value"].isin(["-1", "0", "1"])].sample(n=ECOSENT_SAMPLE, random_state=SEED)
    sentiment = raw["value"].map({"-1": "negative", "0": "neutral", "1": "positive"})
    return _frame(raw["headline"], stance="neutral", sentiment=sentiment, source="ecosent-headlines")


def text_key(text: str) -> str:
    """The annotations' row key: the first 16 hex digits of the SHA-256 of the text as read, untouched."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def hand_labels(name: str) -> pd.DataFrame:
    """The team's hand annotations (`corpus/annotations/`, see its README), by key; empty when absent."""
    path = ANNOTATIONS_DIR / name
    if not path.is_file():
        return pd.DataFrame(columns=["key", "stance", "sentiment"])
    labels = pd.read_csv(path, dtype=str, keep_default_na=False)
    known = labels["stance"].isin(STANCES) & labels["sentiment"].isin(SENTIMENTS)
    return labels[known].drop_duplicates("key")


def hate_speech(data: Path) -> pd.DataFrame:
    """Social posts: `abuse` when offensive or violent and aimed at an individual (target 11); stance and
    sentiment from the hand annotations where a post has them, else only a hostile post's negative tone."""
    raw = pd.read_csv(data / "imsypp-nl-hate-speech-half" / "imsypp_nl_half.csv", dtype=str,
                      keep_default_na=False)
    hostile = raw["type"].str.startswith(("2.", "3."))
    at_person = raw["target"].str.startswith("11.")
    abuse = (hostile & at_person).astype(int)
    labels = hand_labels("imsypp_labels.csv").set_index("key")
    keys = raw["doc"].map(text_key)
    stance = keys.map(labels["stance"]).fillna("")
    sentiment = keys.map(labels["sentiment"]).fillna(hostile.map({True: "negative", False: ""}))
    return _frame(raw["doc"], stance=stance, sentiment=sentiment, abuse=abuse, source="imsypp-hate-speech")


def subtitles(data: Path) -> pd.DataFrame:
    """XED's Dutch subtitle lines that the team labelled by hand for stance and sentiment (CC BY 4.0;
    XED's projected emotions are not used)."""
    labels = hand_labels("xed_labels.csv")
    # The annotated lines are those with the smallest SHA-256 keys, so the plain hash of the text
    # would put two thirds of them in dev: a salted hash splits them 85/15 like the other sets.
    return _frame(labels["text"] if "text" in labels else pd.Series(dtype=str), stance=labels["stance"],
                  sentiment=labels["sentiment"], source="xed-subtitles", salt="xed-subtitles:")


APP_REVIEWS_DIR = CORPUS_DIR / "real" / "app-reviews"


def split_three_ways(key: str) -> str:
    """70/15/15 train/dev/test by a hash of `key`: a set whose test split lives beside it."""
    bucket = _bucket(key)
    return "test" if bucket < DEV_SHARE else "dev" if bucket < 2 * DEV_SHARE else "train"


def app_reviews(data: Path, directory: Path = APP_REVIEWS_DIR) -> pd.DataFrame:
    """Real Google Play reviews of Dutch apps (MIT, `corpus/real/app-reviews/SOURCE.md`) with the team's hand
    labels; a review without them is left out. Split 70/15/15 by review id: the test split is never trained on
    and is reported beside the held-out sets."""
    reviews_path, labels_path = directory / "reviews.csv", directory / "labels.csv"
    if not reviews_path.is_file() or not labels_path.is_file():
        raise ConfigError(f"the app reviews are missing: {directory} (reviews.csv and labels.csv)")
    reviews = pd.read_csv(reviews_path, dtype=str, keep_default_na=False)
    labels = pd.read_csv(labels_path, dtype=str, keep_default_na=False).drop_duplicates("id").set_index("id")
    reviews = reviews[reviews["id"].isin(labels.index)]
    frame = pd.DataFrame({"text": reviews["text"].str.strip(), "parent_text": "",
                          "stance": reviews["id"].map(labels["stance"]),
                          "sentiment": reviews["id"].map(labels["sentiment"]),
                          "abuse": reviews["id"].map(labels["abuse"]).map({"0": 0, "1": 1}).fillna(-1).astype(int),
                          "source": "app-reviews", "split": reviews["id"].map(split_three_ways)})
    known = frame["stance"].isin(STANCES) & frame["sentiment"].isin(SENTIMENTS) & (frame["text"] != "")
    return frame[known].drop_duplicates("text").reset_index(drop=True)


REAL_SETS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "semeval2016-restaurants": semeval_restaurants,
    "political-tweets": political_tweets,
    "ecosent-headlines": econ_headlines,
    "imsypp-hate-speech": hate_speech,
    "xed-subtitles": subtitles,
    "app-reviews": app_reviews,
}


def real_sets(data: Path | None = None, names: tuple[str, ...] = tuple(REAL_SETS)) -> pd.DataFrame:
    data = data or shared_data_dir()
    if not data.is_dir():
        raise ConfigError(f"the real Dutch training sets are missing: {data} (set LUISTERPOST_SHARED_DATA "
                          "or train with --corpus-only)")
    return pd.concat([REAL_SETS[name](data) for name in names], ignore_index=True)


def written_posts() -> pd.DataFrame:
    """The whole written posts (`corpus/posts/`, issue 18) with their own split: a thread stays in one, and
    the test split is never trained on."""
    from classify.corpus.posts import load_posts

    posts = load_posts()
    return pd.DataFrame({"text": [post.text for post in posts], "parent_text": [post.parent or "" for post in posts],
                         "stance": [post.stance for post in posts], "sentiment": [post.sentiment for post in posts],
                         "abuse": [post.abuse for post in posts], "source": "posts",
                         "split": [post.split for post in posts]}, columns=list(COLUMNS))


def balance_sources(frame: pd.DataFrame, per_source: int, seed: int = SEED,
                    whole: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every source's train rows drawn to `per_source` (a small source repeated, a large one thinned), so that
    no source outweighs another, except the sources named in `whole`, kept as they are (the corpus a model
    started from, rehearsed in full); dev and test rows are kept as they are."""
    train = frame[frame["split"] == "train"]
    drawn = [rows if source in whole else
             rows.sample(n=per_source, replace=len(rows) < per_source, random_state=seed)
             for source, rows in train.groupby("source", sort=True)]
    return pd.concat([*drawn, frame[frame["split"] != "train"]], ignore_index=True)


def training_data(with_real: bool = True, data: Path | None = None, corpus_share: float = 1.0,
                  per_source: int | None = None, headline_stance: bool = True,
                  whole: tuple[str, ...] = ()) -> pd.DataFrame:
    """The template corpus (its train rows subsampled to `corpus_share`), the written posts and, unless
    `with_real` is off, the real sets; `per_source` draws every source's train rows to that many (but those in
    `whole`);
    without `headline_stance` the headlines carry no stance (their "neutral" is ours, not annotated)."""
    templated = corpus()
    if corpus_share < 1.0:
        train = templated[templated["split"] == "train"]
        dropped = train.drop(train.sample(frac=corpus_share, random_state=SEED).index).index
        templated = templated.drop(dropped)
    frames = [templated, written_posts()]
    if with_real:
        frames.append(real_sets(data))
    frame = pd.concat(frames, ignore_index=True)[list(COLUMNS)]
    if not headline_stance:
        frame.loc[frame["source"] == "ecosent-headlines", "stance"] = ""
    return balance_sources(frame, per_source, whole=whole) if per_source else frame


def posts_of(frame: pd.DataFrame) -> list[Post]:
    """A frame with `text` (and `parent_text`, if any) as the classifier's posts."""
    parents = frame["parent_text"] if "parent_text" in frame.columns else [""] * len(frame)
    return [Post(text=text, parent_text=parent or None) for text, parent in zip(frame["text"], parents,
                                                                                  strict=True)]


def read_posts(path: Path, required: tuple[str, ...] = ("text",)) -> pd.DataFrame:
    """A CSV of posts, every cell a string; an unreadable file or a missing column is an error naming it."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ConfigError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(frame.columns)}")
    return frame
