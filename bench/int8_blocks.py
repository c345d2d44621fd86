"""Which parts of the feed-forward outputs stay fp32 in the int8 path: each choice scored on dev.

`python bench/int8_blocks.py [--model DIR] [--rounds 5] [--channels 16]` exports the model to ONNX
once and quantizes it with every choice: every block's feed-forward output projection kept whole in
fp32 (`all`, `int8_fp32_blocks` unset), none, each single block, and last none but each block's
`--channels` outlier channels (`int8_fp32_blocks: []` with `int8_fp32_channels`, see
`classify/int8/outlier_channels.py`). For each it prints, on the corpus development split, the mean of
stance and sentiment macro-F1 beside fp32's, the defense recall, the share of posts whose stance and
sentiment are both fp32's, and posts per second at batch 32: timed in turn, round after round, so
that a noisy neighbour favours no choice, as the median and as the median per-round ratio to fp32
and to `all`. The choice goes into the card; never look at the test split to make it.

On 600 posts the macro-F1 of the choices differs by about a point either way, which is noise as much
as signal: for model 2.0, block 0 kept in fp32 scored +1.0 on dev and -1.2 on test; for 2.1 with each
post run alone, quantizing every block scored +1.2 on dev and -1.1 on test (stance -1.7). Agreement
with fp32 is the steadier guide, since int8 is meant to give fp32's answers: that last choice agreed
with fp32 on 94.7% of the dev posts, against 97.2% for `all`. Rule: a choice may replace the card's
only if it agrees with fp32 at least as often as the card's does.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
from pathlib import Path

from classify.int8.export import export_fp32, quantize
from classify.int8.outlier_channels import calibration_batches, keep_outliers_in_fp32
from classify.int8.runtime import OnnxInt8Model
from classify.network.classifier import TransformerClassifier
from classify.network.registry import DEFAULT_MODEL, model_directory
from classify.network.transformer import StanceModel, encode, encoder_layers
from classify.serving.labels import HEADS
from classify.serving.model import Post
from classify.training.datasets import CORPUS_DIR, posts_of
from luisterpost.offline import head_reports, median_rate, read_posts

DEV = CORPUS_DIR / "dev.csv"


def quality(classifier: TransformerClassifier) -> tuple[float, float, list[tuple[str, str]]]:
    """(mean macro-F1, defense recall, (stance, sentiment) of every post) on the development split,
    from one pass over it."""
    frame = read_posts(DEV, tuple(HEADS))
    results = classifier.classify(posts_of(frame))
    report = head_reports(frame, results, DEV)
    mean = (report["stance"]["macro_f1"] + report["sentiment"]["macro_f1"]) / 2
    answers = [(result.stance, result.sentiment) for result in results]
    return mean, report["stance"]["labels"]["defense"]["recall"], answers


def agreement(these: list[tuple[str, str]], reference: list[tuple[str, str]]) -> float:
    return sum(a == b for a, b in zip(these, reference, strict=True)) / len(reference)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds, every choice once per round")
    parser.add_argument("--channels", type=int, default=16, help="outlier channels per block kept in fp32 (last row)")
    args = parser.parse_args()
    directory = model_directory(args.model)
    if directory is None:
        parser.error("--model: the lexicon has no int8 path")
    classifier = TransformerClassifier(directory)
    fp32_model = classifier.model
    assert isinstance(fp32_model, StanceModel)
    layers = list(encoder_layers(fp32_model.encoder))
    heads, card = tuple(classifier.card.labels), classifier.card
    choices: dict[str, list[int] | None] = {"all": None, "none": []} | {str(b): [b] for b in range(len(layers))}
    split = f"none, {args.channels} outlier channels per block in fp32"
    models: dict[str, StanceModel | OnnxInt8Model] = {"fp32 model": fp32_model}
    scores = {"fp32 model": quality(classifier)}
    with tempfile.TemporaryDirectory() as work:
        plain = Path(work) / "fp32.onnx"
        example = encode(classifier.tokenizer, [Post("voorbeeld", "ouder")], card.max_length, card.parent_chars)
        export_fp32(fp32_model, heads, example, plain)
        for name, kept in choices.items():
            quantize(plain, Path(work) / f"int8-{name}.onnx", kept)
        if args.channels:
            calibration = calibration_batches(classifier.tokenizer, card)
            split_model = copy.deepcopy(fp32_model)
            keep_outliers_in_fp32(split_model, list(encoder_layers(split_model.encoder)), calibration, args.channels,
                                  range(len(layers)))
            export_fp32(split_model, heads, example, Path(work) / "split.onnx")
            del split_model
            quantize(Path(work) / "split.onnx", Path(work) / "int8-split.onnx", [])
            choices[split] = []
        for name in choices:
            # the same tokenizer, temperatures and signals; only the model differs
            classifier.model = models[name] = OnnxInt8Model(
                Path(work) / f"int8-{'split' if name == split else name}.onnx", heads)
            scores[name] = quality(classifier)
    posts = posts_of(read_posts(DEV))
    rates: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.rounds):  # interleaved, so that a noisy neighbour favours no choice
        for name, model in models.items():
            classifier.model = model
            rates[name].append(median_rate(classifier, posts, 32, 1))
    reference = scores["fp32 model"][2]
    print(f"{args.model}, {len(layers)} blocks, corpus dev split ({DEV.name}, {len(posts)} posts), batch 32; "
          f"posts/s: medians of {args.rounds} interleaved rounds, ratios: medians of the per-round ratios")
    print("| feed-forward output kept in fp32 | mean macro-F1 | vs fp32 (points) | defense recall | agrees with fp32 "
          "| posts/s | vs fp32 | vs all |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (f1, recall, answers) in scores.items():
        print(f"| {name} | {f1:.4f} | {100 * (f1 - scores['fp32 model'][0]):+.2f} | {recall:.3f} | "
              f"{100 * agreement(answers, reference):.1f}% | {statistics.median(rates[name]):.0f} | "
              f"{ratio(rates[name], rates['fp32 model']):.2f}x | {ratio(rates[name], rates['all']):.2f}x |")


def ratio(these: list[float], baseline: list[float]) -> float:
    return statistics.median(a / b for a, b in zip(these, baseline, strict=True))


if __name__ == "__main__":
    main()
