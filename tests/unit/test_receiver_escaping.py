"""Untrusted text on its way to a person, per receiver: Slack/Mattermost markup, the console, pager
links, and secrets in what a receiver answers (issue 17, items 9-11)."""

from __future__ import annotations

import io
import json
import logging
import threading
from typing import Any

import httpx
import pytest

from alerts.notification.notifier import Notifier
from alerts.notification.receivers import alertmanager, opsgenie, pagerduty, slack
from alerts.notification.receivers.console import ConsoleReceiver
from alerts.notification.receivers.http import outcome_for
from alerts.notification.receivers.redact import Redactor
from alerts.notification.receivers.slack import SlackReceiver
from alerts.notification.receivers.text import printable, safe_url
from tests.support.pages import page_of
from tests.unit.test_receivers import NOW, TRIGGER

ESC = "\x1b"
EVIL_URL = "https://evil.example/a><!channel><https://evil.example"
FORGED = f"li:{ESC}[2J\n[RESOLVED] CRITICAL coolblue all clear {ESC}[0m"


def with_mention(**fields: Any) -> dict[str, Any]:
    mention = {**TRIGGER["top_mentions"][0], **fields}
    return {**TRIGGER, "summary": "coolblue: complaint", "top_mentions": [mention]}


# --- Slack and Mattermost ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "shown"), [
    ("V&D <3", "V&amp;D &lt;3"),
    ("<!channel> <!here>", "&lt;!channel&gt; &lt;!here&gt;"),
    ("<https://evil.example|refund>", "&lt;https://evil.example|refund&gt;"),
    ("@here @channel @all @robb", "@\u2060here @\u2060channel @\u2060all @\u2060robb"),
    ("mail me: a@b.nl", "mail me: a@\u2060b.nl"),
    ("[klik](https://evil.example)", "[klik]\u2060(https://evil.example)"),
    ("![p](https://evil.example/p.png)", "!\u2060[p]\u2060(https://evil.example/p.png)"),
    (f"{ESC}[31mROOD\u202e", "\\x1b[31mROOD\\u202e"),
    ("Coolblue 😡👨‍👩‍👧‍👦 wasmachine", "Coolblue 😡👨‍👩‍👧‍👦 wasmachine"),
])
def test_slack_escape_table(text: str, shown: str) -> None:
    assert slack.escape(text) == shown


@pytest.mark.parametrize(("url", "link"), [
    ("https://www.linkedin.com/feed/update/1", "<https://www.linkedin.com/feed/update/1|x>"),
    ("https://x.nl/?a=1&b=2", "<https://x.nl/?a=1&amp;b=2|x>"),
    (EVIL_URL, "<https://evil.example/a%3E%3C!channel%3E%3Chttps://evil.example|x>"),
    ("https://x.nl/a|b c", "<https://x.nl/a%7Cb%20c|x>"),
    ("javascript:alert(1)", "x"),
    ("data:text/html,hi", "x"),
    ("//evil.example/relative", "x"),
    ("https://", "x"),
])
def test_slack_links_only_http_urls_that_cannot_break_out(url: str, link: str) -> None:
    assert slack.link(url, "x") == link


@pytest.mark.parametrize("fields", [{"url": EVIL_URL}, {"author": "<!channel> @here [a](https://evil.example)"},
                                    {"excerpt": "<!here> <https://evil.example|klik hier voor je refund>"}])
def test_a_slack_message_never_pings_or_links_elsewhere_whatever_a_mention_holds(fields: dict[str, str]) -> None:
    text = slack.message(page_of(with_mention(**fields)))["text"]
    assert "<!channel>" not in text and "<!here>" not in text
    assert "](https" not in text and "@here" not in text
    links = [part.split("|")[0] for part in text.split("<")[1:]]
    assert all("<" not in link and ">" not in link and " " not in link for link in links)
    assert len(links) == 1  # the mention's own link, and no second one smuggled in


def test_a_slack_message_is_still_readable() -> None:
    text = slack.message(page_of(TRIGGER))["text"]
    assert text.startswith("*:rotating_light: PAGE* CRITICAL `pile_on` coolblue: ")
    assert "• <https://www.linkedin.com/feed/update/urn:li:activity:7265312|robb (25,000 followers)" in text
    assert "&amp; &lt;geen&gt; excuus" in text


# --- the console and printable text ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "shown"), [
    ("robb", "robb"),
    ("a\nb\r\tc", "a\\nb\\r\\tc"),
    (f"{ESC}[2J{ESC}]8;;https://evil.example\x07link", "\\x1b[2J\\x1b]8;;https://evil.example\\x07link"),
    ("\x9b31m C1", "\\x9b31m C1"),
    ("admin\u202eetadpu", "admin\\u202eetadpu"),
    ("\u2066isolate\u2069 \u200fmark", "\\u2066isolate\\u2069 \\u200fmark"),
    ("line\u2028sep", "line\\u2028sep"),
    ("Zoë 👍🏽 👨‍👩‍👧‍👦", "Zoë 👍🏽 👨‍👩‍👧‍👦"),
])
def test_printable_table(text: str, shown: str) -> None:
    assert printable(text) == shown


@pytest.mark.parametrize("event", [
    {**TRIGGER, "dedup_key": f"coolblue/pile_on/{FORGED}"},
    with_mention(author=f"robb{ESC}[31m\n[RESOLVED] CRITICAL all clear"),
    with_mention(url="https://x.nl/\n[RESOLVED] CRITICAL all clear", excerpt=f"{ESC}[2J\u202eboo"),
    {**TRIGGER, "summary": "spike\n[RESOLVED] CRITICAL coolblue all clear", "evidence": {"who": f"{ESC}[0m"}},
])
def test_the_console_page_cannot_be_forged_or_recoloured(event: dict[str, Any]) -> None:
    stream = io.StringIO()
    ConsoleReceiver("console", frozenset({"critical"}), stream).send(page_of(event))
    page = stream.getvalue()
    assert ESC not in page and "\u202e" not in page
    lines = page.splitlines()
    assert lines[0].startswith("[PAGE] CRITICAL pile_on ")
    assert not any(line.startswith("[") for line in lines[1:])  # no second headline
    assert all(line.startswith("  ") for line in lines[1:])


def test_pager_payloads_carry_no_control_characters() -> None:
    event = {**with_mention(author=f"robb{ESC}[31m\nfake", excerpt="\u202eboo"),
             "dedup_key": f"coolblue/pile_on/{FORGED}"}
    for payload in (pagerduty.enqueue_body(page_of(event), "k"), opsgenie.create_body(page_of(event)),
                    alertmanager.alert(page_of(event), NOW)):
        flat = json.dumps(payload, ensure_ascii=False)
        assert ESC not in flat and "\u202e" not in flat and "\\n[RESOLVED]" not in flat.replace("\\\\n", "")
    assert pagerduty.enqueue_body(page_of(event), "k")["dedup_key"] == pagerduty.enqueue_body(page_of(
        {**event, "action": "resolve"}), "k")["dedup_key"]  # the same incident keeps one key


# --- links for the pagers -------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "href"), [
    ("https://www.linkedin.com/feed/update/1", "https://www.linkedin.com/feed/update/1"),
    ("HTTP://x.nl/a", "HTTP://x.nl/a"),
    ("javascript:alert(document.cookie)", None),
    ("mailto:a@b.nl", None),
    ("file:///etc/passwd", None),
    ("httpx://x.nl", None),
    ("", None),
    (None, None),
    (12, None),
    (EVIL_URL, "https://evil.example/a%3E%3C!channel%3E%3Chttps://evil.example"),
])
def test_safe_url_table(url: object, href: str | None) -> None:
    assert safe_url(url) == href


def test_pagerduty_links_take_only_http_urls_and_leave_room_for_the_events_own_links() -> None:
    event = {**TRIGGER, "links": [{"href": "https://luisterpost.example/incidents/1", "text": "incident"},
                                  {"href": "javascript:alert(1)", "text": "x"}],
             "top_mentions": [{**TRIGGER["top_mentions"][0], "url": "javascript:alert(1)"},
                              TRIGGER["top_mentions"][1]]}
    hrefs = [link["href"] for link in pagerduty.enqueue_body(page_of(event), "k")["links"]]
    assert hrefs == ["https://luisterpost.example/incidents/1", TRIGGER["top_mentions"][1]["url"]]
    first_only = page_of({**TRIGGER, "top_mentions": event["top_mentions"][:1]})
    assert "generatorURL" not in alertmanager.alert(first_only, NOW)


# --- secrets --------------------------------------------------------------------------------------

SLACK_URL = "https://hooks.slack.com/services/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"
ROUTING_KEY = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(("text", "shown"), [
    (f"invalid_token at {SLACK_URL}", "invalid_token at ***"),
    ("POST /services/T0123ABCD/B0456EFGH/Zq8xYvW2uT4sR6pO0nM1lK3j failed", "POST /services/***/***/*** failed"),
    ("token Zq8xYvW2uT4s… cut", "token ***… cut"),
    ('{"path":"\\/services\\/T0123ABCD\\/B0456EFGH\\/Zq8xYvW2uT4sR6pO0nM1lK3j"}',
     '{"path":"\\/services\\/***\\/***\\/***"}'),
    (f"routing key {ROUTING_KEY[:20]} is wrong", "routing key *** is wrong"),
    ("Bearer s3cr3t-bearer-t0ken echoed", "*** echoed"),
    ("a short run 0123456 stays", "a short run 0123456 stays"),
    ("hooks.slack.com/services answered 404 for services", "hooks.slack.com/services answered 404 for services"),
])
def test_redaction_hides_every_part_of_a_secret(text: str, shown: str) -> None:
    redactor = Redactor((SLACK_URL, ROUTING_KEY, "Bearer s3cr3t-bearer-t0ken"))
    assert redactor.redact(text) == shown


def test_an_echoed_error_body_is_cut_redacted_and_escaped() -> None:
    body = f"no such hook: /services/T0123ABCD/B0456EFGH/Zq8xYvW2uT4sR6pO0nM1lK3j\n{ESC}[31m" + "x" * 5000
    outcome = outcome_for(404, body, None, NOW, (SLACK_URL,))
    assert outcome.error is not None
    assert "Zq8xYvW2" not in outcome.error and "T0123ABCD" not in outcome.error
    assert ESC not in outcome.error and "\n" not in outcome.error
    assert len(outcome.error) < 300


def test_a_slack_error_that_echoes_the_path_never_logs_the_token(caplog: pytest.LogCaptureFixture) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=f"invalid_payload for path={request.url.path} {request.content.decode()}")

    receiver = SlackReceiver("webcare", frozenset({"critical"}), SLACK_URL, 5, transport=httpx.MockTransport(echo))
    with caplog.at_level(logging.DEBUG):
        assert Notifier([receiver], threading.Event(), 0.001, 0.01).deliver(page_of(TRIGGER))
    assert "rejected" in caplog.text and "invalid_payload for path=/services/***" in caplog.text
    for part in ("T0123ABCD", "B0456EFGH", "Zq8xYvW2uT4sR6pO0nM1lK3j", "Zq8xYvW2"):
        assert part not in caplog.text
