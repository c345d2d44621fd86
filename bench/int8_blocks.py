"""Which blocks keep their feed-forward output in fp32 in the int8 path: each choice scored on dev.

`python bench/int8_blocks.py [--model DIR] [--runs 3]` exports the model to ONNX once, quantizes it
with every choice (every block kept in fp32, none, each single block), and for each prints the mean
of stance and sentiment macro-F1 on the corpus development split beside fp32's, the defense recall,
and posts per second at batch 32 (medians over the runs, and as a ratio to fp32 in the same command).
The choice goes into the model card as `int8_fp32_blocks`. Rule: of the choices that keep at most one
block in fp32 (about as fast as each other), the best on the development split; never the test split.
On 600 posts the choices differ by about a point either way, which is noise as much as signal: for
model 2.0, block 0 scored +1.0 on dev and -1.2 on test, so `bench/model_speed.py` has the last word.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from classify.datasets import CORPUS_DIR
from classify.model import Post
from classify.onnx_int8 import OnnxInt8Model, export_fp32, quantize
from classify.registry import DEFAULT_MODEL, model_directory
from classify.transformer import StanceModel, TransformerClassifier, encode, encoder_layers
from luisterpost.offline import evaluate_file, median_rate, posts_of, read_posts

DEV = CORPUS_DIR / "dev.csv"


def score(classifier: TransformerClassifier, runs: int) -> tuple[float, float, float]:
    """(mean macro-F1, defense recall, posts per second) on the development split."""
    rate = median_rate(classifier, posts_of(read_posts(DEV)), 32, runs)
    report = evaluate_file(classifier, DEV, 32, progress=False)
    mean = (report["stance"]["macro_f1"] + report["sentiment"]["macro_f1"]) / 2
    return mean, report["stance"]["labels"]["defense"]["recall"], rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    directory = model_directory(args.model)
    if directory is None:
        parser.error("--model: the lexicon has no int8 path")
    classifier = TransformerClassifier(directory)
    fp32_model = classifier.model
    assert isinstance(fp32_model, StanceModel)
    blocks = len(encoder_layers(fp32_model.encoder))
    heads = tuple(classifier.card.labels)
    base_f1, base_recall, base_rate = score(classifier, args.runs)
    print(f"{args.model}, {blocks} blocks, corpus dev split ({DEV.name}), batch 32, medians of {args.runs} runs")
    print("| blocks kept in fp32 | mean macro-F1 | vs fp32 (points) | defense recall | posts/s | vs fp32 |")
    print("|---|---|---|---|---|---|")
    print(f"| fp32 model | {base_f1:.4f} | | {base_recall:.3f} | {base_rate:.0f} | 1.00x |")
    choices: dict[str, list[int] | None] = {"all": None, "none": []} | {str(b): [b] for b in range(blocks)}
    with tempfile.TemporaryDirectory() as work:
        plain = Path(work) / "fp32.onnx"
        example = encode(classifier.tokenizer, [Post("voorbeeld", "ouder")], classifier.card.max_length,
                         classifier.card.parent_chars)
        export_fp32(fp32_model, heads, example, plain)
        for name, kept in choices.items():
            target = Path(work) / f"int8-{name}.onnx"
            quantize(plain, target, kept)
            classifier.model = OnnxInt8Model(target, heads)  # the same tokenizer, temperatures and signals
            f1, recall, rate = score(classifier, args.runs)
            print(f"| {name} | {f1:.4f} | {100 * (f1 - base_f1):+.2f} | {recall:.3f} | {rate:.0f} | "
                  f"{rate / base_rate:.2f}x |", flush=True)
            target.unlink()


if __name__ == "__main__":
    main()
