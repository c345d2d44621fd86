"""`luisterpost run notify` killed with SIGKILL after PagerDuty accepted a page but before the offset
was committed, then restarted: the page is sent again with the same dedup_key, and PagerDuty (a fake
that keeps incidents as its Events API v2 documents) still has one incident, not two."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from luisterpost import kafka
from luisterpost.broker import EmbeddedBroker
from tests.integration.conftest import committed, config_for, produce, wait_for
from tests.pager_fakes import PagerDutyFake, PagerDutyServer

ROUTING_KEY = "0123456789abcdef0123456789abcdef"
TRIGGER = {"dedup_key": "coolblue/pile_on/li:7265312", "action": "trigger", "rule": "pile_on",
           "severity": "critical", "brand": "coolblue", "event_time": "2018-11-26T23:30:23+01:00",
           "summary": "coolblue: 14 defenders pile on a complaint by robb (25,000 followers)",
           "evidence": {"defense_replies": 14}, "top_mentions": [
               {"id": "li:7265312", "author": "robb", "followers": 25000, "stance": "complaint",
                "url": "https://www.linkedin.com/feed/update/urn:li:activity:7265312"}]}
UPDATE = {**TRIGGER, "action": "update", "event_time": "2018-11-26T23:58:04+01:00"}


def start_notify(config_file: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LUISTERPOST_CONFIG": str(config_file), "LP_TEST_PAGERDUTY_KEY": ROUTING_KEY}
    return subprocess.Popen([sys.executable, "-m", "luisterpost", "run", "notify"], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def test_sigkill_between_accept_and_commit_pages_once(broker: EmbeddedBroker, prefix: str, tmp_path: Path) -> None:
    pagerduty = PagerDutyServer(PagerDutyFake(routing_key=ROUTING_KEY))
    fake, config_file, log = pagerduty.fake, tmp_path / "config.yaml", tmp_path / "notify.log"
    receiver = {"name": "crisis-pd", "type": "pagerduty", "url": pagerduty.url,
                "routing_key_from_env": "LP_TEST_PAGERDUTY_KEY"}
    # An hour between commits: the kill surely lands after the page and before its offset is committed.
    config_file.write_text(yaml.safe_dump({
        "kafka": {"bootstrap": broker.bootstrap, "topic_prefix": prefix, "group_prefix": f"{prefix}g",
                  "partitions": 1, "commit_interval_s": 3600},
        "http": {"address": "127.0.0.1:0"},
        "notify": {"receivers": [receiver], "backoff_initial_s": 0.05, "backoff_max_s": 0.5}}))
    topics = kafka.Topics.with_prefix(prefix)
    kafka.ensure_topics(config_for(broker, prefix).kafka, broker.bootstrap, topics)
    produce(broker.bootstrap, topics.incidents, [json.dumps(TRIGGER).encode(), json.dumps(UPDATE).encode()])
    group = f"{prefix}g.notify"
    try:
        first = start_notify(config_file, log)
        wait_for(lambda: len(fake.accepted) >= 1 or first.poll() is not None, 120, "PagerDuty accepting the page")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert fake.accepted, log.read_text()[-3000:]
        assert committed(broker.bootstrap, group, topics.incidents) is None  # killed before the commit
        before = len(fake.accepted)

        second = start_notify(config_file, log)
        try:
            wait_for(lambda: len(fake.accepted) == before + 2, 120, "both events sent again after the restart")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(60) == 0, log.read_text()[-3000:]
    finally:
        pagerduty.stop()
    assert committed(broker.bootstrap, group, topics.incidents) == 2  # committed on SIGTERM
    sent = [(body["dedup_key"], body["event_action"]) for body in fake.accepted]
    assert sent.count((TRIGGER["dedup_key"], "trigger")) == before + 2  # the same key, every time
    assert [(i.dedup_key, i.status) for i in fake.incidents] == [(TRIGGER["dedup_key"], "triggered")]
    assert ROUTING_KEY not in log.read_text()
