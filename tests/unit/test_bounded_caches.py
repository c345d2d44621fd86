"""classify's parent texts and ingest's dedup hold at most their byte budget, whatever the sizes of
hostile texts and ids, and still behave as LRU caches."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

from classify.serving.worker import ParentTexts
from ingest.dedup import SeenIds

MIB = 1024 * 1024
HOSTILE_TEXT = ("wachten op bezorging 😡 " * 1000)[:20_000]  # 20,000 characters, 4 bytes each in memory


def grown_by(fill: Callable[[], object]) -> tuple[object, int]:
    """Bytes still allocated after `fill` (its result kept alive), as tracemalloc counts them."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = fill()
        gc.collect()
        return kept, tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_parent_texts_stay_within_their_byte_budget_and_keep_the_newest() -> None:
    def fill() -> ParentTexts:
        parents = ParentTexts(100_000, max_bytes=2 * MIB)
        for i in range(200):  # 16 MB of text offered
            parents.remember(f"p{i}", HOSTILE_TEXT + str(i))
        return parents

    parents, grown = grown_by(fill)
    assert isinstance(parents, ParentTexts)
    assert grown < 2.5 * MIB
    assert parents.get("p199") == HOSTILE_TEXT + "199" and parents.get("p0") is None
    assert 10 < len(parents) < 200


def test_parent_texts_are_still_bounded_by_count_and_evict_the_least_recent() -> None:
    parents = ParentTexts(3, max_bytes=64 * MIB)
    for name in ("a", "b", "c"):
        parents.remember(name, name.upper())
    parents.remember("a", "A again")  # remembered again: the most recent
    parents.remember("d", "D")
    assert [parents.get(name) for name in "abcd"] == ["A again", None, "C", "D"]


def test_a_text_larger_than_the_whole_budget_is_not_remembered() -> None:
    parents = ParentTexts(10, max_bytes=1024)
    parents.remember("big", "x" * 10_000)
    assert parents.get("big") is None and len(parents) == 0


def test_dedup_memory_does_not_depend_on_the_size_of_the_ids() -> None:
    def fill() -> SeenIds:
        seen = SeenIds(200_000, max_bytes=MIB)
        for i in range(20_000):  # 200 MB of ids offered
            seen.first_time(f"id{i}-" + "I" * 10_240)
        return seen

    seen, grown = grown_by(fill)
    assert isinstance(seen, SeenIds)
    assert grown < 1.2 * MIB
    assert not seen.first_time("id19999-" + "I" * 10_240)  # a recent id is still known
    assert seen.first_time("id0-" + "I" * 10_240)  # the oldest was forgotten to stay in budget
