"""A classify worker loads the serving path only: no pandas, no training code (memory and start-up of every replica)."""

from __future__ import annotations

import json
import subprocess
import sys

# What `luisterpost run classify` imports to build and run the stage: the stage, its wiring, the classifier
# by name, the trained network in both precisions.
SERVING = ("luisterpost.stages.classify", "luisterpost.app", "classify.network.registry",
           "classify.network.classifier", "classify.int8.runtime", "classify.int8.export")
TRAINING = ("pandas", "classify.training")


def loaded_modules(modules: tuple[str, ...]) -> set[str]:
    """sys.modules of a fresh interpreter after importing `modules`: this process has imported everything."""
    script = ("import importlib, json, sys\n"
              f"for name in {list(modules)!r}:\n"
              "    importlib.import_module(name)\n"
              "print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300)
    return set(json.loads(done.stdout))


def test_the_classify_stage_imports_neither_pandas_nor_training_code() -> None:
    loaded = loaded_modules(SERVING)
    assert set(SERVING) <= loaded
    unwanted = sorted(name for name in loaded if any(name == t or name.startswith(t + ".") for t in TRAINING))
    assert not unwanted, f"the serving path imports {[name for name in unwanted if not name.startswith('pandas.')]}"
