"""The int8 path's feed-forward outputs with their outlier channels kept in fp32.

The input of a block's feed-forward output projection (after GELU) has a few channels whose values
reach 7-66 where 99% of them stay under 5 (model 2.1): one 8-bit scale per run cannot hold both, and
quantizing the whole projection moves the answers away from fp32's. The card's `int8_fp32_channels`
(k) keeps the k channels with the largest values on the training split in fp32 and quantizes the
rest. The channels are moved to the end of the block's feed-forward layer (the rows of the input
projection and the columns of the output projection, so the model computes the same function), and
the output projection becomes two products: the first channels (int8) plus the last k (fp32).
Slicing the end off costs less than gathering scattered channels.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from classify.network.transformer import Batch, ModelCard, encode
from classify.serving.model import Post
from ingest.errors import ConfigError

CALIBRATION_POSTS = 512  # the training split's first posts, each run alone as the int8 path runs them
# The corpus training split (classify/corpus/, shipped as package data), read here with the standard
# library: a classify worker that exports the int8 model loads neither pandas nor the training code.
CALIBRATION_FILE = Path(__file__).resolve().parents[1] / "corpus" / "train.csv"


class SplitProjection(nn.Module):
    """`dense` on channels [0, n) as `common` (quantized) plus channels [n, end) as `outliers` (fp32)."""

    def __init__(self, dense: nn.Linear, common: int) -> None:
        super().__init__()
        self.split = common
        self.common = nn.Linear(common, dense.out_features)
        self.outliers = nn.Linear(dense.in_features - common, dense.out_features, bias=False)
        with torch.no_grad():
            self.common.weight.copy_(dense.weight[:, :common])
            self.common.bias.copy_(dense.bias)
            self.outliers.weight.copy_(dense.weight[:, common:])

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        result: torch.Tensor = self.common(hidden[..., :self.split]) + self.outliers(hidden[..., self.split:])
        return result


def calibration_file() -> Path:
    """The corpus training split (installed with the package), or a ConfigError that says it is gone."""
    if not CALIBRATION_FILE.is_file():
        raise ConfigError(f"int8_fp32_channels: the int8 export measures the outlier channels on {CALIBRATION_FILE}, "
                          "which is missing; reinstall luisterpost (the package ships it)")
    return CALIBRATION_FILE


def calibration_posts(limit: int = CALIBRATION_POSTS) -> list[Post]:
    with calibration_file().open(encoding="utf-8", newline="") as file:
        rows = itertools.islice(csv.DictReader(file), limit)
        return [Post(row["text"], row["parent_text"] or None) for row in rows]


def calibration_batches(tokenizer: Any, card: ModelCard) -> Iterator[Batch]:
    """The posts the outlier channels are measured on, each alone, as the int8 path runs them."""
    return (encode(tokenizer, [post], card.max_length, card.parent_chars) for post in calibration_posts())


def channel_peaks(model: nn.Module, layers: Sequence[Any], batches: Iterable[Batch]) -> list[torch.Tensor]:
    """The largest absolute value each feed-forward channel of each block takes on these batches."""
    peaks = [torch.zeros(layer.output.dense.in_features) for layer in layers]

    def recorder(index: int) -> Any:
        def record(_module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            peaks[index] = torch.maximum(peaks[index], inputs[0].detach().abs().amax(dim=(0, 1)))
        return record

    hooks = [layer.output.dense.register_forward_pre_hook(recorder(i)) for i, layer in enumerate(layers)]
    try:
        with torch.inference_mode():
            for batch in batches:
                model(batch)
    finally:
        for hook in hooks:
            hook.remove()
    return peaks


def move_outliers_to_fp32(layers: Sequence[Any], peaks: Sequence[torch.Tensor], channels: int,
                          blocks: Iterable[int]) -> None:
    """In place: in each of these blocks, the `channels` channels with the largest peaks moved last and
    the output projection split into a `SplitProjection`."""
    for index in blocks:
        layer, peak = layers[index], peaks[index]
        order = peak.argsort(stable=True)  # the largest last
        inner, outer = layer.intermediate.dense, layer.output.dense
        with torch.no_grad():
            inner.weight.copy_(inner.weight[order])
            inner.bias.copy_(inner.bias[order])
            outer.weight.copy_(outer.weight[:, order])
        layer.output.dense = SplitProjection(outer, peak.numel() - channels)


def keep_outliers_in_fp32(model: nn.Module, layers: Sequence[Any], batches: Iterable[Batch], channels: int,
                          blocks: Iterable[int], name: str = "the model") -> None:
    """In place, before export: these blocks of `model` keep their `channels` outlier channels apart.
    Measured on `batches`; the model then computes what it computed before (to rounding)."""
    width = int(layers[0].intermediate.dense.out_features)
    if isinstance(channels, bool) or not isinstance(channels, int) or not 0 < channels < width:
        raise ConfigError(f"int8_fp32_channels: {channels!r} in {name}'s card is not a whole number from 1 to "
                          f"{width - 1} (a block's feed-forward channels)")
    move_outliers_to_fp32(layers, channel_peaks(model, layers, batches), channels, blocks)
