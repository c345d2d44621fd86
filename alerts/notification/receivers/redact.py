"""Keeps receiver secrets out of log lines, error messages and dead letters, in whole and in part.

A pager's error body often echoes what it was sent: a Slack or Mattermost error may quote the
request path, which is the webhook's token; another may quote half a routing key, cut off by a
length limit. So a secret is not only hidden whole: each piece that carries it (a webhook URL's
path segments, query values and user info; a header's token) is hidden wherever any run of
PART_CHARS or more of its characters shows up."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
PART_CHARS = 8  # a run this long of a secret's characters is hidden; shorter runs are ordinary text
WHOLE_CHARS = 4  # a configured secret shorter than this is no secret: hiding it would mangle every text
_PIECES = re.compile(r"[\s/]+")


def _is_word(segment: str) -> bool:
    """A URL path segment such as "services", "hooks" or "webhooks": a route, not a token."""
    return segment.isalpha() and segment.islower() and len(segment) < 16


def secret_parts(secret: str) -> list[str]:
    """The pieces of a secret that are secret on their own: a webhook URL's path segments, query
    values and user info (not its scheme, host or route words); any other secret whole, and the
    token of a "Bearer <token>" header value."""
    try:
        url = urlsplit(secret) if secret.startswith(("http://", "https://")) else None
    except ValueError:
        url = None
    if url is None:
        return [secret, *(p for p in _PIECES.split(secret) if len(p) >= PART_CHARS)]
    segments = [unquote(s) for s in url.path.split("/")] + [v for _, v in parse_qsl(url.query)]
    segments += [url.fragment, url.password or "", url.username or ""]
    return [s for s in segments if len(s) >= PART_CHARS and not _is_word(s)]


class Redactor:
    def __init__(self, secrets: tuple[str, ...] | list[str]) -> None:
        secrets = [secret for secret in secrets if len(secret) >= WHOLE_CHARS]
        parts = [part for secret in secrets for part in secret_parts(secret)]
        self._whole = sorted(set(secrets), key=len, reverse=True)  # first, so a whole URL goes as one
        self._runs = {p[i:i + PART_CHARS] for p in parts if len(p) >= PART_CHARS
                      for i in range(len(p) - PART_CHARS + 1)}

    def redact(self, text: str) -> str:
        for whole in self._whole:
            text = text.replace(whole, MASK)
        if not self._runs:
            return text
        hidden = self._hidden_spans(text)
        return "".join(MASK if hide else text[start:end] for start, end, hide in hidden)

    def _hidden_spans(self, text: str) -> list[tuple[int, int, bool]]:
        """The text cut into spans, each marked whether it lies within a run of a secret's characters."""
        covered = [False] * len(text)
        for i in range(len(text) - PART_CHARS + 1):
            if text[i:i + PART_CHARS] in self._runs:
                covered[i:i + PART_CHARS] = [True] * PART_CHARS
        spans: list[tuple[int, int, bool]] = []
        start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or covered[i] != covered[start]:
                spans.append((start, i, covered[start]))
                start = i
        return spans
