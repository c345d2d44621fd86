"""Configuration errors name the key; secrets never print."""

from pathlib import Path

import pytest

from luisterpost.config import ConfigError, build, load


def test_unknown_key_is_named() -> None:
    with pytest.raises(ConfigError, match=r"kafka\.bootstrp: unknown key"):
        build({"kafka": {"bootstrp": "x:9092"}}, environ={})


def test_bad_value_is_named() -> None:
    with pytest.raises(ConfigError, match=r"classify\.batch_size"):
        build({"classify": {"batch_size": 0}}, environ={})


def test_environment_overrides_the_file() -> None:
    config = build({"kafka": {"bootstrap": "file:9092"}}, environ={"LUISTERPOST_BOOTSTRAP": "env:9092"})
    assert config.kafka.bootstrap == "env:9092"


def test_secrets_do_not_print(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("kafka:\n  security_protocol: SASL_SSL\n  sasl_mechanism: PLAIN\n"
                    "  sasl_username: lp\n  sasl_password: hunter2\n")
    config = load(path, environ={})
    assert "hunter2" not in repr(config) and "hunter2" not in str(config.kafka)
    assert config.kafka.sasl_password is not None
    assert config.kafka.sasl_password.get_secret_value() == "hunter2"


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load(path, environ={})


def test_brand_and_rules_files_name_the_bad_key(tmp_path: Path) -> None:
    from alerts.rules_config import load_rules
    from ingest.brands import load_brands

    rules = tmp_path / "rules.yaml"
    rules.write_text("complaint_spike:\n  min_cout: 3\n")
    with pytest.raises(ConfigError, match=r"detect\.rules_file .*complaint_spike\.min_cout: unknown key"):
        load_rules(rules)
    brands = tmp_path / "brands.yaml"
    brands.write_text("brands:\n  - id: Cool Blue\n")
    with pytest.raises(ConfigError, match=r"ingest\.brands_file .*brands\.0\.id"):
        load_brands(brands)
