"""The int8 path at run time: the exported network (`export.py`) in ONNX Runtime, several posts at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import torch

from classify.int8.export import INPUTS
from classify.network.transformer import Batch

Group = TypeVar("Group")


class OnnxInt8Model:
    """Called like `StanceModel`: a `Batch` in, logits per head out. `map` runs several groups of posts
    (single posts, as `TransformerClassifier` uses it) at once, one per core."""

    def __init__(self, path: Path, heads: tuple[str, ...], side_by_side: int | None = None) -> None:
        import onnxruntime

        cores = max(1, torch.get_num_threads())
        runs = min(cores, side_by_side or cores)
        options = onnxruntime.SessionOptions()
        # By default one thread per run, and as many runs at once as there are cores: the products of
        # one short post are too small to split between cores without each operator waiting for the
        # slower half, and a post alone is not padded (`python bench/int8_groups.py` on this
        # project's 2-core machine: 1.19x the posts per second of one two-thread run at a time in
        # groups of 16 for model 2.1).
        options.intra_op_num_threads = max(1, cores // runs)
        options.inter_op_num_threads = 1
        # Idle intra-op threads (when a run has several) sleep instead of spinning on the cores the
        # tokenizer and the other runs need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.path, self.heads = path, heads
        self.workers = ThreadPoolExecutor(runs, thread_name_prefix="int8")

    def __call__(self, batch: Batch) -> dict[str, torch.Tensor]:
        feeds = dict(zip(INPUTS, (batch.input_ids.numpy(), batch.attention_mask.numpy(), batch.text_mask.numpy()),
                         strict=True))
        outputs = self.session.run(list(self.heads), feeds)  # releases the GIL: runs overlap
        return {head: torch.from_numpy(values) for head, values in zip(self.heads, outputs, strict=True)}

    def map(self, run: Callable[[Group], dict[str, torch.Tensor]],
            groups: Sequence[Group]) -> list[dict[str, torch.Tensor]]:
        """`run` (which calls this model) on each group, up to one group per core at once; in order."""
        return list(self.workers.map(run, groups))
