"""A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): a headline and the top
mentions with links, for the webcare channel. The webhook URL is the secret: never logged."""

from __future__ import annotations

from typing import Any

import httpx

from alerts.receivers import http
from alerts.receivers.base import Outcome
from alerts.receivers.rate import RateBudget
from alerts.receivers.text import mention_line, one_line, page_links, shorten

MARKS = {"trigger": ":rotating_light: PAGE", "update": ":arrow_up: UPDATE", "resolve": ":white_check_mark: RESOLVED"}
SUMMARY_CHARS, MENTIONS = 600, 3


def escape(text: str) -> str:
    """Slack's mrkdwn reads &, < and > as markup: a "V&D" or "<3" in a post must stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(event: dict[str, Any]) -> dict[str, str]:
    mark = MARKS.get(event["action"], event["action"])
    summary = shorten(one_line(str(event["summary"])), SUMMARY_CHARS)
    lines = [f"*{mark}* {str(event['severity']).upper()} `{escape(str(event['rule']))}` "
             f"{escape(str(event.get('brand') or ''))}: {escape(summary)}"]
    lines += [f"<{link['href']}|{escape(link['text'])}>" for link in page_links(event) if "|" not in link["href"]]
    for mention in event.get("top_mentions", [])[:MENTIONS]:
        line = escape(mention_line(mention))
        url = str(mention.get("url") or "")
        lines.append(f"• <{url}|{line}>" if url.startswith("http") and "|" not in url else f"• {line}")
    return {"text": "\n".join(lines)}


class SlackReceiver:
    def __init__(self, name: str, severities: frozenset[str], url: str, timeout_s: float,
                 budget: RateBudget | None = None, transport: httpx.BaseTransport | None = None,
                 clock: http.Clock = http.utc_now) -> None:
        self.name, self.severities, self.budget = name, severities, budget
        self._url, self._clock = url, clock
        self._client = http.client(timeout_s, transport=transport)

    def send(self, event: dict[str, Any]) -> Outcome:
        return http.post(self._client, self._url, message(event), self._clock, (self._url,))

    def close(self) -> None:
        self._client.close()
