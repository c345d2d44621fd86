"""The incident page without a browser: what it shows, that every text stays text, and that only a
POST with a CSRF token changes anything."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from werkzeug.test import Client, TestResponse

from luisterpost.metrics import Metrics
from luisterpost.review.labels import Correction
from luisterpost.review.links import incident_path
from luisterpost.review.security import Keys, safe_url
from luisterpost.review.server import counter
from luisterpost.review.view import ReviewView
from luisterpost.review.web import ReviewApp
from tests.unit.review_fixtures import KEY, classified, incident

NOW = datetime(2026, 12, 5, tzinfo=UTC)
ATTACKS = {
    "script": "<script>alert('x')</script>",
    "img": "<img src=x onerror=alert(1)>",
    "svg": '"><svg onload=alert(1)>',
    "javascript": "javascript:alert(1)",
}


class Page(HTMLParser):
    """What a browser would build from the HTML: tags, attributes, text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


class Written(list[Correction]):
    def __call__(self, correction: Correction) -> None:
        self.append(correction)


def fill(view: ReviewView, root_text: str = "Extra betaald, te laat geleverd", root_url: str | None = None,
         summary: str = "coolblue: 5 fans attack a complainer") -> None:
    view.add_mention(classified("li:1", root_text, "complaint", url=root_url, followers=25_000))
    view.add_mention(classified("li:2", "Wat een zeurpiet, geef ze de kans", "defense", parent="li:1",
                                handle="fan1", url="https://www.linkedin.com/feed/update/2", minute=5))
    view.add_mention(classified("li:3", "Verwend kind", "defense", parent="li:1", handle="fan2", minute=7))
    view.add_incident(incident(summary=summary))


def app_for(view: ReviewView, bearer: str | None = None) -> tuple[Client, Written, Metrics]:
    written, metrics = Written(), Metrics()
    app = ReviewApp(view, Keys(bearer), written, counter(metrics), clock=lambda: NOW)
    return Client(app), written, metrics


def csrf_of(response: TestResponse) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_the_list_and_the_incident_show_the_thread_with_labels_and_scores() -> None:
    view = ReviewView()
    fill(view)
    client, _, _ = app_for(view)
    listing = client.get("/").get_data(as_text=True)
    assert incident_path(KEY) in listing and "open" in listing
    page = client.get(incident_path(KEY))
    assert page.status_code == 200
    text = " ".join(Page(page.get_data(as_text=True)).text)
    assert "Extra betaald, te laat geleverd" in text and "Wat een zeurpiet" in text and "Verwend kind" in text
    assert "25,000 followers" in text and "fan1" in text and "complaint" in text and "0.91" in text
    assert "defenders" in text and "threshold" in text  # the numbers that fired it
    assert page.get_data(as_text=True).count("<rect") >= 2  # the chart, drawn by the server
    assert client.get("/incidents/coolblue/pile_on/none").status_code == 404


@pytest.mark.parametrize("attack", list(ATTACKS.values()), ids=list(ATTACKS))
def test_a_hostile_mention_renders_as_text(attack: str) -> None:
    view = ReviewView()
    view.add_mention(classified("li:9", attack, "complaint", parent="li:1", handle=attack, url=attack))
    fill(view, root_text=attack, root_url=attack, summary=attack)
    client, _, _ = app_for(view)
    for path in ("/", incident_path(KEY)):
        response = client.get(path)
        html = response.get_data(as_text=True)
        page = Page(html)
        assert attack not in html or attack == ATTACKS["javascript"]
        assert attack in " ".join(page.text) or path == "/"  # shown to the reader, as text
        assert not [tag for tag, _ in page.tags if tag in ("script", "img", "iframe", "object")]
        assert not [name for _, attrs in page.tags for name in attrs if name.startswith("on")]
        svgs = [attrs for tag, attrs in page.tags if tag == "svg"]
        assert all(attrs.get("role") == "img" for attrs in svgs)  # only our own chart
        hrefs = [str(attrs.get("href")) for tag, attrs in page.tags if tag == "a"]
        assert all(href.startswith(("/", "https://", "http://")) for href in hrefs), hrefs
        assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none' covers it
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_links_open_only_http_urls() -> None:
    assert safe_url("https://www.linkedin.com/feed/update/1") and safe_url("http://x.nl/a?b=c")
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>", "vbscript:x", "//evil.example",
                "https://", " https://x.nl", "java\tscript:alert(1)", "https://x.nl/\nfoo", None, 3):
        assert safe_url(url) is None, url


def test_reading_never_writes_and_a_post_without_its_token_is_refused() -> None:
    view = ReviewView()
    fill(view)
    client, written, _ = app_for(view)
    for _ in range(3):
        client.get("/")
        client.get(incident_path(KEY))
    assert written == [] and len(view.labels) == 0
    refused = client.post("/labels", data={"mention_id": "li:2", "set": "stance:praise", "incident": KEY})
    assert refused.status_code == 403
    forged = client.post("/labels", data={"mention_id": "li:2", "set": "stance:praise", "csrf": "0" * 64})
    assert forged.status_code == 403
    other_browser = Client(client.application)  # a token is bound to the browser's own cookie
    stolen = other_browser.post("/labels", data={"mention_id": "li:2", "set": "stance:praise",
                                                 "csrf": csrf_of(client.get(incident_path(KEY)))})
    assert stolen.status_code == 403
    assert client.get("/labels").status_code == 405
    assert written == []


def test_one_click_writes_a_correction_and_counts_the_pair() -> None:
    view = ReviewView()
    fill(view)
    client, written, metrics = app_for(view)
    token = csrf_of(client.get(incident_path(KEY)))
    client.post("/reviewer", data={"csrf": token, "name": "eva <webcare>", "incident": KEY})
    response = client.post("/labels", data={"csrf": token, "mention_id": "li:2", "set": "stance:praise",
                                            "incident": KEY})
    assert response.status_code == 303 and response.headers["Location"].endswith(incident_path(KEY))
    [correction] = written
    assert (correction.mention_id, correction.head, correction.model_label, correction.label) == \
        ("li:2", "stance", "defense", "praise")
    assert correction.who == "eva <webcare>" and correction.model == "luisterpost-e5-small 3.0"
    assert correction.parent_text == "Extra betaald, te laat geleverd" and correction.at == NOW
    sample = metrics.registry.get_sample_value("luisterpost_label_corrections_total", {
        "head": "stance", "model_label": "defense", "person_label": "praise", "agreed": "false"})
    assert sample == 1.0
    after = client.get(incident_path(KEY)).get_data(as_text=True)
    assert "corrected to <strong>praise</strong> by eva &lt;webcare&gt;" in after
    for bad in ({"set": "stance:angry", "mention_id": "li:2"}, {"set": "mood:defense", "mention_id": "li:2"}):
        assert client.post("/labels", data={"csrf": token, **bad}).status_code == 400
    assert client.post("/labels", data={"csrf": token, "set": "stance:praise", "mention_id": "nope"}).status_code \
        == 404
    assert len(written) == 1


def test_a_broker_that_does_not_acknowledge_keeps_nothing() -> None:
    view = ReviewView()
    fill(view)

    def refuse(correction: Correction) -> None:
        raise TimeoutError("no ack")

    client = Client(ReviewApp(view, Keys(), refuse, lambda c: None, clock=lambda: NOW))
    token = csrf_of(client.get(incident_path(KEY)))
    response = client.post("/labels", data={"csrf": token, "mention_id": "li:2", "set": "stance:praise"})
    assert response.status_code == 503 and len(view.labels) == 0


def test_with_a_token_every_page_needs_it() -> None:
    view = ReviewView()
    fill(view)
    client, written, _ = app_for(view, bearer="s3cret-token")
    assert client.get(incident_path(KEY)).status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    login = client.get("/login")
    assert client.post("/login", data={"csrf": csrf_of(login), "token": "nope"}).status_code == 401
    signed_in = client.post("/login", data={"csrf": csrf_of(login), "token": "s3cret-token"})
    assert signed_in.status_code == 303
    assert "s3cret-token" not in signed_in.headers.get("Set-Cookie", "")  # the browser keeps a derived value
    assert client.get(incident_path(KEY)).status_code == 200
