"""Whole written posts (issue 18): read `classify/corpus/posts/*.yaml`, check every entry, assign a split.

Each file is a YAML list of entries with the keys of `Post` (less `split` and `file`). One bad entry
stops the load with a `PostError` that names its file and id: the set is small and hand-written, so a
typo must be fixed at the source, not skipped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from classify.serving.labels import SENTIMENTS, STANCES

POSTS_DIR: Final = Path(__file__).parent / "posts"
GENRES: Final = ("product_review", "app_review", "service_review", "store_review", "linkedin_post", "social_post",
                 "reply", "question", "news", "wish", "offtopic")
SPLITS: Final = (("train", 0.70), ("dev", 0.85), ("test", 1.0))  # cumulative shares of the hash range
KEYS: Final = frozenset({"id", "genre", "brand", "parent", "text", "stance", "sentiment", "abuse"})


class PostError(ValueError):
    """An entry that breaks the format; the message names the file and the id."""


@dataclass(frozen=True)
class Post:
    id: str
    genre: str
    brand: str
    parent: str | None  # the root post a reply answers, else None
    text: str
    stance: str
    sentiment: str
    abuse: int
    split: str
    file: str


def split_of(key: str) -> str:
    """train/dev/test from a hash of the text: stable across runs, machines and file order."""
    bucket = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2**64
    return next(name for name, upper in SPLITS if bucket < upper)


def load_posts(directory: Path = POSTS_DIR) -> list[Post]:
    """Every entry of every `*.yaml` file in `directory`, in file and list order."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise PostError(f"no posts: no *.yaml files in {directory}")
    posts: list[Post] = []
    seen_ids: dict[str, str] = {}
    seen_texts: dict[tuple[str, str], str] = {}
    for path in files:
        for post in _read_file(path):
            _check_unique(post, seen_ids, seen_texts)
            posts.append(post)
    return posts


def _read_file(path: Path) -> Iterable[Post]:
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise PostError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(entries, list):
        raise PostError(f"{path.name}: expected a list of entries, got {type(entries).__name__}")
    for index, entry in enumerate(entries):
        yield _post(entry, path.name, index)


def _post(entry: Any, file: str, index: int) -> Post:
    if not isinstance(entry, Mapping):
        raise PostError(f"{file}: entry {index} is not a mapping")
    where = f"{file}: {entry.get('id', f'entry {index}')!r}"
    missing, unknown = KEYS - entry.keys(), entry.keys() - KEYS
    if missing or unknown:
        raise PostError(f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(map(str, unknown))}")
    _require(where, "id", entry["id"], lambda v: isinstance(v, str) and v.strip() != "")
    _require(where, "genre", entry["genre"], lambda v: v in GENRES)
    _require(where, "brand", entry["brand"], lambda v: isinstance(v, str) and v.strip() != "")
    _require(where, "text", entry["text"], lambda v: isinstance(v, str) and v.strip() != "")
    _require(where, "parent", entry["parent"], lambda v: v is None or (isinstance(v, str) and v.strip() != ""))
    _require(where, "stance", entry["stance"], lambda v: v in STANCES)
    _require(where, "sentiment", entry["sentiment"], lambda v: v in SENTIMENTS)
    _require(where, "abuse", entry["abuse"], lambda v: type(v) is int and v in (0, 1))
    if (entry["genre"] == "reply") != (entry["parent"] is not None):
        raise PostError(f"{where}: a reply needs a parent and only a reply has one")
    parent = entry["parent"]
    return Post(id=entry["id"], genre=entry["genre"], brand=entry["brand"], parent=parent, text=entry["text"],
                stance=entry["stance"], sentiment=entry["sentiment"], abuse=entry["abuse"], file=file,
                split=split_of(_normal(parent if parent is not None else entry["text"])))


def _require(where: str, key: str, value: Any, valid: Any) -> None:
    if not valid(value):
        raise PostError(f"{where}: invalid {key} {value!r}")


def _check_unique(post: Post, seen_ids: dict[str, str], seen_texts: dict[tuple[str, str], str]) -> None:
    where = f"{post.file}: {post.id!r}"
    if post.id in seen_ids:
        raise PostError(f"{where}: duplicate id (first in {seen_ids[post.id]})")
    seen_ids[post.id] = post.file
    # The same short reply ("Eens!") may answer different roots; the same text twice under one root may not.
    key = (_normal(post.parent or ""), _normal(post.text))
    if key in seen_texts:
        raise PostError(f"{where}: duplicate text (same as {seen_texts[key]})")
    seen_texts[key] = f"{post.file}: {post.id!r}"


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()
