"""`luisterpost train`: fine-tune the top encoder layers and the heads on the corpus and the real sets.

The lower layers stay frozen, so their output is computed once per example and cached; every epoch
then runs only the top layers and the heads. That turns hours on two cores into minutes. The epoch
with the best development score is kept, and each head gets a temperature fitted on the development
split so that its probabilities are calibrated.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from classify.network.transformer import (
    CARD_FILE,
    HEAD_LABELS,
    WEIGHTS_FILE,
    ModelCard,
    StanceModel,
    encode,
    encoder_layers,
    load_base,
    run_top,
    set_encoder_layers,
)
from classify.serving.model import Post
from classify.training.datasets import WRITTEN
from classify.training.evaluate import head_report
from ingest.errors import ConfigError

IGNORE = -100
TEMPERATURE_RANGE = (0.25, 20.0)
HEAD_WEIGHTS = {"stance": 1.0, "sentiment": 1.0, "abuse": 0.5}
BUNDLED = Path(__file__).parents[1] / "models" / "luisterpost-e5-small"
SELECT_ON = ("corpus", "real", "all")  # the development rows that pick the epoch: "corpus" = the written sources


@dataclass(frozen=True)
class Settings:
    base: str
    out: Path
    name: str = "luisterpost-e5-small"
    version: str = "1.0"
    epochs: int = 5
    trainable_layers: int = 6
    encoder_layers: int = 0
    max_length: int = 96
    max_windows: int = 16  # at inference a longer post is read in windows (training reads the first)
    window_stride: int = 24
    parent_chars: int = 160
    batch_size: int = 32
    layer_lr: float = 1e-4
    head_lr: float = 1e-3
    seed: int = 13
    teacher: Path | None = None  # a trained model directory whose calibrated probabilities are soft targets
    distill: float = 0.5  # the soft targets' share of the loss when there is a teacher
    init: Path | None = None  # a trained model directory whose blocks (those this model keeps) and heads start training
    heads_only: bool = False  # with init: keep its blocks as they are and retrain only the heads
    select_on: str = "corpus"  # the development rows that pick the epoch: "corpus", "real" or "all"
    progress: bool = True


@dataclass
class Cached:
    """One example's input to the first trainable layer, kept in fp16, and its labels."""

    hidden: torch.Tensor  # (tokens, hidden)
    text_mask: torch.Tensor  # (tokens,)
    labels: dict[str, int]
    soft: dict[str, torch.Tensor] | None = None  # the teacher's probabilities per head


def label_ids(row: pd.Series) -> dict[str, int]:
    ids = {}
    for head in ("stance", "sentiment"):
        value = row[head]
        ids[head] = HEAD_LABELS[head].index(value) if value else IGNORE
    ids["abuse"] = int(row["abuse"]) if int(row["abuse"]) in (0, 1) else IGNORE
    return ids


def teacher_probabilities(frame: pd.DataFrame, teacher: Path, progress: bool) -> list[dict[str, torch.Tensor]]:
    """A trained model's calibrated probabilities for every row: what a smaller student learns to match."""
    from classify.network.classifier import TransformerClassifier

    posts = [Post(text, parent or None) for text, parent in zip(frame["text"], frame["parent_text"], strict=True)]
    reader = TransformerClassifier(teacher)
    parts: dict[str, list[torch.Tensor]] = {head: [] for head in HEAD_LABELS}
    with tqdm(total=len(posts), unit="post", desc="teacher", disable=not progress) as bar:
        for start in range(0, len(posts), 256):
            for head, values in reader.probabilities(posts[start:start + 256]).items():
                parts[head].append(values)
            bar.update(len(posts[start:start + 256]))
    joined = {head: torch.cat(values) for head, values in parts.items()}
    return [{head: values[i] for head, values in joined.items()} for i in range(len(posts))]


def trained_card(option: str, directory: Path | None) -> ModelCard:
    """The card of a trained model directory given as `option` (--teacher, --init), with this model's labels."""
    if directory is None or not (directory / CARD_FILE).is_file():
        raise ConfigError(f"{option}: {directory} is not a trained model directory (no {CARD_FILE})")
    card = ModelCard.read(directory)
    if {head: tuple(names) for head, names in card.labels.items()} != HEAD_LABELS:
        raise ConfigError(f"{option}: {directory} has the labels {card.labels}, not this model's {dict(HEAD_LABELS)}")
    return card


def check_teacher(settings: Settings) -> None:
    if not 0.0 <= settings.distill <= 1.0:
        raise ConfigError(f"--distill: {settings.distill} is not between 0 and 1")
    trained_card("--teacher", settings.teacher)


def start_from(model: StanceModel, settings: Settings) -> list[int]:
    """Load a trained model's fine-tuned blocks that this model keeps, and its heads: a shallower
    student then starts from the teacher's adapted lower blocks instead of the base's. Returns the
    blocks loaded."""
    from safetensors.torch import load_file

    card, init = trained_card("--init", settings.init), settings.init
    assert init is not None  # trained_card refused None
    if card.base != settings.base:
        raise ConfigError(f"--init: {init} was trained on {card.base}, not on {settings.base}")
    kept = len(encoder_layers(model.encoder))
    first_trained = kept - settings.trainable_layers
    state = {}
    loaded = set()
    for key, value in load_file(str(init / WEIGHTS_FILE)).items():
        kind, _, rest = key.partition(".")
        block = int(rest.partition(".")[0]) if kind == "layers" else -1
        if kind == "layers" and block >= kept:
            continue  # a block above those this model keeps
        if kind == "layers" and block < first_trained:
            raise ConfigError(f"--init: {init} changed block {block}, which this model keeps frozen; "
                              f"train it (--layers) or start from the base")
        state[key] = value
        loaded.add(block)
    model.load_trained_state(state)
    return sorted(block for block in loaded if block >= 0)


def tuned_layers(settings: Settings) -> int:
    """The blocks that learn: the trainable ones, or none when only the heads are retrained (then every
    block runs once, when the examples are cached, and each epoch costs only the heads)."""
    return 0 if settings.heads_only else settings.trainable_layers


def cache_lower_layers(model: StanceModel, tokenizer: Any, frame: pd.DataFrame, settings: Settings,
                       soft: Sequence[dict[str, torch.Tensor]] | None = None) -> list[Cached]:
    """Run the frozen layers once over every example, in length-sorted batches. When every block
    trains, what is cached is the (frozen) embeddings' output."""
    layers = encoder_layers(model.encoder)
    split = len(layers) - tuned_layers(settings)
    posts = [Post(text, parent or None) for text, parent in zip(frame["text"], frame["parent_text"], strict=True)]
    order = sorted(range(len(posts)), key=lambda i: len(posts[i].text) + len(posts[i].parent_text or ""))
    cached: list[Cached | None] = [None] * len(posts)
    rows = frame.reset_index(drop=True)
    set_encoder_layers(model.encoder, layers[:split])  # the frozen blocks only; the top ones run per epoch
    try:
        with torch.inference_mode(), tqdm(total=len(posts), unit="post", desc="frozen layers",
                                          disable=not settings.progress) as bar:
            for start in range(0, len(order), 64):
                chosen = order[start:start + 64]
                batch = encode(tokenizer, [posts[i] for i in chosen], settings.max_length, settings.parent_chars)
                states = model.encoder(input_ids=batch.input_ids, attention_mask=batch.attention_mask).last_hidden_state
                for j, i in enumerate(chosen):
                    length = int(batch.attention_mask[j].sum())
                    cached[i] = Cached(states[j, :length].to(torch.float16).clone(),
                                       batch.text_mask[j, :length].clone(), label_ids(rows.iloc[i]),
                                       soft[i] if soft is not None else None)
                bar.update(len(chosen))
    finally:
        set_encoder_layers(model.encoder, layers)
    return [item for item in cached if item is not None]


def collate(items: Sequence[Cached]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    """Padded states and masks, and the labels per head (hard ids; the teacher's ones under `soft.HEAD`)."""
    longest = max(item.hidden.shape[0] for item in items)
    width = items[0].hidden.shape[1]
    hidden = torch.zeros(len(items), longest, width)
    attention = torch.zeros(len(items), longest, dtype=torch.long)
    text = torch.zeros(len(items), longest, dtype=torch.long)
    for i, item in enumerate(items):
        length = item.hidden.shape[0]
        hidden[i, :length] = item.hidden.float()
        attention[i, :length] = 1
        text[i, :length] = item.text_mask
    labels = {head: torch.tensor([item.labels[head] for item in items]) for head in HEAD_LABELS}
    if all(item.soft is not None for item in items):
        labels |= {f"soft.{head}": torch.stack([item.soft[head] for item in items if item.soft is not None])
                   for head in HEAD_LABELS}
    return hidden, attention, text, labels


def forward_top(model: StanceModel, items: Sequence[Cached], settings: Settings
                ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    hidden, attention, text, labels = collate(items)
    tuned = tuned_layers(settings)
    top: list[nn.Module] = list(encoder_layers(model.encoder)[-tuned:]) if tuned else []
    logits: dict[str, torch.Tensor] = model.heads(run_top(top, hidden, attention), attention, text)
    return logits, labels


def class_weights(items: Sequence[Cached], head: str) -> torch.Tensor:
    """Inverse square-root frequency: rare labels (defense, abuse) count more, without overshooting."""
    counts = torch.zeros(len(HEAD_LABELS[head]))
    for item in items:
        if item.labels[head] != IGNORE:
            counts[item.labels[head]] += 1
    total = counts.sum()
    return torch.where(counts > 0, (total / (len(counts) * counts.clamp(min=1))).sqrt(), torch.zeros_like(counts))


def predict_logits(model: StanceModel, items: Sequence[Cached], settings: Settings
                   ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    model.eval()
    logits: dict[str, list[torch.Tensor]] = {head: [] for head in HEAD_LABELS}
    labels: dict[str, list[torch.Tensor]] = {head: [] for head in HEAD_LABELS}
    with torch.inference_mode():
        for start in range(0, len(items), 128):
            batch_logits, batch_labels = forward_top(model, items[start:start + 128], settings)
            for head in HEAD_LABELS:
                logits[head].append(batch_logits[head])
                labels[head].append(batch_labels[head])
    return ({head: torch.cat(values) for head, values in logits.items()},
            {head: torch.cat(values) for head, values in labels.items()})


def scores(logits: dict[str, torch.Tensor], labels: dict[str, torch.Tensor]) -> dict[str, Any]:
    report = {}
    for head, names in HEAD_LABELS.items():
        known = labels[head] != IGNORE
        gold = [names[i] for i in labels[head][known].tolist()]
        predicted = [names[i] for i in logits[head][known].argmax(-1).tolist()]
        report[head] = head_report(gold, predicted, names)
    return report


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The single temperature that minimises the negative log-likelihood on held-out data."""
    known = labels != IGNORE
    if not bool(known.any()):
        return 1.0
    values, targets = logits[known].detach(), labels[known]
    log_t = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(values / log_t.exp(), targets)
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimizer.step(closure)  # type: ignore[no-untyped-call]
    fitted = float(log_t.detach().exp())
    # Perfectly separated data drives the temperature towards 0 (certainty); keep it finite.
    return round(min(max(fitted, TEMPERATURE_RANGE[0]), TEMPERATURE_RANGE[1]), 4) if math.isfinite(fitted) else 1.0


def expected_calibration_error(logits: torch.Tensor, labels: torch.Tensor, temperature: float,
                               bins: int = 10) -> float:
    known = labels != IGNORE
    probabilities = torch.softmax(logits[known] / temperature, dim=-1)
    confidence, predicted = probabilities.max(-1)
    correct = (predicted == labels[known]).float()
    error = 0.0
    for low in range(bins):
        inside = (confidence > low / bins) & (confidence <= (low + 1) / bins)
        if bool(inside.any()):
            gap = abs(float(correct[inside].mean()) - float(confidence[inside].mean()))
            error += float(inside.float().mean()) * gap
    return round(error, 4)


def train_epoch(model: StanceModel, items: list[Cached], optimizer: torch.optim.Optimizer,
                schedule: torch.optim.lr_scheduler.LRScheduler, losses: dict[str, nn.Module],
                settings: Settings, rng: random.Random, bar: Any) -> float:
    model.train()
    rng.shuffle(items)
    total = 0.0
    for start in range(0, len(items), settings.batch_size):
        logits, labels = forward_top(model, items[start:start + settings.batch_size], settings)
        loss = sum((HEAD_WEIGHTS[head] * head_loss(losses[head], logits[head], labels, head, settings)
                    for head in HEAD_LABELS), torch.zeros(()))
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        total += float(loss.detach())
        bar.update(1)
    return total


def head_loss(hard: nn.Module, logits: torch.Tensor, labels: dict[str, torch.Tensor], head: str,
              settings: Settings) -> torch.Tensor:
    """Cross-entropy against the gold label; with a teacher, mixed with cross-entropy against its
    probabilities, which also teach a head on rows whose set has no gold label for it."""
    known = bool((labels[head] != IGNORE).any())
    gold = hard(logits, labels[head]) if known else torch.zeros(())
    if f"soft.{head}" not in labels:
        return gold
    soft = -(labels[f"soft.{head}"] * torch.log_softmax(logits, dim=-1)).sum(-1).mean()
    return (1 - settings.distill) * gold + settings.distill * soft if known else settings.distill * soft


def development_score(report: dict[str, Any]) -> float:
    """What picks the epoch: stance first (the product's point), sentiment after."""
    return float(report["stance"]["macro_f1"]) * 2 + float(report["sentiment"]["macro_f1"])


def train(frame: pd.DataFrame, settings: Settings) -> dict[str, Any]:
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    started = time.monotonic()
    encoder, tokenizer = load_base(settings.base, settings.encoder_layers)
    model = StanceModel(encoder, HEAD_LABELS)
    for parameter in model.encoder.parameters():
        parameter.requires_grad = False
    layers = encoder_layers(model.encoder)
    if not 1 <= settings.trainable_layers <= len(layers):
        raise ConfigError(f"--layers: {settings.trainable_layers} is not between 1 and {len(layers)}, "
                          f"the encoder has {len(layers)} layers")
    if settings.teacher is not None:
        check_teacher(settings)
    if settings.select_on not in SELECT_ON:
        raise ConfigError(f"--select-on: {settings.select_on!r} is not one of {', '.join(SELECT_ON)}")
    initial_blocks = start_from(model, settings) if settings.init is not None else []
    if settings.heads_only and settings.init is None:
        raise ConfigError("--heads-only: retrains the heads of a trained model; name it with --init")
    top = layers[-settings.trainable_layers:]
    for parameter in top.parameters():
        parameter.requires_grad = not settings.heads_only

    training = frame[frame["split"] == "train"]
    development = frame[frame["split"] == "dev"]
    soft = teacher_probabilities(training, settings.teacher, settings.progress) if settings.teacher else None
    train_items = cache_lower_layers(model, tokenizer, training, settings, soft)
    dev_items = cache_lower_layers(model, tokenizer, development, settings)
    corpus_dev = [item for item, source in zip(dev_items, development["source"], strict=True) if source in WRITTEN]
    real_dev = [item for item, source in zip(dev_items, development["source"], strict=True)
                if source not in WRITTEN]
    chosen_dev = {"corpus": corpus_dev or dev_items, "real": real_dev or dev_items,
                  "all": dev_items}[settings.select_on]

    losses: dict[str, nn.Module] = {head: nn.CrossEntropyLoss(weight=class_weights(train_items, head),
                                                              ignore_index=IGNORE) for head in HEAD_LABELS}
    groups = [{"params": list(model.heads.parameters()), "lr": settings.head_lr}]
    if not settings.heads_only:
        groups.append({"params": list(top.parameters()), "lr": settings.layer_lr})
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    steps = settings.epochs * math.ceil(len(train_items) / settings.batch_size)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup))))

    history, best, best_state = [], -1.0, model.trained_state(settings.trainable_layers)
    with tqdm(total=steps, unit="batch", desc="training", disable=not settings.progress) as bar:
        for epoch in range(1, settings.epochs + 1):
            loss = train_epoch(model, train_items, optimizer, schedule, losses, settings, rng, bar)
            report = scores(*predict_logits(model, chosen_dev, settings))
            score = development_score(report)
            history.append({"epoch": epoch, "loss": round(loss, 3), "stance_macro_f1": report["stance"]["macro_f1"],
                            "sentiment_macro_f1": report["sentiment"]["macro_f1"]})
            bar.set_postfix(epoch=epoch, stance=report["stance"]["macro_f1"])
            if score > best:
                best, best_state = score, model.trained_state(settings.trainable_layers)
    model.load_trained_state(best_state)

    dev_logits, dev_labels = predict_logits(model, dev_items, settings)
    temperatures = {head: fit_temperature(dev_logits[head], dev_labels[head]) for head in HEAD_LABELS}
    calibration = {head: {"ece_before": expected_calibration_error(dev_logits[head], dev_labels[head], 1.0),
                          "ece_after": expected_calibration_error(dev_logits[head], dev_labels[head],
                                                                  temperatures[head])}
                   for head in HEAD_LABELS}
    summary = {
        "rows": {split: {source: int(n) for source, n in part.groupby("source").size().items()}
                 for split, part in (("train", training), ("dev", development))},
        "epochs": history, "best_epoch": max(history, key=lambda h: 2 * h["stance_macro_f1"]
                                            + h["sentiment_macro_f1"])["epoch"],
        "dev": scores(dev_logits, dev_labels), "dev_corpus": scores(*predict_logits(model, corpus_dev, settings))
        if corpus_dev else None,
        "dev_real": scores(*predict_logits(model, real_dev, settings)) if real_dev else None,
        "calibration": calibration, "seconds": round(time.monotonic() - started, 1),
        "initial_blocks": initial_blocks,
        "settings": {key: str(value) if isinstance(value, Path) else value
                     for key, value in vars(settings).items() if key != "progress"},
    }
    save(model, settings, temperatures, summary)
    return summary


def save(model: StanceModel, settings: Settings, temperatures: dict[str, float], summary: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    settings.out.mkdir(parents=True, exist_ok=True)
    save_file(model.trained_state(settings.trainable_layers), str(settings.out / WEIGHTS_FILE),
              metadata={"format": "pt"})
    card = ModelCard(name=settings.name, version=settings.version, base=settings.base,
                     max_length=settings.max_length, parent_chars=settings.parent_chars,
                     trainable_layers=settings.trainable_layers, encoder_layers=settings.encoder_layers,
                     max_windows=settings.max_windows, window_stride=settings.window_stride,
                     temperatures=temperatures, training=summary)
    card.write(settings.out)
    (settings.out / "MODEL_CARD.md").write_text(model_card_text(card), encoding="utf-8")


def int8_lines(card: ModelCard) -> list[str]:
    """What the card says about the int8 path, when it sets anything (`bench/int8_blocks.py` chooses)."""
    if card.int8_fp32_blocks is None:
        return []
    if not card.int8_fp32_blocks and not card.int8_fp32_channels:
        return ["- int8: every feed-forward output projection is int8, none kept in fp32; chosen on the development "
                "split by `bench/int8_blocks.py`."]
    kept = f"block(s) {card.int8_fp32_blocks}" if card.int8_fp32_blocks else "no block"
    channels = (f"; in the other blocks its {card.int8_fp32_channels} outlier channels (largest on the training "
                f"split) stay fp32 and the rest is int8" if card.int8_fp32_channels else "")
    return [f"- int8: the whole feed-forward output of {kept} stays fp32{channels}; chosen on the development "
            f"split by `bench/int8_blocks.py`."]


def model_card_text(card: ModelCard) -> str:
    training = card.training
    settings = training.get("settings", {})
    teacher = settings.get("teacher")
    blocks = f"its lowest {card.encoder_layers} blocks kept" if card.encoder_layers else "all its blocks"
    tuned = ("every kept block (the embeddings frozen)" if card.encoder_layers == card.trainable_layers
             else f"the top {card.trainable_layers} blocks (those below and the embeddings frozen)")
    reading = (f"a longer post is read in up to {card.max_windows} windows of {card.max_length} tokens that overlap "
               f"by {card.window_stride}, their logits averaged (training reads each post's first window)"
               if card.max_windows > 1 else f"inputs truncated to {card.max_length} tokens")
    lines = [f"# {card.name} {card.version}", "",
             "Stance (complaint, defense, praise, neutral), sentiment (negative, neutral, positive) and an abuse",
             "flag for Dutch social posts about brands; a reply is read together with its parent.", "",
             "## Model", "",
             f"- Base: `{card.base}`, {blocks}; {tuned} and three linear heads fine-tuned; {reading}; pooled as the "
             f"mean of the reply's tokens beside the mean of the pair.",
             *([f"- Distilled from `{teacher}`: the loss mixes the gold labels with that model's calibrated "
                f"probabilities ({settings.get('distill')} of the loss)."] if teacher else []),
             *([f"- Started from `{settings.get('init')}`: its fine-tuned blocks {training.get('initial_blocks')} "
                f"and its heads, instead of the base's blocks."] if settings.get("init") else []),
             *([f"- Only the heads were retrained; every block is `{settings.get('init')}`'s, unchanged."]
               if settings.get("heads_only") else []),
             *(["- The best epoch was chosen on every development row (the corpus's and the real sets')."]
               if settings.get("select_on") == "all" else []),
             *(["- The best epoch was chosen on the real sets' development rows only (not the corpus's)."]
               if settings.get("select_on") == "real" else []),
             f"- Calibration: one temperature per head fitted on the development split: {card.temperatures}.",
             *([f"- Operating point: {card.label_offsets} added to the calibrated logits, chosen on the development "
                f"rows by `python -m classify.training.real_offsets` (real sets, corpus as guard) or "
                f"`python -m classify.training.operating_point` (defense recall)."] if card.label_offsets else []),
             *int8_lines(card),
             f"- Training took {training.get('seconds')} s on CPU; best epoch {training.get('best_epoch')} of "
             f"{len(training.get('epochs', []))} by development macro-F1 (twice the stance plus the sentiment).", "",
             "## Data (rows per source and split)", "", "```", json.dumps(training.get("rows"), indent=2), "```", "",
             "Sources: `corpus` is the project's own written corpus (`classify/corpus/`, split by thread; its test",
             "split is never trained on); the others are the real Dutch sets in `shared/data/` mapped onto these",
             "labels by `classify/training/datasets.py` (SemEval-2016 restaurant reviews: research use; "
             "political tweets:",
             "no licence stated; EcoSent headlines: MIT; IMSyPP hate speech: no licence stated). Check those",
             "terms before commercial use.", xed_line(training), *app_reviews_lines(training),
             "Never used: anything in `shared/data/heldout/`.", "",
             "## Development scores", "", "```", json.dumps({"all_dev": _macro(training.get("dev")),
                                                           "corpus_dev": _macro(training.get("dev_corpus")),
                                                           "real_dev": _macro(training.get("dev_real"))},
                                                          indent=2),
             "```", "", "Per-epoch history and calibration (expected calibration error before and after):", "",
             "```", json.dumps({"epochs": training.get("epochs"), "calibration": training.get("calibration")},
                               indent=2), "```", ""]
    return "\n".join(lines)


def xed_line(training: dict[str, Any]) -> str:
    """What the card says of XED: its hand-labelled lines when they trained the model, else not used."""
    if "xed-subtitles" in training.get("rows", {}).get("train", {}):
        return ("`xed-subtitles`: XED's Dutch subtitle lines (CC BY 4.0) with the team's own stance and sentiment "
                "labels (`classify/corpus/annotations/`); XED's projected emotions are not used.")
    return "Not used: the XED projected emotions (subtitles, labels projected from English)."


def app_reviews_lines(training: dict[str, Any]) -> list[str]:
    """What the card says of the app reviews, when they trained the model."""
    if "app-reviews" not in training.get("rows", {}).get("train", {}):
        return []
    return ["`app-reviews`: real Google Play reviews of Dutch apps (MIT, `classify/corpus/real/app-reviews/`) with "
            "the team's hand labels; their test split is never trained on."]


def _macro(report: dict[str, Any] | None) -> dict[str, float] | None:
    if not report:
        return None
    return {head: report[head]["macro_f1"] for head in report}
