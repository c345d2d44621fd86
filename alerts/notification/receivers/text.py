"""Pure text helpers for the pagers' field limits. Limits count characters, never bytes."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import quote, urlsplit

from alerts.notification.page import Page
from alerts.notification.receivers.redact import Redactor

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


# What a terminal or a log viewer would act on instead of showing: C0 controls (newline, ESC, BEL...),
# DEL, C1 controls (CSI, OSC...), bidi overrides and isolates that reorder what is shown, and the
# Unicode line and paragraph separators. Joiners and variation selectors stay: emoji need them.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every control and bidi character shown as an escape (\\x1b, \\n, \\u202e), so an
    untrusted field can neither start a line that looks like ours nor recolour or reorder the screen."""
    return _UNSAFE.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(match.group())
    return named or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


# Characters a URL may hold as they are; anything else (space, quotes, <, >, |, controls) is
# percent-encoded, so the URL cannot end a markup link early or smuggle markup into a payload.
_URL_SAFE = "/:?#[]@!$&'*+,;=%~-._"


def safe_url(url: object) -> str | None:
    """An http(s) URL with a host, percent-encoded where it would break out of a link; else None:
    `javascript:`, `data:` and relative links never become a link for a person to click."""
    if not isinstance(url, str) or not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(url.strip(), safe=_URL_SAFE)


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """A pager's error body may echo what it was sent; never let a key, or any part of one, through."""
    return Redactor(secrets).redact(text)


def page_links(page: Page) -> list[dict[str, str]]:
    """The page's links (the incident page first), http(s) only, text printable."""
    found = []
    for item in page.links or []:
        href = safe_url(item.get("href")) if isinstance(item, dict) else None
        if href is not None:
            found.append({"href": href, "text": shorten(printable(one_line(str(item.get("text") or href))), 200)})
    return found


def mention_line(mention: dict[str, Any], excerpt_chars: int = 160) -> str:
    """One top mention for a person: who, their reach, how it reads, what it says."""
    author = mention.get("author") or "?"
    followers = mention.get("followers") or 0
    labels = "/".join(str(mention[key]) for key in ("stance", "sentiment") if mention.get(key))
    excerpt = shorten(one_line(str(mention.get("excerpt") or mention.get("text") or "")), excerpt_chars)
    return f"{author} ({followers:,} followers){' ' + labels if labels else ''}: {excerpt}"


def event_links(page: Page, text_chars: int = 200) -> list[tuple[str, str]]:
    """(href, text) for every link a page carries: the event's own `links` first (the incident page),
    then each top mention's URL. Only http(s) URLs become links."""
    found = [(link["href"], shorten(link["text"], text_chars)) for link in page_links(page)]
    for mention in page.event.top_mentions or []:
        href = safe_url(mention.get("url")) if isinstance(mention, dict) else None
        if href is not None:
            found.append((href, shorten(printable(mention_line(mention, 80)), text_chars)))
    return found


def mention_entry(mention: dict[str, Any]) -> str:
    """A top mention as one printable line with its link, if it has an http(s) one (plain-text pagers)."""
    href = safe_url(mention.get("url"))
    return f"{printable(one_line(mention_line(mention)))} {href or ''}".rstrip()


def printable_tree(value: Any) -> Any:
    """Every string in a JSON-like value (keys too) made printable: structured details for a pager's UI."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(str(key)): printable_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable_tree(item) for item in value]
    return value


def pager_key(key: str, limit: int) -> str:
    """The dedup key a pager shows and matches on: printable (the same for every event of an incident,
    since the transformation is fixed), within the pager's limit."""
    return bounded_key(printable(key), limit)
