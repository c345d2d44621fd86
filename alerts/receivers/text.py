"""Pure text helpers for the pagers' field limits. Limits count characters, never bytes."""

from __future__ import annotations

import hashlib
import re
from typing import Any

ELLIPSIS = "…"
_SPACE = re.compile(r"\s+")
# A cut must not leave half of an emoji sequence behind: a joiner, a variation selector or a
# skin-tone modifier at the end means the emoji it belonged to was cut off.
_DANGLING = "\u200d\ufe0e\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff"


def units(text: str) -> int:
    """Length as Java and JavaScript count it (UTF-16 code units): an emoji outside the BMP is 2.
    Staying within this also stays within a limit counted in code points."""
    return len(text.encode("utf-16-le")) // 2


def one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def shorten(text: str, limit: int) -> str:
    """`text` if it fits in `limit`, else cut at the last word boundary that fits, plus an ellipsis."""
    if units(text) <= limit:
        return text
    room, kept = limit - units(ELLIPSIS), 0
    while kept < len(text) and units(text[kept]) <= room:
        room -= units(text[kept])
        kept += 1
    head = text[:kept]
    if not text[kept].isspace() and not head[-1:].isspace():
        boundary = max(head.rfind(" "), head.rfind("\n"))
        # Drop the half word, unless that costs over half the text (one long URL): then cut hard.
        head = head[:boundary] if boundary > len(head) // 2 else _whole_emoji(head, text[kept])
    return head.rstrip(" \n\t,;:") + ELLIPSIS


def _whole_emoji(head: str, next_char: str) -> str:
    """A hard cut inside an emoji sequence (👨‍👩‍👧‍👦, 👍🏽) drops the whole sequence: never a different emoji."""
    if next_char not in _DANGLING and not head.endswith("\u200d"):
        return head
    while head and (head[-1] in _DANGLING or head[-2:-1] == "\u200d"):
        head = head[:-1]
    return head[:-1]


def bounded_key(key: str, limit: int) -> str:
    """The key itself when it fits, else a stable prefix plus a hash of the whole key: the same
    incident always gets the same key, and two long keys that share a prefix stay apart."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return f"{key[: limit - len(digest) - 1]}~{digest}"


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """A pager's error body may echo what it was sent; never let a key through to a log line."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def page_links(event: dict[str, Any]) -> list[dict[str, str]]:
    """The event's own links (notify puts the incident page first), http(s) only."""
    return [{"href": str(link["href"]), "text": str(link.get("text") or "link")}
            for link in event.get("links", []) if isinstance(link, dict) and str(link.get("href")).startswith("http")]


def mention_line(mention: dict[str, Any], excerpt_chars: int = 160) -> str:
    """One top mention for a person: who, their reach, how it reads, what it says."""
    author = mention.get("author") or "?"
    followers = mention.get("followers") or 0
    labels = "/".join(str(mention[key]) for key in ("stance", "sentiment") if mention.get(key))
    excerpt = shorten(one_line(str(mention.get("excerpt") or mention.get("text") or "")), excerpt_chars)
    return f"{author} ({followers:,} followers){' ' + labels if labels else ''}: {excerpt}"
