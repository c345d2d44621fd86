"""Every environment variable is read in one module of the runtime (luisterpost/config.py); the cores get
the values passed in, and the command line passes them on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from classify.base_encoder import rebuild as encoder
from luisterpost import cli
from luisterpost.config import environment

ROOT = Path(__file__).resolve().parents[2]
READER = ROOT / "luisterpost" / "config.py"


def reads_of_the_environment(path: Path) -> list[str]:
    """`os.environ`, `os.getenv`, `from os import environ`: where a module reads the process environment."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv") \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} os.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "os" \
                and {alias.name for alias in node.names} & {"environ", "environb", "getenv"}:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} from os import")
    return found


def test_only_the_config_module_reads_the_environment() -> None:
    modules = [path for top in ("luisterpost", "ingest", "classify", "alerts") for path in (ROOT / top).rglob("*.py")]
    assert READER in modules
    assert [read for path in modules if path != READER for read in reads_of_the_environment(path)] == []


def test_each_variable_and_its_default() -> None:
    given = environment({"LUISTERPOST_CONFIG": "/etc/lp.yaml", "LUISTERPOST_LOG_LEVEL": "debug",
                         "LUISTERPOST_BROKER_PORT": "19092", "LUISTERPOST_MODEL_CACHE": "~/models",
                         "LUISTERPOST_SHARED_DATA": "/data/shared"})
    assert (given.config, given.log_level, given.broker_port) == (Path("/etc/lp.yaml"), "debug", "19092")
    assert (given.model_cache, given.shared_data) == (Path.home() / "models", Path("/data/shared"))
    unset = environment({"LUISTERPOST_CONFIG": "", "LUISTERPOST_MODEL_CACHE": ""})  # empty: as if unset
    assert (unset.config, unset.log_level, unset.broker_port, unset.model_cache, unset.shared_data) == (
        None, "INFO", "9092", None, None)


def test_the_command_line_gives_classify_the_model_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("classify.config._model_cache", None)  # restored after the test
    monkeypatch.setenv("LUISTERPOST_MODEL_CACHE", str(tmp_path / "models"))
    missing = tmp_path / "absent.yaml"
    assert cli.main(["--config", str(missing), "eval", str(tmp_path / "posts.csv")]) == 2  # stops at the config
    assert "cannot read configuration" in capsys.readouterr().err
    assert encoder.base_cache_dir() == tmp_path / "models"


def test_training_reads_the_shared_data_the_environment_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("classify.config._model_cache", None)
    monkeypatch.delenv("LUISTERPOST_CONFIG", raising=False)
    monkeypatch.setenv("LUISTERPOST_SHARED_DATA", str(tmp_path / "elsewhere"))
    assert cli.main(["train", "--out", str(tmp_path / "model")]) == 2
    assert f"the real Dutch training sets are missing: {tmp_path / 'elsewhere'}" in capsys.readouterr().err
    assert not (tmp_path / "model").exists()
