"""The review loop as the on-call reader lives it, in a real browser (Debian's chromium, driven by
Playwright): the seed-001 pile-on replayed on the real broker, the page's link opened, a defender's
stance corrected, the correction on the `labels` topic and in `labels export`."""

from __future__ import annotations

import csv
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from luisterpost import cli
from luisterpost.broker import EmbeddedBroker
from luisterpost.demo import scenarios
from luisterpost.metrics import Metrics
from luisterpost.replay import replay
from luisterpost.review.server import reviewing
from tests.integration.conftest import config_for, jsonl, read_json, wait_for

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PILE_ON = "coolblue/pile_on/li:7265312"
SUPPORTER = "Vorige maand hetzelfde met hun bezorgpartner"
# LUISTERPOST_SCREENSHOTS=docs/img refreshes the README's pictures; by default they go to tmp_path.
SCREENSHOTS = os.environ.get("LUISTERPOST_SCREENSHOTS")



def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "the browser test needs Debian's chromium: `make tools` installs it"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def replay_prefix(bootstrap: str, prefix: str) -> str:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        names = [t for t in admin.list_topics() if t.startswith(f"{prefix}replay-") and t.endswith(".incidents")]
    finally:
        admin.close()
    assert len(names) == 1, names
    return names[0].removesuffix("incidents")


def test_the_on_call_reader_corrects_a_defender_from_the_page_link(
        broker: EmbeddedBroker, prefix: str, tmp_path: Path, browser: object,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    port = free_port()
    config = config_for(broker, prefix, review={"address": f"127.0.0.1:{port}"})
    source, pages = tmp_path / "seed-001.jsonl", tmp_path / "pages.jsonl"
    scenarios.write_jsonl(source, scenarios.pile_on_thread(scenarios.PILE_ON_START))
    replay(config, source, pages)
    [page_sent] = [e for e in jsonl(pages) if e["action"] == "trigger" and e["dedup_key"] == PILE_ON]
    link = page_sent["links"][0]
    assert link["text"] == "Incident page" and link["href"].startswith(f"http://127.0.0.1:{port}/incidents/")

    topics_prefix = replay_prefix(broker.bootstrap, prefix)
    review_config = config.model_copy(update={"kafka": config.kafka.model_copy(update={"topic_prefix": topics_prefix})})
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    stopping = threading.Event()
    with reviewing(review_config, broker.bootstrap, Metrics(), stopping) as review:
        wait_for(review.feed.caught_up.is_set, 60, "the review server to read the topics")
        page = browser.new_page(viewport={"width": 1000, "height": 1100})
        page.goto(link["href"])
        expect(page.locator("h1")).to_contain_text("pile_on")
        complaint = page.locator("article.mention").filter(has=page.locator(".author", has_text="robb")).first
        expect(complaint.locator(".label.complaint")).to_be_visible()
        defenders = page.locator("article.mention.reply").filter(has=page.locator(".label.defense"))
        assert defenders.count() >= 5, "the defenders are not on the page"
        page.screenshot(path=str(shots / "review-incident.png"))

        # A supporter who tells of his own bad delivery: the person on call reads a complaint.
        reply = page.locator("article.mention.reply").filter(has_text=SUPPORTER).first
        reply_text, model_said = reply.locator(".text").inner_text(), reply.locator(".label").first.inner_text()
        reply.get_by_role("button", name="complaint").first.click()
        page.wait_for_load_state()
        corrected = page.locator("article.mention").filter(has_text=SUPPORTER).first
        expect(corrected.locator(".corrected")).to_contain_text("stance corrected to complaint")
        corrected.screenshot(path=str(shots / "review-correction.png"))
        page.close()

    [record] = [r for r in read_json(broker.bootstrap, f"{topics_prefix}labels") if r["text"] == reply_text]
    assert (record["head"], record["model_label"], record["label"]) == ("stance", model_said, "complaint")
    assert record["model"].startswith("luisterpost-e5-small") and record["who"] == "anonymous"
    assert record["parent_text"], "a reply's correction carries the text it answered"

    monkeypatch.setenv("LUISTERPOST_TOPIC_PREFIX", topics_prefix)
    exported = tmp_path / "labels.csv"
    assert cli.main(["labels", "export", "--out", str(exported), "--bootstrap", broker.bootstrap]) == 0
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    assert {"text": reply_text, "parent_text": record["parent_text"], "stance": "complaint", "sentiment": ""} in rows
