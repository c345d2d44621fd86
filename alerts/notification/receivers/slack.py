"""A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): a headline and the top
mentions with links, for the webcare channel. The webhook URL is the secret: never logged."""

from __future__ import annotations

import re

import httpx

from alerts.notification.page import Page
from alerts.notification.receivers import http
from alerts.notification.receivers.base import Outcome
from alerts.notification.receivers.rate import RateBudget
from alerts.notification.receivers.text import mention_line, one_line, page_links, printable, safe_url, shorten

MARKS = {"trigger": ":rotating_light: PAGE", "update": ":arrow_up: UPDATE", "resolve": ":white_check_mark: RESOLVED"}
SUMMARY_CHARS, MENTIONS = 600, 3


WORD_JOINER = "\u2060"  # invisible, and no word character: it breaks a mention or a link without showing
_MENTION = re.compile(r"([@＠])(?=[\w.-])")  # Mattermost and Rocket.Chat ping @here, @channel, @all, @user
_MARKDOWN_LINK = re.compile(r"(!)(?=\[)|(\])(?=\()")  # ![image](url) and [text](url) in Mattermost


def escape(text: str) -> str:
    """Untrusted text as plain text in Slack, Mattermost and Rocket.Chat alike. Slack's mrkdwn reads
    &, < and > as markup (a raw `<!channel>` pings the channel, `<url|text>` is a link): they become
    the entities Slack documents. Mattermost also pings a plain @here, @channel, @all or @user and
    renders Markdown links and images: a word joiner after the @ and between `](` or `![` keeps them
    text. Control and bidi characters are shown as escapes (they could reorder the line)."""
    text = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MENTION.sub(lambda m: m.group(1) + WORD_JOINER, text)
    return _MARKDOWN_LINK.sub(lambda m: (m.group(1) or m.group(2)) + WORD_JOINER, text)


def link(url: object, label: str) -> str:
    """`<url|label>` for an http(s) URL; else the label alone: a `javascript:` or broken URL is never
    a link. The URL is percent-encoded where it could end the link (`>`, `|`, space), and its `&`
    becomes `&amp;` as Slack asks; the label is escaped text."""
    href = safe_url(url)
    if href is None:
        return escape(label)
    href = href.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<{href}|{escape(label)}>"


def message(page: Page) -> dict[str, str]:
    event = page.event
    mark = MARKS.get(event.action, escape(event.action))
    summary = shorten(one_line(event.summary), SUMMARY_CHARS)
    lines = [f"*{mark}* {escape(event.severity.upper())} `{escape(event.rule)}` "
             f"{escape(event.brand or '')}: {escape(summary)}"]
    lines += [link(own["href"], own["text"]) for own in page_links(page)]
    for mention in event.top_mentions[:MENTIONS]:
        lines.append("• " + link(mention.get("url"), one_line(mention_line(mention))))
    return {"text": "\n".join(lines)}


class SlackReceiver:
    def __init__(self, name: str, severities: frozenset[str], url: str, timeout_s: float,
                 budget: RateBudget | None = None, transport: httpx.BaseTransport | None = None,
                 clock: http.Clock = http.utc_now) -> None:
        self.name, self.severities, self.budget = name, severities, budget
        self._url, self._clock = url, clock
        self._client = http.client(timeout_s, transport=transport)

    def send(self, page: Page) -> Outcome:
        return http.post(self._client, self._url, message(page), self._clock, (self._url,))

    def close(self) -> None:
        self._client.close()
