"""The trained classifier: the network of `transformer.py` over a model directory, in fp32 or int8.

Scores are the heads' temperature-calibrated probabilities, shifted by the card's operating point.
The int8 path runs the cached ONNX export of the network (`classify/int8/`), exporting it on a miss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from classify.base_encoder.rebuild import resolve_base
from classify.int8.export import cache_key, export_int8, int8_file
from classify.int8.outlier_channels import calibration_batches, calibration_file, keep_outliers_in_fp32
from classify.int8.runtime import OnnxInt8Model
from classify.network.transformer import (
    WEIGHTS_FILE,
    ModelCard,
    StanceModel,
    encode,
    encode_windows,
    encoder_layers,
    load_base,
    pool_windows,
)
from classify.serving.model import Classification, Post
from classify.serving.signals import find_signals
from ingest.errors import ConfigError

LENGTH_GROUP = 16  # posts per run of the fp32 model
INT8_GROUP = 1  # posts per run of the int8 model: each alone, one run per core at once


class TransformerClassifier:
    """A `Classifier` over a model directory; scores are temperature-calibrated probabilities, shifted
    by the card's `label_offsets` (the operating point) where it has any."""

    def __init__(self, directory: Path, precision: str = "fp32") -> None:
        self.card = ModelCard.read(directory)
        self.name, self.version = self.card.name, self.card.version
        self.precision = precision
        self.group_size: int | None = None  # posts per run; None: the precision's own (for benchmarks)
        self.set_offsets(self.card.label_offsets)
        self.model: StanceModel | OnnxInt8Model
        if precision == "int8":
            self.model, self.tokenizer = self._int8(directory)
        else:
            self.model, self.tokenizer = self._fp32(directory)

    def set_offsets(self, offsets: Mapping[str, Mapping[str, float]]) -> None:
        """Added to a head's logits after the temperature: the operating point the card chose."""
        for head, by_label in offsets.items():
            unknown = set(by_label) - set(self.card.labels.get(head, ()))
            if head not in self.card.labels or unknown:
                raise ConfigError(f"label_offsets: {head!r} {sorted(unknown)} is not a head and its labels in "
                                  f"{self.name}'s card")
        self.offsets = {head: torch.tensor([float(offsets.get(head, {}).get(label, 0.0)) for label in labels])
                        for head, labels in self.card.labels.items()}

    def _fp32(self, directory: Path) -> tuple[StanceModel, Any]:
        from safetensors.torch import load_file

        encoder, tokenizer = load_base(self.card.base, self.card.encoder_layers)
        model = StanceModel(encoder, self.card.labels)
        model.load_trained_state(load_file(str(directory / WEIGHTS_FILE)))
        return model.eval(), tokenizer

    def _int8(self, directory: Path) -> tuple[OnnxInt8Model, Any]:
        """The cached ONNX export when there is one; else the fp32 model is built once and exported."""
        from transformers import AutoTokenizer

        heads = tuple(self.card.labels)
        channels = self.card.int8_fp32_channels
        calibration = (calibration_file(),) if channels else ()
        target = int8_file(cache_key(self.card, directory / WEIGHTS_FILE, *calibration))
        if target.is_file():
            return OnnxInt8Model(target, heads), AutoTokenizer.from_pretrained(resolve_base(self.card.base))
        model, tokenizer = self._fp32(directory)
        layers, fp32_blocks = encoder_layers(model.encoder), self.card.int8_fp32_blocks
        split = [] if fp32_blocks is None else [b for b in range(len(layers)) if b not in fp32_blocks]
        if channels and split:
            keep_outliers_in_fp32(model, list(layers), calibration_batches(tokenizer, self.card), channels, split,
                                  self.name)
        example = encode(tokenizer, [Post("voorbeeld", "ouder")], self.card.max_length, self.card.parent_chars)
        export_int8(model, heads, example, target, fp32_blocks)
        del model
        return OnnxInt8Model(target, heads), tokenizer

    def probabilities(self, posts: Sequence[Post]) -> dict[str, torch.Tensor]:
        """Calibrated probabilities per head, in the posts' order. Posts of similar length run together
        in groups, so a short reply is not padded to the longest post of the batch. The int8 path runs
        each post alone, one run per core at once: its activations are quantized with one scale per
        run, so a post's scores then never depend on the posts that came in the same batch."""
        order = sorted(range(len(posts)), key=lambda i: len(posts[i].text) + len(posts[i].parent_text or ""))
        size = self.group_size or (INT8_GROUP if isinstance(self.model, OnnxInt8Model) else LENGTH_GROUP)
        groups = [[posts[i] for i in order[start:start + size]] for start in range(0, len(order), size)]

        def run(group: list[Post]) -> dict[str, torch.Tensor]:
            batch = encode_windows(self.tokenizer, group, self.card.max_length, self.card.parent_chars,
                                   self.card.window_stride, self.card.max_windows)
            assert batch.owner is not None  # encode_windows always says which post a row reads
            return pool_windows(self.model(batch), batch.owner, len(group))

        if isinstance(self.model, OnnxInt8Model):
            outputs = self.model.map(run, groups)
        else:
            with torch.inference_mode():
                outputs = [run(group) for group in groups]
        back = torch.tensor(order).argsort()
        result = {}
        for head in self.card.labels:
            logits = torch.cat([output[head] for output in outputs])[back]
            result[head] = torch.softmax(logits / self.card.temperatures.get(head, 1.0) + self.offsets[head], dim=-1)
        return result

    def classify(self, posts: Sequence[Post]) -> list[Classification]:
        if not posts:
            return []
        probabilities = self.probabilities(posts)
        results = []
        for i, post in enumerate(posts):
            scores = {head: {label: round(float(p), 4)
                             for label, p in zip(self.card.labels[head], probabilities[head][i], strict=True)}
                      for head in ("stance", "sentiment")}
            signals = set(find_signals(post.text))
            if float(probabilities["abuse"][i][1]) >= self.card.abuse_threshold:
                signals.add("abuse")
            results.append(Classification(
                stance=max(scores["stance"], key=scores["stance"].__getitem__),
                sentiment=max(scores["sentiment"], key=scores["sentiment"].__getitem__),
                scores=scores, signals=tuple(sorted(signals)), model=self.name, model_version=self.version))
        return results
