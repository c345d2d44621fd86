"""The int8 path: the trained network exported to ONNX, its matrix products quantized for ONNX Runtime.

Exported once per model into the model cache (keyed by a hash of the card, the weights and the
library versions), then reused: `luisterpost setup` does it ahead of the first classify worker.
Weights are int8 per output channel with a 7-bit range (`reduce_range`): on CPUs without VNNI
(AVX2 only, as here) the u8 x s8 multiply-add saturates at the full 8-bit range and costs accuracy.
Activations are quantized per batch at run time (dynamic quantization). Left in fp32: the products
of two activations inside attention, the heads' logits, and the feed-forward output projection of
the blocks the card names in `int8_fp32_blocks` (all of them when it names none): the input of that
projection (after GELU) has outliers that one 8-bit scale per batch may not hold. Which blocks need
it differs per model; `bench/int8_blocks.py` scores each choice on the development split. In the
other blocks, the card's `int8_fp32_channels` keeps just the outlier channels of that projection in
fp32 (`classify/int8/outlier_channels.py`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from classify.base_encoder.rebuild import base_cache_dir
from classify.network.transformer import Batch, ModelCard

INPUTS = ("input_ids", "attention_mask", "text_mask")
FEED_FORWARD_OUTPUT = re.compile(r"layer\.(\d+)/output/dense/MatMul$")
OUTLIER_CHANNELS = re.compile(r"layer\.(\d+)/output/dense/outliers/MatMul$")  # see classify/int8/outlier_channels.py
OPSET = 17


def cache_key(card: ModelCard, weights: Path, *data: Path) -> str:
    """A hash of the card, the weights, the data the export reads (if any) and the library versions."""
    import onnxruntime

    digest = hashlib.sha256(json.dumps(asdict(card), sort_keys=True).encode())
    for path in (weights, *data):
        digest.update(path.read_bytes())
    digest.update(f"torch {torch.__version__} onnxruntime {onnxruntime.__version__}".encode())
    return digest.hexdigest()[:20]


def int8_file(key: str) -> Path:
    return base_cache_dir() / "int8" / f"{key}.onnx"


class _Exportable(nn.Module):
    """The model with plain tensors in and a tuple of logits out, as ONNX export wants it."""

    def __init__(self, model: nn.Module, heads: tuple[str, ...]) -> None:
        super().__init__()
        self.model = model
        self.heads = heads

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                text_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        logits = self.model(Batch(input_ids, attention_mask, text_mask))
        return tuple(logits[head] for head in self.heads)


def export_fp32(model: nn.Module, heads: tuple[str, ...], example: Batch, target: Path) -> None:
    with warnings.catch_warnings():
        # The tracer notes the Python-side checks of padding and causality it fixes; both are
        # constant for an encoder whose mask is as long as its input.
        warnings.simplefilter("ignore")
        torch.onnx.export(_Exportable(model, heads).eval(), (example.input_ids, example.attention_mask,
                                                             example.text_mask),
                          str(target), input_names=list(INPUTS), output_names=list(heads), opset_version=OPSET,
                          dynamic_axes={name: {0: "posts", 1: "tokens"} for name in INPUTS}, dynamo=False)


def feed_forward_outputs(plain: Path, blocks: Sequence[int] | None) -> list[str]:
    """The names of the products that stay fp32: the feed-forward output products of these blocks
    (None: of every block), and the outlier channels' part of any split one."""
    import onnx

    graph = onnx.load(str(plain), load_external_data=False).graph
    names = []
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        whole = FEED_FORWARD_OUTPUT.search(node.name)
        if OUTLIER_CHANNELS.search(node.name) or (whole and (blocks is None or int(whole.group(1)) in blocks)):
            names.append(node.name)
    return names


def quantize(plain: Path, target: Path, fp32_blocks: Sequence[int] | None) -> None:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # the quantizer logs a line per tensor, and advice, on the root logger
    try:
        quantize_dynamic(str(plain), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=True, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=feed_forward_outputs(plain, fp32_blocks),
                         extra_options={"DefaultTensorType": TensorProto.FLOAT, "MatMulConstBOnly": True})
    finally:
        root.setLevel(level)


def export_int8(model: nn.Module, heads: tuple[str, ...], example: Batch, target: Path,
                fp32_blocks: Sequence[int] | None = None) -> Path:
    """Export and quantize into `target`, through a temporary file beside it, so that a worker never
    sees half a model and two workers racing both end with a whole one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        plain, quantized = Path(work) / "fp32.onnx", Path(work) / "int8.onnx"
        export_fp32(model, heads, example, plain)
        quantize(plain, quantized, fp32_blocks)
        os.replace(quantized, target)
    return target
