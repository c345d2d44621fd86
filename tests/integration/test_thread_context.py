"""A restart in the middle of a thread: the replies after it still find their parent and their thread's brand."""

from __future__ import annotations

import json
import threading

from luisterpost import kafka
from luisterpost.app import Pipeline
from luisterpost.broker import EmbeddedBroker
from luisterpost.config import Config
from luisterpost.demo import scenarios
from luisterpost.demo.scenarios import PILE_ON_START
from luisterpost.metrics import Metrics
from tests.integration.conftest import config_for, produce, read_json, wait_for


def untagged_pile_on() -> list[dict[str, object]]:
    """Seed 001 as a thread collector delivers it: only the root carries `brand`."""
    records = scenarios.pile_on_thread(PILE_ON_START)
    for reply in records[1:]:
        reply.pop("brand", None)
    return records


def classify_until(config: Config, bootstrap: str, classified_topic: str, ids: set[str], what: str) -> None:
    stopping = threading.Event()
    pipeline = Pipeline(config, bootstrap, ("ingest", "classify"), Metrics(), stopping).start()
    try:
        wait_for(lambda: {r["id"] for r in read_json(bootstrap, classified_topic)} >= ids, 120, what)
    finally:
        stopping.set()
        assert pipeline.join(), "a stage failed or did not stop"


def test_replies_after_a_restart_keep_their_parent_and_brand(broker: EmbeddedBroker, prefix: str) -> None:
    thread = untagged_pile_on()
    before, after = thread[:6], thread[6:]
    config = config_for(broker, prefix, classify={"model": "lexicon"})
    topics = kafka.Topics.with_prefix(prefix)
    kafka.ensure_topics(config.kafka, broker.bootstrap, topics)

    produce(broker.bootstrap, topics.raw, [json.dumps(record).encode() for record in before])
    classify_until(config, broker.bootstrap, topics.classified, {str(r["id"]) for r in before}, "the first replies")

    # classify restarts (a deploy, an OOM kill); the thread goes on, with replies to posts it saw before
    produce(broker.bootstrap, topics.raw, [json.dumps(record).encode() for record in after])
    earlier = {str(r["id"]) for r in before}
    answering_earlier = [r for r in after if r["thread"]["parent_id"] in earlier]  # type: ignore[index]
    assert answering_earlier, "the split must leave replies to posts from before the restart"
    classify_until(config, broker.bootstrap, topics.classified, {str(r["id"]) for r in after},
                   "every reply after the restart classified (none skipped as thread_root_unknown)")

    classified = {r["id"]: r for r in read_json(broker.bootstrap, topics.classified)}
    for reply in after:
        record = classified[reply["id"]]
        assert record["brand"] == "coolblue", record
        assert "parent_unseen" not in record.get("flags", []), f"{reply['id']} lost its parent in the restart"
